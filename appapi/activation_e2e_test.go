package appapi_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/qesproject/qes/activation"
	"github.com/qesproject/qes/internal/testutil"
)

// activateIssued continues an issued enrolment as its holder would: first
// access with the envelope's PUK, a new password and the SMS code; then
// the activation with the envelope's PIN, a new PIN and the SMS code, which
// signs the contract (PAdES B-T, checked by pdfsig and openssl) before the
// key is enabled; then a hash signed through CSC credentials/authorize +
// signatures/signHash with the new certificate, verified with the
// certificate's public key. It returns the holder as activated.
func activateIssued(t *testing.T, s *testutil.Server, userID, envelopePIN, puk string) testutil.Holder {
	t.Helper()
	ctx := context.Background()
	h, err := s.App.Store.Holder(ctx, userID)
	if err != nil {
		t.Fatal(err)
	}
	const password, newPIN = "Holder-pass 42", "73915824"
	tk, err := s.App.Activation.StartFirstAccess(ctx, activation.FirstAccessStart{UserID: userID, PUK: puk, Password: password, Confirm: password, ClientIP: "192.0.2.10"})
	if err != nil {
		t.Fatalf("first access: %v", err)
	}
	if _, err := s.App.Activation.CompleteFirstAccess(ctx, tk.Ticket, s.LastCode(t, h.Phone), "192.0.2.10"); err != nil {
		t.Fatalf("first access code: %v", err)
	}
	if err := s.App.Activation.SendCode(ctx, userID); err != nil {
		t.Fatal(err)
	}
	res, err := s.App.Activation.Activate(ctx, activation.Request{HolderID: userID, EnvelopePIN: envelopePIN, NewPIN: newPIN, ConfirmPIN: newPIN, OTP: s.LastCode(t, h.Phone)})
	if err != nil {
		t.Fatalf("activate: %v", err)
	}
	signed, err := s.App.Evidence.Open(ctx, res.SignedContract.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	testutil.AssertSignedPDF(t, s.App.Authorities.Root, s.App.Authorities.IssuingChain, signed, 1, true)
	// pdfsig names the signer: the holder's new certificate.
	cred, err := s.App.Store.Credential(ctx, res.CredentialID)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(cred.Certificates[0])
	if err != nil {
		t.Fatal(err)
	}
	if out := testutil.Pdfsig(t, testutil.NSSDB(t, s.App.Authorities.Root), signed); leaf.Subject.CommonName == "" || !strings.Contains(out, "Signer Certificate Common Name: "+leaf.Subject.CommonName) ||
		!strings.Contains(out, "Signature is Valid") {
		t.Fatalf("pdfsig on the signed contract does not name the holder %q:\n%s", leaf.Subject.CommonName, out)
	}
	o, err := s.App.Store.Order(ctx, res.OrderNumber)
	if err != nil || o.State != "active" || o.Issuance.SignedContract == nil {
		t.Fatalf("order after activation: %+v, %v", o, err)
	}
	tok := s.Login(t, "v2", userID, password)
	holder := testutil.Holder{ID: userID, Password: password, PIN: newPIN, Phone: h.Phone, CredentialID: res.CredentialID}
	message := []byte("signed after activation")
	hash := testutil.SHA256B64(message)
	sad := s.Authorize(t, tok, holder, 1, hash)
	st, body := s.Post(t, "/csc/v2/signatures/signHash", tok, map[string]any{
		"credentialID": res.CredentialID, "SAD": sad, "hashes": []string{hash}, "signAlgo": "1.2.840.10045.4.3.2"})
	if st != http.StatusOK {
		t.Fatalf("signHash: %d %v", st, body)
	}
	sigs, _ := body["signatures"].([]any)
	if len(sigs) != 1 {
		t.Fatalf("signHash answered %v", body)
	}
	sig, err := base64.StdEncoding.DecodeString(sigs[0].(string))
	if err != nil {
		t.Fatal(err)
	}
	pub, ok := leaf.PublicKey.(*ecdsa.PublicKey)
	digest := sha256.Sum256(message)
	if !ok || !ecdsa.VerifyASN1(pub, digest[:], sig) {
		t.Fatalf("the signature does not verify with the new certificate's key (%T)", leaf.PublicKey)
	}
	return holder
}
