package cms

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/oids"
)

func selfSigned(t testing.TB) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "cms test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

func tstInfo(t testing.TB, digest []byte, genTime string, nonce int64) []byte {
	t.Helper()
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(1)
		b.AddASN1ObjectIdentifier(asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 55555, 1, 2})
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oids.SHA256) })
			b.AddASN1OctetString(digest)
		})
		b.AddASN1Int64(99)
		b.AddASN1(cbasn1.GeneralizedTime, func(b *cryptobyte.Builder) { b.AddBytes([]byte(genTime)) })
		if nonce != 0 {
			b.AddASN1Int64(nonce)
		}
	})
	der, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// signed builds a SignedData as tsa and pades do: attributes, signature
// over their SET OF encoding, then the envelope.
func signed(t testing.TB, cert *x509.Certificate, key crypto.Signer, contentType asn1.ObjectIdentifier, content []byte, ocsps [][]byte) []byte {
	t.Helper()
	sum := sha256.Sum256(content)
	ct, err := ContentTypeAttribute(contentType)
	if err != nil {
		t.Fatal(err)
	}
	md, err := MessageDigestAttribute(sum[:])
	if err != nil {
		t.Fatal(err)
	}
	ess, err := SigningCertificateV2Attribute(cert)
	if err != nil {
		t.Fatal(err)
	}
	attrs := NewSignedAttributes(ess, md, ct)
	tbs := sha256.Sum256(attrs.ToBeSigned())
	sig, err := key.Sign(rand.Reader, tbs[:], crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	sd := SignedData{ContentType: contentType, Content: content, Signer: cert,
		DigestAlgorithm: pkix.AlgorithmIdentifier{Algorithm: oids.SHA256}, SignedAttrs: attrs,
		SignatureAlgorithm: pkix.AlgorithmIdentifier{Algorithm: oids.ECDSAWithSHA256}, Signature: sig,
		Certificates: [][]byte{cert.Raw, cert.Raw}, OCSPResponses: ocsps}
	der, err := sd.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestSignedDataVersionAndLayout(t *testing.T) {
	cert, key := selfSigned(t)
	for _, tc := range []struct {
		name        string
		contentType asn1.ObjectIdentifier
		content     []byte
		ocsps       [][]byte
		version     int
	}{
		{"detached id-data", oids.Data, nil, nil, 1},
		{"encapsulated TSTInfo", oids.TSTInfo, []byte{0x30, 0x00}, nil, 3},
		{"with OCSP revocation info", oids.Data, nil, [][]byte{{0x30, 0x00}}, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			der := signed(t, cert, key, tc.contentType, tc.content, tc.ocsps)
			var ci struct {
				ContentType asn1.ObjectIdentifier
				Content     asn1.RawValue `asn1:"explicit,tag:0"`
			}
			if rest, err := asn1.Unmarshal(der, &ci); err != nil || len(rest) != 0 || !ci.ContentType.Equal(oids.SignedData) {
				t.Fatalf("ContentInfo: %v, rest %d, type %v", err, len(rest), ci.ContentType)
			}
			var sd struct {
				Version    int
				Digests    asn1.RawValue
				Encap      asn1.RawValue
				Certs      asn1.RawValue `asn1:"optional,tag:0"`
				CRLs       asn1.RawValue `asn1:"optional,tag:1"`
				SignerInfo asn1.RawValue `asn1:"set"`
			}
			if _, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil {
				t.Fatalf("SignedData: %v", err)
			}
			if sd.Version != tc.version {
				t.Errorf("version %d, want %d", sd.Version, tc.version)
			}
			if len(sd.Certs.Bytes) != len(cert.Raw) {
				t.Errorf("certificates hold %d bytes, want the one certificate once (%d)", len(sd.Certs.Bytes), len(cert.Raw))
			}
			if (len(tc.ocsps) > 0) != (len(sd.CRLs.Bytes) > 0) {
				t.Errorf("revocation info present %v, want %v", len(sd.CRLs.Bytes) > 0, len(tc.ocsps) > 0)
			}
		})
	}
}

func TestParseTimestampToken(t *testing.T) {
	cert, key := selfSigned(t)
	digest := sha256.Sum256([]byte("document"))
	for _, tc := range []struct {
		name    string
		der     []byte
		wantErr bool
		nonce   int64
		genTime time.Time
	}{
		{"token with nonce and fraction", signed(t, cert, key, oids.TSTInfo, tstInfo(t, digest[:], "20260102030405.25Z", 42), nil), false, 42,
			time.Date(2026, 1, 2, 3, 4, 5, 250e6, time.UTC)},
		{"token without nonce", signed(t, cert, key, oids.TSTInfo, tstInfo(t, digest[:], "20260102030405Z", 0), nil), false, 0,
			time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		{"id-data is not a token", signed(t, cert, key, oids.Data, tstInfo(t, digest[:], "20260102030405Z", 0), nil), true, 0, time.Time{}},
		{"TSTInfo is garbage", signed(t, cert, key, oids.TSTInfo, []byte{0x30, 0x00}, nil), true, 0, time.Time{}},
		{"trailing bytes", append(signed(t, cert, key, oids.TSTInfo, tstInfo(t, digest[:], "20260102030405Z", 0), nil), 0), true, 0, time.Time{}},
		{"empty", nil, true, 0, time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := ParseTimestampToken(tc.der)
			if tc.wantErr {
				if err == nil || !errs.Is(err, errs.InvalidRequest) {
					t.Fatalf("err = %v, want an InvalidRequest error", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tok.Info.Hash != crypto.SHA256 || string(tok.Info.Digest) != string(digest[:]) || !tok.Info.GenTime.Equal(tc.genTime) || tok.Info.Serial.Int64() != 99 {
				t.Errorf("info %+v", tok.Info)
			}
			if (tc.nonce == 0) != (tok.Info.Nonce == nil) || (tok.Info.Nonce != nil && tok.Info.Nonce.Int64() != tc.nonce) {
				t.Errorf("nonce %v, want %d", tok.Info.Nonce, tc.nonce)
			}
			if len(tok.Certificates) != 1 || !tok.Certificates[0].Equal(cert) {
				t.Errorf("certificates %d", len(tok.Certificates))
			}
		})
	}
}

func FuzzParseTimestampToken(f *testing.F) {
	cert, key := selfSigned(f)
	digest := sha256.Sum256([]byte("document"))
	f.Add(signed(f, cert, key, oids.TSTInfo, tstInfo(f, digest[:], "20260102030405Z", 1), nil))
	f.Add([]byte{0x30, 0x03, 0x06, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, der []byte) {
		if _, err := ParseTimestampToken(der); err != nil && !errs.Is(err, errs.InvalidRequest) {
			t.Fatalf("error of kind %v: %v", errs.KindOf(err), err)
		}
	})
}
