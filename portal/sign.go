package portal

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/qesproject/qes/account"
	"github.com/qesproject/qes/ca"
	"github.com/qesproject/qes/sam"
)

// certView is a credential's current certificate as the pages show it.
type certView struct {
	ID, State, Serial, Subject, Issuer, Holder, Email, Key, Fingerprint, PEM string
	NotBefore, NotAfter                                                      time.Time
	Policies                                                                 []string
	Qualified, PINBlocked, EmailPending                                      bool
}

func newCertView(v *sam.View, recordEmail string) certView {
	leaf := v.Chain[0]
	cv := certView{
		ID: v.ID, State: string(v.CertState), Serial: strings.ToUpper(hex.EncodeToString(leaf.SerialNumber.Bytes())),
		Subject: distinguishedName(leaf.Subject), Issuer: distinguishedName(leaf.Issuer), Holder: leaf.Subject.CommonName, NotBefore: leaf.NotBefore, NotAfter: leaf.NotAfter,
		PINBlocked: v.PINBlocked, Key: keyDescription(leaf),
		PEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Raw})),
	}
	sum := sha256.Sum256(leaf.Raw)
	cv.Fingerprint = strings.ToUpper(hex.EncodeToString(sum[:]))
	if len(leaf.EmailAddresses) > 0 {
		cv.Email = leaf.EmailAddresses[0]
	}
	cv.EmailPending = !strings.EqualFold(cv.Email, recordEmail)
	for _, p := range leaf.Policies {
		cv.Policies = append(cv.Policies, p.String())
	}
	if len(cv.Policies) == 0 {
		for _, p := range leaf.PolicyIdentifiers {
			cv.Policies = append(cv.Policies, p.String())
		}
	}
	for _, ext := range leaf.Extensions {
		if ext.Id.Equal(ca.OIDQCStatements) {
			if q, err := ca.ParseQCStatements(ext.Value); err == nil {
				cv.Qualified = q.Compliance
			}
		}
	}
	return cv
}

// attrNames are the short names of the attributes qualified certificates
// carry (ETSI EN 319 412-2/-3); crypto/x509 knows only some of them.
var attrNames = map[string]string{
	"2.5.4.3": "CN", "2.5.4.42": "GN", "2.5.4.4": "SN", "2.5.4.5": "serialNumber", "2.5.4.6": "C",
	"2.5.4.10": "O", "2.5.4.11": "OU", "2.5.4.97": "organizationIdentifier", "2.5.4.7": "L", "2.5.4.8": "ST",
	"2.5.4.12": "title", "2.5.4.65": "pseudonym", "1.2.840.113549.1.9.1": "emailAddress",
}

// distinguishedName writes a name's attributes in certificate order.
func distinguishedName(n pkix.Name) string {
	parts := make([]string, 0, len(n.Names))
	for _, a := range n.Names {
		key, ok := attrNames[a.Type.String()]
		if !ok {
			key = a.Type.String()
		}
		parts = append(parts, fmt.Sprintf("%s=%v", key, a.Value))
	}
	return strings.Join(parts, ", ")
}

func keyDescription(c *x509.Certificate) string {
	switch k := c.PublicKey.(type) {
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA %d bit", k.N.BitLen())
	}
	return c.PublicKeyAlgorithm.String()
}

type homeData struct {
	Account *account.AccountView
	Certs   []certView
	// Activation is the credential awaiting activation, if any.
	Activation *PendingActivation
}

func (h *handler) home(c *echo.Context) error {
	acct, err := h.loadAccount(c)
	if err != nil {
		return err
	}
	views, err := h.sam.List(c.Request().Context(), acct.ID, false)
	if err != nil {
		return err
	}
	d := homeData{Account: acct}
	for _, v := range views {
		d.Certs = append(d.Certs, newCertView(v, acct.Email))
	}
	if h.act != nil {
		// An enrolled credential waiting for activation is the first
		// thing to do: the page says so and links there.
		pend, err := h.act.PendingActivation(c.Request().Context(), acct.ID)
		if err != nil && !isNotFound(err) {
			return err
		}
		d.Activation = pend
	}
	p := h.newPage(c, acct)
	p.Data = d
	return h.render(c, http.StatusOK, "home", p)
}

// credentialView loads the credential named by ?credential= (or the
// holder's first one).
func (h *handler) credentialView(c *echo.Context, holderID, id string) (*sam.View, error) {
	svc := h.sam
	if id != "" {
		return svc.Info(c.Request().Context(), holderID, id)
	}
	views, err := svc.List(c.Request().Context(), holderID, false)
	if err != nil {
		return nil, err
	}
	if len(views) == 0 {
		return nil, errNoCredential
	}
	return views[0], nil
}

func (h *handler) certificate(c *echo.Context) error {
	acct, err := h.loadAccount(c)
	if err != nil {
		return err
	}
	p := h.newPage(c, acct)
	v, err := h.credentialView(c, acct.ID, c.QueryParam("credential"))
	if err != nil {
		return h.fail(c, "message", withLink(p, "/portal/sign"), err)
	}
	cv := newCertView(v, acct.Email)
	p.Data = map[string]any{"Cert": cv}
	return h.render(c, http.StatusOK, "certificate", p)
}

func (h *handler) certificatePEM(c *echo.Context) error {
	acct, err := h.loadAccount(c)
	if err != nil {
		return err
	}
	v, err := h.credentialView(c, acct.ID, c.QueryParam("credential"))
	if err != nil {
		return h.fail(c, "message", withLink(h.newPage(c, acct), "/portal/sign"), err)
	}
	var out []byte
	for _, cert := range v.Chain {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})...)
	}
	c.Response().Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="certificate-%s.pem"`, v.ID))
	return c.Blob(http.StatusOK, "application/x-pem-file", out)
}

// withLink prepares p to show only an error with a link on.
func withLink(p *page, link string) *page {
	p.TitleKey = "title.error"
	p.Data = map[string]string{"Link": link, "LinkKey": "common.back"}
	return p
}

type emailData struct {
	Account      *account.AccountView
	CredentialID string
	CertEmail    string
	Pending      bool
	Step         string
	NewEmail     string
}

func (h *handler) emailPage(c *echo.Context) error {
	p, d, err := h.emailSetup(c, c.QueryParam("credential"))
	if err != nil {
		return err
	}
	p.Data = d
	return h.render(c, http.StatusOK, "email", p)
}

func (h *handler) emailSetup(c *echo.Context, credentialID string) (*page, *emailData, error) {
	acct, err := h.loadAccount(c)
	if err != nil {
		return nil, nil, err
	}
	p := h.newPage(c, acct)
	p.TitleKey = "title.email"
	d := &emailData{Account: acct, Step: "address"}
	if v, err := h.credentialView(c, acct.ID, credentialID); err == nil {
		cv := newCertView(v, acct.Email)
		d.CredentialID, d.CertEmail, d.Pending = cv.ID, cv.Email, cv.EmailPending
	} else if !isNotFound(err) && err != errNoCredential {
		return nil, nil, err
	}
	return p, d, nil
}

func (h *handler) emailStart(c *echo.Context) error {
	p, d, err := h.emailSetup(c, form(c, "credential"))
	if err != nil {
		return err
	}
	d.NewEmail = form(c, "email")
	p.Data = d
	if err := h.p.StartCertificateEmail(c.Request().Context(), d.Account.ID, d.NewEmail); err != nil {
		return h.fail(c, "email", p, err)
	}
	d.Step = "code"
	if !p.AppMode {
		p.Notice = p.Tf("notice.codesent", p.PhoneMasked)
	}
	return h.render(c, http.StatusOK, "email", p)
}

func (h *handler) emailConfirm(c *echo.Context) error {
	p, d, err := h.emailSetup(c, form(c, "credential"))
	if err != nil {
		return err
	}
	d.NewEmail, d.Step = form(c, "email"), "code"
	p.Data = d
	if err := h.p.ConfirmCertificateEmail(c.Request().Context(), d.Account.ID, d.NewEmail, form(c, "otp")); err != nil {
		return h.fail(c, "email", p, err)
	}
	return done(c, "/portal/sign/email?credential="+d.CredentialID, "email")
}
