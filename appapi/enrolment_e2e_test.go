package appapi_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	xocsp "golang.org/x/crypto/ocsp"

	"github.com/qesproject/qes/bundle"
	"github.com/qesproject/qes/enrol"
	"github.com/qesproject/qes/hsm"
	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/internal/testutil/emrtdgen"
	"github.com/qesproject/qes/internal/testutil/validator"
	"github.com/qesproject/qes/operator"
	"github.com/qesproject/qes/storage"
)

// Issue 10's "done when", against one real qesd (SoftHSM2, bbolt, dev
// outbox, dev payments) whose every log record is captured: the web
// customer buys in the shop over HTTP, the app identifies with a synthetic
// CIE the operator trusts, accepts the contract and requests the
// certificate; an officer approves; the envelope opens with the passphrase
// only and its codes are nowhere qesd wrote or logged; the holder's first
// access and activation sign the contract; the holder signs a hash through
// CSC; the evidence bundle is sealed, verified by qes and by openssl, and a
// flipped byte is named; the ERC suspends; a second applicant who never
// activates is revoked at the deadline with the key destroyed.
func TestEnrolmentEndToEnd(t *testing.T) {
	t.Parallel()
	started := time.Now()
	var logged testutil.LogBuffer
	s := testutil.StartServer(t, testutil.WithLogWriter(&logged))
	ctx := context.Background()
	now := s.Clock.Now()
	cie := emrtdgen.NewDocument(t, emrtdgen.Options{Kind: emrtdgen.CIE, Now: now,
		CSCA: emrtdgen.NewCSCA("IT", "CSCA enrolment", emrtdgen.KeyRSAPSS2048(), now.AddDate(-5, 0, 0), now.AddDate(10, 0, 0))})
	if cie.TaxCode != emrtdgen.DefaultHolder(emrtdgen.CIE).TaxCode || cie.CSCA.Cert.SignatureAlgorithm.String() != "RSASSA-PSS" || cie.Chip == nil {
		t.Fatalf("not the CIE this test means: tax code %s, CSCA %s", cie.TaxCode, cie.CSCA.Cert.SignatureAlgorithm)
	}

	// 1. The web customer in the shop, over HTTP.
	const email, mobile = "mario.cie@example.org", "+393331112233"
	number, userID := buyInShop(t, s, email, mobile, cie.TaxCode)

	// 2. The operator trusts the CIE's issuing state; the app identifies
	// with the chip, reads the contract and requests the certificate.
	trustDocument(t, s, cie)
	a := login(t, s, email, mobile)
	identifyOrder(t, s, a, cie, number, "CIE")
	const passphrase = "Gabbiano sul molo 7"
	requestCertificate(t, a, number, passphrase)

	// 3. An officer approves: the order is issued to the shop's UserID.
	newOfficer(t, s, "verdi")
	approve(t, s, "verdi", number)
	o, err := s.App.Store.Order(ctx, number)
	if err != nil || o.State != "issued" || o.UserID != userID || o.Issuance == nil {
		t.Fatalf("after approval: %+v, %v", o, err)
	}

	// 4. The envelope: AES-256 R6, opened by the passphrase alone; its
	// codes and the passphrase are in no file and no log line.
	pin, puk, erc := envelopeOf(t, s, o, passphrase)
	secrets := []string{pin, puk, erc, passphrase}
	noSecretOnDisk(t, s, secrets)
	noSecretLogged(t, &logged, secrets)

	// 5. First access with the PUK, activation with the envelope PIN (the
	// contract signed, checked by pdfsig), a hash signed through CSC and
	// verified with the certificate's key.
	holder := activateIssued(t, s, userID, pin, puk)

	// 6. The evidence bundle: sealed by the job, verified by qes and by
	// openssl against qes's root; a flipped byte is named.
	checkEvidence(t, s, number)

	// 7. The ERC from the envelope suspends the certificate.
	st, body := s.Post(t, "/api/v1/emergency/suspend", "", map[string]any{"userID": userID, "erc": erc})
	if st != http.StatusOK || body["cert"].(map[string]any)["status"] != "suspended" || body["credentialID"] != holder.CredentialID {
		t.Fatalf("emergency suspension: %d %v", st, body)
	}
	tok := s.Login(t, "v2", userID, holder.Password)
	if st, body := s.Post(t, "/csc/v2/credentials/info", tok, map[string]any{"credentialID": holder.CredentialID}); st != http.StatusOK ||
		body["cert"].(map[string]any)["status"] != "suspended" {
		t.Fatalf("credentials/info after the ERC: %d %v", st, body)
	}
	if status, reason := s.OCSPStatus(t, leafOf(t, s, holder.CredentialID)); status != xocsp.Revoked || reason != xocsp.CertificateHold {
		t.Fatalf("OCSP after the ERC: status %d reason %d, want revoked/certificateHold", status, reason)
	}

	// 8. A second applicant, issued but never activated: past the
	// deadline the job revokes, destroys the key, expires the order and
	// tells the customer.
	late := emrtdgen.NewDocument(t, emrtdgen.Options{Kind: emrtdgen.CIE, Now: now,
		CSCA: emrtdgen.NewCSCA("IT", "CSCA late", emrtdgen.KeyRSAPSS2048(), now.AddDate(-5, 0, 0), now.AddDate(10, 0, 0))})
	trustDocument(t, s, late)
	lateApp, lateNumber := identify(t, s, late, "CIE")
	requestCertificate(t, lateApp, lateNumber, passphrase)
	approve(t, s, "verdi", lateNumber)
	lo, err := s.App.Store.Order(ctx, lateNumber)
	if err != nil || lo.State != "issued" {
		t.Fatalf("second applicant: %+v, %v", lo, err)
	}
	lateCred, err := s.App.Store.Credential(ctx, lo.Issuance.CredentialID)
	if err != nil {
		t.Fatal(err)
	}
	s.Clock.Advance(lo.Issuance.ActivationDeadline.Sub(s.Clock.Now()) + time.Hour)
	if err := s.App.RunActivationJobs(ctx); err != nil {
		t.Fatal(err)
	}
	if lo, err = s.App.Store.Order(ctx, lateNumber); err != nil || lo.State != "expired" {
		t.Fatalf("second applicant after the deadline: %+v, %v", lo, err)
	}
	if status, reason := s.OCSPStatus(t, leafOf(t, s, lateCred.ID)); status != xocsp.Revoked || reason != xocsp.CessationOfOperation {
		t.Fatalf("OCSP after the deadline: status %d reason %d, want revoked/cessationOfOperation", status, reason)
	}
	if _, err := s.App.HSM.Signer(ctx, hsm.KeyRef(lateCred.KeyRef)); err == nil {
		t.Fatal("the unactivated key is still in the token")
	}
	if c, err := s.App.Store.Credential(ctx, lateCred.ID); err != nil || c.KeyEnabled || c.KeyDestroyedAt.IsZero() {
		t.Fatalf("credential after the deadline: %+v, %v", c, err)
	}
	cust, err := s.App.Store.Customer(ctx, lo.CustomerID)
	if err != nil {
		t.Fatal(err)
	}
	told := false
	for _, m := range s.Outbox(t) {
		told = told || m.To == cust.Email && m.Purpose == "activation-expired" && strings.Contains(m.Text, lateNumber)
	}
	if !told {
		t.Fatal("the second customer got no e-mail about the expiry")
	}
	// The first holder's order is untouched by the deadline.
	if o, err := s.App.Store.Order(ctx, number); err != nil || o.State != "active" {
		t.Fatalf("the activated order after the deadline job: %+v, %v", o, err)
	}
	noSecretLogged(t, &logged, secrets)
	t.Logf("whole enrolment in %s", time.Since(started).Round(time.Millisecond))
}

var callbackFieldRE = regexp.MustCompile(`<input type="hidden" name="([a-z]+)" value="([^"]*)">`)

// buyInShop plays the web customer over HTTP: registration (a weak
// password refused first), the e-mail code, checkout with the two required
// consents, the dev provider's page and its callback, and the details form
// with the tax code. It returns the order number and the reserved UserID.
func buyInShop(t *testing.T, s *testutil.Server, email, mobile, taxCode string) (number, userID string) {
	t.Helper()
	ctx := context.Background()
	c := testutil.NewWebClient(t, s)
	_, page := c.Do(http.MethodGet, "/shop/register?lang=en", nil)
	form := url.Values{"csrf": {testutil.CSRF(t, page)}, "email": {email}, "password": {"password"}, "password2": {"password"},
		"country": {"IT"}, "privacy": {"yes"}, "marketing": {"no"}, "marketing_partners": {"no"}}
	if resp, body := c.Do(http.MethodPost, "/shop/register", form); resp.StatusCode == http.StatusSeeOther || !strings.Contains(body, `id="error"`) {
		t.Fatalf("a weak password was not refused: %d", resp.StatusCode)
	}
	form.Set("password", password)
	form.Set("password2", password)
	if resp, body := c.Do(http.MethodPost, "/shop/register", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("register: %d %s", resp.StatusCode, body)
	}
	_, page = c.Do(http.MethodGet, "/shop/verify?email="+url.QueryEscape(email), nil)
	form = url.Values{"csrf": {testutil.CSRF(t, page)}, "email": {email}, "code": {s.LastCode(t, email)}}
	if resp, body := c.Do(http.MethodPost, "/shop/verify", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("verify: %d %s", resp.StatusCode, body)
	}

	// Checkout: without the second consent it is refused; with both, an order.
	_, page = c.Do(http.MethodGet, "/shop/checkout", nil)
	checkout := url.Values{"csrf": {testutil.CSRF(t, page)}, "name": {"Mario Rossi"}, "taxid": {taxCode}, "address": {"Via Appia 10, 00179 Roma"},
		"method": {"card"}, "biometric": {"yes"}}
	if resp, _ := c.Do(http.MethodPost, "/shop/checkout", checkout); resp.StatusCode == http.StatusSeeOther {
		t.Fatal("a checkout without the automated-decision consent was accepted")
	}
	checkout.Set("automated", "yes")
	resp, body := c.Do(http.MethodPost, "/shop/checkout", checkout)
	number = strings.TrimPrefix(resp.Header.Get("Location"), "/shop/pay/")
	if resp.StatusCode != http.StatusSeeOther || !enrol.ValidOrderNumber(number) {
		t.Fatalf("checkout: %d %s %s", resp.StatusCode, resp.Header.Get("Location"), body)
	}

	// Payment: the pay page sends to the dev provider, whose approval
	// gives the browser the signed callback it posts back to the shop.
	_, page = c.Do(http.MethodGet, "/shop/pay/"+number, nil)
	resp, _ = c.Do(http.MethodPost, "/shop/pay/"+number, url.Values{"csrf": {testutil.CSRF(t, page)}})
	provider := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(provider, "/dev/pay/") {
		t.Fatalf("pay: %d to %q", resp.StatusCode, provider)
	}
	c.Do(http.MethodGet, provider, nil)
	_, page = c.Do(http.MethodPost, provider, url.Values{"decision": {"approve"}})
	callback := url.Values{}
	for _, m := range callbackFieldRE.FindAllStringSubmatch(page, -1) {
		callback.Set(m[1], m[2])
	}
	if resp, _ := c.Do(http.MethodPost, "/shop/payments/callback", callback); resp.StatusCode != http.StatusSeeOther ||
		resp.Header.Get("Location") != "/shop/orders?paid="+number {
		t.Fatalf("callback %v: %d to %s", callback, resp.StatusCode, resp.Header.Get("Location"))
	}
	if o, err := s.App.Store.Order(ctx, number); err != nil || o.State != "paid" || o.PaymentRef == "" {
		t.Fatalf("after payment: %+v, %v", o, err)
	}

	// Details: the Italian tax code of the chip's holder.
	_, page = c.Do(http.MethodGet, "/shop/orders/"+number+"/details", nil)
	resp, body = c.Do(http.MethodPost, "/shop/orders/"+number+"/details", url.Values{"csrf": {testutil.CSRF(t, page)},
		"citizenship": {"it"}, "taxcode": {taxCode}, "mobile": {mobile}, "doccountry": {"IT"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("details: %d %s", resp.StatusCode, body)
	}
	o, err := s.App.Store.Order(ctx, number)
	if err != nil || o.State != "details_submitted" || !enrol.ValidUserID(o.UserID) || o.Details.TaxCode != taxCode {
		t.Fatalf("after the details: %+v, %v", o, err)
	}
	return number, o.UserID
}

// requestCertificate has the app read the contract (byte-exact, with its
// hash) and request the certificate with both flags and the passphrase.
func requestCertificate(t *testing.T, a *app, number, passphrase string) {
	t.Helper()
	base := prefix + "/enrolments/" + number
	resp, pdf := testutil.DoRaw(t, a.request("GET", base+"/contract", "", nil, nil))
	hash := resp.Header.Get("X-Contract-SHA256")
	if resp.StatusCode != 200 || !bytes.HasPrefix(pdf, []byte("%PDF-")) || len(hash) != 64 {
		t.Fatalf("contract: %d %v", resp.StatusCode, resp.Header)
	}
	status, out := a.call("POST", base+"/request", map[string]any{"contractSHA256": hash, "acceptContract": true, "approveClauses": true, "passphrase": passphrase})
	if status != 202 || out["state"] != "requested" {
		t.Fatalf("request: %d %v", status, out)
	}
}

// envelopeOf finds the envelope e-mail of an issued order and returns its
// PIN, PUK and ERC (envelopeCodes checks R = 6 and opens it with qpdf).
func envelopeOf(t *testing.T, s *testutil.Server, o *storage.Order, passphrase string) (pin, puk, erc string) {
	t.Helper()
	for _, m := range s.Outbox(t) {
		if m.Purpose != "enrol-envelope" || !strings.Contains(m.Text, o.Request.EnvelopeNumber) || len(m.Attachments) != 1 {
			continue
		}
		pdf, err := os.ReadFile(filepath.Join(s.DataDir, filepath.FromSlash(m.Attachments[0].File)))
		if err != nil {
			t.Fatal(err)
		}
		codes := envelopeCodes(t, pdf, passphrase)
		return codes[0], codes[1], codes[2]
	}
	t.Fatalf("no envelope e-mail for %s", o.Number)
	return
}

// noSecretLogged fails if the server logged one of secrets (the log holds
// every level: the capture is at debug).
func noSecretLogged(t *testing.T, logged *testutil.LogBuffer, secrets []string) {
	t.Helper()
	out := logged.Bytes()
	if len(out) == 0 {
		t.Fatal("nothing was logged: the capture does not work")
	}
	for _, secret := range secrets {
		if bytes.Contains(out, []byte(secret)) {
			t.Errorf("the server logged a secret (%d characters)", len(secret))
		}
	}
}

// checkEvidence seals the enrolment's bundle the way qesd's job does,
// verifies it through the operator route `qesctl evidence verify` uses,
// has openssl verify the manifest's seal against qes's root from the
// exported files, then flips one byte of one encrypted evidence file and
// expects verify to name it.
func checkEvidence(t *testing.T, s *testutil.Server, number string) {
	t.Helper()
	ctx := context.Background()
	if err := s.App.RunEvidenceJobs(ctx); err != nil {
		t.Fatal(err)
	}
	rep, err := s.App.Operator.VerifyEvidence(ctx, operator.EvidenceRequest{Order: number})
	if err != nil || !rep.OK || len(rep.Versions) == 0 {
		t.Fatalf("evidence verify: %+v, %v", rep, err)
	}
	dir := t.TempDir()
	zipPath := filepath.Join(dir, "evidence.zip")
	if _, err := s.App.Operator.ExportEvidence(ctx, operator.EvidenceExportRequest{Order: number, Path: zipPath}); err != nil {
		t.Fatal(err)
	}
	files := unzip(t, zipPath)
	var m bundle.Manifest
	if err := json.Unmarshal(files["manifest.json"], &m); err != nil || m.Order != number || m.State != "active" {
		t.Fatalf("manifest: %+v, %v", m, err)
	}
	root := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.App.Authorities.Root.Raw})
	for name, data := range map[string][]byte{"manifest.json": files["manifest.json"], "manifest.p7s": files["manifest.p7s"], "root.pem": root} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(validator.Need(t, "openssl"), "cms", "-verify", "-binary", "-content", "manifest.json", "-inform", "DER",
		"-in", "manifest.p7s", "-CAfile", "root.pem", "-out", os.DevNull)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("openssl cms -verify: %v\n%s", err, out)
	}

	// One byte of the signed contract's encrypted file, flipped on disk.
	var target bundle.ManifestFile
	for _, f := range m.Files {
		if f.MediaType == "application/pdf" && strings.Contains(f.Path, "signed") {
			target = f
		}
	}
	if target.Path == "" {
		t.Fatalf("no signed contract in the bundle: %+v", m.Files)
	}
	restore := s.TamperEvidence(t, target.SHA256, func(raw []byte) []byte {
		raw[len(raw)/2] ^= 0x01
		return raw
	})
	rep, err = s.App.Operator.VerifyEvidence(ctx, operator.EvidenceRequest{Order: number})
	if err != nil || rep.OK || len(rep.Problems) == 0 || !strings.Contains(strings.Join(rep.Problems, "\n"), target.Path) {
		t.Fatalf("verify after flipping a byte of %s: %+v, %v", target.Path, rep, err)
	}
	restore()
	if rep, err = s.App.Operator.VerifyEvidence(ctx, operator.EvidenceRequest{Order: number}); err != nil || !rep.OK {
		t.Fatalf("verify after putting the byte back: %+v, %v", rep, err)
	}
}

func unzip(t *testing.T, path string) map[string][]byte {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	files := map[string][]byte{}
	for _, f := range zr.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name], err = io.ReadAll(r)
		_ = r.Close()
		if err != nil {
			t.Fatal(fmt.Errorf("%s: %w", f.Name, err))
		}
	}
	return files
}

// leafOf is the credential's certificate.
func leafOf(t *testing.T, s *testutil.Server, credentialID string) *x509.Certificate {
	t.Helper()
	c, err := s.App.Store.Credential(context.Background(), credentialID)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(c.Certificates[0])
	if err != nil {
		t.Fatal(err)
	}
	return leaf
}
