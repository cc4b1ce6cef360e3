// Package verify checks CAdES signatures (a .p7m with the signed file
// inside, a .p7s beside it): for each signer the certificate, the claimed
// signing time, whether the content is intact and the signature value
// verifies, the signature time-stamp, the level reached (B-B, B-T, B-LT,
// B-LTA), the chain against the caller's roots and the certificate's
// status at signing time (embedded OCSP responses and CRLs, else the
// caller's register). A .p7m inside a .p7m is opened and checked too.
// The other AdES formats have a file each: PAdES signatures of a PDF
// (pades.go), XAdES signatures of an XML document (xades.go), JAdES JWSs
// (jades.go).
//
// It is pure: bytes and trust roots in, a report out; no files, no
// network. Both qesctl verify and the server's POST /api/v1/verify use it,
// so that a holder gets the same answer from either. Input is bounded in
// size (MaxInput) and nesting (MaxDepth).
package verify

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/qesproject/qes/internal/ber"
	"github.com/qesproject/qes/internal/cms"
	"github.com/qesproject/qes/internal/oids"
)

const (
	// MaxInput bounds the signed file plus a detached content, in bytes.
	MaxInput = 64 << 20
	// MaxDepth bounds the nesting of .p7m inside .p7m and of
	// countersignatures: each level is checked in full, so the bound keeps
	// a crafted file from costing without end.
	MaxDepth = 8
)

// Input errors: the bytes are not something this package checks. A
// signature that does not verify is not an error: it is a report whose
// Valid is false.
var (
	ErrNotCMS    = errors.New("not a CMS SignedData (a PEM .p7m is not read; openssl cms -cmsout -outform DER converts it)")
	ErrTooLarge  = fmt.Errorf("the signed file and its content exceed %d bytes", MaxInput)
	ErrTooDeep   = fmt.Errorf("signed files or countersignatures are nested more than %d deep", MaxDepth)
	ErrNoContent = errors.New("a detached signature: the signed file must be given with it")
	ErrNoSigner  = errors.New("the SignedData has no signer")
)

// Status of a certificate at signing time.
const (
	StatusGood       = "good"
	StatusRevoked    = "revoked"
	StatusSuspended  = "suspended" // on hold (certificateHold) at that time
	StatusUnknown    = "unknown"
	StatusNotChecked = "not checked"
)

// CertStatus is a certificate's status at a time and where it came from.
type CertStatus struct {
	Status    string    // StatusGood, StatusRevoked, StatusSuspended, StatusUnknown, StatusNotChecked
	Source    string    // "embedded OCSP response", "embedded CRL", or the register's name
	RevokedAt time.Time // when revoked (or put on hold), if it was
}

// StatusSource answers a certificate's status at a time from a register of
// the caller's (the server's own CA). ok is false when it does not know
// the certificate (another CA's).
type StatusSource func(ctx context.Context, cert *x509.Certificate, at time.Time) (st CertStatus, ok bool, err error)

// Options are the trust the caller brings.
type Options struct {
	// Roots the signers' and TSAs' chains must reach; nil: not checked.
	Roots *x509.CertPool
	// Intermediates beside the file's own certificates (may be nil).
	Intermediates []*x509.Certificate
	// Status is asked when the file embeds no status of a certificate.
	Status StatusSource
	// Now is the time of a signature without a signing time or time-stamp.
	Now time.Time
}

// Line is one line of the human-readable trace, indented by Depth.
type Line struct {
	Depth int
	Text  string
}

// Signer is what one SignerInfo (or countersignature) was found to be.
type Signer struct {
	Layer            int    // 1 for the outermost signed file, 2 inside it, ...
	Label            string // "signer 1 of 2", "countersignature 1"
	Subject          string // as a holder reads it: CN (serialNumber, O)
	CommonName       string
	TaxCode          string // the subject's serialNumber (TINIT-... for Italian holders)
	Issuer           string
	Serial           string // hexadecimal
	SigningTime      time.Time
	TimeStamp        time.Time // the signature time-stamp's time, if any
	TimeStampChecked bool
	// ArchiveTimeStamp is the latest archive-time-stamp-v3's time, when
	// every one checked; ArchiveTimeStampStatus is ArchiveValid,
	// ArchiveImprintMismatch, ArchiveInvalid, or "" without one.
	ArchiveTimeStamp       time.Time
	ArchiveTimeStampStatus string
	Level                  string // B-B, B-T, B-LT, B-LTA, or "" (not CAdES baseline)
	ContentIntact          bool
	SignatureValid         bool
	Chain                  string // "trusted", "not trusted", "not checked"
	Status                 CertStatus
	Problem                string // why it does not verify; "" when it does
	// Certification is the DocMDP P (1, 2, 3) of a PDF certification
	// signature; 0 for an approval signature.
	Certification int
	// Permission says what a PDF signature permits later revisions
	// (DocMDP) and which fields it locks (FieldMDP); "" when neither.
	Permission string
	// LaterChanges is the verdict on the later revisions under
	// Permission: "no later revision", what they change that is permitted,
	// or what is not (then also in Problem).
	LaterChanges string
}

// Report is the answer for one signed file.
type Report struct {
	Detached bool
	Valid    bool
	Signers  []Signer
	Problems []string
	// Content is the innermost signed file of an attached signature, set
	// only when every signature verified.
	Content []byte
	// BER: a signed file (the outer one or one nested in it) was BER, not
	// DER as AgID's rules require; it was read as DER (see NoteBER).
	BER   bool
	Notes []string
	Lines []Line
}

// NoteBER is the note of a report on a BER signed file. BER (indefinite
// lengths, the content in segments) is what many older Italian signing
// tools write; the signatures are checked on its DER form, which is what
// their signers hashed, but the file does not meet AgID's rules.
const NoteBER = "BER encoding, read as DER (AgID rules require DER)"

// Verify checks signed (a DER .p7m or .p7s); detached is the signed file
// of a .p7s (or of a detached XAdES signature) and must be nil for a .p7m. It returns an input error (ErrNotCMS,
// ErrTooLarge, ...) or a report, Valid or not.
func Verify(ctx context.Context, signed, detached []byte, o Options) (*Report, error) {
	if len(signed)+len(detached) > MaxInput {
		return nil, ErrTooLarge
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	// Other formats than CAdES, each in its own file (xades.go, pades.go,
	// jades.go).
	if looksXML(signed) {
		// XAdES: an XML document carries its signatures.
		return verifyXML(ctx, signed, detached, o)
	}
	if detached == nil && isPDF(signed) {
		return verifyPDF(&verifier{ctx: ctx, o: o, r: &Report{}}, signed)
	}
	if j, ok := parseJWS(signed); ok && detached == nil {
		return verifyJWS(&verifier{ctx: ctx, o: o, r: &Report{}}, j)
	}
	p, wasBER, err := readP7(signed)
	if err != nil {
		return nil, err
	}
	r := &Report{}
	v := &verifier{ctx: ctx, o: o, r: r}
	if wasBER {
		v.noteBER(1)
	}
	content := p.content
	switch {
	case !p.attached && detached == nil:
		return nil, ErrNoContent
	case !p.attached:
		content, r.Detached = detached, true
		v.printf(1, "detached CAdES signature over the given content (%d bytes)", len(content))
	case detached != nil && !bytes.Equal(detached, p.content):
		return nil, errors.New("a .p7m carries its signed file: no other content goes with it")
	default:
		v.printf(1, "CAdES signature with the signed content inside (%d bytes)", len(content))
	}
	innermost, err := v.signedData(p, content, 1, 1)
	if err != nil {
		return nil, err
	}
	r.Valid = len(r.Problems) == 0
	if r.Valid && !r.Detached {
		r.Content = innermost
	}
	return r, nil
}

type verifier struct {
	ctx context.Context
	o   Options
	r   *Report
	// content is a detached XAdES signature's file (xades.go).
	content []byte
}

func (v *verifier) printf(depth int, format string, args ...any) {
	v.r.Lines = append(v.r.Lines, Line{Depth: depth, Text: fmt.Sprintf(format, args...)})
}

// readP7 reads a signed file, BER or DER (wasBER tells), within
// MaxInput and ber's depth and element bounds.
func readP7(in []byte) (p *p7, wasBER bool, err error) {
	der, wasBER, err := ber.ToDER(in, MaxInput)
	switch {
	case errors.Is(err, ber.ErrTooLarge):
		return nil, false, ErrTooLarge
	case err != nil:
		return nil, false, errNotCMS
	}
	p, err = parseP7(der)
	return p, wasBER, err
}

func (v *verifier) noteBER(depth int) {
	if !v.r.BER {
		v.r.BER = true
		v.r.Notes = append(v.r.Notes, NoteBER)
	}
	v.printf(depth, "%s", NoteBER)
}

// signedData checks every signer of p over content and, when the content
// is itself a signed file, that one too. It returns the innermost content.
// Only input errors are returned; failed signers go into the report.
func (v *verifier) signedData(p *p7, content []byte, depth, layer int) ([]byte, error) {
	if depth > MaxDepth {
		return nil, ErrTooDeep
	}
	failed := false
	for i, si := range p.signers {
		if err := v.signer(p, si, content, depth, layer, fmt.Sprintf("signer %d of %d", i+1, len(p.signers))); err != nil {
			if errors.Is(err, ErrTooDeep) {
				return nil, err
			}
			v.r.Problems = append(v.r.Problems, fmt.Sprintf("signer %d: %v", i+1, err))
			failed = true
		}
	}
	if failed {
		return nil, nil
	}
	if inner, wasBER, err := readP7(content); err == nil && inner.attached {
		v.printf(depth, "the signed content is itself a signed file (.p7m inside a .p7m):")
		if wasBER {
			v.noteBER(depth + 1)
		}
		return v.signedData(inner, inner.content, depth+1, layer+1)
	}
	return content, nil
}

// signer checks one SignerInfo, records it and reports the level it reaches.
func (v *verifier) signer(p *p7, si *signerInfo, content []byte, depth, layer int, label string) (err error) {
	if depth > MaxDepth {
		return ErrTooDeep
	}
	rec := Signer{Layer: layer, Label: label, Chain: "not checked", Status: CertStatus{Status: StatusNotChecked}}
	defer func() {
		if err != nil {
			rec.Problem = err.Error()
		}
		v.r.Signers = append(v.r.Signers, rec)
	}()
	// The archive time-stamps' imprints are recomputed first, so that a
	// change they reveal is named even when an earlier check fails on it.
	archives := archiveImprints(p, si, content)
	for _, a := range archives {
		switch {
		case a.mismatch:
			rec.ArchiveTimeStampStatus = ArchiveImprintMismatch
		case a.err != nil && rec.ArchiveTimeStampStatus == "":
			rec.ArchiveTimeStampStatus = ArchiveInvalid
		}
	}
	cert := si.signerCert(p.certs)
	if cert == nil {
		v.printf(depth, "%s: the signer's certificate is not in the file", label)
		return errors.New("the signer's certificate is not in the file")
	}
	rec.Subject, rec.CommonName, rec.TaxCode = Who(cert.Subject), cert.Subject.CommonName, cert.Subject.SerialNumber
	rec.Issuer, rec.Serial = Who(cert.Issuer), fmt.Sprintf("%X", cert.SerialNumber)
	v.printf(depth, "%s: %s", label, rec.Subject)
	v.printf(depth+1, "issued by %s, serial %X, valid %s to %s", rec.Issuer, cert.SerialNumber,
		cert.NotBefore.UTC().Format(time.DateOnly), cert.NotAfter.UTC().Format(time.DateOnly))
	if t, ok := si.signingTime(); ok {
		rec.SigningTime = t.UTC()
		v.printf(depth+1, "signing time (claimed by the signer): %s", t.UTC().Format(time.RFC3339))
	}
	if err := si.checkContent(content); err != nil {
		v.printf(depth+1, "content: CHANGED (%v)", err)
		return err
	}
	rec.ContentIntact = true
	v.printf(depth+1, "content: intact")
	if err := si.checkSignature(cert); err != nil {
		v.printf(depth+1, "signature: INVALID (%v)", err)
		return err
	}
	rec.SignatureValid = true
	v.printf(depth+1, "signature: valid")
	level := ""
	if si.signingCertMatches(cert) {
		level = "B-B"
	} else {
		v.printf(depth+1, "signing-certificate-v2 missing or not this certificate: not a CAdES baseline signature")
	}
	at := v.o.Now
	if st, ok := si.signingTime(); ok {
		at = st
	}
	tokens := si.unsigned[oids.AttrSignatureTimeStamp.String()]
	for _, tok := range tokens {
		genTime, err := v.timestamp(tok, si.signature, depth+1, "signature time-stamp")
		if err != nil {
			return err
		}
		at = genTime
		rec.TimeStamp, rec.TimeStampChecked = genTime.UTC(), true
	}
	if len(tokens) > 0 && level != "" {
		level = "B-T"
	}
	if level == "B-T" && p.hasCRLs {
		level = "B-LT"
	}
	// An archive time-stamp that fails is the signer's problem, reported
	// after the chain and status, which do not depend on it.
	var archiveErr error
	for i, a := range archives {
		what := "archive time-stamp"
		if len(archives) > 1 {
			what = fmt.Sprintf("archive time-stamp %d", i+1)
		}
		err := a.err
		if err == nil {
			var genTime time.Time
			genTime, err = v.timestampWith(a.token, func(h crypto.Hash, digest []byte) error {
				if !bytes.Equal(digest, a.imprint) {
					return fmt.Errorf("%w: the message imprint is not the hash of the signature as it is now", errImprintMismatch)
				}
				return nil
			}, depth+1, what)
			if err == nil {
				rec.ArchiveTimeStamp = genTime.UTC()
				continue
			}
		} else {
			v.printf(depth+1, "%s: INVALID (%v)", what, err)
		}
		if errors.Is(err, errImprintMismatch) {
			rec.ArchiveTimeStampStatus = ArchiveImprintMismatch
		} else if rec.ArchiveTimeStampStatus == "" {
			rec.ArchiveTimeStampStatus = ArchiveInvalid
		}
		rec.ArchiveTimeStamp = time.Time{}
		if archiveErr == nil {
			archiveErr = fmt.Errorf("%s: %w", what, err)
		}
	}
	if len(archives) > 0 && archiveErr == nil {
		rec.ArchiveTimeStampStatus = ArchiveValid
		v.printf(depth+1, "%s", ArchiveValid)
		if level == "B-LT" {
			level = "B-LTA"
		}
	}
	if err := v.chain(cert, p.certs, at, depth+1, "certificate"); err != nil {
		rec.Chain = "not trusted"
		return err
	}
	if v.o.Roots != nil {
		rec.Chain = "trusted"
	}
	st, err := v.status(p, cert, at)
	rec.Status = st
	if err != nil {
		return err
	}
	v.printf(depth+1, "certificate status at %s: %s", at.UTC().Format(time.RFC3339), describeStatus(st))
	if err := statusProblem(st); err != nil {
		return err
	}
	if archiveErr != nil {
		return archiveErr
	}
	for i, cs := range si.unsigned[oids.AttrCountersignature.String()] {
		csi, err := parseSignerInfo(cs)
		if err != nil {
			return err
		}
		// A countersignature's content is the countersigned signature value.
		if err := v.signer(p, csi, si.signature, depth+1, layer, fmt.Sprintf("countersignature %d", i+1)); err != nil {
			if errors.Is(err, ErrTooDeep) {
				return err
			}
			return fmt.Errorf("countersignature %d: %w", i+1, err)
		}
	}
	rec.Level = level
	if level == "" {
		level = "none (not CAdES baseline)"
	}
	v.printf(depth+1, "level: %s", level)
	return nil
}

// statusProblem is the signer's problem when the certificate was revoked
// or on hold at signing time (the time the signature is known to exist).
func statusProblem(st CertStatus) error {
	switch st.Status {
	case StatusRevoked:
		return fmt.Errorf("the certificate was revoked at signing time (since %s)", st.RevokedAt.UTC().Format(time.RFC3339))
	case StatusSuspended:
		return fmt.Errorf("the certificate was suspended at signing time (on hold since %s)", st.RevokedAt.UTC().Format(time.RFC3339))
	}
	return nil
}

func describeStatus(st CertStatus) string {
	if st.Source == "" {
		return st.Status
	}
	return st.Status + " (" + st.Source + ")"
}

// status finds cert's status at at: the file's own revocation values
// first (what a B-LT signature carries for the years after), then the
// caller's register.
func (v *verifier) status(p *p7, cert *x509.Certificate, at time.Time) (CertStatus, error) {
	issuer := v.issuerOf(cert, p.certs)
	if issuer != nil {
		for _, raw := range p.ocsps {
			resp, err := ocsp.ParseResponseForCert(raw, cert, issuer)
			if err != nil {
				continue // another certificate's, or not checkable
			}
			switch resp.Status {
			case ocsp.Good:
				return CertStatus{Status: StatusGood, Source: "embedded OCSP response"}, nil
			case ocsp.Revoked:
				if resp.RevokedAt.After(at) {
					// Revoked later: good when it signed.
					return CertStatus{Status: StatusGood, Source: "embedded OCSP response", RevokedAt: resp.RevokedAt}, nil
				}
				if resp.RevocationReason == ocsp.CertificateHold {
					return CertStatus{Status: StatusSuspended, Source: "embedded OCSP response", RevokedAt: resp.RevokedAt}, nil
				}
				return CertStatus{Status: StatusRevoked, Source: "embedded OCSP response", RevokedAt: resp.RevokedAt}, nil
			default:
				return CertStatus{Status: StatusUnknown, Source: "embedded OCSP response"}, nil
			}
		}
		for _, raw := range p.crls {
			crl, err := x509.ParseRevocationList(raw)
			if err != nil || !bytes.Equal(crl.RawIssuer, cert.RawIssuer) || crl.CheckSignatureFrom(issuer) != nil {
				continue
			}
			for _, e := range crl.RevokedCertificateEntries {
				if e.SerialNumber.Cmp(cert.SerialNumber) == 0 && !e.RevocationTime.After(at) {
					if e.ReasonCode == ocsp.CertificateHold { // RFC 5280 5.3.1: the same code in CRLs
						return CertStatus{Status: StatusSuspended, Source: "embedded CRL", RevokedAt: e.RevocationTime}, nil
					}
					return CertStatus{Status: StatusRevoked, Source: "embedded CRL", RevokedAt: e.RevocationTime}, nil
				}
			}
			return CertStatus{Status: StatusGood, Source: "embedded CRL"}, nil
		}
	}
	if v.o.Status != nil {
		st, ok, err := v.o.Status(v.ctx, cert, at)
		if err != nil {
			return CertStatus{Status: StatusNotChecked}, fmt.Errorf("certificate status: %w", err)
		}
		if ok {
			return st, nil
		}
	}
	return CertStatus{Status: StatusNotChecked}, nil
}

// issuerOf finds the certificate that signed cert among the file's and
// the caller's certificates.
func (v *verifier) issuerOf(cert *x509.Certificate, certs []*x509.Certificate) *x509.Certificate {
	for _, pool := range [][]*x509.Certificate{certs, v.o.Intermediates} {
		for _, c := range pool {
			if bytes.Equal(c.RawSubject, cert.RawIssuer) && cert.CheckSignatureFrom(c) == nil {
				return c
			}
		}
	}
	return nil
}

// timestamp checks an RFC 3161 token: its own signature, that it covers
// over (when given) and its TSA's chain. It returns the time it attests.
func (v *verifier) timestamp(token, over []byte, depth int, what string) (time.Time, error) {
	var check func(h crypto.Hash, digest []byte) error
	if over != nil {
		check = func(h crypto.Hash, digest []byte) error {
			d := h.New()
			d.Write(over)
			if !bytes.Equal(d.Sum(nil), digest) {
				return errors.New("it does not cover this signature value")
			}
			return nil
		}
	}
	return v.timestampWith(token, check, depth, what)
}

// timestampWith checks an RFC 3161 token: its own signature, its message
// imprint with check (when given) and its TSA's chain. It returns the time
// it attests.
func (v *verifier) timestampWith(token []byte, check func(h crypto.Hash, digest []byte) error, depth int, what string) (time.Time, error) {
	tp, err := parseP7(token)
	if err != nil || !tp.attached || len(tp.signers) != 1 {
		return time.Time{}, fmt.Errorf("%s: not a time-stamp token", what)
	}
	info, err := cms.ParseTimestampToken(token)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: %w", what, err)
	}
	tsa := tp.signers[0].signerCert(tp.certs)
	if tsa == nil {
		return time.Time{}, fmt.Errorf("%s: the TSA certificate is not in the token", what)
	}
	if err := tp.signers[0].checkContent(tp.content); err != nil {
		v.printf(depth, "%s: INVALID (%v)", what, err)
		return time.Time{}, fmt.Errorf("%s: %w", what, err)
	}
	if err := tp.signers[0].checkSignature(tsa); err != nil {
		v.printf(depth, "%s: INVALID (%v)", what, err)
		return time.Time{}, fmt.Errorf("%s: %w", what, err)
	}
	if check != nil {
		if info.Info.Hash == 0 {
			return time.Time{}, fmt.Errorf("%s: unsupported imprint algorithm", what)
		}
		if err := check(info.Info.Hash, info.Info.Digest); err != nil {
			v.printf(depth, "%s: %s (%v)", what, strings.ToUpper(ArchiveImprintMismatch), err)
			return time.Time{}, fmt.Errorf("%s: %w", what, err)
		}
	}
	v.printf(depth, "%s: %s by %s", what, info.Info.GenTime.UTC().Format(time.RFC3339), Who(tsa.Subject))
	if err := v.chain(tsa, tp.certs, info.Info.GenTime, depth+1, "TSA certificate"); err != nil {
		return time.Time{}, err
	}
	return info.Info.GenTime, nil
}

// chain checks cert against the roots at t, with the file's and the
// caller's certificates as intermediates; without roots it says the chain
// was not checked.
func (v *verifier) chain(cert *x509.Certificate, pool []*x509.Certificate, at time.Time, depth int, what string) error {
	if v.o.Roots == nil {
		v.printf(depth, "%s chain: not checked (no trust roots)", what)
		return nil
	}
	inter := x509.NewCertPool()
	for _, c := range pool {
		inter.AddCert(c)
	}
	for _, c := range v.o.Intermediates {
		inter.AddCert(c)
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: v.o.Roots, Intermediates: inter, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		v.printf(depth, "%s chain: NOT TRUSTED (%v)", what, err)
		return fmt.Errorf("%s does not chain to the trust roots at %s: %w", what, at.UTC().Format(time.RFC3339), err)
	}
	v.printf(depth, "%s chain: trusted at %s", what, at.UTC().Format(time.RFC3339))
	return nil
}

// Who names a certificate's subject as a holder reads it: the common
// name, then the serialNumber (for Italian qualified certificates the
// tax code, TINIT-...) and the organization, when present.
func Who(n pkix.Name) string {
	var parts []string
	if n.SerialNumber != "" {
		parts = append(parts, n.SerialNumber)
	}
	parts = append(parts, n.Organization...)
	if n.CommonName == "" {
		return n.String()
	}
	if len(parts) == 0 {
		return n.CommonName
	}
	return n.CommonName + " (" + strings.Join(parts, ", ") + ")"
}
