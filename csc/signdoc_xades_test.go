package csc_test

import (
	"bytes"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/testutil"
)

var reSigningTime = regexp.MustCompile(`<xades:SigningTime>([^<]*)</xades:SigningTime>`)

func TestSignDocXAdESEnveloped(t *testing.T) {
	t.Parallel()
	testutil.NeedTool(t, "openssl")
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	tok := s.Login(t, "v2", h.ID, h.Password)
	auth := s.App.Authorities
	rootPEM := testutil.PEM(auth.Root)
	invoice := testutil.Fixture(t, "xades/IT01234567890_FPR12.xml")
	// Any other XML: a default namespace, a namespace declared but unused,
	// processing instructions and comments outside and inside the root,
	// CDATA, character references, CRLF line ends, attribute escapes.
	other := []byte("<?xml version=\"1.0\"?>\r\n<?app  first?>\n<!-- c -->\n<doc xmlns=\"urn:example:doc\" xmlns:unused=\"urn:u\" xmlns:x=\"urn:x\" x:a=\"1 &amp; &lt;2&gt; &quot;q&quot;\" b='it&apos;s'>\r\n" +
		"  <item n=\"&#x41;\">caff&#xE8; <![CDATA[<raw> & ]]> \t end</item><!-- inside --><?pi data?>\r\n  <empty/><x:tail>t</x:tail>\n</doc>\n<!-- after -->\n<?app last?>\n")
	tests := []struct {
		name, level, envelope string
		content               []byte
		tamper                [2]string // a change inside the signed document
		fatturaPA, timestamp  bool
	}{
		{"FatturaPA B-B", "Ades-B-B", "Enveloped", invoice, [2]string{"<PrezzoTotale>100.00<", "<PrezzoTotale>900.00<"}, true, false},
		{"FatturaPA B-T", "Ades-B-T", "Enveloped", invoice, [2]string{"<Nome>Mario<", "<Nome>Maria<"}, true, true},
		{"FatturaPA default level and envelope", "", "", invoice, [2]string{"RSSMRA80A01H501U", "RSSMRA80A01H501X"}, true, false},
		{"other XML B-B", "AdES-B-B", "Enveloped", other, [2]string{"<x:tail>t<", "<x:tail>u<"}, false, false},
		{"other XML B-T", "XAdES-B-T", "Enveloped", other, [2]string{`n="&#x41;"`, `n="B"`}, false, true},
		{"other XML enveloping B-B", "Ades-B-B", "Enveloping", other, [2]string{"<x:tail>t<", "<x:tail>u<"}, false, false},
		{"FatturaPA enveloping B-T", "Ades-B-T", "Enveloping", invoice, [2]string{"<PrezzoTotale>100.00<", "<PrezzoTotale>900.00<"}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := signOneDoc(t, s, tok, h, tt.content, "X", tt.level, tt.envelope, nil)
			docs := decodeDocs(t, body, "DocumentWithSignature")
			if len(docs) != 1 || body["SignatureObject"] != nil {
				t.Fatalf("an enveloped signature comes back as one DocumentWithSignature: %v", body)
			}
			signed := docs[0]

			start := bytes.Index(signed, []byte("<ds:Signature "))
			end := bytes.LastIndex(signed, []byte("</ds:Signature>")) + len("</ds:Signature>")
			if tt.envelope == "Enveloping" {
				// The original root element, byte for byte, in the
				// ds:Object of a signature that is the new root.
				open, closing := []byte("<doc "), []byte("</doc>")
				if bytes.Contains(tt.content, []byte("<p:FatturaElettronica ")) {
					open, closing = []byte("<p:FatturaElettronica "), []byte("</p:FatturaElettronica>")
				}
				root := tt.content[bytes.Index(tt.content, open) : bytes.Index(tt.content, closing)+len(closing)]
				if !bytes.HasPrefix(signed, []byte("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ds:Signature ")) || end != len(signed) ||
					!bytes.Contains(signed, append([]byte("-object\">"), append(root, []byte("</ds:Object>")...)...)) {
					t.Fatalf("the enveloping signature does not carry the original root element in its ds:Object:\n%s", signed)
				}
			} else {
				// The original bytes are kept: the signature is spliced in
				// just before the root element's end tag.
				cut := bytes.LastIndex(tt.content, []byte("</"))
				if start != cut || !bytes.Equal(signed[:start], tt.content[:cut]) || !bytes.Equal(signed[end:], tt.content[cut:]) {
					t.Fatalf("the signed document is not the original with the signature before the root's end tag:\n%s", signed)
				}
			}

			if ok, out := testutil.XMLSecVerify(t, signed, rootPEM); !ok {
				t.Fatalf("xmlsec1 --verify of the signed document:\n%s\n%s", out, signed)
			}
			if tt.fatturaPA {
				if ok, out := testutil.FatturaPASchemaValid(t, signed); !ok {
					t.Fatalf("the signed invoice does not validate against the FatturaPA schema:\n%s", out)
				}
			}

			// A change to the signed document, or to a signed property,
			// must fail the signature.
			tampered := bytes.Replace(signed, []byte(tt.tamper[0]), []byte(tt.tamper[1]), 1)
			if bytes.Equal(tampered, signed) {
				t.Fatalf("the tamper %q is not in the document", tt.tamper[0])
			}
			if ok, out := testutil.XMLSecVerify(t, tampered, rootPEM); ok {
				t.Fatalf("xmlsec1 accepted a tampered document:\n%s", out)
			}
			m := reSigningTime.FindSubmatchIndex(signed)
			if m == nil {
				t.Fatal("no xades:SigningTime")
			}
			badTime := append(append(append([]byte(nil), signed[:m[2]]...), []byte("2000-01-01T00:00:00Z")...), signed[m[3]:]...)
			if ok, out := testutil.XMLSecVerify(t, badTime, rootPEM); ok {
				t.Fatalf("xmlsec1 accepted a changed SigningTime:\n%s", out)
			}

			// EN 319 132-1 5.3: the time-stamp covers ds:SignatureValue,
			// exclusive-canonicalised (by libxml2 here, not by qes).
			if got := testutil.CheckXAdESTimeStamp(t, signed, auth.Root, auth.IssuingChain...); got != tt.timestamp {
				t.Fatalf("SignatureTimeStamp present = %v, want %v", got, tt.timestamp)
			}
		})
	}
}

func TestSignDocXAdESRefusals(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	tok := s.Login(t, "v2", h.ID, h.Password)
	invoice := testutil.Fixture(t, "xades/IT01234567890_FPR12.xml")
	laughs := []byte(`<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<lolz>&lol9;</lolz>`)
	xxe := []byte(`<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>`)
	deep := []byte(strings.Repeat("<a>", 300) + strings.Repeat("</a>", 300))
	tests := []struct {
		name    string
		content []byte
		extra   map[string]any
		want    string
	}{
		{"billion laughs", laughs, nil, "has a DTD"},
		{"external entity", xxe, nil, "has a DTD"},
		{"a PDF", testutil.Fixture(t, "pades/simple.pdf"), nil, "documents[0]: the document is a PDF, not XML"},
		{"plain text", []byte("Contratto di fornitura\n"), nil, "documents[0]: the document is not well-formed XML"},
		{"unclosed root", []byte("<a><b></b>"), nil, "not well-formed XML"},
		{"two roots", []byte("<a/><b/>"), nil, "not well-formed XML"},
		{"mismatched tags", []byte("<a><b></a></b>"), nil, "not well-formed XML"},
		{"other encoding", []byte(`<?xml version="1.0" encoding="ISO-8859-1"?><a>caff` + "\xe8" + `</a>`), nil, "not well-formed XML"},
		{"too deep", deep, nil, "deeper than 256 levels"},
		{"parallel", invoice, map[string]any{"signed_envelope_property": "Parallel"}, "XAdES allows Enveloped, Enveloping or Detached"},
		{"detached without document_name", invoice, map[string]any{"signed_envelope_property": "Detached"}, "Missing parameter documents[0].document_name"},
		{"detached, document_name a path", invoice, map[string]any{"signed_envelope_property": "Detached", "document_name": "../etc/passwd"}, "Invalid parameter documents[0].document_name"},
		{"detached, document_name with a control character", invoice, map[string]any{"signed_envelope_property": "Detached", "document_name": "a\x01.xml"}, "Invalid parameter documents[0].document_name"},
		{"CAdES with a document_name that is a path", invoice, map[string]any{"signature_format": "C", "document_name": "a/b.xml"}, "Invalid parameter documents[0].document_name"},
		{"detached B-LT", invoice, map[string]any{"signed_envelope_property": "Detached", "document_name": "a.xml", "conformance_level": "Ades-B-LT"}, "XAdES is offered at Ades-B-B and Ades-B-T"},
		{"B-LT", invoice, map[string]any{"conformance_level": "Ades-B-LT"}, "XAdES is offered at Ades-B-B and Ades-B-T"},
		{"signed_props", invoice, map[string]any{"signed_props": []any{map[string]any{"attribute_name": "Reason", "attribute_value": std64([]byte("x"))}}}, "only PAdES signatures take it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The SAD covers the refused document and, when it is another,
			// the invoice: the refusal must not use it up.
			other := !bytes.Equal(tt.content, invoice)
			hashes := []string{testutil.SHA256B64(tt.content)}
			if other {
				hashes = append(hashes, testutil.SHA256B64(invoice))
			}
			sad := s.Authorize(t, tok, h, len(hashes), hashes...)
			doc := map[string]any{"document": std64(tt.content), "signature_format": "X", "signAlgo": ecdsaSHA256}
			for k, v := range tt.extra {
				doc[k] = v
			}
			st, body := signDoc(t, s, tok, map[string]any{"credentialID": h.CredentialID, "SAD": sad, "documents": []any{doc}})
			desc, _ := body["error_description"].(string)
			if st != http.StatusBadRequest || body["error"] != "invalid_request" || !strings.Contains(desc, tt.want) {
				t.Fatalf("got %d %v, want 400 invalid_request mentioning %q", st, body, tt.want)
			}
			if !other {
				return
			}
			st, body = signDoc(t, s, tok, map[string]any{"credentialID": h.CredentialID, "SAD": sad,
				"documents": []any{map[string]any{"document": std64(invoice), "signature_format": "X", "signAlgo": ecdsaSHA256}}})
			if st != http.StatusOK {
				t.Fatalf("the SAD was used up by a refused document: %d %v", st, body)
			}
		})
	}
}

// TestSignDocXAdESDetached: XAdES Detached over any file, through the real
// server: the answer is one SignatureObject, an XML document whose root
// is ds:Signature and whose reference names the file by document_name;
// xmlsec1 verifies it with the file beside it under that name and fails
// once the file changes by one byte; B-T's time-stamp passes openssl ts
// -verify. A batch mixing it with a CAdES .p7s keeps the request order.
func TestSignDocXAdESDetached(t *testing.T) {
	t.Parallel()
	testutil.NeedTool(t, "openssl")
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	tok := s.Login(t, "v2", h.ID, h.Password)
	auth := s.App.Authorities
	rootPEM := testutil.PEM(auth.Root)
	invoice := testutil.Fixture(t, "xades/IT01234567890_FPR12.xml")
	pdf := testutil.Fixture(t, "pades/simple.pdf")
	tests := []struct {
		name, level, file, uri string
		content                []byte
		timestamp              bool
	}{
		{"PDF B-B", "Ades-B-B", "contract.pdf", "contract.pdf", pdf, false},
		{"PDF B-T", "XAdES-B-T", "contract.pdf", "contract.pdf", pdf, true},
		{"invoice B-T over its raw bytes", "Ades-B-T", "IT01234567890_FPR12.xml", "IT01234567890_FPR12.xml", invoice, true},
		{"binary at the default level with an escaped name", "", "dati grezzi #1.bin", "dati%20grezzi%20%231.bin", []byte("\x00\x01binary\xff\r\n"), false},
		{"text with an accented name", "Ades-B-B", "caffè.txt", "caff%C3%A8.txt", []byte("Contratto di fornitura\n"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := signOneDoc(t, s, tok, h, tt.content, "X", tt.level, "Detached", map[string]any{"document_name": tt.file})
			sigs := decodeDocs(t, body, "SignatureObject")
			if len(sigs) != 1 || body["DocumentWithSignature"] != nil {
				t.Fatalf("a detached signature comes back as one SignatureObject: %v", body)
			}
			sig := sigs[0]
			if !bytes.HasPrefix(sig, []byte("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ds:Signature ")) || !bytes.HasSuffix(sig, []byte("</ds:Signature>")) {
				t.Fatalf("the detached signature is not a document whose root is ds:Signature:\n%s", sig)
			}
			if !bytes.Contains(sig, []byte(`-ref0" URI="`+tt.uri+`"><ds:DigestMethod `)) {
				t.Fatalf("the data reference is not URI=%q without transforms:\n%s", tt.uri, sig)
			}
			if ok, out := testutil.XMLSecVerifyDetached(t, sig, tt.file, tt.content, rootPEM); !ok {
				t.Fatalf("xmlsec1 --verify of the detached signature beside %s:\n%s\n%s", tt.file, out, sig)
			}
			changed := bytes.Clone(tt.content)
			changed[len(changed)/2] ^= 0x20
			if ok, out := testutil.XMLSecVerifyDetached(t, sig, tt.file, changed, rootPEM); ok {
				t.Fatalf("xmlsec1 accepted the file changed by one byte:\n%s", out)
			}
			if got := testutil.CheckXAdESTimeStamp(t, sig, auth.Root, auth.IssuingChain...); got != tt.timestamp {
				t.Fatalf("SignatureTimeStamp present = %v, want %v", got, tt.timestamp)
			}
		})
	}

	t.Run("batch with a CAdES .p7s", func(t *testing.T) {
		sad := s.Authorize(t, tok, h, 2, testutil.SHA256B64(pdf), testutil.SHA256B64(invoice))
		st, body := signDoc(t, s, tok, map[string]any{"credentialID": h.CredentialID, "SAD": sad, "documents": []any{
			map[string]any{"document": std64(pdf), "signature_format": "C", "signAlgo": ecdsaSHA256, "signed_envelope_property": "Detached"},
			map[string]any{"document": std64(invoice), "signature_format": "X", "signAlgo": ecdsaSHA256, "signed_envelope_property": "Detached",
				"document_name": "IT01234567890_FPR12.xml"},
		}})
		if st != http.StatusOK {
			t.Fatalf("signDoc: %d %v", st, body)
		}
		sigs := decodeDocs(t, body, "SignatureObject")
		if len(sigs) != 2 || len(sigs[0]) == 0 || sigs[0][0] != 0x30 || !bytes.Contains(sigs[1], []byte("<ds:Signature ")) {
			t.Fatalf("want the .p7s then the XAdES signature: %v", body)
		}
		if ok, out := testutil.XMLSecVerifyDetached(t, sigs[1], "IT01234567890_FPR12.xml", invoice, rootPEM); !ok {
			t.Fatalf("xmlsec1 --verify:\n%s", out)
		}
	})
}
