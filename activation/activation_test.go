package activation_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	xocsp "golang.org/x/crypto/ocsp"

	"github.com/qesproject/qes/account"
	"github.com/qesproject/qes/activation"
	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/contract"
	"github.com/qesproject/qes/hsm"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/otp"
	"github.com/qesproject/qes/sam"
	"github.com/qesproject/qes/storage"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.Cleanup()
	os.Exit(code)
}

// enrolled is the state an approved enrolment leaves (the issuance
// step's): a holder without a password whose first access is pending, a
// credential with the envelope's codes and its key disabled, and the
// order issued with its activation deadline.
type enrolled struct {
	UserID, Phone, Email  string
	CustomerEmail         string
	CredentialID, KeyRef  string
	EnvelopePIN, PUK      string
	OrderNumber, Password string
	Deadline              time.Time
	Contract              []byte
}

func newEnrolled(t testing.TB, s *testutil.Server, userID string) *enrolled {
	t.Helper()
	ctx := context.Background()
	e := &enrolled{UserID: userID, Phone: "+39333" + userID[2:], Email: strings.ToLower(userID) + "@holder.example",
		CustomerEmail: strings.ToLower(userID) + "@buyer.example", EnvelopePIN: "24681357", Password: "First-access 9"}
	if _, err := s.App.Accounts.CreateHolder(ctx, account.NewHolder{ID: userID, Password: "Unused-pass 1", GivenName: "Mario", Surname: "Rossi",
		Country: "IT", SemanticsID: "TINIT-RSSMRA80A01H501U", Email: e.Email, Phone: e.Phone, Lang: "en"}); err != nil {
		t.Fatal(err)
	}
	created, err := s.App.Credentials.CreateCredential(ctx, sam.NewCredential{HolderID: userID, PIN: e.EnvelopePIN, KeyType: hsm.ECP256})
	if err != nil {
		t.Fatal(err)
	}
	e.CredentialID, e.KeyRef, e.PUK = created.Credential.ID, created.Credential.KeyRef, created.PUK
	if err := s.App.Store.UpdateHolder(ctx, userID, func(h *storage.Holder) error {
		h.PasswordHash, h.FirstAccessPending = "", true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.App.Store.UpdateCredential(ctx, e.CredentialID, func(c *storage.Credential) error {
		c.KeyEnabled = false
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// The contract the binary embeds, as the applicant accepted it.
	doc, err := contract.Template(contract.Current(), "en")
	if err != nil {
		t.Fatal(err)
	}
	e.Contract = doc.PDF
	sum := sha256.Sum256(e.Contract)
	now := s.Clock.Now()
	e.Deadline = now.Add(60 * 24 * time.Hour)
	customer := &storage.Customer{ID: "cust-" + userID, Email: e.CustomerEmail, EmailVerified: true, Country: "IT", Lang: "it", CreatedAt: now}
	if err := s.App.Store.CreateCustomer(ctx, customer, nil); err != nil {
		t.Fatal(err)
	}
	e.OrderNumber = "55-00001-" + strings.Repeat("0", 4) + userID[2:]
	o := &storage.Order{Number: e.OrderNumber, CustomerID: customer.ID, State: "issued", Product: "QES with eDoc ID", Currency: "EUR",
		Request: &storage.CertificateRequest{ContractVersion: contract.Current(), ContractLang: "en", ContractSHA256: hex.EncodeToString(sum[:]),
			AcceptContract: true, ApproveClauses: true, At: now, PINHash: created.Credential.PINHash, PUKHash: created.Credential.PUKHash},
		Issuance:  &storage.Issuance{HolderID: userID, CredentialID: e.CredentialID, At: now, ActivationDeadline: e.Deadline},
		CreatedAt: now, UpdatedAt: now}
	if err := s.App.Store.CreateOrder(ctx, o, nil); err != nil {
		t.Fatal(err)
	}
	return e
}

func credential(t *testing.T, s *testutil.Server, id string) *storage.Credential {
	t.Helper()
	c, err := s.App.Store.Credential(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// firstAccess completes the first access and returns nothing: the holder
// has a password afterwards.
func firstAccess(t testing.TB, s *testutil.Server, e *enrolled) {
	t.Helper()
	ctx := context.Background()
	tk, err := s.App.Activation.StartFirstAccess(ctx, activation.FirstAccessStart{UserID: e.UserID, PUK: e.PUK, Password: e.Password, Confirm: e.Password, ClientIP: "192.0.2.1"})
	if err != nil {
		t.Fatalf("first access: %v", err)
	}
	if _, err := s.App.Activation.CompleteFirstAccess(ctx, tk.Ticket, s.LastCode(t, e.Phone), "192.0.2.1"); err != nil {
		t.Fatalf("first access code: %v", err)
	}
}

func wantKind(t *testing.T, what string, err error, kind errs.Kind, id msg.ID) {
	t.Helper()
	if err == nil || !errs.Is(err, kind) {
		t.Fatalf("%s: %v, want %s", what, err, kind)
	}
	if id != "" {
		var e *errs.Error
		if !errors.As(err, &e) || e.ID != id {
			t.Fatalf("%s: %v, want message %s", what, err, id)
		}
	}
}

func TestFirstAccess(t *testing.T) {
	s := testutil.StartServer(t)
	e := newEnrolled(t, s, "AB100001")
	ctx := context.Background()
	act := s.App.Activation

	// No password yet: the login points to first access.
	_, err := s.App.Accounts.AuthenticatePassword(ctx, e.UserID, "Unused-pass 1", "192.0.2.1")
	wantKind(t, "login before first access", err, errs.Conflict, msg.FirstAccessRequired)

	start := func(user, puk, pw, confirm string) error {
		_, err := act.StartFirstAccess(ctx, activation.FirstAccessStart{UserID: user, PUK: puk, Password: pw, Confirm: confirm, ClientIP: "192.0.2.1"})
		return err
	}
	for _, tc := range []struct {
		name          string
		user, puk, pw string
		confirm       string
		kind          errs.Kind
		id            msg.ID
	}{
		{"missing PUK", e.UserID, "", e.Password, e.Password, errs.InvalidRequest, msg.FirstAccessEnterPUK},
		{"confirmation differs", e.UserID, e.PUK, e.Password, e.Password + "x", errs.InvalidRequest, msg.PasswordConfirmDiffers},
		{"password policy", e.UserID, e.PUK, "short", "short", errs.InvalidRequest, ""},
		{"unknown user", "ZZ999999", e.PUK, e.Password, e.Password, errs.AuthenticationFailed, msg.FirstAccessFailed},
		{"wrong PUK", e.UserID, "0000000000", e.Password, e.Password, errs.AuthenticationFailed, msg.FirstAccessFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantKind(t, tc.name, start(tc.user, tc.puk, tc.pw, tc.confirm), tc.kind, tc.id)
		})
	}
	if c := credential(t, s, e.CredentialID); c.PUKFailures != 1 {
		t.Fatalf("PUK failures = %d after one wrong PUK, want 1", c.PUKFailures)
	}

	tk, err := act.StartFirstAccess(ctx, activation.FirstAccessStart{UserID: e.UserID, PUK: e.PUK, Password: e.Password, Confirm: e.Password, ClientIP: "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	if c := credential(t, s, e.CredentialID); c.PUKFailures != 0 {
		t.Fatalf("PUK failures = %d after the right PUK, want 0", c.PUKFailures)
	}
	// The SMS code is required, and a wrong one does nothing.
	if _, err := act.CompleteFirstAccess(ctx, tk.Ticket, "", "192.0.2.1"); !errs.Is(err, errs.InvalidRequest) {
		t.Fatalf("no code: %v", err)
	}
	code := s.LastCode(t, e.Phone)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	if _, err := act.CompleteFirstAccess(ctx, tk.Ticket, wrong, "192.0.2.1"); !errs.Is(err, errs.InvalidOTP) {
		t.Fatalf("wrong code: %v", err)
	}
	if _, err := act.CompleteFirstAccess(ctx, "not-a-ticket", code, "192.0.2.1"); !errs.Is(err, errs.Conflict) {
		t.Fatalf("unknown ticket: %v", err)
	}
	holderID, err := act.CompleteFirstAccess(ctx, tk.Ticket, code, "192.0.2.1")
	if err != nil || holderID != e.UserID {
		t.Fatalf("complete: %q %v", holderID, err)
	}
	h, err := s.App.Store.Holder(ctx, e.UserID)
	if err != nil {
		t.Fatal(err)
	}
	if h.FirstAccessPending {
		t.Fatal("first access still pending")
	}
	if _, err := s.App.Accounts.AuthenticatePassword(ctx, e.UserID, e.Password, "192.0.2.1"); err != nil {
		t.Fatalf("login with the new password: %v", err)
	}
	// Done once: the same PUK cannot set another password.
	wantKind(t, "second first access", start(e.UserID, e.PUK, "Other-pass 77", "Other-pass 77"), errs.AuthenticationFailed, msg.FirstAccessFailed)
	for _, m := range s.Outbox(t) {
		if strings.Contains(m.Text, e.PUK) || strings.Contains(m.Text, e.Password) {
			t.Fatalf("a secret reached the outbox: %+v", m)
		}
	}
}

func TestFirstAccessPUKBlocksAtLimit(t *testing.T) {
	s := testutil.StartServer(t)
	e := newEnrolled(t, s, "AB100002")
	ctx := context.Background()
	limit := s.App.Credentials.Config().MaxPUKFailures
	for i := 0; i < limit; i++ {
		if i > 0 && i%4 == 0 {
			s.Clock.Advance(16 * time.Minute) // past the per-user throttle window
		}
		_, err := s.App.Activation.StartFirstAccess(ctx, activation.FirstAccessStart{UserID: e.UserID, PUK: "9999999999", Password: e.Password, Confirm: e.Password, ClientIP: "192.0.2.2"})
		wantKind(t, "wrong PUK", err, errs.AuthenticationFailed, msg.FirstAccessFailed)
	}
	c := credential(t, s, e.CredentialID)
	if !c.PUKBlocked || c.PUKFailures != limit {
		t.Fatalf("after %d wrong PUKs: blocked=%v failures=%d", limit, c.PUKBlocked, c.PUKFailures)
	}
	s.Clock.Advance(16 * time.Minute)
	_, err := s.App.Activation.StartFirstAccess(ctx, activation.FirstAccessStart{UserID: e.UserID, PUK: e.PUK, Password: e.Password, Confirm: e.Password, ClientIP: "192.0.2.2"})
	wantKind(t, "right PUK once blocked", err, errs.AuthenticationFailed, msg.FirstAccessFailed)
}

func TestFirstAccessThrottled(t *testing.T) {
	s := testutil.StartServer(t)
	e := newEnrolled(t, s, "AB100003")
	ctx := context.Background()
	var err error
	for i := 0; i < 6; i++ {
		_, err = s.App.Activation.StartFirstAccess(ctx, activation.FirstAccessStart{UserID: e.UserID, PUK: "1111111111", Password: e.Password, Confirm: e.Password, ClientIP: "192.0.2.3"})
	}
	wantKind(t, "sixth wrong PUK", err, errs.RateLimited, msg.FirstAccessThrottled)
	// A throttled attempt is not counted against the PUK.
	if c := credential(t, s, e.CredentialID); c.PUKFailures != 5 {
		t.Fatalf("PUK failures = %d, want 5", c.PUKFailures)
	}
}

func TestActivation(t *testing.T) {
	s := testutil.StartServer(t)
	e := newEnrolled(t, s, "AB100004")
	ctx := context.Background()
	act := s.App.Activation
	firstAccess(t, s, e)

	p, err := act.Pending(ctx, e.UserID)
	if err != nil || p.CredentialID != e.CredentialID || p.ContractVersion != contract.Current() || !p.Deadline.Equal(e.Deadline) {
		t.Fatalf("pending: %+v %v", p, err)
	}
	got, err := act.Contract(ctx, e.UserID)
	if err != nil || !bytes.Equal(got, e.Contract) {
		t.Fatalf("contract: %d bytes, %v", len(got), err)
	}
	const newPIN = "73915824"
	send := func() string {
		t.Helper()
		if err := act.SendCode(ctx, e.UserID); err != nil {
			t.Fatal(err)
		}
		defer s.Clock.Advance(21 * time.Second) // the resend interval
		return s.LastCode(t, e.Phone)
	}
	for _, tc := range []struct {
		name string
		r    activation.Request
		kind errs.Kind
		id   msg.ID
	}{
		{"no envelope PIN", activation.Request{NewPIN: newPIN, ConfirmPIN: newPIN, OTP: "123456"}, errs.InvalidRequest, msg.ActivationEnterPIN},
		{"confirmation differs", activation.Request{EnvelopePIN: e.EnvelopePIN, NewPIN: newPIN, ConfirmPIN: "73915825", OTP: "123456"}, errs.InvalidRequest, msg.PINConfirmDiffers},
		{"new PIN a sequence", activation.Request{EnvelopePIN: e.EnvelopePIN, NewPIN: "12345678", ConfirmPIN: "12345678", OTP: "123456"}, errs.InvalidRequest, msg.PINGuessable},
		{"new PIN too short", activation.Request{EnvelopePIN: e.EnvelopePIN, NewPIN: "7391", ConfirmPIN: "7391", OTP: "123456"}, errs.InvalidRequest, msg.PINPolicy},
		{"new PIN is the envelope's", activation.Request{EnvelopePIN: e.EnvelopePIN, NewPIN: e.EnvelopePIN, ConfirmPIN: e.EnvelopePIN, OTP: "123456"}, errs.InvalidRequest, msg.PINUnchanged},
		{"no OTP", activation.Request{EnvelopePIN: e.EnvelopePIN, NewPIN: newPIN, ConfirmPIN: newPIN}, errs.InvalidRequest, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.r.HolderID = e.UserID
			_, err := act.Activate(ctx, tc.r)
			wantKind(t, tc.name, err, tc.kind, tc.id)
		})
	}
	// A wrong envelope PIN is refused and counted; the key stays disabled.
	_, err = act.Activate(ctx, activation.Request{HolderID: e.UserID, EnvelopePIN: "86420975", NewPIN: newPIN, ConfirmPIN: newPIN, OTP: send()})
	wantKind(t, "wrong envelope PIN", err, errs.InvalidPIN, msg.PINInvalid)
	if c := credential(t, s, e.CredentialID); c.PINFailures != 1 || c.KeyEnabled {
		t.Fatalf("after a wrong envelope PIN: failures=%d enabled=%v", c.PINFailures, c.KeyEnabled)
	}
	// A wrong code is refused before the PIN is looked at.
	_, err = act.Activate(ctx, activation.Request{HolderID: e.UserID, EnvelopePIN: e.EnvelopePIN, NewPIN: newPIN, ConfirmPIN: newPIN, OTP: "000001"})
	wantKind(t, "wrong OTP", err, errs.InvalidOTP, "")

	res, err := act.Activate(ctx, activation.Request{HolderID: e.UserID, EnvelopePIN: e.EnvelopePIN, NewPIN: newPIN, ConfirmPIN: newPIN, OTP: send()})
	if err != nil {
		t.Fatalf("activate: %v", err)
	}
	c := credential(t, s, e.CredentialID)
	if !c.KeyEnabled {
		t.Fatal("key not enabled after activation")
	}
	if ok, _ := verifyPIN(newPIN, c.PINHash); !ok {
		t.Fatal("the new PIN is not the credential's PIN")
	}
	o, err := s.App.Store.Order(ctx, e.OrderNumber)
	if err != nil {
		t.Fatal(err)
	}
	if o.State != "active" || o.Issuance.ActivatedAt.IsZero() || o.Issuance.SignedContract == nil || o.Issuance.SignedContract.SHA256 != res.SignedContract.SHA256 {
		t.Fatalf("order after activation: state %s issuance %+v", o.State, o.Issuance)
	}
	if last := o.Transitions[len(o.Transitions)-1]; last.From != "issued" || last.To != "active" {
		t.Fatalf("last transition %+v", last)
	}
	signed, err := s.App.Evidence.Open(ctx, res.SignedContract.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(signed, e.Contract) {
		t.Fatal("the signed contract is not an incremental update of the accepted one")
	}
	// pdfsig validates the holder's signature; openssl checks the CMS and
	// the B-T signature time-stamp from qes's TSA.
	testutil.AssertSignedPDF(t, s.App.Authorities.Root, s.App.Authorities.IssuingChain, signed, 1, true)

	// The key was enabled only after the contract's signature was made.
	trail := auditTypes(t, s, e.CredentialID)
	sig, enable := indexOf(trail, "signature.result/ok"), indexOf(trail, "credential.enable/ok")
	if sig < 0 || enable < 0 || enable < sig {
		t.Fatalf("audit trail %v: signature.result/ok at %d, credential.enable/ok at %d", trail, sig, enable)
	}
	// The holder got the signed contract by e-mail.
	var mail *otp.Message
	for _, m := range s.Outbox(t) {
		if m.To == e.Email && m.Purpose == "activation-done" {
			mail = &m
		}
	}
	if mail == nil {
		t.Fatal("no activation e-mail")
	}
	if len(mail.Attachments) != 1 || mail.Attachments[0].Name != "contract-signed.pdf" || mail.Attachments[0].SHA256 != res.SignedContract.SHA256 {
		t.Fatalf("activation e-mail attachments: %+v", mail.Attachments)
	}
	attached, err := os.ReadFile(filepath.Join(s.DataDir, filepath.FromSlash(mail.Attachments[0].File)))
	if err != nil || !bytes.Equal(attached, signed) {
		t.Fatalf("attachment: %v", err)
	}
	// Done once.
	_, err = act.Activate(ctx, activation.Request{HolderID: e.UserID, EnvelopePIN: newPIN, NewPIN: "73915826", ConfirmPIN: "73915826", OTP: "123456"})
	wantKind(t, "second activation", err, errs.NotFound, msg.ActivationNone)

	// The holder signs a hash through CSC with the new certificate.
	tok := s.Login(t, "v2", e.UserID, e.Password)
	h := testutil.Holder{ID: e.UserID, Password: e.Password, PIN: newPIN, Phone: e.Phone, CredentialID: e.CredentialID}
	hash := testutil.SHA256B64([]byte("first document"))
	sad := s.Authorize(t, tok, h, 1, hash)
	st, body := s.Post(t, "/csc/v2/signatures/signHash", tok, map[string]any{
		"credentialID": e.CredentialID, "SAD": sad, "hashes": []string{hash}, "signAlgo": "1.2.840.10045.4.3.2"})
	if st != http.StatusOK {
		t.Fatalf("signHash: %d %v", st, body)
	}
}

func TestActivationAfterDeadlineRefused(t *testing.T) {
	s := testutil.StartServer(t)
	e := newEnrolled(t, s, "AB100005")
	firstAccess(t, s, e)
	s.Clock.Advance(61 * 24 * time.Hour)
	_, err := s.App.Activation.Activate(context.Background(), activation.Request{HolderID: e.UserID, EnvelopePIN: e.EnvelopePIN, NewPIN: "73915824", ConfirmPIN: "73915824", OTP: "123456"})
	wantKind(t, "after the deadline", err, errs.Conflict, msg.ActivationDeadline)
}

func TestDeadline(t *testing.T) {
	s := testutil.StartServer(t)
	late := newEnrolled(t, s, "AB100006")
	ctx := context.Background()
	leaf := leafOf(t, s, late.CredentialID)

	// Before the deadline nothing happens.
	s.Clock.Advance(59 * 24 * time.Hour)
	if err := s.App.RunActivationJobs(ctx); err != nil {
		t.Fatal(err)
	}
	if o, _ := s.App.Store.Order(ctx, late.OrderNumber); o.State != "issued" {
		t.Fatalf("state before the deadline: %s", o.State)
	}
	s.Clock.Advance(2 * 24 * time.Hour)
	if err := s.App.RunActivationJobs(ctx); err != nil {
		t.Fatal(err)
	}
	o, err := s.App.Store.Order(ctx, late.OrderNumber)
	if err != nil {
		t.Fatal(err)
	}
	if o.State != "expired" {
		t.Fatalf("state after the deadline: %s", o.State)
	}
	// Revoked, as OCSP says, with reason cessationOfOperation.
	if status, reason := ocspStatus(t, s, leaf); status != xocsp.Revoked || reason != xocsp.CessationOfOperation {
		t.Fatalf("OCSP: status %d reason %d", status, reason)
	}
	// And as the issuing CA's CRL says.
	if reason, ok := crlReason(t, s, leaf); !ok || reason != 5 {
		t.Fatalf("CRL: listed %v, reason %d, want cessationOfOperation (5)", ok, reason)
	}
	// The key is gone from the token.
	c := credential(t, s, late.CredentialID)
	if c.KeyEnabled || c.KeyDestroyedAt.IsZero() {
		t.Fatalf("credential after the deadline: enabled=%v destroyed=%v", c.KeyEnabled, c.KeyDestroyedAt)
	}
	if _, err := s.App.HSM.Signer(ctx, hsm.KeyRef(late.KeyRef)); err == nil {
		t.Fatal("the key still exists in the token")
	}
	mails := func() int {
		n := 0
		for _, m := range s.Outbox(t) {
			if m.To == late.CustomerEmail && m.Purpose == "activation-expired" {
				n++
				if !strings.Contains(m.Text, late.OrderNumber) || !strings.Contains(m.Text, "revocato") {
					t.Fatalf("customer e-mail (it): %q", m.Text)
				}
			}
		}
		return n
	}
	if n := mails(); n != 1 {
		t.Fatalf("%d expiry e-mails to the customer, want 1", n)
	}
	// A second run does nothing.
	before := len(auditTypes(t, s, ""))
	if err := s.App.RunActivationJobs(ctx); err != nil {
		t.Fatal(err)
	}
	if n := mails(); n != 1 {
		t.Fatalf("%d expiry e-mails after a second run, want 1", n)
	}
	if after := len(auditTypes(t, s, "")); after != before {
		t.Fatalf("the second run wrote %d audit records", after-before)
	}
	// The holder can no longer activate.
	firstAccessBlocked := func() error {
		_, err := s.App.Activation.StartFirstAccess(ctx, activation.FirstAccessStart{UserID: late.UserID, PUK: late.PUK, Password: late.Password, Confirm: late.Password, ClientIP: "192.0.2.9"})
		return err
	}
	wantKind(t, "first access after expiry", firstAccessBlocked(), errs.AuthenticationFailed, msg.FirstAccessFailed)
}

func leafOf(t *testing.T, s *testutil.Server, credentialID string) *x509.Certificate {
	t.Helper()
	chain, err := sam.ChainOf(credential(t, s, credentialID))
	if err != nil {
		t.Fatal(err)
	}
	return chain[0]
}

func ocspStatus(t *testing.T, s *testutil.Server, leaf *x509.Certificate) (int, int) {
	t.Helper()
	return s.OCSPStatus(t, leaf)
}

// auditTypes lists "type/outcome" of the audit records of a credential
// (all records when credentialID is empty), in order.
func auditTypes(t *testing.T, s *testutil.Server, credentialID string) []string {
	t.Helper()
	raw := s.AuditText(t)
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		r, err := parseRecord(line)
		if err != nil {
			t.Fatal(err)
		}
		if credentialID == "" || r.Credential == credentialID {
			out = append(out, r.Type+"/"+r.Outcome)
		}
	}
	return out
}

func indexOf(list []string, v string) int {
	for i, x := range list {
		if x == v {
			return i
		}
	}
	return -1
}

func parseRecord(line string) (audit.Record, error) {
	var r audit.Record
	err := json.Unmarshal([]byte(line), &r)
	return r, err
}

func verifyPIN(pin, hash string) (bool, error) { return secret.Verify(pin, hash) }

// failingTSA stands for a time-stamping authority that does not answer.
type failingTSA struct{}

func (failingTSA) Timestamp(context.Context, crypto.Hash, []byte) ([]byte, error) {
	return nil, errors.New("tsa down")
}

// When the contract's signature cannot be completed the key stays
// disabled and the order issued; the new PIN is set, and the holder
// retries with it in both PIN fields.
func TestActivationKeyStaysDisabledWhenTheContractIsNotSigned(t *testing.T) {
	s := testutil.StartServer(t)
	e := newEnrolled(t, s, "AB100007")
	ctx := context.Background()
	firstAccess(t, s, e)
	broken := activation.New(activation.Deps{
		Store: s.App.Store, SAM: s.App.Credentials, Orders: s.App.Enrol, OTP: s.App.OTP, Audit: s.App.Audit, Evidence: s.App.Evidence,
		Contracts: func(v, l string) ([]byte, error) { return e.Contract, nil }, Timestamper: failingTSA{}, Now: s.Clock.Now,
	}, activation.Config{Argon: secret.Fast})
	const newPIN = "73915824"
	if err := broken.SendCode(ctx, e.UserID); err != nil {
		t.Fatal(err)
	}
	_, err := broken.Activate(ctx, activation.Request{HolderID: e.UserID, EnvelopePIN: e.EnvelopePIN, NewPIN: newPIN, ConfirmPIN: newPIN, OTP: s.LastCode(t, e.Phone)})
	wantKind(t, "activation without a time-stamp", err, errs.Unavailable, msg.ActivationNotSigned)
	if c := credential(t, s, e.CredentialID); c.KeyEnabled {
		t.Fatal("the key was enabled although the contract was not signed")
	}
	if o, _ := s.App.Store.Order(ctx, e.OrderNumber); o.State != "issued" || o.Issuance.SignedContract != nil {
		t.Fatalf("order after a failed activation: %s %+v", o.State, o.Issuance)
	}
	s.Clock.Advance(21 * time.Second)
	if err := s.App.Activation.SendCode(ctx, e.UserID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Activation.Activate(ctx, activation.Request{HolderID: e.UserID, EnvelopePIN: newPIN, NewPIN: newPIN, ConfirmPIN: newPIN, OTP: s.LastCode(t, e.Phone)}); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if c := credential(t, s, e.CredentialID); !c.KeyEnabled {
		t.Fatal("key not enabled after the retry")
	}
}

// crlReason fetches the CRL the leaf names and reports whether it lists the
// leaf, with the reason code.
func crlReason(t *testing.T, s *testutil.Server, leaf *x509.Certificate) (int, bool) {
	t.Helper()
	if len(leaf.CRLDistributionPoints) == 0 {
		t.Fatal("the certificate names no CRL")
	}
	resp, err := http.Get(leaf.CRLDistributionPoints[0])
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	der, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("CRL: %d %v", resp.StatusCode, err)
	}
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		t.Fatal(err)
	}
	if err := crl.CheckSignatureFrom(s.App.Authorities.IssuingChain[0]); err != nil {
		t.Fatalf("CRL signature: %v", err)
	}
	for _, e := range crl.RevokedCertificateEntries {
		if e.SerialNumber.Cmp(leaf.SerialNumber) == 0 {
			return e.ReasonCode, true
		}
	}
	return 0, false
}
