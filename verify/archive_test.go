package verify_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"log/slog"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/qesproject/qes/internal/oids"
	"github.com/qesproject/qes/internal/testutil/testpki"
	"github.com/qesproject/qes/internal/testutil/validator"
	"github.com/qesproject/qes/pades"
	"github.com/qesproject/qes/tsa"
	"github.com/qesproject/qes/verify"
)

// ltaPKI is newPKI's hierarchy plus a TSA (qes's own, package tsa) and a
// CRL for every certificate, so that pades writes a real B-LTA.
type ltaPKI struct {
	pki
	tsaCert *x509.Certificate
	tsa     *tsa.TSA
}

func newLTAPKI(t *testing.T) ltaPKI {
	t.Helper()
	p := newPKI(t)
	key := testpki.Key(t, testpki.P256)
	cert := p.ca.Issue(t, &x509.Certificate{SerialNumber: big.NewInt(77), Subject: pkix.Name{CommonName: "Test TSA"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtraExtensions: []pkix.Extension{testpki.TimeStamping(t)}}, key.Public())
	ts, err := tsa.New(tsa.Config{Signer: key, Certificate: cert, Chain: []*x509.Certificate{p.ca.Cert},
		Policy: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1}, Clock: tsa.UncheckedClock{}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return ltaPKI{pki: p, tsaCert: cert, tsa: ts}
}

func (l ltaPKI) Timestamp(ctx context.Context, h crypto.Hash, digest []byte) ([]byte, error) {
	return l.tsa.Timestamp(ctx, "test", h, digest, nil)
}

func (l ltaPKI) OCSP(context.Context, *x509.Certificate, *x509.Certificate) ([]byte, error) {
	return nil, nil
}

// CRL is an empty CRL of issuer (the root's or the issuing CA's).
func (l ltaPKI) CRL(_ context.Context, _, issuer *x509.Certificate) ([]byte, error) {
	key := l.root.Key
	if issuer.Equal(l.ca.Cert) {
		key = l.ca.Key
	}
	return x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1),
		ThisUpdate: time.Now().Add(-time.Minute), NextUpdate: time.Now().Add(time.Hour)}, issuer, key)
}

// sign makes qes's own CAdES B-LTA over content, attached or detached.
func (l ltaPKI) sign(t *testing.T, content []byte, attached bool) []byte {
	t.Helper()
	ctx := context.Background()
	prep, err := pades.PrepareCAdESContent(ctx, []*x509.Certificate{l.leaf, l.ca.Cert, l.root.Cert}, content, attached,
		pades.CAdESOptions{Level: pades.LevelBLTA, Timestamper: l, Revocation: l})
	if err != nil {
		t.Fatal(err)
	}
	sig, err := l.key.Sign(rand.Reader, prep.Digest(), crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	der, _, err := prep.Finish(ctx, sig)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// flipInTimestamp flips the last byte of the signature time-stamp token
// (the end of the TSA's signature value): the unsigned attribute stays
// well formed, but it is no longer the value the archive time-stamp's
// hash index lists.
func flipInTimestamp(t *testing.T, der []byte) []byte {
	t.Helper()
	oid, _ := asn1.Marshal(oids.AttrSignatureTimeStamp)
	i := bytes.Index(der, oid)
	if i < 0 || bytes.Index(der[i+1:], oid) >= 0 {
		t.Fatal("want exactly one signature-time-stamp attribute")
	}
	s := cryptobyte.String(der[i+len(oid):])
	var set cryptobyte.String
	if !s.ReadASN1(&set, cbasn1.SET) {
		t.Fatal("signature-time-stamp value")
	}
	end := i + len(oid) + (len(der[i+len(oid):]) - len(s))
	out := bytes.Clone(der)
	out[end-1] ^= 0x01
	return out
}

// TestVerifyArchiveTimestamp: qes's own B-LTA (attached and detached)
// reaches B-LTA with the archive time-stamp's time; a byte changed in an
// unsigned attribute the hash index lists, or in the content, is an
// imprint mismatch and the level is not reached.
func TestVerifyArchiveTimestamp(t *testing.T) {
	t.Parallel()
	l := newLTAPKI(t)
	content := []byte("Atto notarile: compravendita\n")
	attached := l.sign(t, content, true)
	detached := l.sign(t, content, false)
	changed := bytes.Clone(attached)
	i := bytes.Index(changed, []byte("compravendita"))
	changed[i] = 'C'
	tests := []struct {
		name             string
		signed, detached []byte
		want             string
	}{
		{"attached", attached, nil, verify.ArchiveValid},
		{"detached", detached, content, verify.ArchiveValid},
		{"attached, unsigned attribute changed", flipInTimestamp(t, attached), nil, verify.ArchiveImprintMismatch},
		{"detached, unsigned attribute changed", flipInTimestamp(t, detached), content, verify.ArchiveImprintMismatch},
		{"attached, content changed", changed, nil, verify.ArchiveImprintMismatch},
		{"detached, other content", detached, []byte("Atto notarile: Compravendita\n"), verify.ArchiveImprintMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := verify.Verify(context.Background(), tt.signed, tt.detached, verify.Options{Roots: l.roots()})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Signers) != 1 {
				t.Fatalf("%+v", rep)
			}
			s := rep.Signers[0]
			if s.ArchiveTimeStampStatus != tt.want {
				t.Fatalf("archive time-stamp %q, want %q: %+v\n%v", s.ArchiveTimeStampStatus, tt.want, s, rep.Lines)
			}
			valid := tt.want == verify.ArchiveValid
			if rep.Valid != valid || (s.Level == "B-LTA") != valid || s.ArchiveTimeStamp.IsZero() == valid {
				t.Fatalf("valid %v, level %q, archive time %v: %+v", rep.Valid, s.Level, s.ArchiveTimeStamp, rep)
			}
			if valid && (s.ArchiveTimeStamp.Before(s.TimeStamp) || s.Status.Status != verify.StatusGood || s.Chain != "trusted") {
				t.Fatalf("%+v", s)
			}
		})
	}
}

// TestArchiveImprintOpenSSL checks the imprint against an outside result:
// the concatenation EN 319 122-1 5.5.3 names is cut out of qes's B-LTA
// with encoding/asn1 (neither verify's reader nor internal/cms), hashed by
// openssl dgst, and openssl ts -verify must accept the archive time-stamp
// token with that digest, and refuse it with the digest of another content.
func TestArchiveImprintOpenSSL(t *testing.T) {
	t.Parallel()
	openssl := validator.Need(t, "openssl")
	l := newLTAPKI(t)
	content := []byte("Fattura 2026/17\n")
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	run := func(args ...string) (string, error) {
		out, err := exec.Command(openssl, args...).CombinedOutput()
		return string(out), err
	}
	for _, attached := range []bool{true, false} {
		der := l.sign(t, content, attached)
		rep, err := verify.Verify(context.Background(), der, map[bool][]byte{true: nil, false: content}[attached], verify.Options{Roots: l.roots()})
		if err != nil || !rep.Valid || rep.Signers[0].ArchiveTimeStampStatus != verify.ArchiveValid {
			t.Fatalf("verify: %v %+v", err, rep)
		}
		pieces, token := atsPieces(t, der)
		for _, tt := range []struct {
			content []byte
			ok      bool
		}{{content, true}, {[]byte("Fattura 2026/18\n"), false}} {
			cd, err := run("dgst", "-sha256", "-binary", write("content", tt.content))
			if err != nil {
				t.Fatal(cd)
			}
			concat := append(append(append([]byte(nil), pieces[0]...), cd...), pieces[1]...)
			sum, err := run("dgst", "-sha256", "-r", write("concat", concat))
			if err != nil {
				t.Fatal(sum)
			}
			digest := strings.Fields(sum)[0]
			if _, err := hex.DecodeString(digest); err != nil || len(digest) != 64 {
				t.Fatalf("openssl dgst: %q", sum)
			}
			out, err := run("ts", "-verify", "-digest", digest, "-token_in", "-in", write("ats.der", token),
				"-CAfile", write("root.pem", testpki.PEM(l.root.Cert)), "-untrusted", write("chain.pem", testpki.PEM(l.tsaCert, l.ca.Cert)))
			if ok := err == nil && strings.Contains(out, "Verification: OK"); ok != tt.ok {
				t.Fatalf("attached %v, content %q: openssl ts -verify ok=%v, want %v: %s", attached, tt.content, ok, tt.ok, out)
			}
		}
	}
}

// atsPieces cuts out of a one-signer CMS with an archive-time-stamp-v3,
// with encoding/asn1, the imprint's input around the content digest:
// eContentType, then the SignerInfo fields and the token's ATSHashIndexV3;
// and the archive time-stamp token.
func atsPieces(t *testing.T, der []byte) ([2][]byte, []byte) {
	t.Helper()
	type attr struct {
		Type   asn1.ObjectIdentifier
		Values asn1.RawValue `asn1:"set"`
	}
	type signerInfo struct {
		Version, SID, DigestAlgorithm asn1.RawValue
		SignedAttrs                   asn1.RawValue `asn1:"optional,tag:0"`
		SignatureAlg, Signature       asn1.RawValue
		UnsignedAttrs                 []attr `asn1:"optional,tag:1"`
	}
	type signedData struct {
		Version          int
		DigestAlgorithms asn1.RawValue
		Encap            struct {
			ContentType asn1.RawValue
			Content     asn1.RawValue `asn1:"optional,explicit,tag:0"`
		}
		Certificates asn1.RawValue `asn1:"optional,tag:0"`
		CRLs         asn1.RawValue `asn1:"optional,tag:1"`
		SignerInfos  []signerInfo  `asn1:"set"`
	}
	parse := func(der []byte) signedData {
		var ci struct {
			Type    asn1.ObjectIdentifier
			Content asn1.RawValue `asn1:"explicit,tag:0"`
		}
		var sd signedData
		if _, err := asn1.Unmarshal(der, &ci); err != nil {
			t.Fatal(err)
		}
		if _, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil || len(sd.SignerInfos) != 1 {
			t.Fatalf("SignedData: %v", err)
		}
		return sd
	}
	value := func(si signerInfo, id asn1.ObjectIdentifier) []byte {
		for _, a := range si.UnsignedAttrs {
			if a.Type.Equal(id) {
				return a.Values.Bytes
			}
		}
		t.Fatalf("no unsigned attribute %v", id)
		return nil
	}
	sd := parse(der)
	si := sd.SignerInfos[0]
	token := value(si, oids.AttrArchiveTimeStampV3)
	index := value(parse(token).SignerInfos[0], oids.AttrATSHashIndexV3)
	var fields []byte
	for _, f := range []asn1.RawValue{si.Version, si.SID, si.DigestAlgorithm, si.SignedAttrs, si.SignatureAlg, si.Signature} {
		fields = append(fields, f.FullBytes...)
	}
	return [2][]byte{sd.Encap.ContentType.FullBytes, append(fields, index...)}, token
}
