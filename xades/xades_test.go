package xades_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/testutil/testpki"
	"github.com/qesproject/qes/internal/testutil/validator"
	"github.com/qesproject/qes/xades"
)

// pki is a root and a leaf for key kind, the leaf's chain as signDoc
// passes it (leaf first, root last).
func pki(t testing.TB, kind string) ([]*x509.Certificate, crypto.Signer) {
	t.Helper()
	root := testpki.NewRoot(t, pkix.Name{CommonName: "XAdES Test Root"}, testpki.Key(t, testpki.P256))
	key := testpki.Key(t, kind)
	leaf := root.Issue(t, &x509.Certificate{
		SerialNumber: big.NewInt(4242), Subject: pkix.Name{CommonName: "Mario Rossi", SerialNumber: "TINIT-RSSMRA80A01H501U"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageContentCommitment,
	}, key.Public())
	return []*x509.Certificate{leaf, root.Cert}, key
}

func sign(t *testing.T, chain []*x509.Certificate, key crypto.Signer, content []byte, opts xades.Options) []byte {
	t.Helper()
	p, err := xades.Prepare(context.Background(), chain, content, opts)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := key.Sign(rand.Reader, p.Digest(), opts.Hash)
	if err != nil {
		t.Fatal(err)
	}
	out, err := p.Finish(context.Background(), sig)
	if err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func xmlsecVerify(t *testing.T, signed []byte, root *x509.Certificate) (bool, string) {
	t.Helper()
	validator.Need(t, "xmlsec1")
	dir := t.TempDir()
	doc, ca := filepath.Join(dir, "signed.xml"), filepath.Join(dir, "root.pem")
	if err := os.WriteFile(doc, signed, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ca, testpki.PEM(root), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("xmlsec1", "--verify", "--trusted-pem", ca,
		"--id-attr:Id", xades.NSXAdES+":SignedProperties", doc).CombinedOutput()
	return err == nil, string(out)
}

// TestSignVerifiesWithXMLSec covers the key types and hashes signDoc does
// not reach with its EC P-256 holder, each checked by xmlsec1.
func TestSignVerifiesWithXMLSec(t *testing.T) {
	t.Parallel()
	doc := []byte("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<r xmlns=\"urn:r\" xmlns:q=\"urn:q\"><q:a q:x=\"1\">text &amp; more</q:a>\n<b/></r>\n")
	empty := []byte("<q:r xmlns:q=\"urn:q\" note=\"text &amp; more\" />\n")
	tests := []struct {
		name, key string
		hash      crypto.Hash
	}{
		{"RSA 2048 SHA-256", testpki.RSA2048, crypto.SHA256},
		{"RSA 2048 SHA-512", testpki.RSA2048, crypto.SHA512},
		{"P-256 SHA-256", testpki.P256, crypto.SHA256},
		{"P-384 SHA-384", testpki.P384, crypto.SHA384},
		{"P-521 SHA-512", testpki.P521, crypto.SHA512},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			chain, key := pki(t, tt.key)
			signed := sign(t, chain, key, doc, xades.Options{Hash: tt.hash})
			if ok, out := xmlsecVerify(t, signed, chain[1]); !ok {
				t.Fatalf("xmlsec1 --verify:\n%s\n%s", out, signed)
			}
			// An empty root element (<r/>) gets the signature inside.
			signedEmpty := sign(t, chain, key, empty, xades.Options{Hash: tt.hash})
			if ok, out := xmlsecVerify(t, signedEmpty, chain[1]); !ok || !bytes.HasSuffix(signedEmpty, []byte("</ds:Signature></q:r>\n")) {
				t.Fatalf("xmlsec1 --verify of an empty root:\n%s\n%s", out, signedEmpty)
			}
			for _, s := range [][]byte{signed, signedEmpty} {
				bad := bytes.Replace(s, []byte("text &amp; more"), []byte("text &amp; less"), 1)
				if ok, out := xmlsecVerify(t, bad, chain[1]); ok {
					t.Fatalf("xmlsec1 accepted a changed document:\n%s", out)
				}
			}
		})
	}
}

func TestFinishRefusesAWrongValue(t *testing.T) {
	t.Parallel()
	chain, key := pki(t, testpki.P256)
	p, err := xades.Prepare(context.Background(), chain, []byte("<a/>"), xades.Options{})
	if err != nil {
		t.Fatal(err)
	}
	other := make([]byte, 32)
	sig, err := key.Sign(rand.Reader, other, crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range [][]byte{sig, nil, make([]byte, 64)} {
		if _, err := p.Finish(context.Background(), v); errs.KindOf(err) != errs.InvalidRequest {
			t.Fatalf("Finish with a value over other bytes: %v, want invalid_request", err)
		}
	}
}

func TestPrepareRefuses(t *testing.T) {
	t.Parallel()
	chain, _ := pki(t, testpki.P256)
	tests := []struct {
		name    string
		content string
		want    string
	}{
		{"DOCTYPE without entities", `<!DOCTYPE a><a/>`, "DTD"},
		{"internal entity", `<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>`, "DTD"},
		{"parameter entity", `<!DOCTYPE a [<!ENTITY % p SYSTEM "http://127.0.0.1/x"> %p;]><a/>`, "DTD"},
		{"undeclared entity", `<a>&e;</a>`, "not well-formed"},
		{"empty", ``, "not well-formed"},
		{"only a declaration", `<?xml version="1.0"?>`, "not well-formed"},
		{"text after the root", `<a/>x`, "not well-formed"},
		{"PDF", "%PDF-1.7\n<a/>", "PDF"},
		{"too deep", strings.Repeat("<a>", xades.MaxDepth+1) + strings.Repeat("</a>", xades.MaxDepth+1), "deeper"},
		{"unbound prefix", `<p:a></p:a>`, "not well-formed"},
		{"unbound prefix, empty root", `<p:a/>`, "not well-formed"},
		{"duplicate attribute", `<a x="1" x="2"/>`, "appears twice"},
		{"duplicate attribute among many", `<a b="" c="" d="" e="" f="" g="" h="" i="" j="" k="" x="1" x="2"/>`, "appears twice"},
		{"too many elements", "<a>" + strings.Repeat("<b/>", xades.MaxElements) + "</a>", "more than 200000 elements"},
		{"text before a byte order mark", "x\xef\xbb\xbf<a/>", "not well-formed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := xades.Prepare(context.Background(), chain, []byte(tt.content), xades.Options{})
			if errs.KindOf(err) != errs.InvalidRequest || !strings.Contains(errs.DetailOf(err), tt.want) {
				t.Fatalf("Prepare(%q) = %v, want invalid_request mentioning %q", tt.content, err, tt.want)
			}
		})
	}
	if _, err := xades.Prepare(context.Background(), chain, []byte(strings.Repeat("<a>", xades.MaxDepth)+strings.Repeat("</a>", xades.MaxDepth)), xades.Options{}); err != nil {
		t.Fatalf("nesting of exactly MaxDepth: %v", err)
	}
}

// TestCanonicalFormMatchesXMLSec signs documents whose canonical form is
// easy to get wrong and lets libxml2 (through xmlsec1) recompute the
// reference digest: any difference fails the signature.
func TestCanonicalFormMatchesXMLSec(t *testing.T) {
	t.Parallel()
	chain, key := pki(t, testpki.P256)
	tests := []struct{ name, doc string }{
		{"literal white space in attribute values", "<a x=\"1\n2\t3\r\n4\r5\" y='\t'/>"},
		{"character references in attribute values", "<a x=\"1&#xA;2&#x9;3&#xD;\" y='&quot;&lt;&gt;&amp;'/>"},
		{"CR and CRLF in text", "<a>\r\n x\r y&#xD;</a>"},
		{"quotes and brackets in text", "<a x='\"'>\"'&gt;]]&gt;</a>"},
		{"CDATA", "<a><![CDATA[<b>&amp;</b>]]>tail</a>"},
		{"processing instructions and comments outside the root", "<?xml version=\"1.0\"?>\n<?one?>\n<?two  data here ?><!--c--><a><?in side?><!--in--></a><!--after-->\n<?three x?>\n"},
		{"namespaces: default, undeclared default, unused, attribute order", `<a xmlns="urn:a" xmlns:z="urn:z" xmlns:b="urn:b" z:k="1" b:k="2" k="3" a="4"><c xmlns=""><b:d/></c></a>`},
		{"xml:lang and xml:space", `<a xml:lang="it"><b xml:space="preserve">  x  </b></a>`},
		{"non-ASCII text and names", "<città nome=\"caffè\">perché €</città>"},
		{"empty root", `<r xmlns="urn:r" a="1" />`},
		// Where goxmldsig's canonical form, which the signer used, is not
		// the specification's (see c14nCases): xmlsec1 refused these.
		{"xmlns=\"\" on the root", `<a xmlns=""><b/></a>`},
		{"xmlns=\"\" with no default rendered", `<p:a xmlns:p="urn:p" xmlns="urn:d"><b/><p:c xmlns=""><d/></p:c></p:a>`},
		{"attributes whose prefix order is not their namespaces' order", `<a xmlns:z="urn:a" xmlns:b="urn:b" z:y="1" b:x="2"/>`},
		{"xml:lang beside another namespace's attribute", `<a xmlns:p="urn:p" p:a="1" xml:lang="it"/>`},
		{"one local name in several namespaces declared on the root", `<r xmlns:b="urn:b" xmlns:c="urn:a" b:y="" c:y=""><a b:x="1" c:x="2"/></r>`},
		{"byte order mark", "\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a>%PDF-1.7 in the text</a>"},
		{"many attributes", "<a " + func() string {
			var b strings.Builder
			for i := range 20 {
				fmt.Fprintf(&b, "a%d=\"%d\" ", i, i)
			}
			return b.String()
		}() + "/>"},
	}
	for _, tt := range tests {
		for _, env := range []xades.Envelope{xades.Enveloped, xades.Enveloping} {
			t.Run(fmt.Sprintf("%s envelope %d", tt.name, env), func(t *testing.T) {
				t.Parallel()
				signed := sign(t, chain, key, []byte(tt.doc), xades.Options{Envelope: env})
				if ok, out := xmlsecVerify(t, signed, chain[1]); !ok {
					t.Fatalf("xmlsec1 --verify:\n%s\n%s", out, signed)
				}
			})
		}
	}
}
