package bundle_test

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qesproject/qes/bundle"
	"github.com/qesproject/qes/ca"
	"github.com/qesproject/qes/internal/testutil/testpki"
)

// The seal check refuses what openssl's default check would not notice:
// a signature by another certificate under qes's root; and what it would:
// a changed manifest, a foreign root, a broken encoding.
func TestVerifySealRefuses(t *testing.T) {
	e := newEnv(t)
	o := e.enrolment("55-00001-0000000041", "rejected", false, e.put([]byte("dg1"), "application/octet-stream"))
	if _, err := e.srv.App.Bundles.Seal(e.ctx, o.Number); err != nil {
		t.Fatal(err)
	}
	zipPath := filepath.Join(t.TempDir(), "b.zip")
	f, err := os.Create(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.App.Bundles.Export(e.ctx, o.Number, f); err != nil {
		t.Fatal(err)
	}
	_ = f.Close()
	files := readZip(t, zipPath)
	manifest, p7s := files["manifest.json"], files["manifest.p7s"]
	rec, err := e.srv.App.Store.Authority(e.ctx, ca.SealAuthority)
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := x509.ParseCertificate(rec.Certificates[0])
	if err != nil {
		t.Fatal(err)
	}
	root := e.srv.App.Authorities.Root
	if check, err := bundle.VerifySeal(p7s, manifest, root, []*x509.Certificate{sealer}); err != nil || check.TSA == "" || check.TimestampTime.IsZero() {
		t.Fatalf("the seal does not verify: %+v %v", check, err)
	}
	changed := bytes.Replace(manifest, []byte(o.Number), []byte("55-00001-0000000042"), 1)
	foreign := testpki.NewRoot(t, pkix.Name{CommonName: "Other Root"}, testpki.Key(t, testpki.P256)).Cert
	for _, c := range []struct {
		name          string
		p7s, manifest []byte
		root          *x509.Certificate
		sealers       []*x509.Certificate
		want          string
	}{
		{"another certificate of qes", p7s, manifest, root, []*x509.Certificate{e.srv.App.Authorities.TSACert}, "not by the registration authority's seal key"},
		{"changed manifest", p7s, changed, root, []*x509.Certificate{sealer}, "message digest does not match"},
		{"foreign root", p7s, manifest, foreign, []*x509.Certificate{sealer}, "does not chain to qes's root"},
		{"truncated", p7s[:len(p7s)-10], manifest, root, []*x509.Certificate{sealer}, "not a CMS SignedData"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := bundle.VerifySeal(c.p7s, c.manifest, c.root, c.sealers); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}
