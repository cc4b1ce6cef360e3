package csc_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"net/http"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/internal/testutil/testpki"
	"github.com/qesproject/qes/xades"
)

// TestVerifyAPIXAdES: FatturaPA invoices qes signed through signDoc ("X")
// verify through POST /api/v1/verify on the real server: B-B and B-T,
// enveloped (extracted: the signed invoice is the document) and
// enveloping; a changed invoice element, a changed SigningTime and a
// signature by another CA (not qes's root) are each reported as invalid
// with the check that failed, and never extracted.
func TestVerifyAPIXAdES(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	tok := s.Login(t, "v2", h.ID, h.Password)
	invoice := testutil.Fixture(t, "xades/IT01234567890_FPR12.xml")

	sign := func(t *testing.T, level, envelope string) []byte {
		t.Helper()
		sad := s.Authorize(t, tok, h, 1, testutil.SHA256B64(invoice))
		st, body := signDoc(t, s, tok, map[string]any{"credentialID": h.CredentialID, "SAD": sad, "documents": []any{map[string]any{
			"document": std64(invoice), "signature_format": "X", "signAlgo": ecdsaSHA256, "conformance_level": level, "signed_envelope_property": envelope}}})
		if st != http.StatusOK {
			t.Fatalf("signDoc: %d %v", st, body)
		}
		return decodeDocs(t, body, "DocumentWithSignature")[0]
	}
	bb := sign(t, "Ades-B-B", "Enveloped")
	bt := sign(t, "Ades-B-T", "Enveloped")
	enveloping := sign(t, "Ades-B-T", "Enveloping")
	tampered := bytes.Replace(bb, []byte("<PrezzoTotale>100.00<"), []byte("<PrezzoTotale>900.00<"), 1)
	m := reSigningTime.FindSubmatchIndex(bt)
	if m == nil || bytes.Equal(tampered, bb) {
		t.Fatal("no xades:SigningTime, or no PrezzoTotale to change")
	}
	badTime := append(append(append([]byte(nil), bt[:m[2]]...), "2000-01-01T00:00:00Z"...), bt[m[3]:]...)

	// The same invoice signed by a CA the server does not trust.
	root := testpki.NewRoot(t, pkix.Name{CommonName: "Other root"}, testpki.Key(t, testpki.P256))
	key := testpki.Key(t, testpki.P256)
	leaf := root.Issue(t, &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "Mario Rossi", SerialNumber: "TINIT-RSSMRA80A01H501U"},
		KeyUsage: x509.KeyUsageContentCommitment}, key.Public())
	prep, err := xades.Prepare(context.Background(), []*x509.Certificate{leaf}, invoice, xades.Options{Time: s.Clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	sv, err := key.Sign(rand.Reader, prep.Digest(), crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := prep.Finish(context.Background(), sv)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name         string
		doc          []byte
		valid        bool
		level, chain string
		intact, ts   bool
		problem      string
		extract      bool
	}{
		{"B-B enveloped", bb, true, "B-B", "trusted", true, false, "", true},
		{"B-T enveloped", bt, true, "B-T", "trusted", true, true, "", true},
		{"B-T enveloping", enveloping, true, "B-T", "trusted", true, true, "", false},
		{"invoice element changed", tampered, false, "", "not checked", false, false, "signed document", false},
		{"SigningTime changed", badTime, false, "", "not checked", false, false, "signed properties", false},
		{"another CA", foreign.Bytes(), false, "", "not trusted", true, false, "does not chain", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, body := s.Post(t, "/api/v1/verify", tok, map[string]any{"document": std64(tt.doc), "extract": true})
			if st != http.StatusOK || body["valid"] != tt.valid {
				t.Fatalf("%d valid=%v, want %v: %v", st, body["valid"], tt.valid, body)
			}
			sigs, _ := body["signatures"].([]any)
			if len(sigs) != 1 {
				t.Fatalf("%d signatures: %v", len(sigs), body)
			}
			got := sigs[0].(map[string]any)
			signer := got["signer"].(map[string]any)
			if signer["taxCode"] != "TINIT-RSSMRA80A01H501U" || signer["commonName"] != "Mario Rossi" {
				t.Errorf("signer %v", signer)
			}
			problem, _ := got["problem"].(string)
			if lv, _ := got["level"].(string); lv != tt.level || got["chain"] != tt.chain || got["contentIntact"] != tt.intact ||
				got["timeStampChecked"] != tt.ts || !strings.Contains(problem, tt.problem) || tt.problem == "" && problem != "" {
				t.Errorf("%v; want level %q chain %q intact %v time-stamp %v problem %q", got, tt.level, tt.chain, tt.intact, tt.ts, tt.problem)
			}
			if status := got["certificateStatus"].(map[string]any); tt.valid && (status["status"] != "good" || status["source"] != "qes certificate register") {
				t.Errorf("status %v", status)
			}
			doc, _ := body["document"].(string)
			out, err := base64.StdEncoding.DecodeString(doc)
			if err != nil || tt.extract != (len(out) > 0) || tt.extract && !bytes.Equal(out, tt.doc) {
				t.Errorf("extracted %d bytes, want the signed document: %v", len(out), tt.extract)
			}
		})
	}
}

// TestVerifyAPIXAdESBadInput: XML that is not a readable signed document
// (not well-formed, a DTD, no signature, a signature sent as detached)
// gets a 400 with the reason, never a 500.
func TestVerifyAPIXAdESBadInput(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	tok := s.Login(t, "v2", h.ID, h.Password)
	tests := []struct {
		name string
		req  map[string]any
		want string
	}{
		{"garbage XML", map[string]any{"document": std64([]byte("<FatturaElettronica><a></FatturaElettronica>"))}, "not well-formed"},
		{"DTD", map[string]any{"document": std64([]byte(`<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "x">]><a>&x;</a>`))}, "DTD"},
		{"no signature", map[string]any{"document": std64([]byte("<a>1</a>"))}, "no ds:Signature"},
		{"XML without a signature as a detached signature", map[string]any{"document": std64([]byte("x")), "signature": std64([]byte("<a>1</a>"))}, "no ds:Signature"},
		{"empty signature element", map[string]any{"document": std64([]byte(`<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"/>`))}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, body := s.Post(t, "/api/v1/verify", tok, tt.req)
			if tt.want == "" {
				if st != http.StatusOK || body["valid"] != false {
					t.Fatalf("%d %v", st, body)
				}
				return
			}
			desc, _ := body["error_description"].(string)
			if st != http.StatusBadRequest || body["error"] != "invalid_request" || !strings.Contains(desc, tt.want) {
				t.Fatalf("%d %v, want 400 invalid_request %q", st, body, tt.want)
			}
		})
	}
}

// TestVerifyAPIXAdESDetached: a detached XAdES signature qes made through
// signDoc verifies through POST /api/v1/verify with the file as document
// and the signature as signature (as a .p7s is sent), B-B and B-T; the
// file changed by one byte is reported not intact; the signature alone is
// a 400 saying the content was not given and naming the file; an
// enveloped signature sent with a document is a 400.
func TestVerifyAPIXAdESDetached(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	tok := s.Login(t, "v2", h.ID, h.Password)
	pdf := testutil.Fixture(t, "pades/simple.pdf")
	sign := func(t *testing.T, level, envelope string) []byte {
		t.Helper()
		sad := s.Authorize(t, tok, h, 1, testutil.SHA256B64(pdf))
		doc := map[string]any{"document": std64(pdf), "signature_format": "X", "signAlgo": ecdsaSHA256, "conformance_level": level,
			"signed_envelope_property": envelope, "document_name": "contratto firmato.pdf"}
		st, body := signDoc(t, s, tok, map[string]any{"credentialID": h.CredentialID, "SAD": sad, "documents": []any{doc}})
		if st != http.StatusOK {
			t.Fatalf("signDoc: %d %v", st, body)
		}
		return decodeDocs(t, body, "SignatureObject")[0]
	}
	bb, bt := sign(t, "Ades-B-B", "Detached"), sign(t, "Ades-B-T", "Detached")
	changed := bytes.Clone(pdf)
	changed[len(changed)/2] ^= 0x01
	tests := []struct {
		name         string
		sig, content []byte
		valid        bool
		level        string
		intact, ts   bool
		problem      string
	}{
		{"B-B", bb, pdf, true, "B-B", true, false, ""},
		{"B-T", bt, pdf, true, "B-T", true, true, ""},
		{"file changed by one byte", bt, changed, false, "", false, false, `is not the signed file "contratto%20firmato.pdf"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, body := s.Post(t, "/api/v1/verify", tok, map[string]any{"document": std64(tt.content), "signature": std64(tt.sig), "extract": true})
			if st != http.StatusOK || body["valid"] != tt.valid || body["detached"] != true || body["document"] != nil {
				t.Fatalf("%d valid=%v (want %v), detached=%v: %v", st, body["valid"], tt.valid, body["detached"], body)
			}
			sigs, _ := body["signatures"].([]any)
			if len(sigs) != 1 {
				t.Fatalf("%d signatures: %v", len(sigs), body)
			}
			got := sigs[0].(map[string]any)
			problem, _ := got["problem"].(string)
			if lv, _ := got["level"].(string); lv != tt.level || got["contentIntact"] != tt.intact || got["timeStampChecked"] != tt.ts ||
				!strings.Contains(problem, tt.problem) || tt.problem == "" && problem != "" {
				t.Errorf("%v; want level %q intact %v time-stamp %v problem %q", got, tt.level, tt.intact, tt.ts, tt.problem)
			}
		})
	}
	for _, tt := range []struct {
		name string
		req  map[string]any
		want string
	}{
		{"the signature alone", map[string]any{"document": std64(bb)}, `content not given: it is a detached XAdES signature of "contratto%20firmato.pdf"`},
		{"an enveloped signature with a document", map[string]any{"document": std64(pdf), "signature": std64(signedInvoice(t, s, tok, h))}, "no other content goes with it"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st, body := s.Post(t, "/api/v1/verify", tok, tt.req)
			desc, _ := body["error_description"].(string)
			if st != http.StatusBadRequest || body["error"] != "invalid_request" || !strings.Contains(desc, tt.want) {
				t.Fatalf("%d %v, want 400 invalid_request %q", st, body, tt.want)
			}
		})
	}
}

// signedInvoice is the test invoice signed XAdES enveloped through signDoc.
func signedInvoice(t *testing.T, s *testutil.Server, tok string, h testutil.Holder) []byte {
	t.Helper()
	invoice := testutil.Fixture(t, "xades/IT01234567890_FPR12.xml")
	sad := s.Authorize(t, tok, h, 1, testutil.SHA256B64(invoice))
	st, body := signDoc(t, s, tok, map[string]any{"credentialID": h.CredentialID, "SAD": sad, "documents": []any{map[string]any{
		"document": std64(invoice), "signature_format": "X", "signAlgo": ecdsaSHA256}}})
	if st != http.StatusOK {
		t.Fatalf("signDoc: %d %v", st, body)
	}
	return decodeDocs(t, body, "DocumentWithSignature")[0]
}
