package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/testutil"
)

// TestVerifyXAdESWhatSignMakes: invoices qesctl sign --format xades made
// through the real server verify with qesctl verify trusting qes's root
// (B-B enveloping, B-T enveloped with its time-stamp); a changed invoice
// element does not; --extract of an enveloped invoice writes nothing, the
// invoice being the content.
func TestVerifyXAdESWhatSignMakes(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	ca := testutil.WriteTemp(t, "root.pem", testutil.PEM(s.App.Authorities.Root))
	invoice := testutil.Fixture(t, "xades/IT01234567890_FPR12.xml")
	for _, tt := range []struct {
		level      string
		enveloping bool
	}{{"B-T", false}, {"B-B", true}} {
		t.Run(tt.level, func(t *testing.T) {
			_, paths := writeInputs(t, map[string][]byte{"IT01234567890_FPR12.xml": invoice})
			out := t.TempDir()
			sio, stderr := testSignIO(t, s, h, nil)
			if err := runSign(context.Background(), &signOptions{server: s.URL, user: h.ID, level: tt.level, outDir: out,
				format: "xades", enveloping: tt.enveloping, files: paths}, sio); err != nil {
				t.Fatalf("qesctl sign --format xades: %v\n%s", err, stderr)
			}
			signed := filepath.Join(out, "IT01234567890_FPR12.xml")
			report, err := verifyReport(t, s, &verifyOptions{ca: ca, extract: !tt.enveloping, files: []string{signed}})
			if err != nil {
				t.Fatalf("verify: %v\n%s", err, report)
			}
			for _, want := range []string{"XAdES", "signer 1 of 1: Mario Rossi (TINIT-RSSMRA80A01H501U)", "content: intact", "signature: valid",
				"level: " + tt.level + "\n", "certificate chain: trusted", ": VALID\n"} {
				if !strings.Contains(report, want) {
					t.Errorf("report lacks %q:\n%s", want, report)
				}
			}
			if got := strings.Contains(report, "signature time-stamp: "); got != (tt.level == "B-T") {
				t.Errorf("signature time-stamp reported = %v:\n%s", got, report)
			}
			if !tt.enveloping && !strings.Contains(report, "nothing to write") {
				t.Errorf("--extract of an enveloped invoice:\n%s", report)
			}
			doc, err := os.ReadFile(signed)
			if err != nil {
				t.Fatal(err)
			}
			tampered := bytes.Replace(doc, []byte("<PrezzoTotale>100.00<"), []byte("<PrezzoTotale>900.00<"), 1)
			if bytes.Equal(tampered, doc) {
				t.Fatal("no PrezzoTotale to change")
			}
			bad := testutil.WriteTemp(t, "bad.xml", tampered)
			report, err = verifyReport(t, s, &verifyOptions{ca: ca, files: []string{bad}})
			if err == nil || !strings.Contains(report, "NOT VALID") || !strings.Contains(report, "content: CHANGED") {
				t.Fatalf("a changed invoice: %v\n%s", err, report)
			}
		})
	}
}
