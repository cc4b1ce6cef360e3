package verify_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/testutil/testpki"
	"github.com/qesproject/qes/verify"
	"github.com/qesproject/qes/xades"
)

// xadesDoc signs content with xades.Prepare and the holder's key, as
// signDoc does, at signing time at.
func (p pki) xadesDoc(t testing.TB, content []byte, env xades.Envelope, at time.Time) []byte {
	t.Helper()
	return p.xadesSign(t, content, xades.Options{Envelope: env, Time: at})
}

func (p pki) xadesSign(t testing.TB, content []byte, o xades.Options) []byte {
	t.Helper()
	prep, err := xades.Prepare(context.Background(), []*x509.Certificate{p.leaf, p.ca.Cert}, content, o)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := p.key.Sign(rand.Reader, prep.Digest(), crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := prep.Finish(context.Background(), sig)
	if err != nil {
		t.Fatal(err)
	}
	return signed.Bytes()
}

// TestVerifyXAdES: enveloped and enveloping XAdES B-B over a FatturaPA
// invoice and over XML with processing instructions, CDATA and namespaces
// verify (ECDSA and RSA); a changed invoice element, a changed
// SigningTime, a changed signature value, a wrong root, a duplicated Id
// and a second signature's changes are each reported, never extracted.
func TestVerifyXAdES(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	rsaKey := testpki.Key(t, testpki.RSA2048)
	pr := p
	pr.key = rsaKey
	pr.leaf = p.ca.Issue(t, &x509.Certificate{SerialNumber: big.NewInt(4343), Subject: pkix.Name{CommonName: "Mario Rossi", SerialNumber: "TINIT-RSSMRA80A01H501U"},
		KeyUsage: x509.KeyUsageContentCommitment}, rsaKey.Public())
	other := newPKI(t)
	invoice, err := os.ReadFile("../testdata/xades/IT01234567890_FPR12.xml")
	if err != nil {
		t.Fatal(err)
	}
	misc := []byte("<?xml version=\"1.0\"?>\r\n<?app  first?>\n<!-- c -->\n<doc xmlns=\"urn:example:doc\" xmlns:x=\"urn:x\" x:a=\"1 &amp; &lt;2&gt;\" b='it&apos;s\tx'>\r\n" +
		"  <item n=\"&#x41;\">caff&#xE8; <![CDATA[<raw> & ]]> end</item><!-- in --><?pi data?>\r\n  <empty/><x:tail>t</x:tail>\n</doc>\n<?app last?>\n")
	at := time.Now().Add(-time.Minute).UTC().Truncate(time.Second)
	env := p.xadesDoc(t, invoice, xades.Enveloped, at)
	replace := func(doc []byte, old, new string) []byte {
		t.Helper()
		if !bytes.Contains(doc, []byte(old)) {
			t.Fatalf("%q not in the document", old)
		}
		return bytes.Replace(doc, []byte(old), []byte(new), 1)
	}
	sv := bytes.Index(env, []byte("-value\">")) + len("-value\">")
	badValue := bytes.Clone(env)
	// Another base64 letter: still base64, another value.
	badValue[sv] = 'A'
	if env[sv] == 'A' {
		badValue[sv] = 'B'
	}
	// The signature again, with an element carrying the SignedProperties'
	// Id in the invoice: which one a reference names is ambiguous.
	spID := string(env[bytes.Index(env, []byte("qes-sig-")) : bytes.Index(env, []byte("qes-sig-"))+len("qes-sig-")+16])
	dupID := replace(env, "<Nome>Mario</Nome>", `<Nome Id="`+spID+`-signedprops">Mario</Nome>`)
	twice := p.xadesDoc(t, env, xades.Enveloped, at)

	tests := []struct {
		name    string
		signed  []byte
		roots   *x509.CertPool
		valid   bool
		level   string
		intact  bool
		problem string
		extract bool
	}{
		{"FatturaPA enveloped", env, p.roots(), true, "B-B", true, "", true},
		{"other XML enveloped", p.xadesDoc(t, misc, xades.Enveloped, at), p.roots(), true, "B-B", true, "", true},
		{"other XML enveloping", p.xadesDoc(t, misc, xades.Enveloping, at), p.roots(), true, "B-B", true, "", false},
		{"FatturaPA enveloping RSA", pr.xadesDoc(t, invoice, xades.Enveloping, at), p.roots(), true, "B-B", true, "", false},
		{"FatturaPA enveloped RSA", pr.xadesDoc(t, invoice, xades.Enveloped, at), p.roots(), true, "B-B", true, "", true},
		{"invoice element changed", replace(env, "<PrezzoTotale>100.00<", "<PrezzoTotale>900.00<"), p.roots(), false, "", false, "signed document", false},
		{"SigningTime changed", replace(env, at.Format("2006-01-02T15:04:05Z"), at.Add(-time.Hour).Format("2006-01-02T15:04:05Z")), p.roots(), false, "", false, "signed properties", false},
		{"signature value changed", badValue, p.roots(), false, "", true, "does not verify", false},
		{"wrong root", env, other.roots(), false, "", true, "does not chain", false},
		{"duplicated Id", dupID, p.roots(), false, "", false, "more than one", false},
		{"no roots: chain not checked", env, nil, true, "B-B", true, "", true},
		// XML-DSig's enveloped-signature transform removes only its own
		// signature: a second enveloped signature changes what the first
		// covers, as xmlsec1 reports too.
		{"signed twice: the first no longer covers the document", twice, p.roots(), false, "", true, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := verify.Verify(context.Background(), tt.signed, nil, verify.Options{Roots: tt.roots})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Valid != tt.valid || len(rep.Signers) == 0 {
				t.Fatalf("valid %v, want %v: %+v", rep.Valid, tt.valid, rep)
			}
			s := rep.Signers[len(rep.Signers)-1]
			if tt.valid {
				s = rep.Signers[0]
			}
			if s.Level != tt.level && tt.valid || s.ContentIntact != tt.intact || !strings.Contains(s.Problem, tt.problem) {
				t.Fatalf("signer %+v; want level %q intact %v problem %q", s, tt.level, tt.intact, tt.problem)
			}
			if s.CommonName != "Mario Rossi" || s.TaxCode != "TINIT-RSSMRA80A01H501U" || !s.SigningTime.Equal(at) && tt.name != "SigningTime changed" {
				t.Errorf("signer %+v", s)
			}
			if tt.valid && tt.roots != nil && s.Chain != "trusted" {
				t.Errorf("chain %q", s.Chain)
			}
			if got := rep.Content != nil; got != tt.extract || got && !bytes.Equal(rep.Content, tt.signed) {
				t.Errorf("content extracted %v, want %v", got, tt.extract)
			}
		})
	}
}

// xadesDetached signs file (named name) with a detached XAdES signature.
func (p pki) xadesDetached(t testing.TB, file []byte, name string, at time.Time) []byte {
	t.Helper()
	return p.xadesSign(t, file, xades.Options{Envelope: xades.Detached, DocumentName: name, Time: at})
}

// TestVerifyXAdESDetached: a detached XAdES signature verifies over the
// file it names, given beside it, and is reported detached with nothing
// to extract; a file changed by one byte, another file, a changed
// signature value or a wrong root are each reported, and without the file
// the answer is "content not given" (ErrNoContent, naming the file), never
// a report.
func TestVerifyXAdESDetached(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	other := newPKI(t)
	pdf, err := os.ReadFile("../testdata/pades/simple.pdf")
	if err != nil {
		t.Fatal(err)
	}
	invoice, err := os.ReadFile("../testdata/xades/IT01234567890_FPR12.xml")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(-time.Minute).UTC().Truncate(time.Second)
	sigPDF := p.xadesDetached(t, pdf, "contract.pdf", at)
	sigXML := p.xadesDetached(t, invoice, "IT01234567890_FPR12.xml", at)
	oneByte := bytes.Clone(pdf)
	oneByte[len(oneByte)/2] ^= 0x01
	sv := bytes.Index(sigPDF, []byte("-value\">")) + len("-value\">")
	badValue := bytes.Clone(sigPDF)
	badValue[sv] = 'A'
	if sigPDF[sv] == 'A' {
		badValue[sv] = 'B'
	}
	tests := []struct {
		name            string
		signed, content []byte
		roots           *x509.CertPool
		valid, intact   bool
		problem         string
	}{
		{"PDF", sigPDF, pdf, p.roots(), true, true, ""},
		{"XML file as bytes", sigXML, invoice, p.roots(), true, true, ""},
		{"file changed by one byte", sigPDF, oneByte, p.roots(), false, false, `is not the signed file "contract.pdf"`},
		{"another file", sigPDF, invoice, p.roots(), false, false, "is not the signed file"},
		{"XML file canonicalised differently", sigXML, bytes.ReplaceAll(invoice, []byte("\n"), []byte("\r\n")), p.roots(), false, false, "is not the signed file"},
		{"signature value changed", badValue, pdf, p.roots(), false, true, "does not verify"},
		{"wrong root", sigPDF, pdf, other.roots(), false, true, "does not chain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := verify.Verify(context.Background(), tt.signed, tt.content, verify.Options{Roots: tt.roots})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Valid != tt.valid || !rep.Detached || rep.Content != nil || len(rep.Signers) != 1 {
				t.Fatalf("valid %v (want %v), detached %v, content %d bytes: %+v", rep.Valid, tt.valid, rep.Detached, len(rep.Content), rep)
			}
			s := rep.Signers[0]
			if s.ContentIntact != tt.intact || !strings.Contains(s.Problem, tt.problem) || tt.valid && (s.Level != "B-B" || s.Chain != "trusted") {
				t.Fatalf("signer %+v; want intact %v, problem %q", s, tt.intact, tt.problem)
			}
			if s.CommonName != "Mario Rossi" || !s.SigningTime.Equal(at) {
				t.Errorf("signer %+v", s)
			}
		})
	}

	// Without the file: content not given, with the name to look for
	// beside the signature only when it is a plain base name.
	escaped := p.xadesDetached(t, []byte("x"), "contratto firmato è.txt", at)
	traversal := bytes.Replace(sigPDF, []byte(`URI="contract.pdf"`), []byte(`URI="..%2F..%2Fetc%2Fpasswd"`), 1)
	absolute := bytes.Replace(sigPDF, []byte(`URI="contract.pdf"`), []byte(`URI="/etc/passwd"`), 1)
	for _, tt := range []struct {
		name      string
		signed    []byte
		uri, file string
	}{
		{"plain name", sigPDF, "contract.pdf", "contract.pdf"},
		{"escaped name", escaped, "contratto%20firmato%20%C3%A8.txt", "contratto firmato è.txt"},
		{"a path in the URI", traversal, "..%2F..%2Fetc%2Fpasswd", ""},
		{"an absolute path", absolute, "/etc/passwd", ""},
	} {
		t.Run("no content: "+tt.name, func(t *testing.T) {
			rep, err := verify.Verify(context.Background(), tt.signed, nil, verify.Options{Roots: p.roots()})
			var mc *verify.MissingContentError
			if rep != nil || !errors.Is(err, verify.ErrNoContent) || !errors.As(err, &mc) || !strings.Contains(err.Error(), "content not given") {
				t.Fatalf("report %+v, err %v; want content not given", rep, err)
			}
			if mc.URI != tt.uri || mc.Name != tt.file {
				t.Fatalf("URI %q name %q, want %q %q", mc.URI, mc.Name, tt.uri, tt.file)
			}
		})
	}
}

// TestVerifyXAdESStatus: XAdES B-B embeds no revocation values: the
// register answers at the signing time, and a revocation before it fails.
func TestVerifyXAdESStatus(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	at := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	doc := p.xadesDoc(t, []byte("<a>1</a>"), xades.Enveloped, at)
	for _, tt := range []struct {
		name   string
		status string
		valid  bool
	}{{"good", verify.StatusGood, true}, {"revoked", verify.StatusRevoked, false}} {
		t.Run(tt.name, func(t *testing.T) {
			var asked time.Time
			status := func(_ context.Context, c *x509.Certificate, when time.Time) (verify.CertStatus, bool, error) {
				asked = when
				return verify.CertStatus{Status: tt.status, Source: "register", RevokedAt: when.Add(-time.Minute)}, true, nil
			}
			rep, err := verify.Verify(context.Background(), doc, nil, verify.Options{Roots: p.roots(), Status: status})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Valid != tt.valid || !asked.Equal(at) || rep.Signers[0].Status.Status != tt.status || rep.Signers[0].Status.Source != "register" {
				t.Fatalf("asked at %v (signed %v): %+v", asked, at, rep)
			}
		})
	}
}

// TestVerifyXAdESBadInput: what is not a readable signed XML document is
// an input error, never a report or a panic.
func TestVerifyXAdESBadInput(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	signed := p.xadesDoc(t, []byte("<a>1</a>"), xades.Enveloped, time.Now())
	deep := strings.Repeat("<a>", xades.MaxDepth+1) + strings.Repeat("</a>", xades.MaxDepth+1)
	tests := []struct {
		name, in, detached, want string
	}{
		{"not well-formed", "<a><b></a>", "", "not well-formed"},
		{"DTD", `<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xxxxxxxx">]><a>&x;</a>`, "", "DTD"},
		{"no signature", "<a>1</a>", "", "no ds:Signature"},
		{"too deep", deep, "", "deep"},
		{"content with an enveloped signature", string(signed), "<a>1</a>", "no other content goes with it"},
		{"signature without SignedInfo", `<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"/>`, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var det []byte
			if tt.detached != "" {
				det = []byte(tt.detached)
			}
			rep, err := verify.Verify(context.Background(), []byte(tt.in), det, verify.Options{})
			if tt.want == "" {
				// Readable as XML but not a signature that verifies: a report.
				if err != nil || rep.Valid {
					t.Fatalf("%v %+v", err, rep)
				}
				return
			}
			if !errors.Is(err, verify.ErrNotXAdES) || rep != nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v, report %v; want %q", err, rep, tt.want)
			}
		})
	}
}

// FuzzVerifyXAdES: no XML input panics, and an input error and a report
// never come together.
func FuzzVerifyXAdES(f *testing.F) {
	f.Add([]byte("<a>1</a>"))
	// Signed documents, so that mutations reach the reference, signature
	// and property checks.
	root := testpki.NewRoot(f, pkix.Name{CommonName: "Fuzz root"}, testpki.Key(f, testpki.P256))
	key := testpki.Key(f, testpki.P256)
	leaf := root.Issue(f, &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Fuzz"}}, key.Public())
	p := pki{root: root, ca: root, leaf: leaf, key: key}
	f.Add(p.xadesDoc(f, []byte(`<a xmlns:x="urn:x"><x:b Id="i">1</x:b></a>`), xades.Enveloped, time.Unix(1e9, 0)))
	f.Add(p.xadesDoc(f, []byte(`<a><b>1</b></a>`), xades.Enveloping, time.Unix(1e9, 0)))
	f.Add([]byte(`<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="s"><ds:SignedInfo/><ds:SignatureValue/></ds:Signature>`))
	f.Add(p.xadesDetached(f, []byte("file"), "f.txt", time.Unix(1e9, 0)))
	f.Fuzz(func(t *testing.T, in []byte) {
		// Without content, and with the file the detached seed signs, so
		// that mutations of it reach the external reference's check too.
		for _, content := range [][]byte{nil, []byte("file")} {
			rep, err := verify.Verify(context.Background(), in, content, verify.Options{Now: time.Unix(0, 0)})
			if (err == nil) == (rep == nil) {
				t.Fatalf("err %v and report %v", err, rep)
			}
		}
	})
}

// TestVerifyXAdESWhereGoxmldsigDiffers: documents whose exclusive
// canonical form goxmldsig writes differently from the specification
// (and from libxml2, which xmlsec1 uses: xades' TestCanonicalFormMatchesXMLSec)
// verify once signed, enveloped or enveloping, and a changed attribute in
// them is still found.
func TestVerifyXAdESWhereGoxmldsigDiffers(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	at := time.Now().Add(-time.Minute).Truncate(time.Second)
	for _, doc := range []string{
		`<a xmlns=""><b/></a>`,
		`<a xmlns:z="urn:a" xmlns:b="urn:b" z:y="1" b:x="2"/>`,
		`<a xmlns:p="urn:p" p:a="1" xml:lang="it"/>`,
		`<r xmlns:b="urn:b" xmlns:c="urn:a" b:y="" c:y=""><a b:x="1" c:x="2"/></r>`,
	} {
		for _, env := range []xades.Envelope{xades.Enveloped, xades.Enveloping} {
			t.Run(fmt.Sprintf("%s/%v", doc, env), func(t *testing.T) {
				signed := p.xadesDoc(t, []byte(doc), env, at)
				rep, err := verify.Verify(context.Background(), signed, nil, verify.Options{Roots: p.roots()})
				if err != nil || !rep.Valid {
					t.Fatalf("Verify = %+v, %v; want valid", rep, err)
				}
				changed := bytes.Replace(signed, []byte(`="1"`), []byte(`="9"`), 1)
				if bytes.Equal(changed, signed) {
					changed = bytes.Replace(signed, []byte("<b/>"), []byte("<b>x</b>"), 1)
				}
				if rep, err := verify.Verify(context.Background(), changed, nil, verify.Options{Roots: p.roots()}); err == nil && rep.Valid {
					t.Fatalf("a changed document verifies: %+v", rep)
				}
			})
		}
	}
}
