// Package oids owns the object identifiers qes speaks (hashes, signature
// algorithms, CMS content types and attributes, X.509 extensions and name
// attributes), the mapping between crypto.Hash and its identifier, the
// signature algorithm a service key signs with, and the one strict parser
// of dotted identifiers from configuration and requests. ca, ca/ocsp, tsa,
// pades and the CSC edge read these instead of keeping their own tables.
//
// Profile-specific identifiers (ETSI QC statements and certificate
// policies) stay in ca, the only package that means them.
package oids

import (
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"math"
	"strings"
)

// Hash algorithms (RFC 5754, RFC 3279). SHA-1, SHA-224 and MD5 are here
// only to be recognised and refused by name.
var (
	MD5    = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 5}
	SHA1   = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	SHA224 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 4}
	SHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	SHA384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	SHA512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
)

// Public-key and signature algorithms (RFC 8017, RFC 4055, RFC 5758).
var (
	RSAEncryption   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	MGF1            = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}
	RSASSAPSS       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	SHA256WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	SHA384WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	SHA512WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
	ECPublicKey     = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	ECDSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	ECDSAWithSHA384 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	ECDSAWithSHA512 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	CurveP256       = asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}
	CurveP384       = asn1.ObjectIdentifier{1, 3, 132, 0, 34}
)

// CMS content types and attributes (RFC 5652, RFC 3161, RFC 5035, RFC 5940).
var (
	Data                   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	SignedData             = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	TSTInfo                = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}
	AttrContentType        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	AttrMessageDigest      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	AttrSigningTime        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	AttrCountersignature   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 6}
	AttrSigningCertV2      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	AttrSignatureTimeStamp = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
	OtherRevInfoOCSPResp   = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 16, 2}
	// AttrArchiveTimeStampV3 is id-aa-ets-archiveTimestampV3 (ETSI EN 319 122-1 5.5.3).
	AttrArchiveTimeStampV3 = asn1.ObjectIdentifier{0, 4, 0, 1733, 2, 4}
	// AttrATSHashIndexV3 is id-aa-ATSHashIndex-v3 (ETSI EN 319 122-1 5.5.2).
	AttrATSHashIndexV3 = asn1.ObjectIdentifier{0, 4, 0, 19122, 1, 5}
)

// X.509 extensions, key purposes and OCSP (RFC 5280, RFC 6960).
var (
	ExtKeyUsage         = asn1.ObjectIdentifier{2, 5, 29, 37}
	CertificatePolicies = asn1.ObjectIdentifier{2, 5, 29, 32}
	KPTimeStamping      = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}
	OCSPBasicResponse   = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 1}
	OCSPNonce           = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 2}
	OCSPNoCheck         = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 5}
)

// Name attribute types (X.520, ETSI EN 319 412-1).
var (
	AttrCommonName             = asn1.ObjectIdentifier{2, 5, 4, 3}
	AttrSurname                = asn1.ObjectIdentifier{2, 5, 4, 4}
	AttrSerialNumber           = asn1.ObjectIdentifier{2, 5, 4, 5}
	AttrCountryName            = asn1.ObjectIdentifier{2, 5, 4, 6}
	AttrGivenName              = asn1.ObjectIdentifier{2, 5, 4, 42}
	AttrPseudonym              = asn1.ObjectIdentifier{2, 5, 4, 65}
	AttrOrganizationIdentifier = asn1.ObjectIdentifier{2, 5, 4, 97}
)

// ForHash is the identifier of h among the hashes qes signs and stamps
// with: SHA-256, SHA-384 and SHA-512.
func ForHash(h crypto.Hash) (asn1.ObjectIdentifier, bool) {
	switch h {
	case crypto.SHA256:
		return SHA256, true
	case crypto.SHA384:
		return SHA384, true
	case crypto.SHA512:
		return SHA512, true
	}
	return nil, false
}

// HashOf resolves one of the accepted hash identifiers (SHA-256, SHA-384,
// SHA-512); anything else, SHA-1 included, is refused.
func HashOf(id asn1.ObjectIdentifier) (crypto.Hash, bool) {
	switch {
	case id.Equal(SHA256):
		return crypto.SHA256, true
	case id.Equal(SHA384):
		return crypto.SHA384, true
	case id.Equal(SHA512):
		return crypto.SHA512, true
	}
	return 0, false
}

// Contains reports whether list holds id.
func Contains(list []asn1.ObjectIdentifier, id asn1.ObjectIdentifier) bool {
	for _, o := range list {
		if o.Equal(id) {
			return true
		}
	}
	return false
}

// Parse reads a dotted identifier such as "1.3.6.1.4.1.55555.1.2" and
// holds it to X.660: at least two arcs, decimal without leading zeros or
// signs, first arc 0, 1 or 2, second arc below 40 under 0 and 1, and every
// arc small enough for encoding/asn1 (which would otherwise refuse it only
// when marshalling). x509.ParseOID checks the X.660 arc rules; the
// spelling and the 31-bit arc range are checked on top.
func Parse(s string) (asn1.ObjectIdentifier, error) {
	parts := strings.Split(s, ".")
	if len(parts) < 2 {
		return nil, errors.New("need at least two arcs")
	}
	for _, p := range parts {
		// x509.ParseOID accepts "+1" and "01" through strconv; the dotted
		// form in configuration has one spelling per identifier.
		if p == "" || (len(p) > 1 && p[0] == '0') || strings.Trim(p, "0123456789") != "" {
			return nil, errors.New("arcs must be decimal numbers without leading zeros")
		}
	}
	parsed, err := x509.ParseOID(s)
	if err != nil {
		return nil, errors.New("first arcs out of range")
	}
	// Back to encoding/asn1's form through DER: its decoder refuses arcs
	// beyond 31 bits, the range every consumer can marshal.
	body, err := parsed.MarshalBinary()
	if err != nil || len(body) > 127 {
		return nil, errors.New("arc is not a small non-negative integer")
	}
	var id asn1.ObjectIdentifier
	if rest, err := asn1.Unmarshal(append([]byte{asn1.TagOID, byte(len(body))}, body...), &id); err != nil || len(rest) != 0 {
		return nil, errors.New("arc is not a small non-negative integer")
	}
	for _, arc := range id {
		if arc > math.MaxInt32 {
			return nil, errors.New("arc is not a small non-negative integer")
		}
	}
	return id, nil
}
