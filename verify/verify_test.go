package verify_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/cms"
	"github.com/qesproject/qes/internal/oids"
	"github.com/qesproject/qes/internal/testutil/testpki"
	"github.com/qesproject/qes/verify"
)

// pki is a root, an issuing CA and a holder's certificate and key.
type pki struct {
	root, ca testpki.Issuer
	leaf     *x509.Certificate
	key      crypto.Signer
}

func newPKI(t *testing.T) pki {
	t.Helper()
	root := testpki.NewRoot(t, pkix.Name{CommonName: "Test root"}, testpki.Key(t, testpki.P256))
	ca := root.SubCA(t, pkix.Name{CommonName: "Test issuing CA"}, testpki.Key(t, testpki.P256), true)
	key := testpki.Key(t, testpki.P256)
	leaf := ca.Issue(t, &x509.Certificate{SerialNumber: big.NewInt(4242), Subject: pkix.Name{CommonName: "Mario Rossi", SerialNumber: "TINIT-RSSMRA80A01H501U"},
		KeyUsage: x509.KeyUsageContentCommitment}, key.Public())
	return pki{root: root, ca: ca, leaf: leaf, key: key}
}

func (p pki) roots() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.root.Cert)
	return pool
}

// p7m signs content (attached) at B-B with signing time at, carrying crls.
func (p pki) p7m(t *testing.T, content []byte, at time.Time, crls ...[]byte) []byte {
	t.Helper()
	d := sha256.Sum256(content)
	var attrs [][]byte
	for _, mk := range []func() ([]byte, error){
		func() ([]byte, error) { return cms.ContentTypeAttribute(oids.Data) },
		func() ([]byte, error) { return cms.MessageDigestAttribute(d[:]) },
		func() ([]byte, error) { return cms.SigningTimeAttribute(at) },
		func() ([]byte, error) { return cms.SigningCertificateV2Attribute(p.leaf) },
	} {
		a, err := mk()
		if err != nil {
			t.Fatal(err)
		}
		attrs = append(attrs, a)
	}
	signed := cms.NewSignedAttributes(attrs...)
	h := sha256.Sum256(signed.ToBeSigned())
	sig, err := p.key.Sign(rand.Reader, h[:], crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	sd := &cms.SignedData{ContentType: oids.Data, Content: content, Signer: p.leaf,
		DigestAlgorithm: pkix.AlgorithmIdentifier{Algorithm: oids.SHA256}, SignedAttrs: signed,
		SignatureAlgorithm: pkix.AlgorithmIdentifier{Algorithm: oids.ECDSAWithSHA256}, Signature: sig,
		Certificates: [][]byte{p.leaf.Raw, p.ca.Cert.Raw}, CRLs: crls}
	der, err := sd.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// crl is the issuing CA's CRL revoking the leaf at revokedAt (none when zero).
func (p pki) crl(t *testing.T, revokedAt time.Time) []byte { return p.crlFor(t, revokedAt, 0) }

// crlFor is crl with the entry's reason code (6: certificateHold).
func (p pki) crlFor(t *testing.T, revokedAt time.Time, reason int) []byte {
	t.Helper()
	tmpl := &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: time.Now().Add(-time.Minute), NextUpdate: time.Now().Add(time.Hour)}
	if !revokedAt.IsZero() {
		tmpl.RevokedCertificateEntries = []x509.RevocationListEntry{{SerialNumber: p.leaf.SerialNumber, RevocationTime: revokedAt, ReasonCode: reason}}
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, p.ca.Cert, p.ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// TestVerifyStatusAtSigningTime: the embedded CRL decides the status at
// the signing time (a revocation after it leaves the signature good);
// without embedded values the register port answers; with neither the
// status is not checked.
func TestVerifyStatusAtSigningTime(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	content := []byte("Contratto\n")
	signedAt := time.Now().Add(-10 * time.Minute).Truncate(time.Second)
	register := func(st verify.CertStatus) verify.StatusSource {
		return func(_ context.Context, cert *x509.Certificate, _ time.Time) (verify.CertStatus, bool, error) {
			return st, cert.SerialNumber.Cmp(p.leaf.SerialNumber) == 0, nil
		}
	}
	tests := []struct {
		name       string
		crls       [][]byte
		status     verify.StatusSource
		valid      bool
		wantStatus string
		wantSource string
	}{
		{"embedded CRL without the certificate", [][]byte{p.crl(t, time.Time{})}, nil, true, verify.StatusGood, "embedded CRL"},
		{"embedded CRL revoking it later", [][]byte{p.crl(t, signedAt.Add(time.Minute))}, nil, true, verify.StatusGood, "embedded CRL"},
		{"embedded CRL revoking it before", [][]byte{p.crl(t, signedAt.Add(-time.Minute))}, nil, false, verify.StatusRevoked, "embedded CRL"},
		{"embedded CRL: on hold before", [][]byte{p.crlFor(t, signedAt.Add(-time.Minute), 6)}, nil, false, verify.StatusSuspended, "embedded CRL"},
		{"embedded CRL: on hold after", [][]byte{p.crlFor(t, signedAt.Add(time.Minute), 6)}, nil, true, verify.StatusGood, "embedded CRL"},
		{"embedded CRL wins over the register", [][]byte{p.crl(t, time.Time{})}, register(verify.CertStatus{Status: verify.StatusRevoked, Source: "register"}), true, verify.StatusGood, "embedded CRL"},
		{"register says good", nil, register(verify.CertStatus{Status: verify.StatusGood, Source: "register"}), true, verify.StatusGood, "register"},
		{"register says revoked", nil, register(verify.CertStatus{Status: verify.StatusRevoked, Source: "register", RevokedAt: signedAt}), false, verify.StatusRevoked, "register"},
		{"nothing to ask", nil, nil, true, verify.StatusNotChecked, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := verify.Verify(context.Background(), p.p7m(t, content, signedAt, tt.crls...), nil,
				verify.Options{Roots: p.roots(), Status: tt.status})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Valid != tt.valid || len(rep.Signers) != 1 {
				t.Fatalf("valid %v, want %v: %+v", rep.Valid, tt.valid, rep)
			}
			s := rep.Signers[0]
			if s.Status.Status != tt.wantStatus || s.Status.Source != tt.wantSource {
				t.Fatalf("status %+v, want %s from %q", s.Status, tt.wantStatus, tt.wantSource)
			}
			if s.TaxCode != "TINIT-RSSMRA80A01H501U" || s.CommonName != "Mario Rossi" || !s.SigningTime.Equal(signedAt) || s.Chain != "trusted" {
				t.Fatalf("signer %+v", s)
			}
			if tt.valid != bytes.Equal(rep.Content, content) {
				t.Fatalf("content %q given for a report valid=%v", rep.Content, rep.Valid)
			}
			// A CRL in the file is revocation values: B-LT needs a
			// time-stamp first, so B-B stays B-B.
			if tt.valid && s.Level != "B-B" {
				t.Fatalf("level %q", s.Level)
			}
		})
	}
}

// TestVerifyBounds: input errors for what is not a DER SignedData, too
// large or too deeply nested; a nested .p7m within the bound is unwrapped.
func TestVerifyBounds(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	at := time.Now().Add(-time.Minute)
	content := []byte("Delibera\n")
	one := p.p7m(t, content, at)
	nest := func(n int) []byte {
		der := content
		for range n {
			der = p.p7m(t, der, at)
		}
		return der
	}
	ber := append(append([]byte{0x30, 0x80}, one[2+lenOfLen(one):]...), 0, 0)
	tests := []struct {
		name     string
		signed   []byte
		detached []byte
		want     error
	}{
		{"empty", nil, nil, verify.ErrNotCMS},
		{"garbage", []byte("not a signature"), nil, verify.ErrNotCMS},
		{"empty SEQUENCE", []byte{0x30, 0x00}, nil, verify.ErrNotCMS},
		{"BER without its end-of-contents", ber[:len(ber)-2], nil, verify.ErrNotCMS},
		{"truncated", one[:len(one)/2], nil, verify.ErrNotCMS},
		{"trailing bytes", append(bytes.Clone(one), 0), nil, verify.ErrNotCMS},
		{"too large", make([]byte, verify.MaxInput+1), nil, verify.ErrTooLarge},
		{"too large with the content", one, make([]byte, verify.MaxInput), verify.ErrTooLarge},
		{"nested too deep", nest(verify.MaxDepth + 1), nil, verify.ErrTooDeep},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := verify.Verify(context.Background(), tt.signed, tt.detached, verify.Options{})
			if !errors.Is(err, tt.want) || rep != nil {
				t.Fatalf("err %v, report %v; want %v", err, rep, tt.want)
			}
		})
	}
	// The same file in BER (an indefinite length) is read as DER and says so.
	rep, err := verify.Verify(context.Background(), ber, nil, verify.Options{Roots: p.roots()})
	if err != nil || !rep.Valid || !rep.BER || !slices.Contains(rep.Notes, verify.NoteBER) || !bytes.Equal(rep.Content, content) {
		t.Fatalf("BER: %v %+v", err, rep)
	}
	if rep, err := verify.Verify(context.Background(), one, nil, verify.Options{Roots: p.roots()}); err != nil || rep.BER || len(rep.Notes) != 0 {
		t.Fatalf("DER taken for BER: %v %+v", err, rep)
	}
	rep, err = verify.Verify(context.Background(), nest(verify.MaxDepth), nil, verify.Options{Roots: p.roots()})
	if err != nil || !rep.Valid || len(rep.Signers) != verify.MaxDepth || !bytes.Equal(rep.Content, content) || rep.Signers[verify.MaxDepth-1].Layer != verify.MaxDepth {
		t.Fatalf("nested %d deep: %v %+v", verify.MaxDepth, err, rep)
	}
}

// TestVerifyTamperedNotExtracted: a changed byte of the content makes the
// report invalid, says which check failed, and gives no content.
func TestVerifyTamperedNotExtracted(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	content := []byte("Importo: 1000 euro\n")
	der := p.p7m(t, content, time.Now().Add(-time.Minute))
	i := bytes.Index(der, []byte("1000"))
	der[i] = '9'
	rep, err := verify.Verify(context.Background(), der, nil, verify.Options{Roots: p.roots()})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Valid || rep.Content != nil || rep.Signers[0].ContentIntact || !strings.Contains(rep.Signers[0].Problem, "changed after signing") {
		t.Fatalf("%+v", rep)
	}
}

// lenOfLen is how many length octets follow a DER header's first length
// byte.
func lenOfLen(der []byte) int {
	if der[1] < 0x80 {
		return 0
	}
	return int(der[1] & 0x7f)
}

// FuzzVerify: no input panics, and an input error and a report never come
// together.
func FuzzVerify(f *testing.F) {
	f.Add([]byte{0x30, 0x00})
	f.Add([]byte{0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02, 0, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		rep, err := verify.Verify(context.Background(), in, nil, verify.Options{Now: time.Unix(0, 0)})
		if (err == nil) == (rep == nil) {
			t.Fatalf("err %v and report %v", err, rep)
		}
	})
}
