package csc_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/testutil"
)

// repairFixtures are the issue 12 files (see testdata/pades/README.md):
// bytes before the header, and cross-reference data viewers repair.
var repairFixtures = []string{
	"shifted.pdf", "shifted-objstm.pdf",
	"bad-offsets.pdf", "no-startxref.pdf", "broken-xrefstream.pdf", "hybrid-broken.pdf",
}

// TestSignDocShiftedAndRepairedPDFs signs each fixture through signDoc at
// B-B and B-LTA; qpdf, pdfsig (trusted root) and openssl validate the
// result, the original stays an exact prefix, and a flipped byte of the
// original breaks the new signature.
func TestSignDocShiftedAndRepairedPDFs(t *testing.T) {
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	tok := s.Login(t, "v2", h.ID, h.Password)
	nss := testutil.NSSDB(t, s.App.Authorities.Root)
	for _, name := range repairFixtures {
		for _, level := range []string{"AdES-B-B", "Ades-B-LTA"} {
			t.Run(name+"/"+level, func(t *testing.T) {
				in := testutil.Fixture(t, "pades/"+name)
				out, _ := signDocPDF(t, s, tok, h, in, map[string]any{"conformance_level": level, "signAlgo": ecdsaSHA256})
				if !bytes.HasPrefix(out, in) {
					t.Fatal("the signed PDF does not start with the original bytes")
				}
				assertSignedPDF(t, s, out, 1, level != "AdES-B-B")
				if level != "AdES-B-B" {
					return
				}
				tampered := append([]byte(nil), out...)
				tampered[len(in)/2] ^= 0x01
				if rep := testutil.Pdfsig(t, nss, tampered); strings.Contains(rep, "Signature is Valid.") {
					t.Fatalf("pdfsig accepts the file with a byte of the original flipped:\n%s", rep)
				}
			})
		}
	}
}

// TestSignDocRefusesWhatCannotBeRepaired: no catalog to be found.
func TestSignDocRefusesWhatCannotBeRepaired(t *testing.T) {
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	tok := s.Login(t, "v2", h.ID, h.Password)
	doc := []byte("%PDF-1.7\n1 0 obj\n<< /Type /Page >>\nendobj\n")
	sad := s.Authorize(t, tok, h, 1, testutil.SHA256B64(doc))
	st, body := signDoc(t, s, tok, map[string]any{"credentialID": h.CredentialID, "SAD": sad,
		"documents": []any{map[string]any{"document": std64(doc), "signature_format": "P", "signAlgo": ecdsaSHA256}}})
	desc, _ := body["error_description"].(string)
	if st != http.StatusBadRequest || !strings.Contains(desc, "no document catalog") {
		t.Fatalf("got %d %v, want 400 naming the missing catalog", st, body)
	}
}

// TestSignDocRepairKeepsEarlierSignature: a signed file to which a broken
// editor appended a revision whose startxref points nowhere is repaired and signed
// again at B-LTA; pdfsig still finds the first signature valid.
func TestSignDocRepairKeepsEarlierSignature(t *testing.T) {
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	tok := s.Login(t, "v2", h.ID, h.Password)
	nss := testutil.NSSDB(t, s.App.Authorities.Root)
	first, _ := signDocPDF(t, s, tok, h, testutil.Fixture(t, "pades/multipage.pdf"), map[string]any{"conformance_level": "AdES-B-B", "signAlgo": ecdsaSHA256})
	damaged := append(append([]byte(nil), first...), fmt.Sprintf("\n99 0 obj\n<< /Producer (broken editor) >>\nendobj\nstartxref\n%d\n%%%%EOF\n", len(first)/3)...)
	testutil.AssertPdfsigValid(t, nss, damaged, 1)
	out, _ := signDocPDF(t, s, tok, h, damaged, map[string]any{"conformance_level": "Ades-B-LTA", "signAlgo": ecdsaSHA256})
	if !bytes.HasPrefix(out, damaged) {
		t.Fatal("the signed PDF does not start with the original bytes")
	}
	testutil.AssertQpdfCheck(t, out)
	testutil.AssertPdfsigValid(t, nss, out, 2)
	for i, sig := range testutil.Signatures(t, out) {
		if sig.DocTimeStamp {
			continue
		}
		if ok, rep := testutil.OpensslCMSVerify(t, sig.CMS, sig.Signed, s.App.Authorities.Root); !ok {
			t.Fatalf("signature %d: openssl cms -verify:\n%s", i, rep)
		}
	}
}
