package bundle_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/bundle"
	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/internal/testutil/validator"
	"github.com/qesproject/qes/storage"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.Cleanup()
	os.Exit(code)
}

// env is a real qesd's App (SoftHSM2 token, bbolt, audit log, CA, TSA,
// evidence store) with enrolment records written straight into its store.
type env struct {
	t   testing.TB
	srv *testutil.Server
	ctx context.Context
}

func newEnv(t testing.TB) *env {
	return &env{t: t, srv: testutil.StartServer(t), ctx: context.Background()}
}

func (e *env) put(data []byte, mediaType string) storage.EvidenceRef {
	e.t.Helper()
	ref, err := e.srv.App.Evidence.Put(e.ctx, data, mediaType)
	if err != nil {
		e.t.Fatal(err)
	}
	return ref
}

// enrolment writes a customer, an order in state with its identification
// sessions (one failed attempt and one that passed, photos, video), a
// review, and, for issued orders, the request and the issuance.
func (e *env) enrolment(number, state string, issued bool, shared storage.EvidenceRef) *storage.Order {
	e.t.Helper()
	st, now := e.srv.App.Store, e.srv.Clock.Now().UTC()
	cust := &storage.Customer{ID: "c-" + number, Email: number + "@example.org", Country: "IT", Lang: "it", CreatedAt: now}
	consent := &storage.Consent{CustomerID: cust.ID, Kind: "privacy", Given: true, TextVersion: "1", TextSHA256: strings.Repeat("a", 64), At: now, IP: "192.0.2.1", UserAgent: "test"}
	if err := st.CreateCustomer(e.ctx, cust, []*storage.Consent{consent}); err != nil {
		e.t.Fatal(err)
	}
	o := &storage.Order{Number: number, CustomerID: cust.ID, State: state, Product: "qes-edoc", Currency: "EUR",
		NetCents: 7900, TaxableCents: 7900, VATCents: 1738, GrossCents: 9638, VATRateBP: 2200, VATCountry: "IT",
		PaymentMethod: "card", PaymentRef: "pay-" + number, Billing: storage.Billing{Name: "Mario Rossi", TaxID: "RSSMRA80A01H501U", Address: "Via Roma 1"}, PaidAt: now, UserID: "U" + number[len(number)-6:],
		Details:      &storage.Details{Italian: true, TaxCode: "RSSMRA80A01H501U", Mobile: "+393331234567", DocCountry: "IT", SubmittedAt: now},
		Consents:     []storage.Consent{{CustomerID: cust.ID, Kind: "biometric", Given: true, TextVersion: "2", At: now, IP: "192.0.2.1", UserAgent: "test"}},
		IdentifiedAt: now, Transitions: []storage.Transition{{From: "identified", To: state, At: now}}, CreatedAt: now, UpdatedAt: now}
	if issued {
		o.Request = &storage.CertificateRequest{ContractVersion: "2026-01", ContractSHA256: strings.Repeat("b", 64), ContractLang: "it",
			AcceptContract: true, ApproveClauses: true, At: now, IP: "192.0.2.1", PINHash: "$argon2id$pin", PUKHash: "$argon2id$puk",
			ERCHash: "$argon2id$erc", EnvelopeNumber: "ENV-" + number, Envelope: e.put([]byte("envelope of "+number), "application/pdf")}
		o.Issuance = &storage.Issuance{HolderID: o.UserID, CredentialID: "cred-" + number, CertificateSerial: "0a0b",
			LevelOfProofing: "baseline", At: now, ActivationDeadline: now.Add(60 * 24 * time.Hour)}
	}
	if err := st.CreateOrder(e.ctx, o, nil); err != nil {
		e.t.Fatal(err)
	}
	failed := &storage.Identification{ID: "s1-" + number, OrderNumber: number, CustomerID: cust.ID, Nationality: "IT", DocumentType: "CIE",
		State: storage.IdentificationFailed, CreatedAt: now, ExpiresAt: now.Add(30 * time.Minute), AAChallenge: []byte{1, 2, 3, 4, 5, 6, 7, 8},
		Attempts: []storage.ChipAttempt{{At: now, Code: "csca_untrusted", Access: "PACE-CAN",
			Files: map[string]storage.EvidenceRef{"SOD": e.put([]byte("sod-bad-"+number), "application/octet-stream"), "DG1": shared}}}}
	report := e.put([]byte(`{"result":"ok","access":"PACE-MRZ","typed":{"DocumentNumber":"CA00000AA"}}`+number), "application/json")
	ok := &storage.Identification{ID: "s2-" + number, OrderNumber: number, CustomerID: cust.ID, Nationality: "IT", DocumentType: "CIE",
		State: storage.IdentificationCompleted, CreatedAt: now, ExpiresAt: now.Add(30 * time.Minute), AAChallenge: []byte{8, 7, 6, 5, 4, 3, 2, 1},
		Liveness: storage.LivenessChallenge{Actions: []string{"blink", "turn_left"}, Digits: "472"},
		Photos:   map[string]storage.EvidenceRef{"front": e.put([]byte("front-"+number), "image/jpeg"), "back": e.put([]byte("back-"+number), "image/jpeg")},
		Attempts: []storage.ChipAttempt{{At: now, Access: "PACE-MRZ", Report: &report,
			Files: map[string]storage.EvidenceRef{"SOD": e.put([]byte("sod-"+number), "application/octet-stream"), "DG1": shared, "DG2": e.put([]byte("dg2-"+number), "application/octet-stream")}}},
		Chip: &storage.ChipReading{Document: map[string]string{"documentNumber": "CA00000AA"}, Checks: map[string]string{"passiveAuthentication": "ok", "activeAuthentication": "verified"},
			Face: e.put([]byte("face-"+number), "image/jpeg"), DSC: "CN=DS", CSCA: "CN=CSCA", At: now},
		Video:           ptr(e.put([]byte("video-"+number), "video/webm")),
		FaceMatch:       storage.BindingResult{Engine: "none"},
		LevelOfProofing: "baseline", CompletedAt: now}
	for _, x := range []*storage.Identification{failed, ok} {
		if err := st.CreateIdentification(e.ctx, x); err != nil {
			e.t.Fatal(err)
		}
	}
	if err := st.CreateReview(e.ctx, &storage.Review{ID: "r-" + number, OrderNumber: number, IdentificationID: ok.ID, Officer: "rossi",
		OpenedAt: now, DecidedAt: now.Add(3 * time.Minute), Seconds: 180, Decision: "approved", Checklist: map[string]string{"eyes": "match"}}); err != nil {
		e.t.Fatal(err)
	}
	return o
}

func ptr[T any](v T) *T { return &v }

func (e *env) verify(number string) *bundle.Report {
	e.t.Helper()
	rep, err := e.srv.App.Bundles.Verify(e.ctx, number)
	if err != nil {
		e.t.Fatal(err)
	}
	return rep
}

// flip changes one byte of an evidence file's ciphertext at rest (its
// file, or its blob in the store) and returns the function that puts it
// back.
func (e *env) flip(sum string) func() {
	e.t.Helper()
	return e.srv.TamperEvidence(e.t, sum, func(raw []byte) []byte {
		raw[len(raw)-20] ^= 0x01
		return raw
	})
}

func sum(b []byte) string {
	d := sha256.Sum256(b)
	return hex.EncodeToString(d[:])
}

func TestSealVerifyExport(t *testing.T) {
	e := newEnv(t)
	shared := e.put([]byte("dg1 read twice"), "application/octet-stream")
	o := e.enrolment("55-00001-0000000001", "issued", true, shared)
	sealed, err := e.srv.App.Bundles.Seal(e.ctx, o.Number)
	if err != nil {
		t.Fatal(err)
	}
	if sealed.Version != 1 || !sealed.RetainUntil.Equal(o.Issuance.At.AddDate(20, 0, 0)) {
		t.Fatalf("sealed = %+v, want version 1 kept 20 years after issuance", sealed)
	}
	if rep := e.verify(o.Number); !rep.OK || rep.Versions[0].Seal == nil || !rep.Versions[0].AuditOK {
		t.Fatalf("fresh bundle does not verify: %+v", rep)
	}

	// Export: every file at its path with the manifest's hash.
	zipPath := filepath.Join(t.TempDir(), "bundle.zip")
	f, err := os.Create(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.App.Bundles.Export(e.ctx, o.Number, f); err != nil {
		t.Fatal(err)
	}
	_ = f.Close()
	files := readZip(t, zipPath)
	var m bundle.Manifest
	if err := json.Unmarshal(files["manifest.json"], &m); err != nil {
		t.Fatal(err)
	}
	if m.Order != o.Number || m.CompletedAt.IsZero() || m.RetainUntil.IsZero() || len(m.Files)+2 != len(files) {
		t.Fatalf("manifest %+v with %d files in the ZIP", m, len(files))
	}
	for _, mf := range m.Files {
		data, ok := files[mf.Path]
		if !ok || sum(data) != mf.SHA256 || int64(len(data)) != mf.Size {
			t.Errorf("%s in the ZIP does not match the manifest", mf.Path)
		}
	}
	for _, want := range []string{"order.json", "applicant.json", "review.json", "issuance.json", "contract/acceptance.json",
		"chip/session-1/attempt-1/SOD", "chip/session-2/attempt-1/pa.json", "chip/session-2/attempt-1/aa.json",
		"chip/session-2/attempt-1/access.json", "media/session-2/selfie.webm", "media/session-2/document-front.jpg",
		"media/session-2/challenge.json", "manifest.p7s"} {
		if _, ok := files[want]; !ok {
			t.Errorf("the bundle has no %s", want)
		}
	}
	// Codes never enter a bundle, not even as hashes.
	for path, data := range files {
		if bytes.Contains(data, []byte("$argon2id$")) {
			t.Errorf("%s holds a code's hash", path)
		}
	}

	// openssl accepts the seal against qes's root alone, and it is B-T
	// with the signing-certificate-v2 attribute.
	openssl := validator.Need(t, "openssl")
	dir := t.TempDir()
	root := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: e.srv.App.Authorities.Root.Raw})
	for name, data := range map[string][]byte{"manifest.json": files["manifest.json"], "manifest.p7s": files["manifest.p7s"], "root.pem": root} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(openssl, "cms", "-verify", "-binary", "-content", "manifest.json", "-inform", "DER", "-in", "manifest.p7s",
		"-CAfile", "root.pem", "-out", os.DevNull)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("openssl cms -verify: %v\n%s", err, out)
	}
	cmd = exec.Command(openssl, "cms", "-cmsout", "-print", "-inform", "DER", "-in", "manifest.p7s")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("openssl cms -print: %v\n%s", err, out)
	}
	for _, attr := range []string{"id-smime-aa-signingCertificateV2", "id-smime-aa-timeStampToken"} {
		if !bytes.Contains(out, []byte(attr)) {
			t.Errorf("the seal has no %s", attr)
		}
	}
	// The manifest changed by one byte no longer verifies with openssl.
	changed := bytes.Clone(files["manifest.json"])
	changed[10] ^= 0x01
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), changed, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd = exec.Command(openssl, "cms", "-verify", "-binary", "-content", "manifest.json", "-inform", "DER", "-in", "manifest.p7s",
		"-CAfile", "root.pem", "-out", os.DevNull)
	cmd.Dir = dir
	if err := cmd.Run(); err == nil {
		t.Fatal("openssl accepted a changed manifest")
	}

	// One flipped byte of one encrypted file: verify names that file.
	video := o.Number // find the video's hash from the manifest
	for _, mf := range m.Files {
		if mf.Path == "media/session-2/selfie.webm" {
			video = mf.SHA256
		}
	}
	restore := e.flip(video)
	rep := e.verify(o.Number)
	if rep.OK || len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0], "media/session-2/selfie.webm") {
		t.Fatalf("flipped video: %+v", rep.Problems)
	}
	restore()
	restore = e.flip(sealed.ManifestSHA256)
	rep = e.verify(o.Number)
	if rep.OK || len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0], "manifest.json") {
		t.Fatalf("flipped manifest: %+v", rep.Problems)
	}
	restore()
	restore = e.flip(sealed.SealSHA256)
	if rep = e.verify(o.Number); rep.OK || !strings.Contains(rep.Problems[0], "manifest.p7s") {
		t.Fatalf("flipped seal: %+v", rep.Problems)
	}
	restore()
	if rep = e.verify(o.Number); !rep.OK {
		t.Fatalf("restored bundle: %+v", rep.Problems)
	}

	// Activation adds the signed contract: a second version, the first kept.
	signed := e.put([]byte("%PDF-signed contract"), "application/pdf")
	if err := e.srv.App.Store.UpdateOrder(e.ctx, o.Number, func(o *storage.Order) error {
		o.State, o.Issuance.SignedContract = "active", &signed
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	again, err := e.srv.App.Bundles.Seal(e.ctx, o.Number)
	if err != nil {
		t.Fatal(err)
	}
	rep = e.verify(o.Number)
	if again.Version != 2 || !rep.OK || len(rep.Versions) != 2 || rep.Versions[1].Files != rep.Versions[0].Files+1 {
		t.Fatalf("second sealing %+v: %+v", again, rep)
	}
}

// TestSealRefusesAnOpenEnrolment: an enrolment still under way has no
// complete evidence to seal.
func TestSealRefusesAnOpenEnrolment(t *testing.T) {
	e := newEnv(t)
	o := e.enrolment("55-00001-0000000009", "identified", false, e.put([]byte("dg1"), "application/octet-stream"))
	for _, number := range []string{o.Number, "55-00001-0000000404", ""} {
		if _, err := e.srv.App.Bundles.Seal(e.ctx, number); err == nil {
			t.Errorf("sealing %q succeeded", number)
		}
	}
	if _, err := e.srv.App.Bundles.Verify(e.ctx, o.Number); err == nil {
		t.Error("an unsealed enrolment verified")
	}
}

func readZip(t *testing.T, path string) map[string][]byte {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	out := map[string][]byte{}
	for _, f := range zr.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(r)
		_ = r.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = data
	}
	return out
}
