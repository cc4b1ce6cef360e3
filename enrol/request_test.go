package enrol_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/contract"
	"github.com/qesproject/qes/enrol"
	"github.com/qesproject/qes/envelope"
	"github.com/qesproject/qes/evidence"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/internal/testutil/validator"
	"github.com/qesproject/qes/otp"
	"github.com/qesproject/qes/storage"
	"github.com/qesproject/qes/storage/bolt"
)

// contracts are the real embedded templates.
type contracts struct{}

func (contracts) Current() string { return contract.Current() }
func (contracts) Template(v, lang string) (*enrol.Contract, error) {
	d, err := contract.Template(v, lang)
	if err != nil {
		return nil, err
	}
	return &enrol.Contract{Version: d.Version, Lang: d.Lang, PDF: d.PDF, SHA256: d.SHA256}, nil
}

// seededEnvelopes are the real envelopes drawn from a seeded generator,
// so that the test knows the codes it must never find stored.
type seededEnvelopes struct {
	mu    sync.Mutex
	rnd   io.Reader
	codes []enrol.Codes
}

type chachaReader struct{ r *rand.ChaCha8 }

func (c chachaReader) Read(p []byte) (int, error) { return c.r.Read(p) }

func (e *seededEnvelopes) Generate() (enrol.Codes, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, err := envelope.Generate(e.rnd)
	out := enrol.Codes{PIN: c.PIN, PUK: c.PUK, ERC: c.ERC}
	e.codes = append(e.codes, out)
	return out, err
}

func (e *seededEnvelopes) CheckPassphrase(p string, min int) error {
	return envelope.CheckPassphrase(p, min)
}

func (e *seededEnvelopes) Build(d enrol.EnvelopeData, passphrase string) ([]byte, error) {
	return envelope.Build(envelope.Data{UserID: d.UserID, EnvelopeNumber: d.EnvelopeNumber, Lang: d.Lang, GivenName: d.GivenName,
		Surname: d.Surname, Codes: envelope.Codes{PIN: d.Codes.PIN, PUK: d.Codes.PUK, ERC: d.Codes.ERC}, IssuedAt: d.IssuedAt}, passphrase, nil)
}

// issuer stands in for the SAM and the accounts (internal/app's test
// issues for real): it fails while fail is set and counts its calls.
type issuer struct {
	mu    sync.Mutex
	fail  bool
	calls []enrol.IssueRequest
}

func (i *issuer) IssueCertificate(_ context.Context, r enrol.IssueRequest) (*enrol.IssuedCertificate, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.calls = append(i.calls, r)
	if i.fail {
		return nil, errs.E(errs.Unavailable, "the HSM is away")
	}
	return &enrol.IssuedCertificate{HolderID: r.UserID, CredentialID: "cred-1", CertificateSerial: "0a1b"}, nil
}

type reqEnv struct {
	svc       *enrol.Service
	db        *bolt.DB
	ev        *evidence.Store
	envelopes *seededEnvelopes
	issuer    *issuer
	dir       string
	outbox    string
	audit     string
	now       time.Time
}

func newReqEnv(t *testing.T) *reqEnv {
	t.Helper()
	dir := t.TempDir()
	db, err := bolt.Open(filepath.Join(dir, "qes.db"))
	if err != nil {
		t.Fatal(err)
	}
	e := &reqEnv{db: db, dir: dir, outbox: filepath.Join(dir, "outbox.jsonl"), audit: filepath.Join(dir, "audit.jsonl"),
		now: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC), issuer: &issuer{},
		envelopes: &seededEnvelopes{rnd: chachaReader{rand.NewChaCha8([32]byte{7})}}}
	clock := func() time.Time { return e.now }
	log, err := audit.Open(e.audit, db, clock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = log.Close(); _ = db.Close() })
	sealer, err := testutil.HSM(t).Sealer(context.Background(), "enrol-test")
	if err != nil {
		t.Fatal(err)
	}
	e.ev = evidence.New(dir, sealer, clock)
	box := otp.NewOutbox(e.outbox)
	e.svc = enrol.New(enrol.Deps{Store: db, OTP: otp.New(db, hmacKey("k"), box, clock, otp.Config{}), Notify: box, MAC: hmacKey("k"),
		Audit: log, Now: clock, Contracts: contracts{}, Envelopes: e.envelopes, Evidence: e.ev, Issuer: e.issuer},
		enrol.Config{Argon: secret.Fast})
	return e
}

// identified stores a customer and an identified order with a completed
// identification of an Italian CIE.
func (e *reqEnv) identified(t testing.TB, cust, number, userID, lang string) {
	t.Helper()
	ctx := context.Background()
	if err := e.db.CreateCustomer(ctx, &storage.Customer{ID: cust, Email: cust + "@example.org", EmailVerified: true, Lang: lang, CreatedAt: e.now}, nil); err != nil {
		t.Fatal(err)
	}
	if err := e.db.CreateOrder(ctx, &storage.Order{Number: number, CustomerID: cust, State: string(enrol.Identified), IdentifiedAt: e.now.Add(-time.Hour),
		Details: &storage.Details{Italian: true, TaxCode: "RSSMRA80A01H501U", Mobile: "+393331234567"}, CreatedAt: e.now}, nil); err != nil {
		t.Fatal(err)
	}
	if err := e.db.UpdateOrder(ctx, number, func(o *storage.Order) error { o.UserID = userID; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := e.db.CreateIdentification(ctx, &storage.Identification{ID: "id-" + number, OrderNumber: number, CustomerID: cust,
		DocumentType: "CIE", State: storage.IdentificationCompleted, LevelOfProofing: "baseline", CompletedAt: e.now.Add(-time.Hour),
		Chip: &storage.ChipReading{Document: map[string]string{"documentCode": "C<", "issuingCountry": "IT", "documentNumber": "CA00000AA",
			"surname": "ROSSI", "givenNames": "MARIO", "taxCode": "RSSMRA80A01H501U"}}}); err != nil {
		t.Fatal(err)
	}
}

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

const passphrase = "correct horse battery"

func TestRequestCertificate(t *testing.T) {
	t.Parallel()
	e := newReqEnv(t)
	ctx := context.Background()
	e.identified(t, "c1", "55-00001-0000000001", "AB123456", "it")
	it, err := contract.Template(contract.Current(), "it")
	if err != nil {
		t.Fatal(err)
	}
	good := enrol.RequestInput{ContractSHA256: it.SHA256, AcceptContract: yes(), ApproveClauses: yes(), Passphrase: passphrase,
		IP: "192.0.2.7", DeviceID: "dev-1", DeviceJKT: "jkt-1"}
	with := func(f func(*enrol.RequestInput)) enrol.RequestInput { in := good; f(&in); return in }
	other := sha256.Sum256([]byte("an older contract"))
	for _, c := range []struct {
		name     string
		customer string
		in       enrol.RequestInput
		kind     errs.Kind
		id       msg.ID
		names    string
	}{
		{"stale contract", "c1", with(func(in *enrol.RequestInput) { in.ContractSHA256 = hex.EncodeToString(other[:]) }), errs.Conflict, msg.RequestContractHash, ""},
		{"no contract hash", "c1", with(func(in *enrol.RequestInput) { in.ContractSHA256 = "" }), errs.Conflict, msg.RequestContractHash, ""},
		{"acceptContract missing", "c1", with(func(in *enrol.RequestInput) { in.AcceptContract = nil }), errs.InvalidRequest, msg.RequestFlag, "acceptContract"},
		{"approveClauses false", "c1", with(func(in *enrol.RequestInput) { in.ApproveClauses = no() }), errs.InvalidRequest, msg.RequestFlag, "approveClauses"},
		{"short passphrase", "c1", with(func(in *enrol.RequestInput) { in.Passphrase = "abc12" }), errs.InvalidRequest, msg.RequestPassphrase, ""},
		{"common passphrase", "c1", with(func(in *enrol.RequestInput) { in.Passphrase = "password" }), errs.InvalidRequest, "", ""},
		{"someone else's order", "c2", good, errs.NotFound, msg.ShopOrderNotFound, ""},
	} {
		_, err := e.svc.RequestCertificate(ctx, c.customer, "55-00001-0000000001", c.in)
		if !errs.Is(err, c.kind) {
			t.Errorf("%s: %v, want %v", c.name, err, c.kind)
			continue
		}
		if id, _, _ := errs.MessageOf(err); c.id != "" && id != c.id {
			t.Errorf("%s: message %s, want %s", c.name, id, c.id)
		}
		if c.names != "" && !strings.Contains(errs.DetailOf(err), c.names) {
			t.Errorf("%s: %q does not name %s", c.name, errs.DetailOf(err), c.names)
		}
	}
	if o, _ := e.db.Order(ctx, "55-00001-0000000001"); o.State != string(enrol.Identified) || o.Request != nil {
		t.Fatalf("a refused request changed the order: %+v", o)
	}

	o, err := e.svc.RequestCertificate(ctx, "c1", "55-00001-0000000001", good)
	if err != nil {
		t.Fatal(err)
	}
	r := o.Request
	if o.State != string(enrol.Requested) || r == nil || r.ContractVersion != contract.Current() || r.ContractSHA256 != it.SHA256 ||
		r.ContractLang != "it" || !r.AcceptContract || !r.ApproveClauses || r.IP != "192.0.2.7" || r.DeviceID != "dev-1" ||
		r.DeviceJKT != "jkt-1" || !r.At.Equal(e.now) || r.EnvelopeNumber == "" || r.Envelope.SHA256 == "" {
		t.Fatalf("request record: %+v %+v", o, r)
	}
	codes := e.envelopes.codes[len(e.envelopes.codes)-1]
	for _, h := range []struct{ code, hash string }{{codes.PIN, r.PINHash}, {codes.PUK, r.PUKHash}, {codes.ERC, r.ERCHash}} {
		if ok, err := secret.Verify(h.code, h.hash); err != nil || !ok || !strings.HasPrefix(h.hash, "$argon2id$") {
			t.Fatalf("code hash %q does not verify: %v", h.hash, err)
		}
	}
	// The envelope is the evidence file: it opens with the passphrase and
	// shows the three codes.
	pdf, err := e.ev.Open(ctx, r.Envelope.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	text := decryptText(t, pdf, passphrase)
	for _, c := range []string{codes.PIN, codes.PUK, codes.ERC, "AB123456", r.EnvelopeNumber} {
		if !strings.Contains(strings.ReplaceAll(text, " ", ""), c) {
			t.Errorf("the envelope does not show %s:\n%s", c, text)
		}
	}
	// Once requested, never again.
	if _, err := e.svc.RequestCertificate(ctx, "c1", "55-00001-0000000001", good); !errs.Is(err, errs.Conflict) {
		t.Fatalf("second request: %v", err)
	}
	assertNoSecrets(t, e, codes)
}

// assertNoSecrets greps every file qes wrote (database, audit log, outbox,
// evidence) for the codes and the passphrase.
func assertNoSecrets(t *testing.T, e *reqEnv, codes enrol.Codes) {
	t.Helper()
	n := 0
	err := filepath.WalkDir(e.dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		for _, s := range []string{codes.PIN, codes.PUK, codes.ERC, passphrase} {
			if bytes.Contains(raw, []byte(s)) {
				t.Errorf("%s holds a secret (%d characters) in clear", path, len(s))
			}
		}
		return nil
	})
	if err != nil || n < 3 {
		t.Fatalf("walked %d files: %v", n, err)
	}
}

// decryptText opens an envelope with qpdf and reads its text layer.
func decryptText(t *testing.T, pdf []byte, password string) string {
	t.Helper()
	qpdf, pdftotext := validator.Need(t, "qpdf"), validator.Need(t, "pdftotext")
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command(qpdf, "--decrypt", "--password="+password, in, out).CombinedOutput(); err != nil {
		t.Fatalf("qpdf --decrypt: %v\n%s", err, b)
	}
	b, err := exec.Command(pdftotext, out, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(b)
}

func outboxLines(t *testing.T, path string) []otp.Message {
	t.Helper()
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []otp.Message
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m otp.Message
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// An approval issues; a failed issuance leaves the order approved and the
// job finishes it, once: the e-mails go out once with their attachments.
func TestIssueOnApproval(t *testing.T) {
	t.Parallel()
	e := newReqEnv(t)
	ctx := context.Background()
	const number = "55-00001-0000000002"
	e.identified(t, "c2", number, "CD654321", "en")
	en, err := contract.Template(contract.Current(), "en")
	if err != nil {
		t.Fatal(err)
	}
	o, err := e.svc.RequestCertificate(ctx, "c2", number, enrol.RequestInput{ContractSHA256: en.SHA256, AcceptContract: yes(), ApproveClauses: yes(), Passphrase: passphrase})
	if err != nil {
		t.Fatal(err)
	}
	// Issuing before approval is refused.
	if _, err := e.svc.Issue(ctx, number); !errs.Is(err, errs.Conflict) {
		t.Fatalf("issue a requested order: %v", err)
	}
	e.issuer.fail = true
	o, err = e.svc.DecideReview(ctx, number, enrol.ReviewDecision{Officer: "rossi", Review: "r1", To: enrol.Approved, IdentifiedAt: o.IdentifiedAt})
	if err != nil || o.State != string(enrol.Approved) || o.Issuance != nil {
		t.Fatalf("approval with the issuer down: %+v, %v", o, err)
	}
	if n, err := e.svc.IssuePending(ctx); n != 0 || err == nil {
		t.Fatalf("pending with the issuer down: %d, %v", n, err)
	}
	if len(outboxLines(t, e.outbox)) != 0 {
		t.Fatal("e-mails before issuance")
	}
	e.issuer.fail = false
	if n, err := e.svc.IssuePending(ctx); n != 1 || err != nil {
		t.Fatalf("pending: %d, %v", n, err)
	}
	o, err = e.db.Order(ctx, number)
	if err != nil {
		t.Fatal(err)
	}
	is := o.Issuance
	if o.State != string(enrol.Issued) || is == nil || is.HolderID != "CD654321" || is.CredentialID != "cred-1" || is.CertificateSerial != "0a1b" ||
		is.LevelOfProofing != "baseline" || !is.At.Equal(e.now) || !is.ActivationDeadline.Equal(e.now.Add(60*24*time.Hour)) || is.MailedAt.IsZero() {
		t.Fatalf("issuance: %+v %+v", o, is)
	}
	last := e.issuer.calls[len(e.issuer.calls)-1]
	r := o.Request
	if last.UserID != "CD654321" || last.Order != number || last.SemanticsID != "TINIT-RSSMRA80A01H501U" || last.GivenName != "MARIO" ||
		last.Surname != "ROSSI" || last.Country != "IT" || last.Email != "c2@example.org" || last.Phone != "+393331234567" || last.Lang != "en" ||
		last.PINHash != r.PINHash || last.PUKHash != r.PUKHash || last.ERCHash != r.ERCHash {
		t.Fatalf("issue request: %+v", last)
	}
	// Idempotent: nothing pending, nothing sent twice.
	if n, err := e.svc.IssuePending(ctx); n != 0 || err != nil {
		t.Fatalf("second run: %d, %v", n, err)
	}
	if _, err := e.svc.Issue(ctx, number); err != nil {
		t.Fatalf("issue an issued order: %v", err)
	}
	mails := outboxLines(t, e.outbox)
	if len(mails) != 2 {
		t.Fatalf("%d e-mails, want 2", len(mails))
	}
	envelopePDF, err := e.ev.Open(ctx, r.Envelope.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []struct {
		purpose string
		data    []byte
	}{{"enrol-issued", en.PDF}, {"enrol-envelope", envelopePDF}} {
		m := mails[i]
		if m.Purpose != want.purpose || m.To != "c2@example.org" || len(m.Attachments) != 1 || m.Subject == "" || m.Code != "" {
			t.Fatalf("mail %d: %+v", i, m)
		}
		a := m.Attachments[0]
		got, err := os.ReadFile(filepath.Join(e.dir, filepath.FromSlash(a.File)))
		sum := sha256.Sum256(want.data)
		if err != nil || !bytes.Equal(got, want.data) || a.SHA256 != hex.EncodeToString(sum[:]) || a.MediaType != "application/pdf" {
			t.Fatalf("attachment %+v: %v", a, err)
		}
	}
	raw, err := os.ReadFile(e.outbox)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("%PDF")) || bytes.Contains(raw, []byte("JVBERi")) {
		t.Fatal("the outbox's JSON carries an attachment's content")
	}
	assertNoSecrets(t, e, e.envelopes.codes[len(e.envelopes.codes)-1])
}

func TestSubject(t *testing.T) {
	t.Parallel()
	ident := func(doc map[string]string, confirmedTax string) *storage.Identification {
		i := &storage.Identification{Chip: &storage.ChipReading{Document: doc}}
		if confirmedTax != "" {
			i.Confirmed = &storage.ConfirmedData{TaxCode: confirmedTax}
		}
		return i
	}
	order := &storage.Order{Number: "55-1", UserID: "AB123456", Details: &storage.Details{Mobile: "+393331234567"}}
	italian := &storage.Order{Number: "55-2", UserID: "AB123457", Details: &storage.Details{Italian: true, TaxCode: "RSSMRA80A01H501U", Mobile: "+39333"}}
	for _, c := range []struct {
		name  string
		o     *storage.Order
		i     *storage.Identification
		want  string
		given string
	}{
		{"CIE with tax code", order, ident(map[string]string{"documentCode": "C<", "issuingCountry": "IT", "documentNumber": "CA00000AA", "surname": "ROSSI", "givenNames": "MARIO", "taxCode": "RSSMRA80A01H501U"}, ""), "TINIT-RSSMRA80A01H501U", "MARIO"},
		{"tax code confirmed", order, ident(map[string]string{"documentCode": "P<", "issuingCountry": "IT", "documentNumber": "YA0000000", "surname": "ROSSI", "givenNames": "MARIO"}, "RSSMRA80A01H501U"), "TINIT-RSSMRA80A01H501U", "MARIO"},
		{"tax code from the details form", italian, ident(map[string]string{"documentCode": "P", "issuingCountry": "IT", "documentNumber": "YA0000000", "surname": "ROSSI", "givenNames": "MARIO"}, ""), "TINIT-RSSMRA80A01H501U", "MARIO"},
		{"German passport", order, ident(map[string]string{"documentCode": "P<", "issuingCountry": "DE", "documentNumber": "C01X00T47", "surname": "MUSTERMANN", "givenNames": "ERIKA<MARIA"}, ""), "PASDE-C01X00T47", "ERIKA MARIA"},
		{"Austrian identity card", order, ident(map[string]string{"documentCode": "ID", "issuingCountry": "AT", "documentNumber": "1234567<<", "surname": "HUBER", "givenNames": "ANNA"}, ""), "IDCAT-1234567", "ANNA"},
	} {
		got, err := enrol.Subject(c.o, c.i)
		if err != nil || got.SemanticsID != c.want || got.GivenName != c.given || got.UserID != c.o.UserID || got.Phone != c.o.Details.Mobile {
			t.Errorf("%s: %+v, %v; want %s", c.name, got, err, c.want)
		}
	}
	if _, err := enrol.Subject(order, ident(map[string]string{"documentCode": "P<", "surname": "X", "givenNames": "Y"}, "")); err == nil {
		t.Error("a reading without country or number gave a subject")
	}
}

// BenchmarkRequestCertificate is one certificate request at the production
// argon2id cost: three code hashes, the envelope built and encrypted, the
// evidence file written, the transition committed.
func BenchmarkRequestCertificate(b *testing.B) {
	dir := b.TempDir()
	db, err := bolt.Open(filepath.Join(dir, "qes.db"))
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	log, err := audit.Open(filepath.Join(dir, "audit.jsonl"), db, clock)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = log.Close(); _ = db.Close() })
	sealer, err := testutil.HSM(b).Sealer(context.Background(), "enrol-bench")
	if err != nil {
		b.Fatal(err)
	}
	e := &reqEnv{db: db, dir: dir, now: now, envelopes: &seededEnvelopes{rnd: chachaReader{rand.NewChaCha8([32]byte{9})}}}
	e.ev = evidence.New(dir, sealer, clock)
	box := otp.NewOutbox(filepath.Join(dir, "outbox.jsonl"))
	e.svc = enrol.New(enrol.Deps{Store: db, Notify: box, MAC: hmacKey("k"), Audit: log, Now: clock, Contracts: contracts{},
		Envelopes: e.envelopes, Evidence: e.ev}, enrol.Config{Argon: secret.Default})
	it, err := contract.Template(contract.Current(), "it")
	if err != nil {
		b.Fatal(err)
	}
	in := enrol.RequestInput{ContractSHA256: it.SHA256, AcceptContract: yes(), ApproveClauses: yes(), Passphrase: passphrase}
	numbers := make([]string, b.N)
	for i := range numbers {
		numbers[i] = fmt.Sprintf("55-00009-%010d", i)
		e.identified(b, fmt.Sprintf("b%d", i), numbers[i], fmt.Sprintf("BN%06d", i), "it")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.svc.RequestCertificate(context.Background(), fmt.Sprintf("b%d", i), numbers[i], in); err != nil {
			b.Fatal(err)
		}
	}
}
