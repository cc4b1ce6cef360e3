package testutil

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
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

// XMLSecVerify runs `xmlsec1 --verify` trusting only rootPEM: the signer's
// chain comes from the signature's own ds:KeyInfo. The Id attribute of
// xades:SignedProperties is declared an ID (no DTD says so), which the
// second reference's URI="#..." needs.
func XMLSecVerify(t testing.TB, signed, rootPEM []byte) (bool, string) {
	t.Helper()
	validator.Need(t, "xmlsec1")
	out, err := exec.Command("xmlsec1", "--verify", "--trusted-pem", WriteTemp(t, "root.pem", rootPEM),
		"--id-attr:Id", "http://uri.etsi.org/01903/v1.3.2#:SignedProperties",
		WriteTemp(t, "signed.xml", signed)).CombinedOutput()
	return err == nil && strings.Contains(string(out), "OK"), string(out)
}

// XMLSecVerifyDetached runs `xmlsec1 --verify` on a detached XAdES
// signature, trusting only rootPEM, with the signed file written under
// name beside it in a directory of its own: xmlsec1 (1.2.37) opens the
// reference's relative URI from its working directory, which is that
// directory, and libxml2 percent-decodes it, so the file is found by the
// name the signature carries.
func XMLSecVerifyDetached(t testing.TB, signed []byte, name string, content, rootPEM []byte) (bool, string) {
	t.Helper()
	validator.Need(t, "xmlsec1")
	dir := t.TempDir()
	for n, b := range map[string][]byte{"signature.xml": signed, name: content, "root.pem": rootPEM} {
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("xmlsec1", "--verify", "--trusted-pem", "root.pem",
		"--id-attr:Id", "http://uri.etsi.org/01903/v1.3.2#:SignedProperties", "signature.xml")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return err == nil && strings.Contains(string(out), "OK"), string(out)
}

// XMLDSigSchema is W3C's xmldsig-core-schema.xsd as Debian's
// xmltooling-schemas package installs it (scripts/deps.sh test); the
// catalog in testdata/xades/schema resolves the FatturaPA schema's import
// of XML-DSig to it, so that xmllint checks the ds:Signature too.
const XMLDSigSchema = "/usr/share/xml/xmltooling/xmldsig-core-schema.xsd"

// xmldsigSchema is the file FatturaPASchemaValid requires: XMLDSigSchema,
// which testdata/xades/schema/catalog.xml names; a variable only so that
// this package's test can take it away.
var xmldsigSchema = XMLDSigSchema

// FatturaPASchemaValid validates doc against the FatturaPA 1.2.1 schema in
// testdata/xades/schema with `xmllint --nonet --schema`: the invoice's
// elements and, through the catalog's W3C XML-DSig schema, its
// ds:Signature. Without that schema the test is skipped (failed under
// CI=true), like a missing validator.
func FatturaPASchemaValid(t testing.TB, doc []byte) (bool, string) {
	t.Helper()
	validator.Need(t, "xmllint")
	if _, err := os.Stat(xmldsigSchema); err != nil {
		validator.Missing(t, "%s is not installed, so the ds:Signature cannot be checked against the XML-DSig schema (scripts/deps.sh test installs xmltooling-schemas)", xmldsigSchema)
	}
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "..", "testdata", "xades", "schema")
	cmd := exec.Command("xmllint", "--nonet", "--noout", "--schema",
		filepath.Join(dir, "Schema_del_file_xml_FatturaPA_versione_1.2.1.xsd"), WriteTemp(t, "invoice.xml", doc))
	cmd.Env = append(os.Environ(), "XML_CATALOG_FILES="+filepath.Join(dir, "catalog.xml"))
	out, err := cmd.CombinedOutput()
	return err == nil, string(out)
}
