package testutil

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"os/exec"
	"regexp"
	"testing"

	"github.com/qesproject/qes/internal/testutil/validator"
)

var (
	reXAdESSignatureValue = regexp.MustCompile(`<ds:SignatureValue[^>]*>[^<]*</ds:SignatureValue>`)
	reXAdESTimeStamp      = regexp.MustCompile(`<xades:EncapsulatedTimeStamp[^>]*>([^<]*)</xades:EncapsulatedTimeStamp>`)
)

// CheckXAdESTimeStamp checks the SignatureTimeStamp of a signed XML
// document, if it has one, with `openssl ts -verify` against root: it
// must cover ds:SignatureValue canonicalised as EN 319 132-1 5.3 says
// (exclusive C14N), here by libxml2 (`xmllint --exc-c14n`), not by qes,
// and must not verify over other bytes. It reports whether there was one.
func CheckXAdESTimeStamp(t testing.TB, signed []byte, root *x509.Certificate, chain ...*x509.Certificate) bool {
	t.Helper()
	ts := reXAdESTimeStamp.FindSubmatch(signed)
	if ts == nil {
		return false
	}
	token, err := base64.StdEncoding.DecodeString(string(ts[1]))
	if err != nil {
		t.Fatalf("SignatureTimeStamp: %v", err)
	}
	sv := reXAdESSignatureValue.Find(signed)
	if sv == nil {
		t.Fatal("a SignatureTimeStamp without a ds:SignatureValue")
	}
	// The element is cut out of its document: it carries the ds namespace
	// declaration it inherits there.
	if !bytes.Contains(sv, []byte(`xmlns:ds="http://www.w3.org/2000/09/xmldsig#"`)) {
		sv = bytes.Replace(sv, []byte("<ds:SignatureValue"), []byte(`<ds:SignatureValue xmlns:ds="http://www.w3.org/2000/09/xmldsig#"`), 1)
	}
	validator.Need(t, "xmllint")
	canon, err := exec.Command("xmllint", "--nonet", "--exc-c14n", WriteTemp(t, "signature-value.xml", sv)).Output()
	if err != nil {
		t.Fatalf("xmllint --exc-c14n: %v", err)
	}
	if ok, out := OpensslTSVerify(t, token, canon, "", root, chain...); !ok {
		t.Fatalf("openssl ts -verify of the SignatureTimeStamp over the canonical ds:SignatureValue %q:\n%s", canon, out)
	}
	if ok, _ := OpensslTSVerify(t, token, append(canon, ' '), "", root, chain...); ok {
		t.Fatal("openssl ts -verify accepted the SignatureTimeStamp over other bytes")
	}
	return true
}
