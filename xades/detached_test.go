package xades_test

import (
	"bytes"
	"context"
	"crypto"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/testutil/testpki"
	"github.com/qesproject/qes/internal/testutil/validator"
	"github.com/qesproject/qes/xades"
)

// xmlsecVerifyDetached writes the signature and the signed file under
// name into one directory and runs xmlsec1 --verify on the signature from
// that directory: xmlsec1 1.2.37 opens the reference's relative URI from
// its working directory, so it reads the file by the name the signature
// carries (percent-decoded by libxml2).
func xmlsecVerifyDetached(t *testing.T, signed []byte, name string, content []byte, root []byte) (bool, string) {
	t.Helper()
	validator.Need(t, "xmlsec1")
	dir := t.TempDir()
	for n, b := range map[string][]byte{"signature.xml": signed, name: content, "root.pem": root} {
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("xmlsec1", "--verify", "--trusted-pem", "root.pem",
		"--id-attr:Id", xades.NSXAdES+":SignedProperties", "signature.xml")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return err == nil && strings.Contains(string(out), "OK"), string(out)
}

var reReference = regexp.MustCompile(`<ds:Reference Id="[^"]*-ref0" URI="([^"]*)">(.*?)</ds:Reference>`)

// TestDetachedVerifiesWithXMLSec: a detached signature of a PDF, an XML
// file (its bytes, not canonicalised), binary data and names that must be
// escaped in the URI verifies with xmlsec1 reading the file beside it, and
// fails once the file changes by one byte.
func TestDetachedVerifiesWithXMLSec(t *testing.T) {
	t.Parallel()
	pdf, err := os.ReadFile("../testdata/pades/simple.pdf")
	if err != nil {
		t.Fatal(err)
	}
	invoice, err := os.ReadFile("../testdata/xades/IT01234567890_FPR12.xml")
	if err != nil {
		t.Fatal(err)
	}
	binary := []byte("\x00\x01\x02\xff\xfe<not xml>\r\n\x00")
	// Not well-formed XML and a DTD: a detached signature takes them as bytes.
	withDTD := []byte(`<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>`)
	tests := []struct {
		name, key, file, uri, mime string
		hash                       crypto.Hash
		content                    []byte
	}{
		{"PDF, P-256", testpki.P256, "contract.pdf", "contract.pdf", "application/pdf", crypto.SHA256, pdf},
		{"invoice, RSA", testpki.RSA2048, "IT01234567890_FPR12.xml", "IT01234567890_FPR12.xml", "text/xml", crypto.SHA256, invoice},
		{"binary, P-384", testpki.P384, "data.bin", "data.bin", "application/octet-stream", crypto.SHA384, binary},
		{"XML with a DTD", testpki.P256, "a.xml", "a.xml", "text/xml", crypto.SHA256, withDTD},
		{"space, accent, ampersand", testpki.P256, "contratto firmato & caffè.txt", "contratto%20firmato%20%26%20caff%C3%A8.txt", "text/plain", crypto.SHA256, []byte("Contratto\n")},
		{"colon, percent, hash", testpki.P256, "a:b%20#1?.DOCX", "a%3Ab%2520%231%3F.DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", crypto.SHA256, []byte("PK\x03\x04")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			chain, key := pki(t, tt.key)
			signed := sign(t, chain, key, tt.content, xades.Options{Hash: tt.hash, Envelope: xades.Detached, DocumentName: tt.file})
			if !bytes.HasPrefix(signed, []byte("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ds:Signature ")) || !bytes.HasSuffix(signed, []byte("</ds:Signature>")) {
				t.Fatalf("the detached signature is not a document whose root is ds:Signature:\n%s", signed)
			}
			m := reReference.FindSubmatch(signed)
			if m == nil || string(m[1]) != tt.uri || bytes.Contains(m[2], []byte("Transforms")) {
				t.Fatalf("data reference %q, want URI %q and no transforms:\n%s", m, tt.uri, signed)
			}
			if !bytes.Contains(signed, []byte("<xades:MimeType>"+tt.mime+"</xades:MimeType>")) {
				t.Fatalf("MimeType is not %s:\n%s", tt.mime, signed)
			}
			if bytes.Contains(signed, tt.content) && len(tt.content) > 8 {
				t.Fatal("a detached signature carries the file")
			}
			root := testpki.PEM(chain[1])
			if ok, out := xmlsecVerifyDetached(t, signed, tt.file, tt.content, root); !ok {
				t.Fatalf("xmlsec1 --verify:\n%s\n%s", out, signed)
			}
			for _, at := range []int{0, len(tt.content) / 2, len(tt.content) - 1} {
				changed := bytes.Clone(tt.content)
				changed[at] ^= 0x01
				if ok, out := xmlsecVerifyDetached(t, signed, tt.file, changed, root); ok {
					t.Fatalf("xmlsec1 accepted the file changed at byte %d:\n%s", at, out)
				}
			}
		})
	}
}

// TestDetachedRefusesDocumentNames: the name becomes a relative URI a
// verifier resolves beside the signature, so anything but a base name is
// refused, and a detached signature needs one.
func TestDetachedRefusesDocumentNames(t *testing.T) {
	t.Parallel()
	chain, _ := pki(t, testpki.P256)
	tests := []struct{ name, file, want string }{
		{"missing", "", "Missing parameter document_name"},
		{"a path", "dir/a.pdf", "Invalid parameter document_name"},
		{"a Windows path", `dir\a.pdf`, "Invalid parameter document_name"},
		{"parent", "..", "Invalid parameter document_name"},
		{"dot", ".", "Invalid parameter document_name"},
		{"control character", "a\nb.pdf", "Invalid parameter document_name"},
		{"DEL", "a\x7f.pdf", "Invalid parameter document_name"},
		{"C1 control", "a\u0085.pdf", "Invalid parameter document_name"},
		{"not UTF-8", "a\xff.pdf", "Invalid parameter document_name"},
		{"256 bytes", strings.Repeat("a", 252) + ".pdf", "Invalid parameter document_name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := xades.Prepare(context.Background(), chain, []byte("x"), xades.Options{Envelope: xades.Detached, DocumentName: tt.file})
			if errs.KindOf(err) != errs.InvalidRequest || !strings.Contains(errs.DetailOf(err), tt.want) {
				t.Fatalf("Prepare(%q) = %v, want invalid_request %q", tt.file, err, tt.want)
			}
		})
	}
	if _, err := xades.Prepare(context.Background(), chain, []byte("x"), xades.Options{Envelope: xades.Detached, DocumentName: strings.Repeat("a", 251) + ".pdf"}); err != nil {
		t.Fatalf("a name of 255 bytes: %v", err)
	}
}
