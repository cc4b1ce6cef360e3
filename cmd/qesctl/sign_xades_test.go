package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/xades"
)

// TestSignXAdES signs a FatturaPA invoice and another XML file in one
// batch with --format xades, through the real server's signHash with one
// authorization: each output keeps its name in -o, xmlsec1 verifies it
// and refuses it once changed, the signed invoice still validates against
// the FatturaPA schema, and B-T carries a time-stamp that openssl checks
// over the canonical ds:SignatureValue.
func TestSignXAdES(t *testing.T) {
	t.Parallel()
	testutil.NeedTool(t, "openssl")
	s := testutil.StartServer(t)
	auth := s.App.Authorities
	rootPEM := testutil.PEM(auth.Root)
	proxy := newCountingProxy(t, s.URL)
	invoice := testutil.Fixture(t, "xades/IT01234567890_FPR12.xml")
	inputs := map[string][]byte{"IT01234567890_FPR12.xml": invoice, "order.xml": []byte(xmlDoc)}
	tamper := map[string][2]string{
		"IT01234567890_FPR12.xml": {"<PrezzoTotale>100.00<", "<PrezzoTotale>900.00<"},
		"order.xml":               {"<Numero>42<", "<Numero>43<"},
	}
	tests := []struct {
		name, key, level string
		enveloping       bool
	}{
		{"ECDSA B-B enveloped", "ec-p256", "B-B", false},
		{"ECDSA B-T enveloped", "ec-p256", "B-T", false},
		{"RSA B-T enveloped", "rsa-2048", "B-T", false},
		{"ECDSA B-B enveloping", "ec-p256", "B-B", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := s.NewHolder(t, tt.key)
			_, paths := writeInputs(t, inputs)
			out := t.TempDir()
			counted := []string{"credentials/authorize", "signatures/signHash"}
			before := map[string]int{}
			for _, m := range counted {
				before[m] = proxy.count(m)
			}
			sio, stderr := testSignIO(t, s, h, nil)
			err := runSign(context.Background(), &signOptions{server: proxy.URL + "/csc/v2", user: h.ID, level: tt.level, outDir: out,
				format: "xades", enveloping: tt.enveloping, files: paths}, sio)
			if err != nil {
				t.Fatalf("qesctl sign --format xades: %v\n%s", err, stderr)
			}
			for _, m := range counted {
				if n := proxy.count(m) - before[m]; n != 1 {
					t.Fatalf("%d %s calls for a batch of two XML files, want 1", n, m)
				}
			}
			if entries, _ := os.ReadDir(out); len(entries) != len(inputs) {
				t.Fatalf("output directory holds %d files, want %d (the inputs' names)", len(entries), len(inputs))
			}
			for name, content := range inputs {
				signed := readOutput(t, out, name)
				if !tt.enveloping {
					// Enveloped: the input's bytes up to the root's end
					// tag, the ds:Signature, the rest of the input.
					cut := bytes.LastIndex(content, []byte("</"))
					start := bytes.Index(signed, []byte("<ds:Signature "))
					if start != cut || !bytes.Equal(signed[:cut], content[:cut]) || !bytes.HasSuffix(signed, content[cut:]) {
						t.Fatalf("%s is not the input with a signature before the root's end tag:\n%s", name, signed)
					}
				} else if !bytes.Contains(signed, []byte("\n<ds:Signature ")) || !bytes.HasSuffix(signed, []byte("</ds:Signature>")) {
					t.Fatalf("%s: the enveloping signature is not the document's root:\n%s", name, signed)
				}
				if ok, res := testutil.XMLSecVerify(t, signed, rootPEM); !ok {
					t.Fatalf("xmlsec1 --verify of %s:\n%s\n%s", name, res, signed)
				}
				tampered := bytes.Replace(signed, []byte(tamper[name][0]), []byte(tamper[name][1]), 1)
				if bytes.Equal(tampered, signed) {
					t.Fatalf("%s: the tamper %q is not in the document", name, tamper[name][0])
				}
				if ok, res := testutil.XMLSecVerify(t, tampered, rootPEM); ok {
					t.Fatalf("xmlsec1 accepted a tampered %s:\n%s", name, res)
				}
				if name == "IT01234567890_FPR12.xml" && !tt.enveloping {
					if ok, res := testutil.FatturaPASchemaValid(t, signed); !ok {
						t.Fatalf("the signed invoice does not validate against the FatturaPA schema:\n%s", res)
					}
				}
				// The time-stamp covers the exclusive canonical
				// ds:SignatureValue (EN 319 132-1 5.3), canonicalised by
				// libxml2, not by qes.
				if got := testutil.CheckXAdESTimeStamp(t, signed, auth.Root, auth.IssuingChain...); got != (tt.level == "B-T") {
					t.Fatalf("%s %s: SignatureTimeStamp present = %v", name, tt.level, got)
				}
			}
		})
	}
}

// TestSignXAdESRefusedBeforeLogin: what --format xades cannot sign stops
// the batch before any request reaches the server, and says why.
func TestSignXAdESRefusedBeforeLogin(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	proxy := newCountingProxy(t, s.URL)
	dir, _ := writeInputs(t, map[string][]byte{
		"invoice.xml": []byte(xmlDoc), "bom.xml": append([]byte("\xef\xbb\xbf \n"), xmlDoc...),
		"contract.pdf": testutil.Fixture(t, "pades/simple.pdf"), "contract.docx": docxLike(), "notes.xml": []byte("not xml at all"),
		"line\nbreak.txt": []byte("a file whose name holds a line feed"),
	})
	in := func(names ...string) []string {
		var p []string
		for _, n := range names {
			p = append(p, filepath.Join(dir, n))
		}
		return p
	}
	tests := []struct {
		name string
		o    signOptions
		want []string
		not  string
	}{
		{"a PDF, an office file and text named .xml", signOptions{files: in("invoice.xml", "contract.pdf", "contract.docx", "notes.xml", "bom.xml"), outDir: t.TempDir()},
			[]string{"contract.pdf: the file is a PDF, not XML", "contract.docx: the file is not XML", "notes.xml: the file is not XML"}, "invoice.xml"},
		{"no -o: the signed XML keeps its name", signOptions{files: in("invoice.xml")}, []string{"keeps its name (PAdES, XAdES)", "choose an output directory with -o"}, ""},
		{"-o is the input's directory", signOptions{files: in("invoice.xml"), outDir: dir}, []string{"the output would overwrite the input"}, ""},
		{"detached: a name that cannot be a reference", signOptions{files: in("contract.pdf", "line\nbreak.txt"), detached: true},
			[]string{`line\nbreak.txt" cannot be a detached signature's reference`}, "contract.pdf"},
		{"detached and enveloping", signOptions{files: in("invoice.xml"), outDir: t.TempDir(), detached: true, enveloping: true}, []string{"--detached and --enveloping are two forms"}, ""},
		{"B-LT", signOptions{files: in("invoice.xml"), outDir: t.TempDir(), level: "B-LT"}, []string{"XAdES B-B and B-T, not B-LT"}, ""},
		{"RSA-PSS", signOptions{files: in("invoice.xml"), outDir: t.TempDir(), pss: true}, []string{"not RSASSA-PSS"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.o.server, tt.o.user, tt.o.format = proxy.URL, h.ID, "xades"
			sio, _ := testSignIO(t, s, h, nil)
			err := runSign(context.Background(), &tt.o, sio)
			if err == nil {
				t.Fatal("signed")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("err = %v, want %q", err, w)
				}
			}
			if tt.not != "" && strings.Contains(err.Error(), tt.not) {
				t.Fatalf("err = %v names %s, which is XML", err, tt.not)
			}
		})
	}
	proxy.mu.Lock()
	calls := len(proxy.calls)
	proxy.mu.Unlock()
	if calls != 0 {
		t.Fatalf("%d CSC methods called for batches refused before the login", calls)
	}
}

// TestSignXAdESDetached: qesctl sign --format xades --detached signs any
// files (a PDF, an office file, an invoice, a name with spaces) in one
// batch through the real server's signHash, with one authorization: each
// gets FILE.xades.xml next to it (or in -o DIR), whose reference names the
// file by its base name; xmlsec1 verifies each with the file beside it and
// refuses it once the file changes by one byte; B-T's time-stamp passes
// openssl ts -verify; qesctl verify finds the file beside the signature,
// reports it detached and valid, reports a changed file, and without the
// file says the content was not given.
func TestSignXAdESDetached(t *testing.T) {
	t.Parallel()
	testutil.NeedTool(t, "openssl")
	s := testutil.StartServer(t)
	auth := s.App.Authorities
	rootPEM := testutil.PEM(auth.Root)
	ca := testutil.WriteTemp(t, "root.pem", rootPEM)
	proxy := newCountingProxy(t, s.URL)
	inputs := map[string][]byte{
		"contract.pdf":             testutil.Fixture(t, "pades/simple.pdf"),
		"offerta commerciale.docx": docxLike(),
		"IT01234567890_FPR12.xml":  testutil.Fixture(t, "xades/IT01234567890_FPR12.xml"),
	}
	tests := []struct {
		name, key, level string
		outDir           bool
	}{
		{"ECDSA B-B next to the files", "ec-p256", "B-B", false},
		{"ECDSA B-T in -o", "ec-p256", "B-T", true},
		{"RSA B-T next to the files", "rsa-2048", "B-T", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := s.NewHolder(t, tt.key)
			dir, paths := writeInputs(t, inputs)
			out := dir
			o := &signOptions{server: proxy.URL + "/csc/v2", user: h.ID, level: tt.level, format: "xades", detached: true, files: paths}
			if tt.outDir {
				out = t.TempDir()
				o.outDir = out
			}
			counted := []string{"credentials/authorize", "signatures/signHash"}
			before := map[string]int{}
			for _, m := range counted {
				before[m] = proxy.count(m)
			}
			sio, stderr := testSignIO(t, s, h, nil)
			if err := runSign(context.Background(), o, sio); err != nil {
				t.Fatalf("qesctl sign --format xades --detached: %v\n%s", err, stderr)
			}
			for _, m := range counted {
				if n := proxy.count(m) - before[m]; n != 1 {
					t.Fatalf("%d %s calls for a batch of %d files, want 1", n, m, len(inputs))
				}
			}
			for name, content := range inputs {
				sig := readOutput(t, out, name+".xades.xml")
				if !bytes.HasPrefix(sig, []byte("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ds:Signature ")) ||
					!bytes.Contains(sig, []byte(`URI="`+xades.DocumentURI(name)+`"><ds:DigestMethod `)) {
					t.Fatalf("%s.xades.xml is not a detached signature naming %q:\n%s", name, name, sig)
				}
				if ok, res := testutil.XMLSecVerifyDetached(t, sig, name, content, rootPEM); !ok {
					t.Fatalf("xmlsec1 --verify of %s.xades.xml:\n%s\n%s", name, res, sig)
				}
				changed := bytes.Clone(content)
				changed[len(changed)-1] ^= 0x01
				if ok, res := testutil.XMLSecVerifyDetached(t, sig, name, changed, rootPEM); ok {
					t.Fatalf("xmlsec1 accepted %s changed by one byte:\n%s", name, res)
				}
				if got := testutil.CheckXAdESTimeStamp(t, sig, auth.Root, auth.IssuingChain...); got != (tt.level == "B-T") {
					t.Fatalf("%s %s: SignatureTimeStamp present = %v", name, tt.level, got)
				}
			}
			if tt.outDir {
				return
			}
			// qesctl verify: the file is found beside the signature.
			sigPath := filepath.Join(dir, "contract.pdf.xades.xml")
			report, err := verifyReport(t, s, &verifyOptions{ca: ca, files: []string{sigPath}})
			if err != nil {
				t.Fatalf("verify: %v\n%s", err, report)
			}
			for _, want := range []string{`XAdES detached signature of "contract.pdf"`, "signed file: " + filepath.Join(dir, "contract.pdf"),
				"content: intact", "signature: valid", "level: " + tt.level + "\n", ": VALID\n"} {
				if !strings.Contains(report, want) {
					t.Errorf("report lacks %q:\n%s", want, report)
				}
			}
			// --content FILE, as for a .p7s.
			if report, err := verifyReport(t, s, &verifyOptions{ca: ca, content: filepath.Join(dir, "contract.pdf"), files: []string{sigPath}}); err != nil ||
				!strings.Contains(report, ": VALID\n") {
				t.Fatalf("verify --content: %v\n%s", err, report)
			}
			// --content with a changed file: not valid.
			changed := testutil.WriteTemp(t, "changed.pdf", append(bytes.Clone(inputs["contract.pdf"]), '\n'))
			if report, err := verifyReport(t, s, &verifyOptions{ca: ca, content: changed, files: []string{sigPath}}); err == nil ||
				!strings.Contains(report, "is not the signed file") {
				t.Fatalf("a changed file verified: %v\n%s", err, report)
			}
			// The file moved away: content not given, never valid.
			if err := os.Remove(filepath.Join(dir, "contract.pdf")); err != nil {
				t.Fatal(err)
			}
			if report, err := verifyReport(t, s, &verifyOptions{ca: ca, files: []string{sigPath}}); err == nil ||
				!strings.Contains(report, "NOT VALID: "+`a detached XAdES signature of "contract.pdf": content not given`) || strings.Contains(report, ": VALID") {
				t.Fatalf("verified without its file: %v\n%s", err, report)
			}
		})
	}
}
