package jades_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/testutil/testpki"
	"github.com/qesproject/qes/jades"
)

func leaf(t *testing.T, key crypto.Signer) []*x509.Certificate {
	t.Helper()
	root := testpki.NewRoot(t, pkix.Name{CommonName: "JAdES test root"}, testpki.Key(t, testpki.P256))
	cert := root.Issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "Mario Rossi"}, KeyUsage: x509.KeyUsageContentCommitment}, key.Public())
	return []*x509.Certificate{cert, root.Cert}
}

func TestAlgorithm(t *testing.T) {
	t.Parallel()
	p256, p384, p521 := testpki.Key(t, testpki.P256).Public(), testpki.Key(t, testpki.P384).Public(), testpki.Key(t, testpki.P521).Public()
	rsaPub := testpki.Key(t, testpki.RSA2048).Public()
	tests := []struct {
		pub  crypto.PublicKey
		h    crypto.Hash
		pss  bool
		want string
	}{
		{p256, crypto.SHA256, false, "ES256"},
		{p384, crypto.SHA384, false, "ES384"},
		{p521, crypto.SHA512, false, "ES512"},
		{p256, crypto.SHA384, false, ""}, // RFC 7518 ties the curve to the hash
		{p384, crypto.SHA256, false, ""},
		{p256, crypto.SHA256, true, ""},
		{rsaPub, crypto.SHA256, false, "RS256"},
		{rsaPub, crypto.SHA512, false, "RS512"},
		{rsaPub, crypto.SHA384, true, "PS384"},
		{rsaPub, crypto.SHA1, false, ""},
	}
	for _, tt := range tests {
		got, ok := jades.Algorithm(tt.pub, tt.h, tt.pss)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("Algorithm(%T, %v, pss %v) = %q %v, want %q", tt.pub, tt.h, tt.pss, got, ok, tt.want)
		}
	}
}

// TestFinishTakesDERAndRawECDSA: CSC signHash answers ECDSA in DER; JWS
// wants r||s. Both inputs give the same JWS; a value over anything else
// is refused rather than written.
func TestFinishTakesDERAndRawECDSA(t *testing.T) {
	t.Parallel()
	key := testpki.Key(t, testpki.P256).(*ecdsa.PrivateKey)
	chain := leaf(t, key)
	at := time.Date(2026, 12, 6, 10, 0, 0, 0, time.FixedZone("CET", 3600))
	p, err := jades.Prepare(chain, []byte(`{"a":1}`), jades.Options{Time: at})
	if err != nil {
		t.Fatal(err)
	}
	der, err := ecdsa.SignASN1(rand.Reader, key, p.Digest())
	if err != nil {
		t.Fatal(err)
	}
	var rs struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(der, &rs); err != nil {
		t.Fatal(err)
	}
	raw := make([]byte, 64)
	rs.R.FillBytes(raw[:32])
	rs.S.FillBytes(raw[32:])
	a, err := p.Finish(context.Background(), der)
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Finish(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	if string(a) != string(b) {
		t.Fatal("DER and r||s give different JWS")
	}
	parts := strings.Split(string(a), ".")
	hdr, _ := base64.RawURLEncoding.DecodeString(parts[0])
	var h map[string]any
	if err := json.Unmarshal(hdr, &h); err != nil {
		t.Fatal(err)
	}
	if h["sigT"] != "2026-12-06T09:00:00Z" || h["alg"] != "ES256" || h["typ"] != "jose" {
		t.Fatalf("header %s", hdr)
	}
	other, err := ecdsa.SignASN1(rand.Reader, key, make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	for name, sig := range map[string][]byte{"other digest": other, "garbage": []byte("xx"), "empty": nil} {
		if _, err := p.Finish(context.Background(), sig); errs.KindOf(err) != errs.InvalidRequest {
			t.Errorf("%s: err = %v, want invalid_request", name, err)
		}
	}
}

func TestPrepareRefusals(t *testing.T) {
	t.Parallel()
	key := testpki.Key(t, testpki.RSA2048).(*rsa.PrivateKey)
	chain := leaf(t, key)
	tests := []struct {
		name  string
		chain []*x509.Certificate
		opts  jades.Options
	}{
		{"no signer", nil, jades.Options{}},
		{"compact B-T", chain, jades.Options{Timestamp: true}},
		{"SHA-1", chain, jades.Options{Hash: crypto.SHA1}},
	}
	for _, tt := range tests {
		if _, err := jades.Prepare(tt.chain, []byte(`{}`), tt.opts); errs.KindOf(err) != errs.InvalidRequest {
			t.Errorf("%s: err = %v, want invalid_request", tt.name, err)
		}
	}
	// B-T without a time-stamp source fails at Finish, after signing, as
	// an invalid request rather than a panic.
	p, err := jades.Prepare(chain, []byte(`{}`), jades.Options{Timestamp: true, JSON: true, PSS: true})
	if err != nil {
		t.Fatal(err)
	}
	sig, err := rsa.SignPSS(rand.Reader, key, crypto.SHA256, p.Digest(), &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Finish(context.Background(), sig); errs.KindOf(err) != errs.InvalidRequest {
		t.Fatalf("err = %v", err)
	}
}
