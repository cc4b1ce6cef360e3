package portal_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"testing"
	"time"

	"github.com/qesproject/qes/account"
	"github.com/qesproject/qes/contract"
	"github.com/qesproject/qes/hsm"
	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/sam"
	"github.com/qesproject/qes/storage"
)

// TestBrowserFirstAccessAndActivation walks an enrolled holder through My
// Sign in Chromium: the login points to first access; a wrong PUK is
// refused; the right one with a new password and the SMS code logs in;
// the activation page shows the contract, takes the envelope PIN, a new
// PIN and the SMS code and signs the contract; afterwards the holder signs
// a hash through CSC with the new certificate and PIN.
func TestBrowserFirstAccessAndActivation(t *testing.T) {
	s := testutil.StartServer(t)
	ctx := context.Background()
	const (
		userID      = "AB200001"
		phone       = "+39333200001"
		envelopePIN = "24681357"
		newPIN      = "73915824"
		password    = "My-first pass 7"
	)
	if _, err := s.App.Accounts.CreateHolder(ctx, account.NewHolder{ID: userID, Password: "Unused-pass 1", GivenName: "Mario", Surname: "Rossi",
		Country: "IT", SemanticsID: "TINIT-RSSMRA80A01H501U", Email: "mario@holder.example", Phone: phone, Lang: "en"}); err != nil {
		t.Fatal(err)
	}
	created, err := s.App.Credentials.CreateCredential(ctx, sam.NewCredential{HolderID: userID, PIN: envelopePIN, KeyType: hsm.ECP256})
	if err != nil {
		t.Fatal(err)
	}
	credID, puk := created.Credential.ID, created.PUK
	// What issuance leaves: no password, first access pending, key disabled,
	// the order issued with its deadline.
	if err := s.App.Store.UpdateHolder(ctx, userID, func(h *storage.Holder) error {
		h.PasswordHash, h.FirstAccessPending = "", true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.App.Store.UpdateCredential(ctx, credID, func(c *storage.Credential) error {
		c.KeyEnabled = false
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	doc, err := contract.Template(contract.Current(), "en")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(doc.PDF)
	now := s.Clock.Now()
	if err := s.App.Store.CreateCustomer(ctx, &storage.Customer{ID: "cust-b1", Email: "mario@buyer.example", EmailVerified: true, Country: "IT", Lang: "en", CreatedAt: now}, nil); err != nil {
		t.Fatal(err)
	}
	const orderNo = "55-00002-0000200001"
	if err := s.App.Store.CreateOrder(ctx, &storage.Order{Number: orderNo, CustomerID: "cust-b1", State: "issued", Product: "QES with eDoc ID", Currency: "EUR",
		Request:   &storage.CertificateRequest{ContractVersion: contract.Current(), ContractLang: "en", ContractSHA256: hex.EncodeToString(sum[:]), AcceptContract: true, ApproveClauses: true, At: now},
		Issuance:  &storage.Issuance{HolderID: userID, CredentialID: credID, At: now, ActivationDeadline: now.Add(60 * 24 * time.Hour)},
		CreatedAt: now, UpdatedAt: now}, nil); err != nil {
		t.Fatal(err)
	}

	b := newTab(t, s)
	// No password yet: the login says where to go.
	b.login(userID, "Unused-pass 1")
	b.ExpectText("#error", "first access")
	b.Shot("login-first-access-pending")
	b.Submit("#first-access")
	b.ExpectPath("/portal/first-access")
	b.Shot("first-access")

	b.Fill("#user", userID, "#puk", "0000000000", "#password", password, "#confirm", password)
	b.Submit("#submit")
	b.ExpectText("#error", "The user ID or the PUK is wrong")
	b.Shot("first-access-wrong-puk")
	if c, _ := s.App.Store.Credential(ctx, credID); c.PUKFailures != 1 {
		t.Fatalf("PUK failures %d, want 1", c.PUKFailures)
	}
	b.Fill("#user", userID, "#puk", puk, "#password", "weak", "#confirm", "weak")
	b.Submit("#submit")
	b.ExpectText("#error", "password")
	b.Shot("first-access-weak-password")

	b.Fill("#user", userID, "#puk", puk, "#password", password, "#confirm", password)
	b.Submit("#submit")
	b.ExpectText("main", "We sent a code")
	b.Shot("first-access-code")
	b.Fill("#code", s.LastCode(t, phone))
	b.Submit("#submit")
	b.ExpectPath("/portal/activate")
	b.Open("/portal/sign")
	b.ExpectText("#activation-pending", "waiting for activation")
	b.Shot("my-sign-pending")
	b.Submit("#activate-now")
	b.ExpectPath("/portal/activate")
	b.Shot("activate")
	if !b.Has("#contract-link") {
		t.Fatal("the activation page does not offer the contract")
	}

	b.Submit("#send-code")
	b.ExpectText("#notice", "We sent a one-time code")
	b.Fill("#envelope_pin", "86420975", "#new_pin", newPIN, "#confirm_pin", newPIN, "#otp", s.LastCode(t, phone))
	b.Submit("#activate")
	b.ExpectText("#error", "PIN")
	b.Shot("activate-wrong-envelope-pin")
	if c, _ := s.App.Store.Credential(ctx, credID); c.KeyEnabled {
		t.Fatal("a wrong envelope PIN enabled the key")
	}

	s.Clock.Advance(21 * time.Second) // the code's resend interval
	b.Submit("#send-code")
	b.Fill("#envelope_pin", envelopePIN, "#new_pin", newPIN, "#confirm_pin", newPIN, "#otp", s.LastCode(t, phone))
	b.Submit("#activate")
	b.ExpectText("#notice", "Your signature is active")
	b.Shot("activated")

	c, err := s.App.Store.Credential(ctx, credID)
	if err != nil || !c.KeyEnabled {
		t.Fatalf("key after activation: %+v %v", c, err)
	}
	o, err := s.App.Store.Order(ctx, orderNo)
	if err != nil || o.State != "active" || o.Issuance.SignedContract == nil {
		t.Fatalf("order after activation: %+v %v", o, err)
	}
	b.Open("/portal/sign")
	if b.Has("#activation-pending") {
		t.Fatal("My Sign still asks for activation")
	}
	b.Shot("my-sign")

	// The new certificate signs through CSC with the new PIN.
	s.Clock.Advance(21 * time.Second)
	tok := s.Login(t, "v2", userID, password)
	h := testutil.Holder{ID: userID, Password: password, PIN: newPIN, Phone: phone, CredentialID: credID}
	hash := testutil.SHA256B64([]byte("after activation"))
	sad := s.Authorize(t, tok, h, 1, hash)
	st, body := s.Post(t, "/csc/v2/signatures/signHash", tok, map[string]any{
		"credentialID": credID, "SAD": sad, "hashes": []string{hash}, "signAlgo": "1.2.840.10045.4.3.2"})
	if st != http.StatusOK {
		t.Fatalf("signHash: %d %v", st, body)
	}
}
