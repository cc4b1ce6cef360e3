package tsa

import (
	"context"
	"crypto"
	"encoding/asn1"
	"math/big"
	"slices"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/oids"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// query describes a TimeStampReq to encode, including malformed ones.
type query struct {
	version    int64
	hashOID    asn1.ObjectIdentifier
	nullParams bool
	digest     []byte
	policy     asn1.ObjectIdentifier
	nonce      *big.Int
	certReq    bool
	critical   bool // add a critical extension
	trailing   bool // add a stray field after certReq
}

func validQuery() query {
	return query{version: 1, hashOID: oids.SHA256, nullParams: true, digest: sum256("x"), nonce: big.NewInt(42), certReq: true}
}

func (q query) encode(t testing.TB) []byte {
	t.Helper()
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(q.version)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			addAlgorithm(b, q.hashOID, q.nullParams)
			b.AddASN1OctetString(q.digest)
		})
		if q.policy != nil {
			b.AddASN1ObjectIdentifier(q.policy)
		}
		if q.nonce != nil {
			b.AddASN1BigInt(q.nonce)
		}
		if q.certReq {
			b.AddASN1Boolean(true)
		}
		if q.critical {
			b.AddASN1(tagContext0, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(asn1.ObjectIdentifier{1, 2, 3, 4})
					b.AddASN1Boolean(true)
					b.AddASN1OctetString([]byte{5, 0})
				})
			})
		}
		if q.trailing {
			b.AddASN1Int64(7)
		}
	})
	der, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestRespondRejects(t *testing.T) {
	p := newTestPKI(t, "P-256")
	tsa := newTestTSA(t, p)
	with := func(f func(*query)) []byte {
		q := validQuery()
		f(&q)
		return q.encode(t)
	}
	cases := []struct {
		name    string
		der     []byte
		failure FailureInfo
		text    string
	}{
		{"empty body", nil, BadDataFormat, "not a DER TimeStampReq"},
		{"not DER", []byte("hello, TSA"), BadDataFormat, "not a DER TimeStampReq"},
		{"trailing garbage", append(validQuery().encode(t), 0), BadDataFormat, "not a DER TimeStampReq"},
		{"version 2", with(func(q *query) { q.version = 2 }), BadDataFormat, "version 2"},
		{"SHA-1", with(func(q *query) { q.hashOID, q.digest = oids.SHA1, make([]byte, 20) }), BadAlg, "SHA-1 is too weak"},
		{"MD5", with(func(q *query) { q.hashOID, q.digest = oids.MD5, make([]byte, 16) }), BadAlg, "MD5 is too weak"},
		{"unknown hash", with(func(q *query) { q.hashOID = asn1.ObjectIdentifier{1, 2, 3} }), BadAlg, "1.2.3 is not supported"},
		{"short digest", with(func(q *query) { q.digest = q.digest[:31] }), BadDataFormat, "31 bytes"},
		{"other policy", with(func(q *query) { q.policy = asn1.ObjectIdentifier{1, 2, 3, 9} }), UnacceptedPolicy, "1.2.3.9 is not offered"},
		{"critical extension", with(func(q *query) { q.critical = true }), UnacceptedExtension, "1.2.3.4"},
		{"stray field", with(func(q *query) { q.trailing = true }), BadDataFormat, "unexpected fields"},
		{"huge nonce", with(func(q *query) { q.nonce = new(big.Int).Lsh(big.NewInt(1), 8*maxNonceBytes) }), BadDataFormat, "nonce is longer"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			der, err := tsa.Respond(context.Background(), "test", tc.der)
			if err != nil {
				t.Fatalf("Respond returned an internal error for bad input: %v", err)
			}
			resp, err := ParseResponse(der)
			if err != nil {
				t.Fatalf("rejection does not parse: %v", err)
			}
			if resp.Status != statusRejection || resp.Token != nil {
				t.Fatalf("status %d token %v, want a rejection without token", resp.Status, resp.Token != nil)
			}
			if !slices.Equal(resp.Failure, []FailureInfo{tc.failure}) {
				t.Errorf("failure %v, want [%v]", resp.Failure, tc.failure)
			}
			if !strings.Contains(resp.Text, tc.text) {
				t.Errorf("statusString %q does not contain %q", resp.Text, tc.text)
			}
		})
	}
}

func TestRespondGrants(t *testing.T) {
	p := newTestPKI(t, "P-256")
	tsa := newTestTSA(t, p)
	cases := []struct {
		name  string
		query query
	}{
		{"NULL params, our policy", func() query { q := validQuery(); q.policy = testPolicy; return q }()},
		{"absent params, no nonce, no certReq", func() query {
			q := validQuery()
			q.nullParams, q.nonce, q.certReq = false, nil, false
			return q
		}()},
		{"negative nonce", func() query { q := validQuery(); q.nonce = big.NewInt(-5); return q }()},
		{"SHA-512", func() query { q := validQuery(); q.hashOID, q.digest = oids.SHA512, sum512("x"); return q }()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			der, err := tsa.Respond(context.Background(), "test", tc.query.encode(t))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := ParseResponse(der)
			if err != nil {
				t.Fatal(err)
			}
			if resp.Status != statusGranted || resp.Token == nil {
				t.Fatalf("status %d (%s), want granted with a token", resp.Status, resp.Text)
			}
			info, err := ParseToken(resp.Token)
			if err != nil {
				t.Fatal(err)
			}
			if !info.HashOID.Equal(tc.query.hashOID) || string(info.Digest) != string(tc.query.digest) {
				t.Errorf("imprint %v %x, want %v %x", info.HashOID, info.Digest, tc.query.hashOID, tc.query.digest)
			}
			if (info.Nonce == nil) != (tc.query.nonce == nil) || (info.Nonce != nil && info.Nonce.Cmp(tc.query.nonce) != 0) {
				t.Errorf("nonce %v, want %v", info.Nonce, tc.query.nonce)
			}
			if !info.Policy.Equal(testPolicy) {
				t.Errorf("policy %v, want %v", info.Policy, testPolicy)
			}
			if want, _ := fixedClock(); !info.GenTime.Equal(want) {
				t.Errorf("genTime %v, want %v", info.GenTime, want)
			}
			if hasCerts := containsCert(resp.Token, p.tsa.Raw); hasCerts != tc.query.certReq {
				t.Errorf("token carries the TSA certificate: %v, certReq was %v", hasCerts, tc.query.certReq)
			}
		})
	}
}

func TestSerialsAreUniqueAndLarge(t *testing.T) {
	p := newTestPKI(t, "P-256")
	tsa := newTestTSA(t, p)
	seen := map[string]bool{}
	maxBits := 0
	for range 200 {
		token, err := tsa.Timestamp(context.Background(), "test", crypto.SHA256, sum256("s"), nil)
		if err != nil {
			t.Fatal(err)
		}
		info, err := ParseToken(token)
		if err != nil {
			t.Fatal(err)
		}
		if info.Serial.Sign() <= 0 {
			t.Fatalf("serial %v is not positive", info.Serial)
		}
		if seen[info.Serial.String()] {
			t.Fatalf("serial %v issued twice", info.Serial)
		}
		seen[info.Serial.String()] = true
		maxBits = max(maxBits, info.Serial.BitLen())
	}
	// 200 draws of 127 random bits all staying under 100 bits would mean
	// the serial is not the random number it should be.
	if maxBits < 100 {
		t.Fatalf("largest serial has %d bits; serials should carry 127 random bits", maxBits)
	}
}

func containsCert(token, cert []byte) bool {
	return strings.Contains(string(token), string(cert))
}
