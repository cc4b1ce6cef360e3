package ocsp

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
)

// TestOpenSSLRequestFixtures parses requests that openssl ocsp -reqout
// wrote for testdata/ocsp/fixture-leaf.pem and checks the CertID hashes
// against the ones the responder computes for fixture-ca.pem.
func TestOpenSSLRequestFixtures(t *testing.T) {
	caPEM, err := os.ReadFile(filepath.Join("..", "..", "testdata", "ocsp", "fixture-ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(caPEM)
	ca, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	caKey, err := subjectPublicKey(ca.RawSubjectPublicKeyInfo)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		file      string
		hash      certIDHash
		wantNonce bool
	}{
		{"openssl-sha1-nonce.der", certIDHashes[0], true},
		{"openssl-sha256.der", certIDHashes[1], false},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			der, err := os.ReadFile(filepath.Join("..", "..", "testdata", "ocsp", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			req, err := parseRequest(der)
			if err != nil {
				t.Fatalf("parseRequest: %v", err)
			}
			if !req.hashOID.Equal(tc.hash.oid) {
				t.Errorf("hash %v, want %v", req.hashOID, tc.hash.oid)
			}
			if req.serial.Cmp(new(big.Int).SetUint64(0x0123456789abcdef)) != 0 {
				t.Errorf("serial %x", req.serial)
			}
			name, key := tc.hash.hash.New(), tc.hash.hash.New()
			name.Write(ca.RawSubject)
			key.Write(caKey)
			if !bytes.Equal(req.nameHash, name.Sum(nil)) || !bytes.Equal(req.keyHash, key.Sum(nil)) {
				t.Error("our issuer hashes differ from openssl's")
			}
			if (req.nonce != nil) != tc.wantNonce || (req.nonce != nil && nonceLength(req.nonce) != 16) {
				t.Errorf("nonce %x, want present=%v with 16 bytes", req.nonce, tc.wantNonce)
			}
		})
	}
}
