package testutil

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/testutil/testpki"
	"github.com/qesproject/qes/xades"
)

// TestFatturaPASchemaValidChecksSignature: the schema check reads the
// signed invoice's ds:Signature against W3C's XML-DSig schema, not a lax
// stub: an invoice signed by xades validates, and each break of the
// signature's structure (or of the invoice) fails the check.
func TestFatturaPASchemaValidChecksSignature(t *testing.T) {
	t.Parallel()
	root := testpki.NewRoot(t, pkix.Name{CommonName: "Test root"}, testpki.Key(t, testpki.P256))
	key := testpki.Key(t, testpki.P256)
	leaf := root.Issue(t, &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "Mario Rossi"},
		KeyUsage: x509.KeyUsageContentCommitment}, key.Public())
	prep, err := xades.Prepare(context.Background(), []*x509.Certificate{leaf}, Fixture(t, "xades/IT01234567890_FPR12.xml"), xades.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sig, err := key.Sign(rand.Reader, prep.Digest(), crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	out, err := prep.Finish(context.Background(), sig)
	if err != nil {
		t.Fatal(err)
	}
	signed := out.Bytes()
	re := func(expr, repl string) func([]byte) []byte {
		return func(b []byte) []byte {
			r := regexp.MustCompile(expr)
			if !r.Match(b) {
				t.Fatalf("%q is not in the signed invoice", expr)
			}
			return r.ReplaceAll(b, []byte(repl))
		}
	}
	tests := []struct {
		name   string
		change func([]byte) []byte
		valid  bool
	}{
		{"signed invoice", func(b []byte) []byte { return b }, true},
		{"no ds:SignatureMethod", re(`<ds:SignatureMethod [^>]*/>`, ""), false},
		{"ds:SignatureValue renamed", re(`(</?)ds:SignatureValue`, "${1}ds:SignatureVal"), false},
		{"ds:KeyInfo before ds:SignatureValue", func(b []byte) []byte {
			ki := regexp.MustCompile(`<ds:KeyInfo>.*?</ds:KeyInfo>`).Find(b)
			sv := regexp.MustCompile(`<ds:SignatureValue[^>]*>[^<]*</ds:SignatureValue>`).Find(b)
			if ki == nil || sv == nil {
				t.Fatal("no ds:KeyInfo or ds:SignatureValue")
			}
			b = bytes.Replace(b, ki, nil, 1)
			return bytes.Replace(b, sv, append(append([]byte(nil), ki...), sv...), 1)
		}, false},
		{"ds:DigestValue not base64", re(`<ds:DigestValue>[^<]*</ds:DigestValue>`, "<ds:DigestValue>not base64!</ds:DigestValue>"), false},
		{"an unknown ds: element", re(`<ds:KeyInfo>`, "<ds:KeyInfo><ds:Unknown/>"), false},
		{"invoice element broken", re(`<PrezzoTotale>100.00<`, "<PrezzoTotale>cento<"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, res := FatturaPASchemaValid(t, tt.change(bytes.Clone(signed)))
			if ok != tt.valid {
				t.Fatalf("schema valid = %v, want %v:\n%s", ok, tt.valid, res)
			}
		})
	}
}

// TestFatturaPASchemaMissingSkipsLocallyAndFailsInCI runs this test binary
// again as the child below, whose XML-DSig schema file is missing, with
// and without CI=true: a skip on a developer's machine, a failure under CI.
func TestFatturaPASchemaMissingSkipsLocallyAndFailsInCI(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, ci, want string
		fail           bool
	}{
		{"developer machine", "", "--- SKIP: TestChildSchemaMissing", false},
		{"CI=true", "true", "--- FAIL: TestChildSchemaMissing", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run", "^TestChildSchemaMissing$", "-test.v")
			cmd.Env = append(os.Environ(), "QES_SCHEMA_CHILD=1", "CI="+tt.ci)
			out, err := cmd.CombinedOutput()
			if (err != nil) != tt.fail || !strings.Contains(string(out), tt.want) || !strings.Contains(string(out), "xmltooling-schemas") {
				t.Fatalf("child: err %v, want failure %v, %q and the package to install in:\n%s", err, tt.fail, tt.want, out)
			}
		})
	}
}

// TestChildSchemaMissing is the child of the test above.
func TestChildSchemaMissing(t *testing.T) {
	if os.Getenv("QES_SCHEMA_CHILD") == "" {
		t.Skip("run by TestFatturaPASchemaMissingSkipsLocallyAndFailsInCI")
	}
	xmldsigSchema = "/nonexistent/xmldsig-core-schema.xsd"
	FatturaPASchemaValid(t, []byte("<a/>"))
	t.Fatal("FatturaPASchemaValid returned without its schema")
}
