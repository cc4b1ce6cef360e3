package appapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/contract"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/internal/testutil/emrtdgen"
	"github.com/qesproject/qes/internal/testutil/validator"
	"github.com/qesproject/qes/officer"
	"github.com/qesproject/qes/sam"
)

// Enrolment 3/3 up to issuance against a real qesd: the app identifies a
// CIE, reads the contract byte-exact, is refused a stale hash, a missing
// flag and a weak passphrase, requests the certificate; an officer approves
// through the review rules; the certificate is issued from the chip's
// identity with the key disabled, the two e-mails are in the outbox with
// their attachment files, and no code or passphrase is in any file qesd
// wrote.
func TestRequestAndIssuanceEndToEnd(t *testing.T) {
	t.Parallel()
	now := time.Now().UTC()
	s := testutil.StartServer(t)
	ctx := context.Background()
	cie := emrtdgen.NewDocument(t, emrtdgen.Options{Kind: emrtdgen.CIE, Now: now,
		CSCA: emrtdgen.NewCSCA("IT", "CSCA issuance", emrtdgen.KeyRSAPSS2048(), now.AddDate(-5, 0, 0), now.AddDate(10, 0, 0))})
	trustDocument(t, s, cie)
	a, number := identify(t, s, cie, "CIE")
	base := prefix + "/enrolments/" + number
	if status, out := a.call("GET", base, nil); status != 200 || out["state"] != "identified" || out["nextStep"] != "contract" {
		t.Fatalf("enrolment: %d %v", status, out)
	}

	// The contract, byte-exact; the DPoP proof covers the URL without its query.
	getContract := func(query string) (*http.Response, []byte) {
		req := a.request("GET", base+"/contract", "", nil, nil)
		req.URL.RawQuery = query
		return testutil.DoRaw(t, req)
	}
	want, err := contract.Template(contract.Current(), "it")
	if err != nil {
		t.Fatal(err)
	}
	resp, pdf := getContract("lang=it")
	sum := sha256.Sum256(pdf)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" || !bytes.Equal(pdf, want.PDF) ||
		resp.Header.Get("X-Contract-SHA256") != hex.EncodeToString(sum[:]) || resp.Header.Get("X-Contract-Version") != contract.Current() {
		t.Fatalf("contract: %d %v, %d bytes", resp.StatusCode, resp.Header, len(pdf))
	}
	if resp, _ := getContract("lang=fr"); resp.StatusCode != 400 {
		t.Fatalf("contract in French: %d", resp.StatusCode)
	}
	if resp, _ := getContract(""); resp.StatusCode != 200 || resp.Header.Get("Content-Language") != "en" {
		t.Fatalf("contract in the applicant's language: %d %v", resp.StatusCode, resp.Header)
	}
	hash := resp.Header.Get("X-Contract-SHA256")

	const passphrase = "Lanterna verde 1987"
	body := func(change func(map[string]any)) map[string]any {
		b := map[string]any{"contractSHA256": hash, "acceptContract": true, "approveClauses": true, "passphrase": passphrase}
		if change != nil {
			change(b)
		}
		return b
	}
	for _, c := range []struct {
		name   string
		change func(map[string]any)
		status int
		names  string
	}{
		{"stale contract", func(b map[string]any) { b["contractSHA256"] = strings.Repeat("ab", 32) }, 409, ""},
		{"no acceptContract", func(b map[string]any) { delete(b, "acceptContract") }, 400, "acceptContract"},
		{"approveClauses false", func(b map[string]any) { b["approveClauses"] = false }, 400, "approveClauses"},
		{"short passphrase", func(b map[string]any) { b["passphrase"] = "12ab" }, 400, ""},
		{"unknown member", func(b map[string]any) { b["pin"] = "12345678" }, 400, "pin"},
	} {
		status, out := a.call("POST", base+"/request", body(c.change))
		if status != c.status || !strings.Contains(out["error_description"].(string), c.names) {
			t.Errorf("%s: %d %v, want %d naming %q", c.name, status, out, c.status, c.names)
		}
	}
	status, out := a.call("POST", base+"/request", body(nil))
	if status != 202 || out["state"] != "requested" || out["nextStep"] != "review" {
		t.Fatalf("request: %d %v", status, out)
	}
	if status, _ := a.call("POST", base+"/request", body(nil)); status != 409 {
		t.Fatalf("second request: %d, want 409", status)
	}
	o, err := s.App.Store.Order(ctx, number)
	if err != nil || o.Request == nil || o.Request.DeviceJKT == "" || o.Request.DeviceID == "" || o.Request.IP != "127.0.0.1" || o.Request.ContractLang != "it" {
		t.Fatalf("acceptance record: %+v, %v", o.Request, err)
	}

	// The officer's queue holds the requested order; approving issues.
	newOfficer(t, s, "bianchi")
	approve(t, s, "bianchi", number)
	o, err = s.App.Store.Order(ctx, number)
	if err != nil || o.State != "issued" || o.Issuance == nil || o.Issuance.MailedAt.IsZero() ||
		!o.Issuance.ActivationDeadline.Equal(o.Issuance.At.Add(60*24*time.Hour)) || o.Issuance.LevelOfProofing != "baseline" {
		t.Fatalf("after approval: %+v %+v, %v", o, o.Issuance, err)
	}
	if status, out := a.call("GET", base, nil); status != 200 || out["state"] != "issued" || out["nextStep"] != "activation" {
		t.Fatalf("enrolment after issuance: %d %v", status, out)
	}

	// The holder: the reserved UserID, first access pending; the
	// credential: key disabled, a certificate for the chip's person.
	h, err := s.App.Store.Holder(ctx, o.UserID)
	if err != nil || !h.FirstAccessPending || h.Order != number || h.Email == "" || h.Phone != o.Details.Mobile {
		t.Fatalf("holder: %+v, %v", h, err)
	}
	cred, err := s.App.Store.Credential(ctx, o.Issuance.CredentialID)
	if err != nil || cred.KeyEnabled || cred.HolderID != h.ID || cred.PINHash != o.Request.PINHash || cred.ERCHash != o.Request.ERCHash {
		t.Fatalf("credential: %+v, %v", cred, err)
	}
	leaf, err := x509.ParseCertificate(cred.Certificates[0])
	if err != nil {
		t.Fatal(err)
	}
	if leaf.Subject.SerialNumber != "TINIT-"+cie.TaxCode || leaf.Subject.Country[0] != "IT" || len(leaf.Subject.Names) == 0 ||
		leaf.SerialNumber.Text(16) != o.Issuance.CertificateSerial || !hasAttr(leaf, "2.5.4.42") || !hasAttr(leaf, "2.5.4.4") {
		t.Fatalf("certificate subject %v serial %x", leaf.Subject, leaf.SerialNumber)
	}

	// Both e-mails, the attachments as files next to the outbox.
	var contractMail, envelopeMail bool
	var envelopePDF []byte
	for _, m := range s.Outbox(t) {
		if len(m.Attachments) == 0 {
			continue
		}
		at := m.Attachments[0]
		data, err := os.ReadFile(filepath.Join(s.DataDir, filepath.FromSlash(at.File)))
		sum := sha256.Sum256(data)
		if err != nil || at.SHA256 != hex.EncodeToString(sum[:]) {
			t.Fatalf("attachment %+v: %v", at, err)
		}
		switch m.Purpose {
		case "enrol-issued":
			// The copy the applicant accepted: Italian, although they read English.
			contractMail = bytes.Equal(data, want.PDF) && strings.Contains(m.Text, o.UserID)
		case "enrol-envelope":
			envelopeMail, envelopePDF = strings.Contains(m.Text, o.Request.EnvelopeNumber), data
		}
	}
	if !contractMail || !envelopeMail {
		t.Fatalf("e-mails: contract %v, envelope %v", contractMail, envelopeMail)
	}
	codes := envelopeCodes(t, envelopePDF, passphrase)

	// The key is disabled: even the right PIN cannot authorize a signature.
	digest := sha256.Sum256([]byte("a document"))
	_, err = s.App.Credentials.Authorize(ctx, sam.Authorization{HolderID: h.ID, CredentialID: cred.ID, NumSignatures: 1,
		Hashes: []string{base64.StdEncoding.EncodeToString(digest[:])}, PIN: codes[0]})
	if !errs.Is(err, errs.CredentialUnusable) {
		t.Fatalf("authorize with a disabled key: %v", err)
	}

	// No code and no passphrase in any file qesd wrote.
	noSecretOnDisk(t, s, append(codes, passphrase))

	// The holder's first access and activation (package activation).
	activateIssued(t, s, o.UserID, codes[0], codes[1])
}

// newOfficer creates a registration officer the way `qesctl operator
// create` does (the operator route).
func newOfficer(t *testing.T, s *testutil.Server, user string) {
	t.Helper()
	if _, err := s.App.Operator.CreateOfficer(context.Background(), officer.NewOfficer{User: user, FullName: "Anna Bianchi", TaxCode: "RSSMRA80A01H501U",
		Email: user + "@example.org", Password: "Officer-Pass1!", TrainedOn: s.Clock.Now().AddDate(0, -1, 0).Format("2006-01-02")}); err != nil {
		t.Fatal(err)
	}
}

// approve has officer user find the order in the review queue and
// approve it with every feature matching.
func approve(t *testing.T, s *testutil.Server, user, number string) {
	t.Helper()
	ctx := context.Background()
	queue, err := s.App.Officers.Queue(ctx)
	if err != nil || !queued(queue, number) {
		t.Fatalf("queue: %+v, %v", queue, err)
	}
	c, err := s.App.Officers.Open(ctx, user, number)
	if err != nil {
		t.Fatal(err)
	}
	checklist := map[string]string{}
	for _, f := range officer.Features {
		checklist[f] = officer.FeatureMatch
	}
	if _, err := s.App.Officers.Decide(ctx, user, number, officer.Decision{Review: c.Review.ID, Action: "approve", Checklist: checklist}); err != nil {
		t.Fatal(err)
	}
}

// noSecretOnDisk fails if any file under the data directory (bbolt, the
// audit log, the outbox JSON and its attachments, the evidence store)
// holds one of secrets in clear.
func noSecretOnDisk(t *testing.T, s *testutil.Server, secrets []string) {
	t.Helper()
	files := 0
	err := filepath.WalkDir(s.DataDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err // directories, the admin socket
		}
		files++
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, secret := range secrets {
			if bytes.Contains(raw, []byte(secret)) {
				t.Errorf("%s holds a secret in clear", path)
			}
		}
		return nil
	})
	// What qesd writes in DIR: the outbox, the payments ledger and, when
	// they are kept there, the audit log and the evidence files. Evidence
	// in the store is ciphertext made in the process (package evidence's
	// tests look at it there), not files.
	least := 5
	if s.App.Evidence.InStore() {
		least = 3
	}
	if err != nil || files < least {
		t.Fatalf("walked %d files: %v", files, err)
	}
}

func queued(q []officer.QueueItem, number string) bool {
	for _, i := range q {
		if i.Order == number {
			return true
		}
	}
	return false
}

func hasAttr(c *x509.Certificate, oid string) bool {
	for _, n := range c.Subject.Names {
		if n.Type.String() == oid {
			return true
		}
	}
	return false
}

// envelopeCodes opens the envelope with the passphrase (qpdf) and reads the
// PIN (8 digits), PUK (10) and ERC (12) from its text (pdftotext).
func envelopeCodes(t *testing.T, pdf []byte, passphrase string) []string {
	t.Helper()
	qpdf, pdftotext := validator.Need(t, "qpdf"), validator.Need(t, "pdftotext")
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command(qpdf, "--show-encryption", "--password="+passphrase, in).CombinedOutput(); err != nil || !strings.Contains(string(b), "R = 6") {
		t.Fatalf("qpdf --show-encryption: %v\n%s", err, b)
	}
	if b, err := exec.Command(qpdf, "--decrypt", "--password="+passphrase, in, out).CombinedOutput(); err != nil {
		t.Fatalf("qpdf --decrypt: %v\n%s", err, b)
	}
	text, err := exec.Command(pdftotext, out, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	// The layout puts labels and values in columns: the codes are the
	// all-digit words of 8, 10 and 12 digits.
	byLen := map[int]string{}
	for _, w := range strings.Fields(string(text)) {
		if strings.Trim(w, "0123456789") == "" {
			byLen[len(w)] = w
		}
	}
	var codes []string
	for _, n := range []int{8, 10, 12} {
		if byLen[n] == "" {
			t.Fatalf("no %d-digit code in the envelope:\n%s", n, text)
		}
		codes = append(codes, byLen[n])
	}
	return codes
}
