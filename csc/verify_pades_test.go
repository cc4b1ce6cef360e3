package csc_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/testutil"
)

// TestVerifyAPIPAdES: PDFs qes signed through signDoc ("P") are verified
// by POST /api/v1/verify: per signature the signer, /M as the claimed
// time, the signature time-stamp at B-T, the level, the chain; a PDF
// signed twice gives two signatures in revision order; a byte changed
// inside the ByteRange is reported, not accepted.
func TestVerifyAPIPAdES(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	tok := s.Login(t, "v2", h.ID, h.Password)
	in := testutil.Fixture(t, "pades/multipage.pdf")
	bb, _ := signDocPDF(t, s, tok, h, in, map[string]any{"conformance_level": "AdES-B-B", "signAlgo": ecdsaSHA256})
	bt, _ := signDocPDF(t, s, tok, h, in, map[string]any{"conformance_level": "AdES-B-T", "signAlgo": ecdsaSHA256})
	lt, _ := signDocPDF(t, s, tok, h, in, map[string]any{"conformance_level": "AdES-B-LT", "signAlgo": ecdsaSHA256})
	lta, _ := signDocPDF(t, s, tok, h, in, map[string]any{"conformance_level": "AdES-B-LTA", "signAlgo": ecdsaSHA256})
	two, _ := signDocPDF(t, s, tok, h, bt, map[string]any{"conformance_level": "AdES-B-B", "signAlgo": ecdsaSHA256})
	tampered := bytes.Clone(bb)
	tampered[len(in)/2] ^= 1

	tests := []struct {
		name   string
		pdf    []byte
		valid  bool
		levels []string
		ts     []bool
	}{
		{"B-B", bb, true, []string{"B-B"}, []bool{false}},
		{"B-T", bt, true, []string{"B-T"}, []bool{true}},
		{"B-LT", lt, true, []string{"B-LT"}, []bool{true}},
		{"B-LTA", lta, true, []string{"B-LTA"}, []bool{true}},
		{"two signatures", two, true, []string{"B-T", "B-B"}, []bool{true, false}},
		{"tampered", tampered, false, []string{""}, []bool{false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, body := s.Post(t, "/api/v1/verify", tok, map[string]any{"document": std64(tt.pdf), "extract": true})
			if st != http.StatusOK || body["valid"] != tt.valid {
				t.Fatalf("%d valid=%v, want %v: %v", st, body["valid"], tt.valid, body)
			}
			if body["document"] != nil {
				t.Errorf("a PDF is its own signed file: nothing to extract, got %d chars", len(fmt.Sprint(body["document"])))
			}
			sigs, _ := body["signatures"].([]any)
			if len(sigs) != len(tt.levels) {
				t.Fatalf("%d signatures, want %d: %v", len(sigs), len(tt.levels), body)
			}
			for i, want := range tt.levels {
				got := sigs[i].(map[string]any)
				signer := got["signer"].(map[string]any)
				if signer["taxCode"] != "TINIT-RSSMRA80A01H501U" {
					t.Errorf("signature %d signer %v", i, signer)
				}
				if lv, _ := got["level"].(string); lv != want {
					t.Errorf("signature %d level %q, want %q", i, lv, want)
				}
				if got["timeStampChecked"] != tt.ts[i] {
					t.Errorf("signature %d timeStampChecked %v, want %v", i, got["timeStampChecked"], tt.ts[i])
				}
				wantSource := "qes certificate register"
				if want == "B-LT" || want == "B-LTA" {
					wantSource = "embedded OCSP response" // from the DSS
				}
				if st := got["certificateStatus"].(map[string]any); tt.valid && (st["status"] != "good" || st["source"] != wantSource) {
					t.Errorf("signature %d status %v, want good from %s", i, st, wantSource)
				}
				if tt.valid && (got["contentIntact"] != true || got["signatureValid"] != true || got["chain"] != "trusted" || got["signingTime"] == nil) {
					t.Errorf("signature %d: %v", i, got)
				}
				if !tt.valid && (got["contentIntact"] != false || got["problem"] == nil) {
					t.Errorf("signature %d of a changed PDF: %v", i, got)
				}
			}
		})
	}
}

// TestVerifyAPIPAdESBadInput: PDFs without a signature and crafted
// ByteRanges get a 400 in the API's shape or a not-valid report, never a
// 500.
func TestVerifyAPIPAdESBadInput(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	tok := s.Login(t, "v2", h.ID, h.Password)
	in := testutil.Fixture(t, "pades/multipage.pdf")
	bb, _ := signDocPDF(t, s, tok, h, in, map[string]any{"conformance_level": "AdES-B-B", "signAlgo": ecdsaSHA256})
	i := bytes.Index(bb, []byte("/Contents <"))
	if i < 0 {
		t.Fatal("no /Contents hole")
	}
	badHex := bytes.Clone(bb)
	badHex[i+11] = 'z'
	zeroCMS := bytes.Clone(bb)
	for j := i + 11; zeroCMS[j] != '>'; j++ {
		zeroCMS[j] = '0'
	}
	tests := []struct {
		name   string
		doc    []byte
		status int
	}{
		{"unsigned PDF", in, 400},
		{"header only", []byte("%PDF-1.7\n"), 400},
		{"ByteRange past the end", []byte("%PDF-1.7\n/ByteRange [0 10 20 999999] /Contents <3000>\n%%EOF\n"), 400},
		{"ByteRange around nothing", []byte("%PDF-1.7\n/ByteRange [0 1 2 3]\n"), 400},
		{"not hex in the hole", badHex, 400},
		{"zeroed CMS: a signature that does not verify", zeroCMS, 200},
		{"truncated signed PDF", bb[:len(bb)-200], 400},
		{"huge numbers", []byte("%PDF-1.7 /ByteRange [0 999999999999 999999999999 999999999999]"), 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, body := s.Post(t, "/api/v1/verify", tok, map[string]any{"document": std64(tt.doc)})
			if st != tt.status {
				t.Fatalf("%d %v, want %d", st, body, tt.status)
			}
			if st == 400 && (body["error"] != "invalid_request" || !strings.Contains(fmt.Sprint(body["error_description"]), "document")) {
				t.Errorf("error body %v", body)
			}
			if st == 200 && (body["valid"] != false || len(body["problems"].([]any)) == 0) {
				t.Errorf("report %v", body)
			}
		})
	}
}

// TestVerifyAPIPAdESCertified: a certification signature (signDoc's
// "Certification", DocMDP P=2) comes back with its permission and the
// verdict on the later revisions: an approval signature is one P=2
// permits.
func TestVerifyAPIPAdESCertified(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	tok := s.Login(t, "v2", h.ID, h.Password)
	in := testutil.Fixture(t, "pades/objstm.pdf")
	certified, _ := signDocPDF(t, s, tok, h, in, map[string]any{"signAlgo": ecdsaSHA256, "signed_envelope_property": "Certification"})
	twice, _ := signDocPDF(t, s, tok, h, certified, map[string]any{"signAlgo": ecdsaSHA256, "signed_envelope_property": "Revision"})
	for _, tt := range []struct {
		name  string
		pdf   []byte
		sigs  int
		later string
	}{
		{"certified", certified, 1, "no later revision"},
		{"certified, then signed again", twice, 2, "change only what it permits"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st, body := s.Post(t, "/api/v1/verify", tok, map[string]any{"document": std64(tt.pdf)})
			if st != http.StatusOK || body["valid"] != true {
				t.Fatalf("%d %v", st, body)
			}
			sigs, _ := body["signatures"].([]any)
			if len(sigs) != tt.sigs {
				t.Fatalf("%d signatures, want %d: %v", len(sigs), tt.sigs, body)
			}
			first := sigs[0].(map[string]any)
			if first["certification"] != float64(2) || !strings.Contains(fmt.Sprint(first["permission"]), "P=2") || !strings.Contains(fmt.Sprint(first["laterChanges"]), tt.later) {
				t.Fatalf("certification signature %v", first)
			}
			if tt.sigs == 2 {
				if second := sigs[1].(map[string]any); second["certification"] != nil || second["permission"] != nil {
					t.Fatalf("approval signature %v", second)
				}
			}
		})
	}
}
