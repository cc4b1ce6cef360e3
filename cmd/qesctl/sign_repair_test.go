package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/testutil"
)

// TestSignShiftedAndRepairedPDFs runs qesctl sign over the issue 12
// fixtures (bytes before the header; damaged cross-reference data) at B-B
// and B-LTA in one batch each; qpdf, pdfsig and openssl validate every
// output, which must start with the exact input, and a flipped byte of the
// original breaks the signature.
func TestSignShiftedAndRepairedPDFs(t *testing.T) {
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	inputs := map[string][]byte{}
	for _, name := range []string{"shifted.pdf", "shifted-linearized.pdf", "bad-offsets.pdf", "no-startxref.pdf", "broken-xrefstream.pdf", "hybrid-broken.pdf"} {
		inputs[name] = testutil.Fixture(t, "pades/"+name)
	}
	nss := testutil.NSSDB(t, s.App.Authorities.Root)
	for _, level := range []string{"B-B", "B-LTA"} {
		t.Run(level, func(t *testing.T) {
			_, paths := writeInputs(t, inputs)
			out := t.TempDir()
			sio, stderr := testSignIO(t, s, h, nil)
			if err := runSign(context.Background(), &signOptions{server: s.URL, user: h.ID, level: level, outDir: out, files: paths}, sio); err != nil {
				t.Fatalf("qesctl sign: %v\n%s", err, stderr)
			}
			for name, in := range inputs {
				signed := readOutput(t, out, name)
				if !bytes.HasPrefix(signed, in) {
					t.Fatalf("%s: not an incremental update of the input", name)
				}
				testutil.AssertSignedPDF(t, s.App.Authorities.Root, s.App.Authorities.IssuingChain, signed, 1, level != "B-B")
				if level == "B-B" {
					signed[len(in)/2] ^= 0x01
					if rep := testutil.Pdfsig(t, nss, signed); strings.Contains(rep, "Signature is Valid.") {
						t.Fatalf("%s: pdfsig accepts a flipped byte:\n%s", name, rep)
					}
				}
			}
		})
	}
}
