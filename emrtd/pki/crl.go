package pki

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// CRL is a parsed X.509 v2 CRL (RFC 5280 section 5), as CSCAs publish.
type CRL struct {
	Raw, RawTBS, RawIssuer []byte
	Issuer                 pkix.Name
	ThisUpdate             time.Time
	// NextUpdate is zero when the CRL has none (then it is never fresh).
	NextUpdate     time.Time
	AuthorityKeyID []byte
	// Number is the cRLNumber extension, nil when absent.
	Number             *big.Int
	SignatureAlgorithm AlgorithmIdentifier
	Signature          []byte
	// revoked maps a serial number's big-endian magnitude and sign to its
	// revocation date.
	revoked map[string]time.Time
}

var oidExtCRLNumber = asn1.ObjectIdentifier{2, 5, 29, 20}

func crlErr(what string) error {
	return errs.M(errs.InvalidRequest, msg.EmrtdCRLMalformed, what)
}

func serialKey(n *big.Int) string {
	if n.Sign() < 0 {
		return "-" + string(n.Bytes())
	}
	return string(n.Bytes())
}

// IsRevoked reports whether serial is listed.
func (c *CRL) IsRevoked(serial *big.Int) bool {
	if serial == nil {
		return false
	}
	_, ok := c.revoked[serialKey(serial)]
	return ok
}

// RevokedAt is the revocation date of serial, if listed.
func (c *CRL) RevokedAt(serial *big.Int) (time.Time, bool) {
	if serial == nil {
		return time.Time{}, false
	}
	t, ok := c.revoked[serialKey(serial)]
	return t, ok
}

// RevokedCount is the number of distinct serials listed.
func (c *CRL) RevokedCount() int { return len(c.revoked) }

// FreshAt reports thisUpdate <= t <= nextUpdate; a CRL without
// nextUpdate is never fresh.
func (c *CRL) FreshAt(t time.Time) bool {
	return !c.NextUpdate.IsZero() && !t.Before(c.ThisUpdate) && !t.After(c.NextUpdate)
}

// ParseCRL parses one DER CRL.
func ParseCRL(der []byte) (*CRL, error) {
	in := cryptobyte.String(der)
	var elem cryptobyte.String
	if !in.ReadASN1Element(&elem, cbasn1.SEQUENCE) || !in.Empty() {
		return nil, crlErr("not one DER SEQUENCE")
	}
	c := &CRL{Raw: elem, revoked: map[string]time.Time{}}
	var outer, tbsElem, tbs cryptobyte.String
	elem.ReadASN1(&outer, cbasn1.SEQUENCE)
	if !outer.ReadASN1Element(&tbsElem, cbasn1.SEQUENCE) {
		return nil, crlErr("tbsCertList")
	}
	c.RawTBS = tbsElem
	var ok bool
	if c.SignatureAlgorithm, ok = readAlgorithm(&outer); !ok {
		return nil, crlErr("signatureAlgorithm")
	}
	if c.Signature, ok = readBitString(&outer); !ok || !outer.Empty() {
		return nil, crlErr("signatureValue")
	}
	tbsElem.ReadASN1(&tbs, cbasn1.SEQUENCE)
	if tbs.PeekASN1Tag(cbasn1.INTEGER) {
		if v, ok := readSmallInt(&tbs); !ok || v != 1 {
			return nil, crlErr("version")
		}
	}
	inner, ok := readAlgorithm(&tbs)
	if !ok || !inner.Algorithm.Equal(c.SignatureAlgorithm.Algorithm) {
		return nil, crlErr("signature")
	}
	var issuer cryptobyte.String
	if !tbs.ReadASN1Element(&issuer, cbasn1.SEQUENCE) {
		return nil, crlErr("issuer")
	}
	c.RawIssuer = issuer
	if c.Issuer, ok = parseName(issuer); !ok {
		return nil, crlErr("issuer")
	}
	if c.ThisUpdate, ok = readTime(&tbs); !ok {
		return nil, crlErr("thisUpdate")
	}
	if tbs.PeekASN1Tag(cbasn1.UTCTime) || tbs.PeekASN1Tag(cbasn1.GeneralizedTime) {
		if c.NextUpdate, ok = readTime(&tbs); !ok {
			return nil, crlErr("nextUpdate")
		}
	}
	if tbs.PeekASN1Tag(cbasn1.SEQUENCE) {
		var list cryptobyte.String
		tbs.ReadASN1(&list, cbasn1.SEQUENCE)
		for !list.Empty() {
			var entry cryptobyte.String
			if !list.ReadASN1(&entry, cbasn1.SEQUENCE) {
				return nil, crlErr("revokedCertificates")
			}
			serial, ok := readInteger(&entry)
			if !ok {
				return nil, crlErr("revoked serialNumber")
			}
			date, ok := readTime(&entry)
			if !ok || !entry.SkipOptionalASN1(cbasn1.SEQUENCE) || !entry.Empty() {
				return nil, crlErr("revoked entry")
			}
			c.revoked[serialKey(serial)] = date
		}
	}
	var extsField cryptobyte.String
	var present bool
	if !tbs.ReadOptionalASN1(&extsField, &present, cbasn1.Tag(0).Constructed().ContextSpecific()) || !tbs.Empty() {
		return nil, crlErr("crlExtensions")
	}
	if present {
		var exts cryptobyte.String
		if !extsField.ReadASN1(&exts, cbasn1.SEQUENCE) || !extsField.Empty() {
			return nil, crlErr("crlExtensions")
		}
		for !exts.Empty() {
			var ext, value cryptobyte.String
			var id asn1.ObjectIdentifier
			var critical bool
			if !exts.ReadASN1(&ext, cbasn1.SEQUENCE) || !ext.ReadASN1ObjectIdentifier(&id) ||
				!readOptionalBool(&ext, &critical) ||
				!ext.ReadASN1(&value, cbasn1.OCTET_STRING) || !ext.Empty() {
				return nil, crlErr("crl extension")
			}
			switch {
			case id.Equal(oidExtAKI):
				var aki, keyID cryptobyte.String
				var has bool
				if !value.ReadASN1(&aki, cbasn1.SEQUENCE) || !aki.ReadOptionalASN1(&keyID, &has, cbasn1.Tag(0).ContextSpecific()) {
					return nil, crlErr("authorityKeyIdentifier")
				}
				if has {
					c.AuthorityKeyID = keyID
				}
			case id.Equal(oidExtCRLNumber):
				n, ok := readInteger(&value)
				if !ok || !value.Empty() {
					return nil, crlErr("cRLNumber")
				}
				c.Number = n
			}
		}
	}
	return c, nil
}

// CheckSignatureFrom checks that issuer's key signed the CRL. The caller
// matches the CRL's issuer to the CSCA (CRL.RawIssuer, AuthorityKeyID).
func (c *CRL) CheckSignatureFrom(issuer *Certificate) error {
	if issuer == nil || issuer.PublicKey == nil {
		return sigErr(c.SignatureAlgorithm.String(), "no issuer key")
	}
	return VerifySignature(issuer.PublicKey, c.SignatureAlgorithm, c.RawTBS, c.Signature)
}

// IssuedBy reports whether cert's subject is the CRL's issuer and, when
// both carry key identifiers, they agree.
func (c *CRL) IssuedBy(cert *Certificate) bool {
	if cert == nil || !SameName(c.RawIssuer, cert.RawSubject) {
		return false
	}
	return len(c.AuthorityKeyID) == 0 || len(cert.SubjectKeyID) == 0 || string(c.AuthorityKeyID) == string(cert.SubjectKeyID)
}
