package pki

import (
	"fmt"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// MasterList is a verified CSCA master list (ICAO 9303-12 section 9).
type MasterList struct {
	// Certificates are the CSCA (and link) certificates it lists; Skipped
	// counts the entries that did not parse.
	Certificates []*Certificate
	Skipped      int
	// Signer is the master-list signer's certificate; Anchor the trust
	// anchor that signed it.
	Signer *Certificate
	Anchor *Certificate
	// SigningTime is the signer's signingTime attribute, zero if absent.
	SigningTime time.Time
}

func mlErr(format string, args ...any) error {
	return errs.M(errs.InvalidRequest, msg.EmrtdMasterListUntrusted, fmt.Sprintf(format, args...))
}

// VerifyMasterList verifies a CSCA master list and returns its
// certificates: eContentType id-icao-cscaMasterList, exactly one signer,
// found among the SignedData's certificates by SKI or issuer and serial,
// issued by one of anchors and signed by it, valid at now, and its CMS
// signature verified. The listed CSCAs are returned unverified: the list
// vouches for them, their own validity is the caller's to check.
func VerifyMasterList(ml []byte, anchors []*Certificate, now time.Time) (*MasterList, error) {
	sd, err := ParseSignedData(ml)
	if err != nil {
		return nil, err
	}
	if !sd.EContentType.Equal(OIDContentTypeCscaMasterList) {
		return nil, mlErr("eContentType %s is not id-icao-cscaMasterList", sd.EContentType)
	}
	if len(sd.SignerInfos) != 1 {
		return nil, mlErr("%d signers instead of one", len(sd.SignerInfos))
	}
	si := &sd.SignerInfos[0]
	signer, err := si.FindCertificate(sd.Certificates)
	if err != nil {
		return nil, err
	}
	var anchor *Certificate
	var lastErr error
	for _, a := range anchors {
		if !signer.IssuedBy(a) {
			continue
		}
		if err := signer.CheckSignatureFrom(a); err != nil {
			lastErr = err
			continue
		}
		anchor = a
		break
	}
	if anchor == nil {
		if lastErr != nil {
			return nil, errs.WrapM(lastErr, errs.InvalidRequest, msg.EmrtdMasterListUntrusted, "the signer's certificate does not verify with the anchor")
		}
		return nil, mlErr("no anchor issued the signer %q", signer.Subject.String())
	}
	if !signer.ValidAt(now) {
		return nil, errs.M(errs.InvalidRequest, msg.EmrtdCertNotValidAt, now.UTC().Format(time.RFC3339))
	}
	if err := si.Verify(signer, sd.EContentType, sd.EContent); err != nil {
		return nil, err
	}
	certs, skipped, err := parseCscaMasterList(sd.EContent)
	if err != nil {
		return nil, err
	}
	return &MasterList{Certificates: certs, Skipped: skipped, Signer: signer, Anchor: anchor, SigningTime: si.SigningTime}, nil
}

// parseCscaMasterList reads CscaMasterList ::= SEQUENCE { version
// INTEGER, certList SET OF Certificate }.
func parseCscaMasterList(content []byte) ([]*Certificate, int, error) {
	in := cryptobyte.String(content)
	var seq, set cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() {
		return nil, 0, cmsErr("CscaMasterList")
	}
	if _, ok := readSmallInt(&seq); !ok || !seq.ReadASN1(&set, cbasn1.SET) || !seq.Empty() {
		return nil, 0, cmsErr("CscaMasterList")
	}
	var certs []*Certificate
	skipped := 0
	for !set.Empty() {
		var elem cryptobyte.String
		if !set.ReadAnyASN1Element(&elem, nil) {
			return nil, 0, cmsErr("CscaMasterList certList")
		}
		c, err := ParseCertificate(elem)
		if err != nil {
			skipped++
			continue
		}
		certs = append(certs, c)
	}
	return certs, skipped, nil
}
