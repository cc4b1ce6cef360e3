package ca

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509"
	"math/big"
	"sort"
	"time"

	zx509 "github.com/zmap/zcrypto/x509"
	"github.com/zmap/zlint/v3"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// DefaultCRLValidity is nextUpdate - thisUpdate when the caller gives no
// nextUpdate. The CRL is re-issued on every status change and at least every
// 24 hours; 48 hours leaves a day of slack for an outage before relying
// parties see a stale CRL.
const DefaultCRLValidity = 48 * time.Hour

// CRLEntry is one revoked or suspended certificate.
type CRLEntry struct {
	Serial    *big.Int
	RevokedAt time.Time
	// Reason is the CRLReason; ReasonUnspecified leaves the reasonCode
	// extension out, as RFC 5280 section 5.3.1 asks.
	Reason RevocationReason
}

// CRLRequest is the content of one full CRL.
type CRLRequest struct {
	// Number is the cRLNumber: the caller keeps it and must increase it for
	// every CRL it issues (RFC 5280 section 5.2.3). At most 20 octets.
	Number *big.Int
	// ThisUpdate defaults to the issuer's clock.
	ThisUpdate time.Time
	// NextUpdate defaults to ThisUpdate + DefaultCRLValidity.
	NextUpdate time.Time
	Entries    []CRLEntry
}

// CreateCRL builds, lints and signs a DER CRL v2 with authorityKeyIdentifier
// and cRLNumber. Entries are sorted by serial so equal inputs give equal
// CRLs. Expired certificates are the caller's to leave out or keep.
func (i *Issuer) CreateCRL(ctx context.Context, req CRLRequest) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, errs.Internalf(err, "create CRL")
	}
	tmpl, err := i.crlTemplate(req)
	if err != nil {
		return nil, err
	}
	lintDER, err := x509.CreateRevocationList(rand.Reader, tmpl, i.linter.issuer, i.linter.signer)
	if err != nil {
		return nil, errs.Internalf(err, "create lint CRL")
	}
	if err := i.lintCRL(lintDER); err != nil {
		return nil, err
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, i.cert, i.signer)
	if err != nil {
		return nil, errs.Internalf(err, "sign CRL")
	}
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		return nil, errs.Internalf(err, "parse signed CRL")
	}
	lintCRL, err := x509.ParseRevocationList(lintDER)
	if err != nil {
		return nil, errs.Internalf(err, "parse lint CRL")
	}
	if !bytes.Equal(crl.RawTBSRevocationList, lintCRL.RawTBSRevocationList) {
		return nil, errs.E(errs.Internal, "signed CRL differs from the linted one")
	}
	// CreateRevocationList does not check that the signer belongs to the
	// issuer certificate; a CRL signed by another key would be useless.
	if err := crl.CheckSignatureFrom(i.cert); err != nil {
		return nil, errs.Internalf(err, "verify CRL against the CA")
	}
	return der, nil
}

func (i *Issuer) crlTemplate(req CRLRequest) (*x509.RevocationList, error) {
	if req.Number == nil || req.Number.Sign() < 0 {
		return nil, errs.M(errs.InvalidRequest, msg.CACRLNumberNegative)
	}
	if len(req.Number.Bytes()) > 20 || (len(req.Number.Bytes()) == 20 && req.Number.Bytes()[0]&0x80 != 0) {
		return nil, errs.M(errs.InvalidRequest, msg.CACRLNumberTooLong)
	}
	thisUpdate := req.ThisUpdate
	if thisUpdate.IsZero() {
		thisUpdate = i.clock()
	}
	thisUpdate = thisUpdate.UTC().Truncate(time.Second)
	nextUpdate := req.NextUpdate
	if nextUpdate.IsZero() {
		nextUpdate = thisUpdate.Add(DefaultCRLValidity)
	}
	nextUpdate = nextUpdate.UTC().Truncate(time.Second)
	if !nextUpdate.After(thisUpdate) {
		return nil, errs.M(errs.InvalidRequest, msg.CACRLNextUpdateBeforeThisUpdate)
	}
	entries := make([]x509.RevocationListEntry, 0, len(req.Entries))
	seen := make(map[string]bool, len(req.Entries))
	for _, e := range req.Entries {
		if e.Serial == nil || e.Serial.Sign() <= 0 {
			return nil, errs.M(errs.InvalidRequest, msg.CACRLEntrySerial)
		}
		key := string(e.Serial.Bytes())
		if seen[key] {
			return nil, errs.M(errs.InvalidRequest, msg.CACRLSerialTwice, e.Serial)
		}
		seen[key] = true
		if e.RevokedAt.IsZero() || e.RevokedAt.After(thisUpdate) {
			return nil, errs.M(errs.InvalidRequest, msg.CACRLRevocationTime, e.Serial)
		}
		if !crlEntryReason(e.Reason) {
			return nil, errs.M(errs.InvalidRequest, msg.CACRLReasonNotAllowed, e.Serial, e.Reason)
		}
		entries = append(entries, x509.RevocationListEntry{
			SerialNumber:   new(big.Int).Set(e.Serial),
			RevocationTime: e.RevokedAt.UTC().Truncate(time.Second),
			ReasonCode:     int(e.Reason),
		})
	}
	sort.Slice(entries, func(a, b int) bool { return entries[a].SerialNumber.Cmp(entries[b].SerialNumber) < 0 })
	return &x509.RevocationList{
		Number:                    new(big.Int).Set(req.Number),
		ThisUpdate:                thisUpdate,
		NextUpdate:                nextUpdate,
		RevokedCertificateEntries: entries,
		SignatureAlgorithm:        i.sigAlg,
	}, nil
}

func (i *Issuer) lintCRL(der []byte) error {
	zc, err := zx509.ParseRevocationList(der)
	if err != nil {
		return errs.Internalf(err, "zcrypto cannot parse lint CRL")
	}
	report := collect(zlint.LintRevocationListEx(zc, i.linter.registry))
	i.logWarnings(report, "crl")
	if len(report.failures) > 0 {
		return errs.Internalf(&LintError{Findings: report.failures}, "CRL refused before signing")
	}
	return nil
}
