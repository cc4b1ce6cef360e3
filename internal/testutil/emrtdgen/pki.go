// Package emrtdgen builds, for tests, what an identity document and its
// issuing state's PKI produce: CSCAs (RSA-PSS, brainpool with explicit
// domain parameters, NIST named curves), link certificates, Document
// Signers, CSCA CRLs, EF.SOD-style CMS SignedData, CSCA master lists and
// Active Authentication chip keys; dg.go and chip.go add the data groups
// and a whole chip reading.
//
// Everything is DER written by hand (cryptobyte), because crypto/x509
// cannot write brainpool or explicit-parameter keys. The keys are test
// keys: the EC and RSA private-key arithmetic here is NOT constant time,
// and RSA keys are reused per size within a test binary because their
// generation dominates. The builders panic on a programming error (an
// unsupported hash), never on input a test controls.
package emrtdgen

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"sort"
	"sync"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/qesproject/qes/emrtd/ec"
	"github.com/qesproject/qes/emrtd/pki"
)

// Key is a signing key of the generated PKI and how it signs.
type Key struct {
	RSA *rsa.PrivateKey
	EC  *ec.PrivateKey
	// Explicit writes the EC key's SPKI with explicit domain parameters
	// (as several real CSCAs and DSCs do) instead of the curve's OID.
	Explicit bool
	// PSS signs with RSASSA-PSS (MGF1 with the same hash, salt as long as
	// the hash) instead of PKCS#1 v1.5.
	PSS bool
	// Hash is the digest of the key's signatures.
	Hash crypto.Hash
}

var rsaKeys sync.Map // bits -> *rsa.PrivateKey

func rsaKey(bits int) *rsa.PrivateKey {
	if k, ok := rsaKeys.Load(bits); ok {
		return k.(*rsa.PrivateKey)
	}
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		panic(err)
	}
	actual, _ := rsaKeys.LoadOrStore(bits, k)
	return actual.(*rsa.PrivateKey)
}

// NewRSAKey is the binary's RSA key of this size, signing with PKCS#1 v1.5
// or, when pss, RSASSA-PSS, with hash h.
func NewRSAKey(bits int, pss bool, h crypto.Hash) *Key {
	return &Key{RSA: rsaKey(bits), PSS: pss, Hash: h}
}

// NewECKey is a fresh key on c signing ECDSA with hash h; explicit writes
// its SPKI with explicit domain parameters.
func NewECKey(c *ec.Curve, explicit bool, h crypto.Hash) *Key {
	k, err := ec.GenerateKey(c, rand.Reader)
	if err != nil {
		panic(err)
	}
	return &Key{EC: k, Explicit: explicit, Hash: h}
}

// Public is the key as emrtd/pki holds it.
func (k *Key) Public() pki.PublicKey {
	if k.RSA != nil {
		return &k.RSA.PublicKey
	}
	return &k.EC.PublicKey
}

// SPKI is the key's SubjectPublicKeyInfo.
func (k *Key) SPKI() []byte {
	if k.RSA != nil {
		return rsaSPKI(&k.RSA.PublicKey)
	}
	return ecSPKI(&k.EC.PublicKey, k.Explicit)
}

func rsaSPKI(pub *rsa.PublicKey) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(pki.OIDRSAEncryption)
			b.AddASN1NULL()
		})
		b.AddASN1BitString(must(asn1.Marshal(struct {
			N *big.Int
			E int
		}{pub.N, pub.E})))
	})
	return b.BytesOrPanic()
}

// ECParameters is the DER of c's domain parameters: its OID, or when
// explicit a SpecifiedECDomain (SEC 1 C.2, version 1, prime field).
func ECParameters(c *ec.Curve, explicit bool) []byte {
	var b cryptobyte.Builder
	if !explicit {
		b.AddASN1ObjectIdentifier(c.OID)
		return b.BytesOrPanic()
	}
	size := c.ByteSize()
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(1)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(asn1.ObjectIdentifier{1, 2, 840, 10045, 1, 1})
			b.AddASN1BigInt(c.P)
		})
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1OctetString(c.A.FillBytes(make([]byte, size)))
			b.AddASN1OctetString(c.B.FillBytes(make([]byte, size)))
		})
		b.AddASN1OctetString(ec.Marshal(c, c.Gx, c.Gy))
		b.AddASN1BigInt(c.N)
		b.AddASN1Int64(int64(c.H))
	})
	return b.BytesOrPanic()
}

func ecSPKI(pub *ec.PublicKey, explicit bool) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(pki.OIDECPublicKey)
			b.AddBytes(ECParameters(pub.Curve, explicit))
		})
		b.AddASN1BitString(pub.Bytes())
	})
	return b.BytesOrPanic()
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func hashOID(h crypto.Hash) asn1.ObjectIdentifier {
	oid, ok := pki.HashOID(h)
	if !ok {
		panic(fmt.Sprintf("emrtdgen: no OID for %v", h))
	}
	return oid
}

var rsaPKCS1OIDs = map[crypto.Hash]asn1.ObjectIdentifier{
	crypto.SHA1:   {1, 2, 840, 113549, 1, 1, 5},
	crypto.SHA224: {1, 2, 840, 113549, 1, 1, 14},
	crypto.SHA256: {1, 2, 840, 113549, 1, 1, 11},
	crypto.SHA384: {1, 2, 840, 113549, 1, 1, 12},
	crypto.SHA512: {1, 2, 840, 113549, 1, 1, 13},
}

var ecdsaOIDs = map[crypto.Hash]asn1.ObjectIdentifier{
	crypto.SHA1:   {1, 2, 840, 10045, 4, 1},
	crypto.SHA224: {1, 2, 840, 10045, 4, 3, 1},
	crypto.SHA256: {1, 2, 840, 10045, 4, 3, 2},
	crypto.SHA384: {1, 2, 840, 10045, 4, 3, 3},
	crypto.SHA512: {1, 2, 840, 10045, 4, 3, 4},
}

func addHashAlg(b *cryptobyte.Builder, h crypto.Hash) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(hashOID(h))
		b.AddASN1NULL()
	})
}

// AlgorithmIdentifier is the DER AlgorithmIdentifier of the key's
// signatures.
func (k *Key) AlgorithmIdentifier() []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		switch {
		case k.RSA != nil && k.PSS:
			b.AddASN1ObjectIdentifier(pki.OIDRSASSAPSS)
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				if k.Hash != crypto.SHA1 { // DER omits the defaults
					b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { addHashAlg(b, k.Hash) })
					b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddASN1ObjectIdentifier(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8})
							addHashAlg(b, k.Hash)
						})
					})
				}
				if k.Hash.Size() != 20 {
					b.AddASN1(cbasn1.Tag(2).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { b.AddASN1Int64(int64(k.Hash.Size())) })
				}
			})
		case k.RSA != nil:
			b.AddASN1ObjectIdentifier(rsaPKCS1OIDs[k.Hash])
			b.AddASN1NULL()
		default:
			b.AddASN1ObjectIdentifier(ecdsaOIDs[k.Hash])
		}
	})
	return b.BytesOrPanic()
}

// Sign hashes data with the key's hash and signs it in the form its
// AlgorithmIdentifier says (ECDSA as a DER SEQUENCE {r, s}).
func (k *Key) Sign(data []byte) []byte {
	d := k.Hash.New()
	d.Write(data)
	sum := d.Sum(nil)
	switch {
	case k.RSA != nil && k.PSS:
		return must(rsa.SignPSS(rand.Reader, k.RSA, k.Hash, sum, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}))
	case k.RSA != nil:
		return must(rsa.SignPKCS1v15(rand.Reader, k.RSA, k.Hash, sum))
	}
	r, s, err := ec.Sign(rand.Reader, k.EC, sum)
	if err != nil {
		panic(err)
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1BigInt(r)
		b.AddASN1BigInt(s)
	})
	return b.BytesOrPanic()
}

// Issued is a generated certificate with its key.
type Issued struct {
	DER  []byte
	Cert *pki.Certificate
	Key  *Key
}

// CertSpec is what a certificate says.
type CertSpec struct {
	Subject   pkix.Name
	Serial    *big.Int // nil: random
	NotBefore time.Time
	NotAfter  time.Time
	// CA writes basicConstraints cA=true; NoBasicConstraints leaves the
	// extension out; LinkNotCA writes cA=false (an Italian link
	// certificate's oddity).
	CA, NoBasicConstraints bool
	KeyUsage               x509.KeyUsage
}

func randomSerial() *big.Int {
	return must(rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 63)))
}

func keyID(spki []byte) []byte {
	// RFC 5280 4.2.1.2 method 1 would hash only the key bits; any stable
	// identifier will do for tests.
	sum := sha1.Sum(spki)
	return sum[:]
}

func addTime(b *cryptobyte.Builder, t time.Time) {
	t = t.UTC().Truncate(time.Second)
	if t.Year() >= 1950 && t.Year() < 2050 {
		b.AddASN1UTCTime(t)
	} else {
		b.AddASN1GeneralizedTime(t)
	}
}

func keyUsageBits(ku x509.KeyUsage) []byte {
	var bs asn1.BitString
	for i := 8; i >= 0; i-- {
		if ku&(1<<uint(i)) != 0 && bs.BitLength == 0 {
			bs.BitLength = i + 1
			bs.Bytes = make([]byte, (i+8)/8)
		}
		if ku&(1<<uint(i)) != 0 {
			bs.Bytes[i/8] |= 0x80 >> uint(i%8)
		}
	}
	return must(asn1.Marshal(bs))
}

// Certificate writes a certificate for subjectKey signed by issuerKey
// under issuerName (its raw subject) and issuerKeyID.
func Certificate(spec CertSpec, subjectKey *Key, issuerName []byte, issuerKeyID []byte, issuerKey *Key) *Issued {
	serial := spec.Serial
	if serial == nil {
		serial = randomSerial()
	}
	subject := must(asn1.Marshal(spec.Subject.ToRDNSequence()))
	if issuerName == nil { // self-signed
		issuerName = subject
	}
	spki := subjectKey.SPKI()
	ski := keyID(spki)
	if issuerKeyID == nil {
		issuerKeyID = ski
	}
	alg := issuerKey.AlgorithmIdentifier()
	var tbs cryptobyte.Builder
	tbs.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { b.AddASN1Int64(2) })
		b.AddASN1BigInt(serial)
		b.AddBytes(alg)
		b.AddBytes(issuerName)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			addTime(b, spec.NotBefore)
			addTime(b, spec.NotAfter)
		})
		b.AddBytes(subject)
		b.AddBytes(spki)
		b.AddASN1(cbasn1.Tag(3).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				addExt(b, asn1.ObjectIdentifier{2, 5, 29, 14}, false, func(b *cryptobyte.Builder) { b.AddASN1OctetString(ski) })
				addExt(b, asn1.ObjectIdentifier{2, 5, 29, 35}, false, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1(cbasn1.Tag(0).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(issuerKeyID) })
					})
				})
				if spec.KeyUsage != 0 {
					addExt(b, asn1.ObjectIdentifier{2, 5, 29, 15}, true, func(b *cryptobyte.Builder) { b.AddBytes(keyUsageBits(spec.KeyUsage)) })
				}
				if !spec.NoBasicConstraints {
					addExt(b, asn1.ObjectIdentifier{2, 5, 29, 19}, true, func(b *cryptobyte.Builder) {
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
							if spec.CA {
								b.AddASN1Boolean(true)
							}
						})
					})
				}
			})
		})
	})
	tbsDER := tbs.BytesOrPanic()
	var cert cryptobyte.Builder
	cert.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(tbsDER)
		b.AddBytes(alg)
		b.AddASN1BitString(issuerKey.Sign(tbsDER))
	})
	der := cert.BytesOrPanic()
	parsed, err := pki.ParseCertificate(der)
	if err != nil {
		panic(fmt.Sprintf("emrtdgen: the generated certificate does not parse: %v", err))
	}
	return &Issued{DER: der, Cert: parsed, Key: subjectKey}
}

func addExt(b *cryptobyte.Builder, id asn1.ObjectIdentifier, critical bool, value func(*cryptobyte.Builder)) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(id)
		if critical {
			b.AddASN1Boolean(true)
		}
		b.AddASN1(cbasn1.OCTET_STRING, value)
	})
}

// Name is the subject of a test CSCA or DSC of country.
func Name(country, cn string) pkix.Name {
	return pkix.Name{Country: []string{country}, Organization: []string{"qes test"}, CommonName: cn}
}

// NewCSCA is a self-signed CSCA of country valid from notBefore to
// notAfter (keyCertSign, cRLSign, cA=true).
func NewCSCA(country, cn string, key *Key, notBefore, notAfter time.Time) *Issued {
	return Certificate(CertSpec{Subject: Name(country, cn), NotBefore: notBefore, NotAfter: notAfter, CA: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}, key, nil, nil, key)
}

// NewLink is a link certificate: next's subject and key, signed by prev's
// key under prev's name (ICAO 9303-12 5.2); ca=false reproduces the
// Italian link certificate with cA=false.
func NewLink(prev, next *Issued, ca bool) *Issued {
	return Certificate(CertSpec{Subject: next.Cert.Subject, NotBefore: next.Cert.NotBefore, NotAfter: next.Cert.NotAfter, CA: ca,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}, next.Key, prev.Cert.RawSubject, prev.Cert.SubjectKeyID, prev.Key)
}

// NewDSC is a Document Signer certificate issued by csca (digitalSignature,
// no basicConstraints, as ICAO 9303-12 profiles it).
func NewDSC(csca *Issued, key *Key, cn string, notBefore, notAfter time.Time) *Issued {
	return Certificate(CertSpec{Subject: Name(csca.Cert.Country(), cn), NotBefore: notBefore, NotAfter: notAfter,
		NoBasicConstraints: true, KeyUsage: x509.KeyUsageDigitalSignature}, key, csca.Cert.RawSubject, csca.Cert.SubjectKeyID, csca.Key)
}

// NewMasterListSigner is a master-list signer certificate issued by csca.
func NewMasterListSigner(csca *Issued, key *Key, notBefore, notAfter time.Time) *Issued {
	return Certificate(CertSpec{Subject: Name(csca.Cert.Country(), "master list signer"), NotBefore: notBefore, NotAfter: notAfter,
		NoBasicConstraints: true, KeyUsage: x509.KeyUsageDigitalSignature}, key, csca.Cert.RawSubject, csca.Cert.SubjectKeyID, csca.Key)
}

// NewCRL is csca's CRL listing revoked serials, with cRLNumber number.
func NewCRL(csca *Issued, thisUpdate, nextUpdate time.Time, number int64, revoked ...*big.Int) []byte {
	alg := csca.Key.AlgorithmIdentifier()
	var tbs cryptobyte.Builder
	tbs.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(1)
		b.AddBytes(alg)
		b.AddBytes(csca.Cert.RawSubject)
		addTime(b, thisUpdate)
		if !nextUpdate.IsZero() {
			addTime(b, nextUpdate)
		}
		if len(revoked) > 0 {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				for _, s := range revoked {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1BigInt(s)
						addTime(b, thisUpdate)
					})
				}
			})
		}
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				addExt(b, asn1.ObjectIdentifier{2, 5, 29, 35}, false, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1(cbasn1.Tag(0).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(csca.Cert.SubjectKeyID) })
					})
				})
				addExt(b, asn1.ObjectIdentifier{2, 5, 29, 20}, false, func(b *cryptobyte.Builder) { b.AddASN1Int64(number) })
			})
		})
	})
	tbsDER := tbs.BytesOrPanic()
	var crl cryptobyte.Builder
	crl.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(tbsDER)
		b.AddBytes(alg)
		b.AddASN1BitString(csca.Key.Sign(tbsDER))
	})
	return crl.BytesOrPanic()
}

// derSetOf sorts the elements as DER's SET OF requires (X.690 11.6).
func derSetOf(elems [][]byte) []byte {
	sorted := append([][]byte(nil), elems...)
	sort.Slice(sorted, func(i, j int) bool { return string(sorted[i]) < string(sorted[j]) })
	var out []byte
	for _, e := range sorted {
		out = append(out, e...)
	}
	return out
}
