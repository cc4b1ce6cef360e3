package oids

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/asn1"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want asn1.ObjectIdentifier // nil: refused
	}{
		{"1.3.6.1.4.1.99999.1.1", asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1, 1}},
		{"2.999", asn1.ObjectIdentifier{2, 999}},
		{"0.39", asn1.ObjectIdentifier{0, 39}},
		{"2.5.4.97", AttrOrganizationIdentifier},
		{"1.2.2147483647", asn1.ObjectIdentifier{1, 2, 2147483647}},
		{"", nil},
		{"1", nil},
		{"1.02", nil},
		{"1.+2", nil},
		{"1.-2", nil},
		{"1..2", nil},
		{"1.2.", nil},
		{"3.1", nil},
		{"1.40", nil},
		{"0.40", nil},
		{"1.2.2147483648", nil},
		{"1.2.99999999999999999999999", nil},
		{" 1.2", nil},
	} {
		got, err := Parse(tc.in)
		if tc.want == nil {
			if err == nil {
				t.Errorf("Parse(%q) = %v, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("Parse(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"1.3.6.1.4.1.99999.1.1", "2.999", "1.02", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := Parse(s)
		if err != nil {
			return
		}
		if id.String() != s {
			t.Fatalf("round trip %q -> %q", s, id.String())
		}
		if _, err := asn1.Marshal(id); err != nil {
			t.Fatalf("accepted OID %q does not encode: %v", s, err)
		}
	})
}

func TestHashRoundTrip(t *testing.T) {
	for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512} {
		id, ok := ForHash(h)
		if !ok {
			t.Fatalf("ForHash(%v) refused", h)
		}
		if back, ok := HashOf(id); !ok || back != h {
			t.Errorf("HashOf(%v) = %v, %v; want %v", id, back, ok, h)
		}
	}
	for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA224, crypto.MD5, 0} {
		if _, ok := ForHash(h); ok {
			t.Errorf("ForHash(%v) accepted a hash qes refuses", h)
		}
	}
	for _, id := range []asn1.ObjectIdentifier{SHA1, SHA224, MD5, nil} {
		if _, ok := HashOf(id); ok {
			t.Errorf("HashOf(%v) accepted a hash qes refuses", id)
		}
	}
}

func TestSignatureFor(t *testing.T) {
	ec := func(c elliptic.Curve) crypto.PublicKey {
		k, err := ecdsa.GenerateKey(c, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k.Public()
	}
	rsaKey := func(bits int) crypto.PublicKey {
		k, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			t.Fatal(err)
		}
		return k.Public()
	}
	for _, tc := range []struct {
		name string
		pub  crypto.PublicKey
		hash crypto.Hash
		oid  asn1.ObjectIdentifier
		rsa  bool
	}{
		{"P-256", ec(elliptic.P256()), crypto.SHA256, ECDSAWithSHA256, false},
		{"P-384", ec(elliptic.P384()), crypto.SHA384, ECDSAWithSHA384, false},
		{"P-521", ec(elliptic.P521()), crypto.SHA512, ECDSAWithSHA512, false},
		{"RSA-2048", rsaKey(2048), crypto.SHA256, SHA256WithRSA, true},
		{"P-224", ec(elliptic.P224()), 0, nil, false},
		{"RSA-1024", rsaKey(1024), 0, nil, false},
		{"nil", nil, 0, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := SignatureFor(tc.pub)
			if tc.oid == nil {
				if err == nil {
					t.Fatalf("SignatureFor accepted %s", tc.name)
				}
				return
			}
			if err != nil || got.Hash != tc.hash || !got.OID.Equal(tc.oid) || got.RSA != tc.rsa {
				t.Fatalf("SignatureFor = %+v, %v", got, err)
			}
		})
	}
}
