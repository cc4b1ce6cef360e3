package cms_test

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"slices"
	"testing"

	"github.com/qesproject/qes/internal/cms"
	"github.com/qesproject/qes/internal/oids"
	"github.com/qesproject/qes/internal/testutil/pdfcheck"
	"github.com/qesproject/qes/internal/testutil/testpki"
)

// These tests decode with encoding/asn1 and walk the bytes with
// pdfcheck.StrictDER, both written apart from the encoder under test.

type fixture struct {
	leaf, ca *x509.Certificate
	key      crypto.Signer
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	root := testpki.NewRoot(t, pkix.Name{CommonName: "cms test root"}, testpki.Key(t, testpki.P256))
	key := testpki.Key(t, testpki.P256)
	leaf := root.Issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "cms test signer"}}, key.Public())
	return fixture{leaf: leaf, ca: root.Cert, key: key}
}

// signedData is a CAdES-shaped SignedData over content: signed attributes
// signed by f.key, the chain, one CRL-like value and one OCSP-like value,
// and the given unsigned attributes.
func (f fixture) signedData(t *testing.T, content []byte, attached bool, unsigned ...[]byte) *cms.SignedData {
	t.Helper()
	sum := sha256.Sum256(content)
	ct, _ := cms.ContentTypeAttribute(oids.Data)
	md, _ := cms.MessageDigestAttribute(sum[:])
	ess, err := cms.SigningCertificateV2Attribute(f.leaf)
	if err != nil {
		t.Fatal(err)
	}
	attrs := cms.NewSignedAttributes(ct, md, ess)
	tbs := sha256.Sum256(attrs.ToBeSigned())
	sig, err := f.key.Sign(rand.Reader, tbs[:], crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	sd := &cms.SignedData{ContentType: oids.Data, Signer: f.leaf,
		DigestAlgorithm: pkix.AlgorithmIdentifier{Algorithm: oids.SHA256}, SignedAttrs: attrs,
		SignatureAlgorithm: pkix.AlgorithmIdentifier{Algorithm: oids.ECDSAWithSHA256}, Signature: sig,
		Certificates: [][]byte{f.leaf.Raw, f.ca.Raw},
		// Stand-ins for a CRL and an OCSPResponse: any DER SEQUENCE.
		CRLs: [][]byte{{0x30, 0x03, 0x02, 0x01, 0x07}}, OCSPResponses: [][]byte{{0x30, 0x03, 0x0a, 0x01, 0x00}},
		UnsignedAttrs: unsigned}
	if attached {
		sd.Content = content
	}
	return sd
}

func TestMarshalPartsIsMarshalAndDER(t *testing.T) {
	f := newFixture(t)
	tsAttr, err := cms.Attribute(oids.AttrSignatureTimeStamp, []byte{0x30, 0x00})
	if err != nil {
		t.Fatal(err)
	}
	// Content lengths around every change of DER length form, and large
	// enough that the outer lengths take three and four octets.
	for _, n := range []int{1, 127, 128, 255, 256, 65535, 65536, 1 << 24} {
		for _, attached := range []bool{true, false} {
			content := bytes.Repeat([]byte{0xa5}, n)
			sd := f.signedData(t, content, attached, tsAttr)
			prefix, suffix, err := sd.MarshalParts()
			if err != nil {
				t.Fatal(err)
			}
			whole, err := sd.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			joined := append(append(append([]byte(nil), prefix...), sd.Content...), suffix...)
			if !bytes.Equal(joined, whole) {
				t.Fatalf("n=%d attached=%v: prefix||content||suffix differs from Marshal", n, attached)
			}
			if err := pdfcheck.StrictDER(whole); err != nil {
				t.Fatalf("n=%d attached=%v: %v", n, attached, err)
			}
			var ci struct {
				Type    asn1.ObjectIdentifier
				Content asn1.RawValue `asn1:"explicit,tag:0"`
			}
			if rest, err := asn1.Unmarshal(whole, &ci); err != nil || len(rest) > 0 {
				t.Fatalf("ContentInfo: %v", err)
			}
			var body struct {
				Version    int
				DigestAlgs asn1.RawValue
				Encap      struct {
					Type    asn1.ObjectIdentifier
					Content []byte `asn1:"optional,explicit,tag:0"`
				}
			}
			// encoding/asn1 leaves the SEQUENCE's further elements unread.
			if _, err := asn1.Unmarshal(ci.Content.Bytes, &body); err != nil {
				t.Fatalf("SignedData: %v", err)
			}
			if attached && !bytes.Equal(body.Encap.Content, content) || !attached && body.Encap.Content != nil {
				t.Fatalf("n=%d attached=%v: eContent of %d bytes", n, attached, len(body.Encap.Content))
			}
			if body.Version != 5 {
				t.Fatalf("version %d with OCSP as other revocation info, want 5", body.Version)
			}
		}
	}
}

type atsHashIndexV3 struct {
	Certs [][]byte
	CRLs  [][]byte
	Attrs [][]byte
}

func TestArchiveTimestampV3Index(t *testing.T) {
	f := newFixture(t)
	content := []byte("the signed file")
	sigTS, _ := cms.Attribute(oids.AttrSignatureTimeStamp, []byte{0x30, 0x03, 0x02, 0x01, 0x01})
	other, _ := cms.Attribute(asn1.ObjectIdentifier{1, 2, 3, 4}, []byte{0x04, 0x01, 0x09})
	tests := []struct {
		name string
		h    crypto.Hash
		sum  func([]byte) []byte
		alg  asn1.ObjectIdentifier // nil: hashIndAlgorithm left out (SHA-256 is its DEFAULT)
	}{
		{"SHA-256", crypto.SHA256, func(b []byte) []byte { s := sha256.Sum256(b); return s[:] }, nil},
		{"SHA-384", crypto.SHA384, func(b []byte) []byte { s := sha512.Sum384(b); return s[:] }, oids.SHA384},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sd := f.signedData(t, content, true, sigTS, other)
			contentDigest := tt.sum(content)
			index, imprint, err := sd.ArchiveTimestampV3(tt.h, contentDigest)
			if err != nil {
				t.Fatal(err)
			}
			if err := pdfcheck.StrictDER(index); err != nil {
				t.Fatal(err)
			}
			var got atsHashIndexV3
			if tt.alg == nil {
				if rest, err := asn1.Unmarshal(index, &got); err != nil || len(rest) > 0 {
					t.Fatalf("ATSHashIndexV3 without hashIndAlgorithm: %v", err)
				}
			} else {
				var raw struct {
					Alg                pkix.AlgorithmIdentifier
					Certs, CRLs, Attrs [][]byte
				}
				if rest, err := asn1.Unmarshal(index, &raw); err != nil || len(rest) > 0 {
					t.Fatalf("ATSHashIndexV3 with hashIndAlgorithm: %v", err)
				}
				got = atsHashIndexV3{raw.Certs, raw.CRLs, raw.Attrs}
				if !raw.Alg.Algorithm.Equal(tt.alg) {
					t.Fatalf("hashIndAlgorithm %v, want %v", raw.Alg.Algorithm, tt.alg)
				}
			}

			// What the SignedData holds, read back from its encoding.
			whole, err := sd.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			certs, revs, si := signedDataParts(t, whole)
			hashes := func(items [][]byte) [][]byte {
				var out [][]byte
				for _, it := range items {
					out = append(out, tt.sum(it))
				}
				return out
			}
			if !slices.EqualFunc(got.Certs, hashes(certs), bytes.Equal) || len(certs) != 2 {
				t.Fatalf("certificatesHashIndex does not list the %d certificates in their order", len(certs))
			}
			if !slices.EqualFunc(got.CRLs, hashes(revs), bytes.Equal) || len(revs) != 2 {
				t.Fatalf("crlsHashIndex does not list the %d revocation values (CRL and RFC 5940 OCSP) in their order", len(revs))
			}
			var wantAttrs [][]byte
			for _, a := range si.UnsignedAttrs {
				typ, _ := asn1.Marshal(a.Type)
				vals := a.Values.Bytes
				for len(vals) > 0 {
					var v asn1.RawValue
					rest, err := asn1.Unmarshal(vals, &v)
					if err != nil {
						t.Fatal(err)
					}
					wantAttrs = append(wantAttrs, tt.sum(append(append([]byte(nil), typ...), v.FullBytes...)))
					vals = rest
				}
			}
			if !slices.EqualFunc(got.Attrs, wantAttrs, bytes.Equal) || len(wantAttrs) != 2 {
				t.Fatal("unsignedAttrValuesHashIndex is not hash(attrType || value) of each unsigned attribute value")
			}

			// EN 319 122-1 5.5.3: eContentType, the content's hash, the
			// SignerInfo fields up to the signature, the index.
			h := tt.h.New()
			ctype, _ := asn1.Marshal(oids.Data)
			h.Write(ctype)
			h.Write(contentDigest)
			for _, fld := range []asn1.RawValue{si.Version, si.SID, si.DigestAlgorithm, si.SignedAttrs, si.SignatureAlg, si.Signature} {
				h.Write(fld.FullBytes)
			}
			h.Write(index)
			if !bytes.Equal(imprint, h.Sum(nil)) {
				t.Fatal("the archive time-stamp imprint is not the EN 319 122-1 5.5.3 concatenation")
			}
		})
	}
	t.Run("digest of the wrong length", func(t *testing.T) {
		sd := f.signedData(t, content, false)
		if _, _, err := sd.ArchiveTimestampV3(crypto.SHA256, make([]byte, 20)); err == nil {
			t.Fatal("a 20-byte content digest for SHA-256 was accepted")
		}
	})
}

type rawAttr struct {
	Type   asn1.ObjectIdentifier
	Values asn1.RawValue `asn1:"set"`
}

type rawSignerInfo struct {
	Version, SID, DigestAlgorithm asn1.RawValue
	SignedAttrs                   asn1.RawValue `asn1:"tag:0"`
	SignatureAlg, Signature       asn1.RawValue
	UnsignedAttrs                 []rawAttr `asn1:"optional,tag:1"`
}

// signedDataParts returns the encoded certificates, revocation values and
// the single SignerInfo of a ContentInfo.
func signedDataParts(t *testing.T, der []byte) (certs, revs [][]byte, si rawSignerInfo) {
	t.Helper()
	var ci struct {
		Type    asn1.ObjectIdentifier
		Content asn1.RawValue `asn1:"explicit,tag:0"`
	}
	if _, err := asn1.Unmarshal(der, &ci); err != nil {
		t.Fatal(err)
	}
	var sd struct {
		Version     int
		DigestAlgs  asn1.RawValue
		Encap       asn1.RawValue
		Certs       asn1.RawValue   `asn1:"optional,tag:0"`
		CRLs        asn1.RawValue   `asn1:"optional,tag:1"`
		SignerInfos []rawSignerInfo `asn1:"set"`
	}
	if rest, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil || len(rest) > 0 || len(sd.SignerInfos) != 1 {
		t.Fatalf("SignedData: %v", err)
	}
	split := func(b []byte) [][]byte {
		var out [][]byte
		for len(b) > 0 {
			var v asn1.RawValue
			rest, err := asn1.Unmarshal(b, &v)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, v.FullBytes)
			b = rest
		}
		return out
	}
	return split(sd.Certs.Bytes), split(sd.CRLs.Bytes), sd.SignerInfos[0]
}

func TestAddTimestampUnsignedAttribute(t *testing.T) {
	f := newFixture(t)
	existing, _ := cms.Attribute(asn1.ObjectIdentifier{1, 2, 3, 9}, []byte{0x05, 0x00})
	added, _ := cms.Attribute(oids.AttrATSHashIndexV3, []byte{0x30, 0x06, 0x30, 0x00, 0x30, 0x00, 0x30, 0x00})
	for _, tt := range []struct {
		name     string
		unsigned [][]byte
	}{{"no unsigned attributes yet", nil}, {"one already", [][]byte{existing}}} {
		t.Run(tt.name, func(t *testing.T) {
			token, err := f.signedData(t, []byte("tst"), true, tt.unsigned...).Marshal()
			if err != nil {
				t.Fatal(err)
			}
			out, err := cms.AddTimestampUnsignedAttribute(token, added)
			if err != nil {
				t.Fatal(err)
			}
			if err := pdfcheck.StrictDER(out); err != nil {
				t.Fatal(err)
			}
			c0, r0, s0 := signedDataParts(t, token)
			c1, r1, s1 := signedDataParts(t, out)
			if !slices.EqualFunc(c0, c1, bytes.Equal) || !slices.EqualFunc(r0, r1, bytes.Equal) {
				t.Fatal("certificates or revocation values changed")
			}
			for i, pair := range [][2]asn1.RawValue{{s0.Version, s1.Version}, {s0.SID, s1.SID}, {s0.DigestAlgorithm, s1.DigestAlgorithm},
				{s0.SignedAttrs, s1.SignedAttrs}, {s0.SignatureAlg, s1.SignatureAlg}, {s0.Signature, s1.Signature}} {
				if !bytes.Equal(pair[0].FullBytes, pair[1].FullBytes) {
					t.Fatalf("SignerInfo field %d changed: the TSA's signature would no longer verify", i)
				}
			}
			if len(s1.UnsignedAttrs) != len(tt.unsigned)+1 {
				t.Fatalf("%d unsigned attributes, want %d", len(s1.UnsignedAttrs), len(tt.unsigned)+1)
			}
			found := false
			for _, a := range s1.UnsignedAttrs {
				found = found || a.Type.Equal(oids.AttrATSHashIndexV3)
			}
			if !found {
				t.Fatal("the added attribute is missing")
			}
		})
	}
	if _, err := cms.AddTimestampUnsignedAttribute([]byte{0x30, 0x00}, added); err == nil {
		t.Fatal("an empty SEQUENCE was taken for a token")
	}
}

func TestParseEnveloping(t *testing.T) {
	f := newFixture(t)
	content := []byte("signed file")
	attached, err := f.signedData(t, content, true).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	detached, err := f.signedData(t, content, false).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	// The same ContentInfo with an indefinite outer length, as BER
	// writers make it: the header 30 82 LL LL becomes 30 80, and two zero
	// octets end it.
	ber := append(append([]byte{0x30, 0x80}, attached[4:]...), 0, 0)
	tests := []struct {
		name string
		der  []byte
		ok   bool
	}{
		{"DER with its content", attached, true},
		{"detached", detached, false},
		{"BER indefinite length", ber, false},
		{"trailing bytes", append(append([]byte(nil), attached...), 0), false},
		{"not CMS", content, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := cms.ParseEnveloping(tt.der)
			if (err == nil) != tt.ok {
				t.Fatalf("ParseEnveloping: %v, want ok = %v", err, tt.ok)
			}
			if err != nil {
				return
			}
			if !bytes.Equal(e.Content, content) || len(e.SignerInfos) != 1 || len(e.Certificates) != 2 || len(e.Revocations) != 2 {
				t.Fatalf("read %q, %d signers, %d certificates, %d revocation values", e.Content, len(e.SignerInfos), len(e.Certificates), len(e.Revocations))
			}
			// Content is a slice of the input, not a copy.
			if i := bytes.Index(tt.der, content); i < 0 || &tt.der[i] != &e.Content[0] {
				t.Fatal("the content was copied")
			}
			// A parallel signer keeps every element of the file.
			sd := f.signedData(t, content, true)
			sd.Parallel = e
			both, err := sd.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if err := pdfcheck.StrictDER(both); err != nil {
				t.Fatal(err)
			}
			for _, el := range append(append(e.SignerInfos, e.Certificates...), e.Revocations...) {
				if !bytes.Contains(both, el) {
					t.Fatal("an element of the signed file is not carried unchanged")
				}
			}
			sig, err := e.CountersignTarget()
			if err != nil || !bytes.Contains(e.SignerInfos[0], sig) {
				t.Fatalf("CountersignTarget: %v", err)
			}
		})
	}
}
