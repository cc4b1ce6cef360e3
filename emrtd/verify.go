package emrtd

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/qesproject/qes/emrtd/lds"
	"github.com/qesproject/qes/emrtd/pki"
	"github.com/qesproject/qes/internal/codicefiscale"
)

// The outcomes Checks records.
const (
	outcomeOK            = "ok"
	outcomeVerified      = "verified"
	outcomeNotSupported  = "not_supported"
	outcomeNotApplicable = "not_applicable"
)

func fail(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Detail: fmt.Sprintf(format, args...)}
}

// Verify checks one chip reading and returns its Report, or an *Error
// naming the first check that failed. Any other error is qes's own (the
// trust store could not be read, ctx ended) and says nothing about the
// document.
//
// The checks run in this order, each relying on the ones before it
// (ENROLMENT.md §1.4):
//
//  1. sod_malformed: the reading's file names and sizes (before anything is
//     parsed), then EF.SOD as a CMS SignedData with one signer over an
//     LDSSecurityObject.
//  2. dg_required: DG1 and DG2 are present; the issuing state that selects
//     the trust comes from DG1, so this cannot wait for the MRZ checks.
//  3. sod_signature_invalid: the Document Signer certificate in the SOD
//     signed it (contentType and messageDigest attributes included).
//  4. dg_hash_mismatch, then dg_not_in_sod: every presented data group has
//     the SOD's hash (compared in constant time), and none is missing from
//     it (an injected file). Only now is a data group's content read; one
//     that is signed but cannot be parsed is sod_malformed.
//  5. csca_untrusted: the DSC's issuer is a CSCA (or link certificate) of
//     DG1's issuing state in Input.Trust, valid now, whose key signed it.
//  6. dsc_expired: the DSC is valid at Input.Now and has the
//     digitalSignature key usage.
//  7. dsc_revoked, then crl_stale: a CRL of that CSCA, signature-checked,
//     lists the DSC (revocation is final, so a listing counts even in an
//     old CRL); then the CRL must be fresh at Now. No CRL at all is stale.
//  8. document_expired: the day of expiry has passed.
//  9. mrz_check_digit, then mrz_mismatch: DG1's check digits, then the
//     document number, birth and expiry dates the applicant typed.
//  10. tax_code_mismatch: Input.TaxCode against the holder's names (DG11's
//     full name when present, as the MRZ truncates long names), date of
//     birth and sex, and against DG11's tax code when there is one.
//  11. active_authentication_failed: with DG15, the chip's signature over
//     Input.Challenge; without DG15 the chip cannot prove it is no clone,
//     which Checks.ActiveAuthentication records as "not_supported".
func Verify(ctx context.Context, in Input) (*Report, error) {
	// These are the caller's mistakes, not the document's.
	if in.Trust == nil {
		return nil, errors.New("emrtd: Verify without a trust store")
	}
	if in.Now.IsZero() {
		return nil, errors.New("emrtd: Verify without the time of the reading")
	}
	v := &verifier{in: in}
	steps := []func(context.Context) error{
		v.parseSOD, v.requireDGs, v.checkSignature, v.checkDataGroups, v.parseDataGroups,
		v.checkChain, v.checkDSC, v.checkCRL, v.checkExpiry, v.checkMRZ, v.checkTaxCode, v.checkAA,
	}
	for _, step := range steps {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := step(ctx); err != nil {
			return nil, err
		}
	}
	return &v.report, nil
}

// verifier carries what one check hands the next.
type verifier struct {
	in     Input
	report Report

	signed  *pki.SignedData
	signer  *pki.SignerInfo
	lso     *lds.SecurityObject
	dsc     *pki.Certificate
	csca    *pki.Certificate
	cscas   []*pki.Certificate
	country string
	mrz     *lds.MRZ
	dg11    *lds.DG11
	birth   time.Time
}

func (v *verifier) parseSOD(context.Context) error {
	if err := lds.CheckFiles(v.in.Files); err != nil {
		return fail(SODMalformed, "%v", err)
	}
	raw, ok := v.in.Files[lds.FileSOD]
	if !ok {
		return fail(SODMalformed, "the reading has no EF.SOD")
	}
	sd, err := pki.ParseSignedData(raw)
	if err != nil {
		return fail(SODMalformed, "EF.SOD is not a CMS SignedData: %v", err)
	}
	if !sd.EContentType.Equal(lds.OIDLDSSecurityObject) {
		return fail(SODMalformed, "EF.SOD signs content of type %s, not an LDSSecurityObject", sd.EContentType)
	}
	if len(sd.SignerInfos) != 1 {
		return fail(SODMalformed, "EF.SOD has %d signers, want one", len(sd.SignerInfos))
	}
	if sd.EContent == nil {
		return fail(SODMalformed, "EF.SOD has no content")
	}
	lso, err := lds.ParseSecurityObject(sd.EContent)
	if err != nil {
		return fail(SODMalformed, "%v", err)
	}
	v.signed, v.signer, v.lso = sd, &sd.SignerInfos[0], lso
	v.report.HashAlgorithm = lds.HashName(lso.Hash)
	v.report.SignatureAlgorithm = v.signer.SignatureAlgorithmName()
	return nil
}

func (v *verifier) requireDGs(context.Context) error {
	for _, name := range []string{"DG1", "DG2"} {
		if _, ok := v.in.Files[name]; !ok {
			return fail(DGRequired, "the reading has no %s", name)
		}
	}
	return nil
}

func (v *verifier) checkSignature(context.Context) error {
	dsc, err := v.signer.FindCertificate(v.signed.Certificates)
	if err != nil {
		return fail(SODSignatureInvalid, "EF.SOD does not carry its Document Signer certificate: %v", err)
	}
	if err := v.signer.Verify(dsc, v.signed.EContentType, v.signed.EContent); err != nil {
		return fail(SODSignatureInvalid, "the Document Signer's signature on EF.SOD does not verify: %v", err)
	}
	v.dsc = dsc
	v.report.DSC = certInfo(dsc)
	return nil
}

// dgNames are the presented data groups in number order, so that the
// first failure reported is the same on every run.
func (v *verifier) dgNames() []int {
	var ns []int
	for name := range v.in.Files {
		if n := lds.DGNumber(name); n != 0 {
			ns = append(ns, n)
		}
	}
	slices.Sort(ns)
	return ns
}

func (v *verifier) checkDataGroups(context.Context) error {
	ns := v.dgNames()
	h := v.lso.Hash.New()
	for _, n := range ns {
		want, ok := v.lso.HashOf(n)
		if !ok {
			continue
		}
		h.Reset()
		h.Write(v.in.Files[lds.DGName(n)])
		if subtle.ConstantTimeCompare(h.Sum(nil), want) != 1 {
			return fail(DGHashMismatch, "%s does not have the hash EF.SOD lists for it", lds.DGName(n))
		}
	}
	for _, n := range ns {
		if _, ok := v.lso.HashOf(n); !ok {
			return fail(DGNotInSOD, "%s is not listed in EF.SOD", lds.DGName(n))
		}
	}
	v.report.Checks.DGHashes = outcomeOK
	return nil
}

// parseDataGroups reads the data groups the SOD vouches for; the issuer
// signed them, so one that does not parse is a malformed document.
func (v *verifier) parseDataGroups(context.Context) error {
	f := v.in.Files
	m, err := lds.ParseDG1(f["DG1"])
	if err != nil {
		return fail(SODMalformed, "DG1: %v", err)
	}
	v.mrz = m
	face, err := lds.ParseDG2(f["DG2"])
	if err != nil {
		return fail(SODMalformed, "DG2: %v", err)
	}
	v.report.Face = Image{Format: face.Format, Data: face.Data}
	d := &v.report.Document
	d.DocumentCode = m.Lines[0][:2]
	d.IssuingState = m.IssuingState
	d.DocumentNumber = m.DocumentNumber
	d.Surname, d.GivenNames = m.Surname, m.GivenNames
	d.Nationality = m.Nationality
	d.Sex = m.Sex
	d.OptionalData = m.OptionalData
	d.MRZ = m.String()
	if b, ok := f["DG11"]; ok {
		dg11, err := lds.ParseDG11(b)
		if err != nil {
			return fail(SODMalformed, "DG11: %v", err)
		}
		v.dg11 = dg11
		d.FullName, d.PlaceOfBirth, d.Address = dg11.FullName, dg11.PlaceOfBirth, dg11.Address
		if codicefiscale.CheckPersonal(dg11.PersonalNumber) == nil {
			d.TaxCode = dg11.PersonalNumber
		}
	}
	if b, ok := f["DG12"]; ok {
		dg12, err := lds.ParseDG12(b)
		if err != nil {
			return fail(SODMalformed, "DG12: %v", err)
		}
		d.IssuingAuthority = dg12.IssuingAuthority
		if !dg12.DateOfIssue.IsZero() {
			d.DateOfIssue = dg12.DateOfIssue.Format(time.DateOnly)
		}
	}
	// The MRZ prints an unknown day or month of birth as '<'; DG11 may
	// hold the full date.
	if birth, err := lds.BirthDate(m.DateOfBirth, v.in.Now); err == nil {
		v.birth = birth
	} else if v.dg11 != nil && !v.dg11.DateOfBirth.IsZero() {
		v.birth = v.dg11.DateOfBirth
	}
	if !v.birth.IsZero() {
		d.DateOfBirth = v.birth.Format(time.DateOnly)
	}
	country, ok := lds.CountryAlpha2(m.IssuingState)
	if !ok {
		return fail(CSCAUntrusted, "issuing state %q names no country qes keeps CSCAs for", m.IssuingState)
	}
	v.country, d.IssuingCountry = country, country
	return nil
}

func (v *verifier) checkChain(ctx context.Context) error {
	ders, err := v.in.Trust.CSCAs(ctx, v.country)
	if err != nil {
		return fmt.Errorf("emrtd: reading the CSCAs of %s: %w", v.country, err)
	}
	for _, der := range ders {
		// A stored certificate qes cannot parse trusts nothing; the
		// import checked them, so this is not the applicant's fault
		// and not a reason to stop looking.
		if c, err := pki.ParseCertificate(der); err == nil {
			v.cscas = append(v.cscas, c)
		}
	}
	var reason string
	for _, c := range v.cscas {
		if !v.dsc.IssuedBy(c) || v.dsc.CheckSignatureFrom(c) != nil {
			continue
		}
		if reason = v.anchored(c); reason == "" {
			v.csca = c
			break
		}
	}
	if v.csca == nil {
		if reason == "" {
			reason = fmt.Sprintf("no CSCA of %s that qes trusts signed the Document Signer (issuer %q)", v.country, v.dsc.Issuer.String())
		}
		return fail(CSCAUntrusted, "%s", reason)
	}
	v.report.CSCA = certInfo(v.csca)
	v.report.Checks.CSCA = outcomeOK
	return nil
}

// maxChain bounds the link certificates between a DSC's issuer and a
// self-signed CSCA: a state rolls its CSCA key every few years.
const maxChain = 8

// anchored checks that c, a trusted certificate that issued the DSC, is
// valid now and is a self-signed CSCA or a link certificate leading, by
// signatures checked here, to one in the trust. It returns why not, or "".
// A link certificate's cA flag is not looked at: an Italian one says
// cA=false and signs real CSCAs.
func (v *verifier) anchored(c *pki.Certificate) string {
	for range maxChain {
		if !c.ValidAt(v.in.Now) {
			return fmt.Sprintf("the CSCA certificate %q is valid from %s to %s", c.Subject.String(),
				c.NotBefore.Format(time.DateOnly), c.NotAfter.Format(time.DateOnly))
		}
		if c.IssuedBy(c) && c.CheckSignatureFrom(c) == nil {
			return ""
		}
		var parent *pki.Certificate
		for _, p := range v.cscas {
			if p != c && c.IssuedBy(p) && c.CheckSignatureFrom(p) == nil {
				parent = p
				break
			}
		}
		if parent == nil {
			return fmt.Sprintf("the link certificate %q leads to no self-signed CSCA qes trusts", c.Subject.String())
		}
		c = parent
	}
	return "the CSCA link certificates form too long a chain"
}

func (v *verifier) checkDSC(context.Context) error {
	if !v.dsc.ValidAt(v.in.Now) {
		return fail(DSCExpired, "the Document Signer certificate is valid from %s to %s", v.dsc.NotBefore.Format(time.RFC3339), v.dsc.NotAfter.Format(time.RFC3339))
	}
	if v.dsc.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return fail(DSCExpired, "the Document Signer certificate lacks the digitalSignature key usage")
	}
	return nil
}

func (v *verifier) checkCRL(ctx context.Context) error {
	ders, err := v.in.Trust.CRLs(ctx, v.country)
	if err != nil {
		return fmt.Errorf("emrtd: reading the CRLs of %s: %w", v.country, err)
	}
	// A CSCA CRL covers every certificate issued under the CSCA's name,
	// whichever of its keys (after a key rollover) signed the CRL.
	var best *pki.CRL
	for _, der := range ders {
		crl, err := pki.ParseCRL(der)
		if err != nil || !v.signedByCSCA(crl) {
			continue
		}
		if crl.IsRevoked(v.dsc.SerialNumber) {
			at, _ := crl.RevokedAt(v.dsc.SerialNumber)
			return fail(DSCRevoked, "the CSCA revoked the Document Signer certificate (serial %x) on %s", v.dsc.SerialNumber, at.Format(time.DateOnly))
		}
		if best == nil || crl.ThisUpdate.After(best.ThisUpdate) {
			best = crl
		}
	}
	if best == nil {
		return fail(CRLStale, "qes holds no CRL of the CSCA %q", v.csca.Subject.String())
	}
	v.report.CRLThisUpdate, v.report.CRLNextUpdate = best.ThisUpdate, best.NextUpdate
	if !best.FreshAt(v.in.Now) {
		return fail(CRLStale, "the newest CRL of the CSCA %q is valid from %s to %s", v.csca.Subject.String(),
			best.ThisUpdate.Format(time.RFC3339), best.NextUpdate.Format(time.RFC3339))
	}
	v.report.Checks.CRL = outcomeOK
	// SOD signature, DSC, chain and CRL: passive authentication is done
	// (the data-group hashes were checked before the chain).
	v.report.Checks.PassiveAuthentication = outcomeOK
	return nil
}

func (v *verifier) signedByCSCA(crl *pki.CRL) bool {
	for _, c := range v.cscas {
		if pki.SameName(c.RawSubject, v.csca.RawSubject) && crl.IssuedBy(c) && crl.CheckSignatureFrom(c) == nil {
			return true
		}
	}
	return false
}

func (v *verifier) checkExpiry(context.Context) error {
	exp, err := lds.ExpiryDate(v.mrz.DateOfExpiry, v.in.Now)
	if err != nil {
		return fail(MRZCheckDigit, "DG1's date of expiry %q is no date", v.mrz.DateOfExpiry)
	}
	d := &v.report.Document
	d.DateOfExpiry = exp.Format(time.DateOnly)
	d.ExpiresAt = exp.AddDate(0, 0, 1).Add(-time.Nanosecond)
	if v.in.Now.After(d.ExpiresAt) {
		return fail(DocumentExpired, "the document expired on %s", d.DateOfExpiry)
	}
	v.report.Checks.DocumentValid = outcomeOK
	return nil
}

// normalizeTyped turns what the applicant typed into the MRZ's form.
func normalizeTyped(s string) string {
	s = strings.ToUpper(s)
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '<' || r == '-' {
			return -1
		}
		return r
	}, s)
}

func (v *verifier) checkMRZ(context.Context) error {
	if err := v.mrz.CheckDigits(); err != nil {
		return fail(MRZCheckDigit, "%v", err)
	}
	t := v.in.Typed
	switch {
	case subtle.ConstantTimeCompare([]byte(normalizeTyped(t.DocumentNumber)), []byte(v.mrz.DocumentNumber)) != 1:
		return fail(MRZMismatch, "the document number typed is not the chip's")
	case t.DateOfBirth != v.mrz.DateOfBirth:
		return fail(MRZMismatch, "the date of birth typed is not the chip's")
	case t.DateOfExpiry != v.mrz.DateOfExpiry:
		return fail(MRZMismatch, "the date of expiry typed is not the chip's")
	case t.DocumentCodes != "" && (v.mrz.DocumentCode == "" || !strings.Contains(t.DocumentCodes, v.mrz.DocumentCode[:1])):
		return fail(MRZMismatch, "the chip is of another kind of document (code %q) than the one chosen", v.mrz.DocumentCode)
	}
	v.report.Checks.MRZMatchesInput = outcomeOK
	return nil
}

func (v *verifier) checkTaxCode(context.Context) error {
	cf := strings.ToUpper(strings.TrimSpace(v.in.TaxCode))
	if cf == "" {
		v.report.Checks.TaxCodeConsistent = outcomeNotApplicable
		return nil
	}
	if chip := v.report.Document.TaxCode; chip != "" && chip != cf {
		return fail(TaxCodeMismatch, "the tax code given is not the one on the chip (DG11)")
	}
	p := codicefiscale.Person{Surname: v.mrz.Surname, GivenNames: v.mrz.GivenNames, Birth: v.birth, Sex: v.mrz.Sex}
	if v.dg11 != nil && v.dg11.FullName != "" {
		// DG11's full name is not cut to the MRZ's width.
		sur, giv, _ := strings.Cut(v.dg11.FullName, "<<")
		p.Surname, p.GivenNames = sur, giv
	}
	if p.Birth.IsZero() {
		return fail(TaxCodeMismatch, "the chip holds no full date of birth to compare the tax code with")
	}
	if err := codicefiscale.CheckPerson(cf, p); err != nil {
		return fail(TaxCodeMismatch, "the tax code given does not agree with the chip: %v", err)
	}
	v.report.Checks.TaxCodeConsistent = outcomeOK
	return nil
}

// AAChallengeLen is the length of the Active Authentication challenge
// (Doc 9303-11 §6.1: INTERNAL AUTHENTICATE with 8 bytes).
const AAChallengeLen = 8

func (v *verifier) checkAA(context.Context) error {
	b, ok := v.in.Files["DG15"]
	if !ok {
		v.report.Checks.ActiveAuthentication = outcomeNotSupported
		return nil
	}
	if len(v.in.Challenge) != AAChallengeLen {
		return fail(ActiveAuthenticationFailed, "the challenge has %d bytes, want %d", len(v.in.Challenge), AAChallengeLen)
	}
	if len(v.in.AASignature) == 0 {
		return fail(ActiveAuthenticationFailed, "the chip has an Active Authentication key (DG15) but no answer to the challenge was sent")
	}
	spki, err := lds.ParseDG15(b)
	if err != nil {
		return fail(SODMalformed, "DG15: %v", err)
	}
	pub, err := pki.ParsePublicKey(spki)
	if err != nil {
		return fail(ActiveAuthenticationFailed, "the Active Authentication key in DG15: %v", err)
	}
	var alg asn1.ObjectIdentifier
	if dg14, ok := v.in.Files["DG14"]; ok {
		info, err := lds.ParseDG14(dg14)
		if err != nil {
			return fail(SODMalformed, "DG14: %v", err)
		}
		alg = info.AASignatureAlgorithm
	}
	if err := pki.VerifyActiveAuthentication(pub, v.in.Challenge, v.in.AASignature, alg); err != nil {
		return fail(ActiveAuthenticationFailed, "the chip's answer to the challenge does not verify: %v", err)
	}
	v.report.Checks.ActiveAuthentication = outcomeVerified
	return nil
}

func certInfo(c *pki.Certificate) CertInfo {
	sum := sha256.Sum256(c.Raw)
	return CertInfo{
		Subject:   c.Subject.String(),
		Serial:    fmt.Sprintf("%x", c.SerialNumber),
		NotBefore: c.NotBefore,
		NotAfter:  c.NotAfter,
		SHA256:    hex.EncodeToString(sum[:]),
	}
}
