package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/testutil"
)

// TestVerifyPAdES: a PDF qesctl sign signed (PAdES) at B-B and B-T, then
// signed again, is verified by qesctl verify: each signature with the
// revision it covers and its level; --extract says a PDF is its own
// signed file; a changed byte inside the ByteRange fails.
func TestVerifyPAdES(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	ca := testutil.WriteTemp(t, "root.pem", testutil.PEM(s.App.Authorities.Root))
	pdf := testutil.Fixture(t, "pades/multipage.pdf")
	sign := func(t *testing.T, level, path string) string {
		t.Helper()
		out := t.TempDir()
		sio, stderr := testSignIO(t, s, h, nil)
		if err := runSign(context.Background(), &signOptions{server: s.URL, user: h.ID, level: level, outDir: out, files: []string{path}}, sio); err != nil {
			t.Fatalf("qesctl sign: %v\n%s", err, stderr)
		}
		return filepath.Join(out, filepath.Base(path))
	}
	_, paths := writeInputs(t, map[string][]byte{"contract.pdf": pdf})
	bb := sign(t, "B-B", paths[0])
	bt := sign(t, "B-T", paths[0])
	two := sign(t, "B-B", bt)

	for _, tt := range []struct {
		name, path string
		want       []string
	}{
		{"B-B", bb, []string{"signature 1 of 1: Mario Rossi (TINIT-RSSMRA80A01H501U)", "signed revision covers bytes 0..", "signing time (claimed in the signature dictionary's /M): ", "level: B-B\n", ": VALID\n"}},
		{"B-T", bt, []string{"signature time-stamp: ", "level: B-T\n", "certificate chain: trusted"}},
		{"two signatures", two, []string{"signature 1 of 2: ", "signature 2 of 2: ", "later revisions add ", "1 signature dictionar(ies)", "redefine objects of the signed revision: ", ": VALID\n"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			report, err := verifyReport(t, s, &verifyOptions{ca: ca, files: []string{tt.path}})
			if err != nil {
				t.Fatalf("verify: %v\n%s", err, report)
			}
			for _, want := range tt.want {
				if !strings.Contains(report, want) {
					t.Errorf("report lacks %q:\n%s", want, report)
				}
			}
			t.Logf("report:\n%s", report)
		})
	}
	t.Run("extract", func(t *testing.T) {
		report, err := verifyReport(t, s, &verifyOptions{ca: ca, extract: true, files: []string{bb}})
		if err == nil || !strings.Contains(report, "a PDF is its own signed file") {
			t.Fatalf("--extract on a PDF: %v\n%s", err, report)
		}
	})
	t.Run("tampered", func(t *testing.T) {
		b, err := os.ReadFile(bb)
		if err != nil {
			t.Fatal(err)
		}
		b[len(pdf)/2] ^= 1
		p := filepath.Join(t.TempDir(), "tampered.pdf")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		report, err := verifyReport(t, s, &verifyOptions{ca: ca, files: []string{p}})
		if err == nil || !strings.Contains(report, "content: CHANGED") {
			t.Fatalf("a changed PDF verified: %v\n%s", err, report)
		}
	})
}
