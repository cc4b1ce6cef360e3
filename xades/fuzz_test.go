package xades_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"os"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/testutil/testpki"
	"github.com/qesproject/qes/xades"
)

// FuzzPrepare feeds arbitrary bytes to the XML path: it must never panic
// nor fail other than invalid_request, a DTD is never accepted, and what
// it signs is well-formed XML again that keeps the original around the
// signature.
func FuzzPrepare(f *testing.F) {
	invoice, err := os.ReadFile("../testdata/xades/IT01234567890_FPR12.xml")
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		string(invoice),
		`<a/>`, `<p:a xmlns:p="urn:p" p:x="1"/>`, "<a x=\"1\n2\">\r\n<![CDATA[x]]>&#xD;</a>",
		`<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]><lolz>&lol2;</lolz>`,
		`<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>`,
		`<?pi?><!--c--><a><b></b><?p q?></a><!--d-->`,
		strings.Repeat("<a>", 300), "%PDF-1.7", "", "<a>&e;</a>", `<a xmlns="">`,
	} {
		f.Add([]byte(seed))
	}
	chain, key := pki(f, testpki.P256)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, content []byte) {
		p, err := xades.Prepare(ctx, chain, content, xades.Options{})
		if err != nil {
			if k := errs.KindOf(err); k != errs.InvalidRequest {
				t.Fatalf("Prepare: %v (kind %v), want invalid_request", err, k)
			}
			return
		}
		if bytes.Contains(content, []byte("<!DOCTYPE")) && !bytes.Contains(content, []byte("<!--")) && !bytes.Contains(content, []byte("<![CDATA[")) {
			t.Fatalf("a document with a DOCTYPE was accepted: %q", content)
		}
		sig, err := key.Sign(rand.Reader, p.Digest(), crypto.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		out, err := p.Finish(ctx, sig)
		if err != nil {
			t.Fatalf("Finish: %v", err)
		}
		if len(out.Parts) != 3 || !bytes.HasPrefix(content, out.Parts[0]) || !bytes.HasSuffix(content, out.Parts[2]) {
			t.Fatal("the output does not keep the original around the signature")
		}
		if _, err := xades.Prepare(ctx, chain, out.Bytes(), xades.Options{}); err != nil {
			t.Fatalf("the signed document is not well-formed XML any more: %v\n%q", err, out.Bytes())
		}
	})
}
