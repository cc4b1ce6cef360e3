package app_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"testing"

	"github.com/qesproject/qes/account"
	"github.com/qesproject/qes/contract"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/sam"
	"github.com/qesproject/qes/storage"
)

// An issuance interrupted after the holder was created (qesd stopped, the
// HSM away) is finished by the issuance job with the same holder and one
// credential; running the job again changes nothing and sends nothing. A
// reserved UserID cannot be taken by anyone else meanwhile.
func TestIssuanceJobFinishesAnInterruptedIssuance(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	ctx := context.Background()
	now := s.Clock.Now()
	const number, userID, pin = "55-00004-0000000001", "IS000001", "80417263"
	hash := func(code string) string {
		h, err := secret.Hash(code, secret.Fast)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	env, err := s.App.Evidence.Put(ctx, []byte("%PDF-2.0 an encrypted envelope"), "application/pdf")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.App.Store.CreateCustomer(ctx, &storage.Customer{ID: "ic1", Email: "ines@example.org", EmailVerified: true, Lang: "it", CreatedAt: now}, nil); err != nil {
		t.Fatal(err)
	}
	c, err := contract.Template(contract.Current(), "it")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.App.Store.CreateOrder(ctx, &storage.Order{Number: number, CustomerID: "ic1", State: "approved", IdentifiedAt: now,
		Details: &storage.Details{Mobile: "+393330000001", DocCountry: "DE"},
		Request: &storage.CertificateRequest{ContractVersion: c.Version, ContractSHA256: c.SHA256, ContractLang: "it", AcceptContract: true, ApproveClauses: true,
			At: now, PINHash: hash(pin), PUKHash: hash("1234567890"), ERCHash: hash("123456789012"), EnvelopeNumber: "0000-0000-0001", Envelope: env},
		CreatedAt: now}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.App.Store.UpdateOrder(ctx, number, func(o *storage.Order) error { o.UserID = userID; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := s.App.Store.CreateIdentification(ctx, &storage.Identification{ID: "ii1", OrderNumber: number, CustomerID: "ic1", DocumentType: "PASSPORT",
		State: storage.IdentificationCompleted, LevelOfProofing: "baseline", CompletedAt: now,
		Chip: &storage.ChipReading{Document: map[string]string{"documentCode": "P<", "issuingCountry": "DE", "documentNumber": "C01X00T47",
			"surname": "MUSTERMANN", "givenNames": "ERIKA"}}}); err != nil {
		t.Fatal(err)
	}

	// Someone else cannot take the reserved UserID.
	if _, err := s.App.Accounts.CreateHolder(ctx, account.NewHolder{ID: userID, Password: "Some-Password-1!", Email: "x@example.org",
		Phone: "+393339999999"}); !errs.Is(err, errs.Conflict) {
		t.Fatalf("a reserved UserID for someone else: %v", err)
	}
	// The interrupted first attempt got as far as the holder.
	if _, err := s.App.Accounts.CreateHolder(ctx, account.NewHolder{ID: userID, Email: "ines@example.org", Phone: "+393330000001",
		GivenName: "ERIKA", Surname: "MUSTERMANN", Country: "DE", SemanticsID: "PASDE-C01X00T47", Order: number, FirstAccess: true}); err != nil {
		t.Fatal(err)
	}

	for run := 0; run < 2; run++ {
		if err := s.App.RunIssuanceJobs(ctx); err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
	}
	o, err := s.App.Store.Order(ctx, number)
	if err != nil || o.State != "issued" || o.Issuance == nil || o.Issuance.HolderID != userID {
		t.Fatalf("order: %+v, %v", o, err)
	}
	creds, err := s.App.Store.CredentialsOf(ctx, userID)
	if err != nil || len(creds) != 1 || creds[0].ID != o.Issuance.CredentialID || creds[0].KeyEnabled {
		t.Fatalf("credentials: %d %v", len(creds), err)
	}
	chain, err := sam.ChainOf(creds[0])
	if err != nil || chain[0].Subject.SerialNumber != "PASDE-C01X00T47" || chain[0].Subject.Country[0] != "DE" {
		t.Fatalf("certificate: %v, %v", chain, err)
	}
	h, err := s.App.Store.Holder(ctx, userID)
	if err != nil || !h.FirstAccessPending {
		t.Fatalf("holder: %+v, %v", h, err)
	}
	mails := 0
	for _, m := range s.Outbox(t) {
		if m.To == "ines@example.org" && (m.Purpose == "enrol-issued" || m.Purpose == "enrol-envelope") {
			mails++
		}
	}
	if mails != 2 {
		t.Fatalf("%d issuance e-mails, want 2", mails)
	}
	// The key is disabled: the envelope's PIN cannot authorize a signature.
	digest := sha256.Sum256([]byte("a document"))
	if _, err := s.App.Credentials.Authorize(ctx, sam.Authorization{HolderID: userID, CredentialID: creds[0].ID, NumSignatures: 1,
		Hashes: []string{base64.StdEncoding.EncodeToString(digest[:])}, PIN: pin}); !errs.Is(err, errs.CredentialUnusable) {
		t.Fatalf("authorize with a disabled key: %v", err)
	}
}
