package main

import (
	"bytes"
	"context"
	"encoding/asn1"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/oids"
	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/internal/testutil/pdfcheck"
)

// docxLike is a binary that is not a PDF: a ZIP local header, NULs and
// bytes that are not UTF-8, as an office document has.
func docxLike() []byte {
	b := []byte("PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00")
	for i := range 40000 {
		b = append(b, byte(i*7), byte(i>>3), 0)
	}
	return b
}

const xmlDoc = `<?xml version="1.0" encoding="UTF-8"?>
<FatturaElettronica versione="FPR12"><Numero>42</Numero><Importo>100.00</Importo></FatturaElettronica>
`

// opensslAttached verifies a .p7m trusting only root and returns the
// content openssl extracts from it.
func opensslAttached(t *testing.T, p7m []byte, s *testutil.Server) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "content")
	res, err := exec.Command(testutil.NeedTool(t, "openssl"), "cms", "-verify", "-binary", "-inform", "DER",
		"-in", testutil.WriteTemp(t, "sig.p7m", p7m), "-CAfile", testutil.WriteTemp(t, "ca.pem", testutil.PEM(s.App.Authorities.Root)),
		"-purpose", "any", "-out", out).CombinedOutput()
	if err != nil || !strings.Contains(string(res), "Verification successful") {
		t.Fatalf("openssl cms -verify of the .p7m: %v\n%s", err, res)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// assertCAdESLevel checks what each level adds: the signature time-stamp
// (verified by openssl over the signature value), the validation data in
// the SignedData and the archive-time-stamp-v3.
func assertCAdESLevel(t *testing.T, s *testutil.Server, der []byte, level string) {
	t.Helper()
	token, sigValue := testutil.SignatureTimestamp(t, der)
	if (token != nil) != (level != "B-B") {
		t.Fatalf("%s: signature time-stamp present = %v", level, token != nil)
	}
	if token != nil {
		if ok, out := testutil.OpensslTSVerify(t, token, sigValue, "", s.App.Authorities.Root, s.App.Authorities.IssuingChain...); !ok {
			t.Fatalf("%s: openssl ts -verify of the signature time-stamp:\n%s", level, out)
		}
	}
	sd := pdfcheck.ParseSignedData(t, der)
	if lt := len(sd.CRLs.FullBytes) > 0; lt != (level == "B-LT" || level == "B-LTA") {
		t.Fatalf("%s: revocation values in the SignedData = %v", level, lt)
	}
	ats, err := asn1.Marshal(oids.AttrArchiveTimeStampV3)
	if err != nil {
		t.Fatal(err)
	}
	if got := bytes.Contains(der, ats); got != (level == "B-LTA") {
		t.Fatalf("%s: archive-time-stamp-v3 present = %v", level, got)
	}
}

// TestSignAnyFileMixedBatch signs a PDF, an office-like binary and an XML
// file in one batch with one authorization: the PDF stays a PDF (PAdES),
// the others become .p7m (or .p7s with --detached) that openssl verifies.
func TestSignAnyFileMixedBatch(t *testing.T) {
	t.Parallel()
	testutil.NeedTool(t, "openssl")
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	proxy := newCountingProxy(t, s.URL)
	inputs := map[string][]byte{
		"contract.pdf":  testutil.Fixture(t, "pades/simple.pdf"),
		"contract.docx": docxLike(),
		"invoice.xml":   []byte(xmlDoc),
	}
	tests := []struct {
		level    string
		detached bool
	}{
		{"B-B", false},
		{"B-T", true},
		{"B-LT", false},
		{"B-LTA", true},
	}
	for _, tt := range tests {
		t.Run(tt.level, func(t *testing.T) {
			_, paths := writeInputs(t, inputs)
			out := t.TempDir()
			before := map[string]int{}
			counted := []string{"credentials/authorize", "signatures/signHash", "credentials/getChallenge"}
			for _, m := range counted {
				before[m] = proxy.count(m)
			}
			sio, stderr := testSignIO(t, s, h, nil)
			err := runSign(context.Background(), &signOptions{server: proxy.URL + "/csc/v2", user: h.ID, level: tt.level, outDir: out,
				files: paths, detached: tt.detached}, sio)
			if err != nil {
				t.Fatalf("qesctl sign: %v\n%s", err, stderr)
			}
			for _, m := range counted {
				if n := proxy.count(m) - before[m]; n != 1 {
					t.Fatalf("%d %s calls for a batch, want 1", n, m)
				}
			}
			testutil.AssertSignedPDF(t, s.App.Authorities.Root, s.App.Authorities.IssuingChain, readOutput(t, out, "contract.pdf"), 1, tt.level != "B-B")
			ext := ".p7m"
			if tt.detached {
				ext = ".p7s"
			}
			for _, name := range []string{"contract.docx", "invoice.xml"} {
				der := readOutput(t, out, name+ext)
				if tt.detached {
					if ok, res := testutil.OpensslCMSVerify(t, der, inputs[name], s.App.Authorities.Root); !ok {
						t.Fatalf("%s: openssl cms -verify -content:\n%s", name+ext, res)
					}
					if ok, _ := testutil.OpensslCMSVerify(t, der, append([]byte("x"), inputs[name]...), s.App.Authorities.Root); ok {
						t.Fatalf("%s verifies over other content", name+ext)
					}
				} else if got := opensslAttached(t, der, s); !bytes.Equal(got, inputs[name]) {
					t.Fatalf("%s: the enveloped content differs from the input", name+ext)
				}
				assertCAdESLevel(t, s, der, tt.level)
			}
			entries, _ := os.ReadDir(out)
			if len(entries) != 3 {
				t.Fatalf("output directory holds %d files, want 3", len(entries))
			}
		})
	}
}

// TestSignAnyFileNextToInput: without -o, FILE.p7m lands beside FILE; a
// .p7m signed again becomes .p7m.p7m (the nested signature of Italian
// practice) whose inner .p7m is the first one, byte for byte.
func TestSignAnyFileNextToInput(t *testing.T) {
	t.Parallel()
	testutil.NeedTool(t, "openssl")
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "rsa-2048")
	dir, paths := writeInputs(t, map[string][]byte{"contract.docx": docxLike()})
	sio, stderr := testSignIO(t, s, h, nil)
	if err := runSign(context.Background(), &signOptions{server: s.URL, user: h.ID, files: paths, pss: true, reason: "Approvato"}, sio); err != nil {
		t.Fatalf("qesctl sign: %v\n%s", err, stderr)
	}
	if !strings.Contains(stderr.String(), "signed 1 file(s) into "+dir) || !strings.Contains(stderr.String(), "--reason apply to PDFs only") {
		t.Fatalf("stderr:\n%s", stderr)
	}
	first := readOutput(t, dir, "contract.docx.p7m")
	if !bytes.Equal(opensslAttached(t, first, s), docxLike()) {
		t.Fatal("the .p7m does not carry the input")
	}
	sio, stderr = testSignIO(t, s, h, nil)
	if err := runSign(context.Background(), &signOptions{server: s.URL, user: h.ID, files: []string{filepath.Join(dir, "contract.docx.p7m")}}, sio); err != nil {
		t.Fatalf("qesctl sign of the .p7m: %v\n%s", err, stderr)
	}
	if !bytes.Equal(opensslAttached(t, readOutput(t, dir, "contract.docx.p7m.p7m"), s), first) {
		t.Fatal("the .p7m.p7m does not carry the first .p7m")
	}
	// Signing again would overwrite the .p7m: refused without --force.
	sio, _ = testSignIO(t, s, h, nil)
	if err := runSign(context.Background(), &signOptions{server: s.URL, user: h.ID, files: paths}, sio); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("err = %v, want a refusal to overwrite", err)
	}
}

// TestSignRefusesEmptyFileBeforeLogin: a zero-byte file stops the batch
// before any request reaches the server.
func TestSignRefusesEmptyFileBeforeLogin(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	proxy := newCountingProxy(t, s.URL)
	_, paths := writeInputs(t, map[string][]byte{"notes.txt": []byte("some notes\n"), "empty.docx": {}})
	sio, _ := testSignIO(t, s, h, nil)
	err := runSign(context.Background(), &signOptions{server: proxy.URL, user: h.ID, files: paths}, sio)
	if err == nil || !strings.Contains(err.Error(), "empty.docx: the file is empty") || strings.Contains(err.Error(), "notes.txt") {
		t.Fatalf("err = %v, want empty.docx refused", err)
	}
	proxy.mu.Lock()
	calls := len(proxy.calls)
	proxy.mu.Unlock()
	if calls != 0 {
		t.Fatalf("%d CSC methods called for a batch with an empty file", calls)
	}
	if len(s.Outbox(t)) != 0 {
		t.Fatal("an OTP was sent")
	}
}

func TestSignFormatFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		o    signOptions
		want string
	}{
		{"enveloping without xades", signOptions{enveloping: true}, "add --format xades"},
		{"unknown format", signOptions{format: "jades"}, "want auto, pades, cades or xades"},
		{"detached PAdES", signOptions{format: "pades", detached: true}, "--detached applies to CAdES"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := checkFormat(&tt.o); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
	names := []struct {
		o          signOptions
		in, format string
		out        string
	}{
		{signOptions{}, "a/Contract.PDF", formatPAdES, "Contract.PDF"},
		{signOptions{}, "a/contract.docx", formatCAdES, "contract.docx.p7m"},
		{signOptions{}, "a/invoice.xml", formatCAdES, "invoice.xml.p7m"},
		{signOptions{detached: true}, "a/invoice.xml", formatCAdES, "invoice.xml.p7s"},
		{signOptions{format: formatCAdES}, "a/contract.pdf", formatCAdES, "contract.pdf.p7m"},
		{signOptions{}, "a/contract.pdf.p7m", formatCAdES, "contract.pdf.p7m.p7m"},
		{signOptions{format: formatXAdES}, "a/IT01234567890_FPA01.xml", formatXAdES, "IT01234567890_FPA01.xml"},
		{signOptions{format: formatXAdES, enveloping: true}, "a/order.xml", formatXAdES, "order.xml"},
	}
	for _, n := range names {
		if f := formatFor(&n.o, n.in); f != n.format || outputName(&n.o, n.in, f) != n.out {
			t.Errorf("%s (%+v): %s %s, want %s %s", n.in, n.o, f, outputName(&n.o, n.in, f), n.format, n.out)
		}
	}
	// A PDF without -o would be overwritten by its signed version.
	dir := t.TempDir()
	in := filepath.Join(dir, "a.pdf")
	if err := os.WriteFile(in, []byte("%PDF"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := plannedOutputs(&signOptions{files: []string{in}}); err == nil || !strings.Contains(err.Error(), "choose an output directory with -o") {
		t.Fatalf("err = %v", err)
	}
}
