package trust_test

import (
	"context"
	"crypto"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/emrtd/ec"
	"github.com/qesproject/qes/emrtd/pki"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/testutil/emrtdgen"
	"github.com/qesproject/qes/storage/bolt"
	"github.com/qesproject/qes/trust"
)

// The public vectors live beside the repository (../shared), as in CI.
func vector(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "shared", "testdata", "emrtd", name))
	if err != nil {
		t.Fatalf("public eMRTD vector %s (../shared/testdata/emrtd): %v", name, err)
	}
	return b
}

type env struct {
	svc   *trust.Service
	store *bolt.DB
	audit string
	now   time.Time
}

func newEnv(t *testing.T, now time.Time) *env {
	t.Helper()
	dir := t.TempDir()
	db, err := bolt.Open(filepath.Join(dir, "qes.db"))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{store: db, audit: filepath.Join(dir, "audit.jsonl"), now: now}
	clock := func() time.Time { return e.now }
	log, err := audit.Open(e.audit, db, clock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = log.Close(); _ = db.Close() })
	e.svc = trust.New(trust.Deps{Store: db, Audit: log, Now: clock})
	return e
}

func wantKind(t *testing.T, err error, k errs.Kind) {
	t.Helper()
	if errs.KindOf(err) != k {
		t.Fatalf("error %v, want kind %v", err, k)
	}
}

// The German master list, verified against the German CSCA, brings the
// Italian CSCAs qes needs for CIE (ENROLMENT.md §5); a wrong anchor or a
// changed byte imports nothing.
func TestGermanMasterList(t *testing.T) {
	ctx := context.Background()
	ml, anchor := vector(t, "de.ml"), vector(t, "de-csca07.cer")
	e := newEnv(t, time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC))

	t.Run("refused", func(t *testing.T) {
		flipped := append([]byte(nil), ml...)
		flipped[len(flipped)/2] ^= 1
		other := emrtdgen.NewCSCA("DE", "not the German CSCA", emrtdgen.NewECKey(ec.P256, false, crypto.SHA256),
			e.now.AddDate(-1, 0, 0), e.now.AddDate(5, 0, 0))
		for name, c := range map[string]struct{ ml, anchor []byte }{
			"flipped byte": {flipped, anchor}, "wrong anchor": {ml, other.DER}, "anchor not a certificate": {ml, []byte("x")},
		} {
			_, err := e.svc.ImportMasterList(ctx, c.ml, c.anchor, nil)
			if errs.KindOf(err) != errs.InvalidRequest {
				t.Errorf("%s: %v, want a refusal", name, err)
			}
		}
		if l, _ := e.svc.List(ctx, ""); len(l.CSCAs) != 0 {
			t.Fatalf("a refused list left %d CSCAs", len(l.CSCAs))
		}
	})

	_, err := e.svc.ImportMasterList(ctx, ml, anchor, []string{"it", "AT", "X1"})
	wantKind(t, err, errs.InvalidRequest)

	got, err := e.svc.ImportMasterList(ctx, ml, anchor, []string{"it", "AT"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Added["IT"] != 9 || got.Added["AT"] == 0 || len(got.Added) != 2 || got.OutsideAllowList == 0 {
		t.Fatalf("import = %+v, want the 9 Italian and the Austrian CSCAs only", got)
	}
	italian, err := e.svc.List(ctx, "IT")
	if err != nil {
		t.Fatal(err)
	}
	if len(italian.CSCAs) != 9 {
		t.Fatalf("Italian CSCAs = %d, want 9", len(italian.CSCAs))
	}
	// Importing again adds nothing; the whole list adds the other countries.
	again, err := e.svc.ImportMasterList(ctx, ml, anchor, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again.Added["IT"] != 0 || again.Known["IT"] != 9 || len(again.Added) < 20 {
		t.Fatalf("second import = %+v", again)
	}
	// One Italian certificate on its own is already known.
	one, err := e.svc.ImportCertificate(ctx, mustDER(t, e, "IT"))
	if err != nil {
		t.Fatal(err)
	}
	if one.Known["IT"] != 1 {
		t.Fatalf("re-importing an Italian CSCA = %+v", one)
	}
	raw, err := os.ReadFile(e.audit)
	if err != nil || !strings.Contains(string(raw), "trust.masterlist.import") || !strings.Contains(string(raw), "trust.csca.import") {
		t.Fatalf("audit log lacks the imports: %v", err)
	}
}

func mustDER(t *testing.T, e *env, country string) []byte {
	t.Helper()
	cs, err := e.store.CSCAs(context.Background(), country)
	if err != nil || len(cs) == 0 {
		t.Fatalf("no %s CSCA stored: %v", country, err)
	}
	return cs[0].DER
}

// Single certificates: a self-signed CSCA, then its link certificate; a
// Document Signer or a stranger's link is not a trust anchor. CRLs: only
// from a stored CSCA, and an older one never replaces a newer.
func TestCertificatesAndCRLs(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	e := newEnv(t, now)
	// Keys of one size are shared by the generator: old and next differ in size.
	old := emrtdgen.NewCSCA("IT", "CSCA IT 2016", emrtdgen.NewRSAKey(3072, false, crypto.SHA256), now.AddDate(-10, 0, 0), now.AddDate(5, 0, 0))
	next := emrtdgen.NewCSCA("IT", "CSCA IT 2024", emrtdgen.NewRSAKey(2048, true, crypto.SHA256), now.AddDate(-2, 0, 0), now.AddDate(13, 0, 0))
	link := emrtdgen.NewLink(old, next, false)
	stranger := emrtdgen.NewCSCA("IT", "not Italy", emrtdgen.NewECKey(ec.BrainpoolP256r1, true, crypto.SHA256), now.AddDate(-1, 0, 0), now.AddDate(5, 0, 0))
	strangerLink := emrtdgen.NewLink(stranger, next, true)
	dsc := emrtdgen.NewDSC(old, emrtdgen.NewECKey(ec.P256, false, crypto.SHA256), "DS IT", now.AddDate(-1, 0, 0), now.AddDate(1, 0, 0))

	_, err := e.svc.ImportCertificate(ctx, link.DER)
	wantKind(t, err, errs.InvalidRequest) // its signer is not trusted yet
	for _, c := range []*emrtdgen.Issued{old, link} {
		got, err := e.svc.ImportCertificate(ctx, c.DER)
		if err != nil || got.Added["IT"] != 1 {
			t.Fatalf("import %s = %+v, %v", c.Cert.Subject, got, err)
		}
	}
	for name, der := range map[string][]byte{"document signer": dsc.DER, "stranger's link": strangerLink.DER, "garbage": {0x30, 0x03, 1, 2, 3}} {
		if _, err := e.svc.ImportCertificate(ctx, der); errs.KindOf(err) != errs.InvalidRequest {
			t.Errorf("%s: %v, want a refusal", name, err)
		}
	}

	// A CSCA with old's key under another name: a CRL belongs to the name
	// it states, not to whichever certificate's key verifies it.
	twin := emrtdgen.NewCSCA("IT", "CSCA IT twin", old.Key, now.AddDate(-1, 0, 0), now.AddDate(5, 0, 0))
	if _, err := e.svc.ImportCertificate(ctx, twin.DER); err != nil {
		t.Fatal(err)
	}
	twinCRL, err := e.svc.ImportCRL(ctx, emrtdgen.NewCRL(twin, now.AddDate(0, 0, -1), now.AddDate(0, 3, 0), 5))
	if err != nil || twinCRL.Issuer != twin.Cert.Subject.String() {
		t.Fatalf("twin's CRL kept as %+v, %v", twinCRL, err)
	}

	first := emrtdgen.NewCRL(old, now.AddDate(0, 0, -10), now.AddDate(0, 3, 0), 1)
	second := emrtdgen.NewCRL(old, now.AddDate(0, 0, -1), now.AddDate(0, 3, 0), 2, dsc.Cert.SerialNumber, big.NewInt(7))
	if _, err := e.svc.ImportCRL(ctx, first); err != nil {
		t.Fatal(err)
	}
	rec, err := e.svc.ImportCRL(ctx, second)
	if err != nil || rec.Revoked != 2 || rec.Number != "2" || rec.Country != "IT" || rec.Issuer != old.Cert.Subject.String() {
		t.Fatalf("second CRL = %+v, %v", rec, err)
	}
	_, err = e.svc.ImportCRL(ctx, first)
	wantKind(t, err, errs.Conflict)
	_, err = e.svc.ImportCRL(ctx, emrtdgen.NewCRL(stranger, now, now.AddDate(0, 3, 0), 1))
	wantKind(t, err, errs.InvalidRequest)

	// The view hands emrtd.Verify exactly what is trusted.
	view := trust.View{Store: e.store}
	cscas, err := view.CSCAs(ctx, "IT")
	if err != nil || len(cscas) != 3 {
		t.Fatalf("view CSCAs = %d, %v", len(cscas), err)
	}
	crls, err := view.CRLs(ctx, "IT")
	if err != nil || len(crls) != 2 {
		t.Fatalf("view CRLs = %d, %v", len(crls), err)
	}
	revokedSeen := false
	for _, der := range crls {
		parsed, err := pki.ParseCRL(der)
		if err != nil {
			t.Fatal(err)
		}
		revokedSeen = revokedSeen || parsed.IsRevoked(dsc.Cert.SerialNumber)
	}
	if !revokedSeen {
		t.Fatal("the kept CRL of the 2016 CSCA is not the newest")
	}
	if other, _ := view.CSCAs(ctx, "DE"); len(other) != 0 {
		t.Fatalf("DE has %d CSCAs", len(other))
	}
}
