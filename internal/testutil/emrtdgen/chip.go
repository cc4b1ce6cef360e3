package emrtdgen

import (
	"context"
	"crypto"
	"math/big"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/qesproject/qes/emrtd"
	"github.com/qesproject/qes/emrtd/ec"
	"github.com/qesproject/qes/emrtd/lds"
)

// Options describe one generated document; the zero value is a valid
// passport of Mario Rossi under a brainpool CSCA with EC Active
// Authentication, read at DefaultNow.
type Options struct {
	Kind   Kind
	Holder *Holder // nil: DefaultHolder(Kind)
	// Now is the moment of the reading; validity windows are built
	// around it. Zero: DefaultNow.
	Now time.Time

	// CSCAKey and DSCKey sign the certificates and the SOD. nil: for a
	// CIE RSA-PSS 2048/SHA-256 (the Italian CSCAs are RSA-PSS); for a
	// passport brainpoolP384r1 (CSCA) and brainpoolP256r1 (DSC), both
	// with explicit domain parameters.
	CSCAKey, DSCKey *Key
	// CSCA, when set, is used instead of generating one (several
	// documents of one state); CSCAKey is then ignored.
	CSCA *Issued
	// Hash of the LDSSecurityObject and the SOD signature. Zero: SHA-256.
	Hash crypto.Hash

	// AAKey is the chip's Active Authentication key. nil: RSA 1024 for a
	// CIE, brainpoolP256r1 for a passport. NoAA leaves DG15 (and DG14's
	// ActiveAuthenticationInfo) out: a chip that can be cloned.
	AAKey *AAKey
	NoAA  bool

	// FaceJP2 stores the portrait as JPEG 2000 (needs opj_compress; the
	// test is skipped without it). Otherwise JPEG.
	FaceJP2 bool
	// NoDG11, NoDG12 leave those data groups out.
	NoDG11, NoDG12 bool

	// CorruptDigit writes a wrong MRZ check digit (a Digit* constant);
	// the SOD still vouches for that DG1.
	CorruptDigit string
	// DSCNotBefore, DSCNotAfter override the DSC's validity (zero: Now
	// minus a year, Now plus two years).
	DSCNotBefore, DSCNotAfter time.Time
	// RevokeDSC lists the DSC on the CSCA's CRL.
	RevokeDSC bool
	// CRLThisUpdate, CRLNextUpdate override the CRL's window (zero: Now
	// minus a day, Now plus thirty days).
	CRLThisUpdate, CRLNextUpdate time.Time
	// Link issues the DSC under a new CSCA key that a link certificate
	// from the original CSCA vouches for; the trust holds both.
	Link bool
}

// DefaultNow is the reading time when Options.Now is zero.
var DefaultNow = time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)

// Document is a generated chip reading with everything a test of
// emrtd.Verify needs.
type Document struct {
	Kind   Kind
	Holder Holder
	Now    time.Time
	// Files are the chip's files by emrtd.Input's names.
	Files map[string][]byte
	// Typed is what the applicant types (DG1's document number and
	// dates); TaxCode the holder's tax code as the details form has it.
	Typed   emrtd.Typed
	TaxCode string
	// Trust holds the CSCA (and link certificate) and the CRL for the
	// issuing state.
	Trust *Trust
	// CSCA, DSC and CRL as generated.
	CSCA, DSC *Issued
	CRL       []byte
	Chip      *Chip
	// Face is the portrait DG2 holds.
	Face emrtd.Image
}

// Chip answers Active Authentication like the document's chip.
type Chip struct {
	aa *AAKey
}

// InternalAuthenticate is the chip's signature over challenge, nil when
// the chip has no Active Authentication key.
func (c *Chip) InternalAuthenticate(challenge []byte) []byte {
	if c == nil || c.aa == nil {
		return nil
	}
	return c.aa.Sign(challenge)
}

// Trust is an emrtd.Trust holding one state's CSCAs and CRLs. It is safe
// for concurrent readings.
type Trust struct {
	Country  string // ISO 3166-1 alpha-2
	CSCADERs [][]byte
	CRLDERs  [][]byte
	Err      error // returned by both methods when set

	mu         sync.Mutex
	lookedUpBy []string
}

// CSCAs implements emrtd.Trust.
func (t *Trust) CSCAs(_ context.Context, country string) ([][]byte, error) {
	t.mu.Lock()
	t.lookedUpBy = append(t.lookedUpBy, country)
	t.mu.Unlock()
	if t.Err != nil {
		return nil, t.Err
	}
	if country != t.Country {
		return nil, nil
	}
	return t.CSCADERs, nil
}

// CRLs implements emrtd.Trust.
func (t *Trust) CRLs(_ context.Context, country string) ([][]byte, error) {
	if t.Err != nil {
		return nil, t.Err
	}
	if country != t.Country {
		return nil, nil
	}
	return t.CRLDERs, nil
}

// LookedUp lists the countries CSCAs was asked for.
func (t *Trust) LookedUp() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.lookedUpBy)
}

// Challenge is a fixed 8-byte Active Authentication challenge for tests.
var Challenge = []byte{0x51, 0x45, 0x53, 0x2D, 0x41, 0x41, 0x01, 0x02}

// Input is the emrtd.Input of a reading of the document: its files, what
// the applicant typed, the chip's answer to challenge, the tax code and
// the trust, at Now. Tests change fields of the result to tamper.
func (d *Document) Input(challenge []byte) emrtd.Input {
	files := make(map[string][]byte, len(d.Files))
	for k, v := range d.Files {
		files[k] = slices.Clone(v)
	}
	return emrtd.Input{
		Files:       files,
		Typed:       d.Typed,
		Challenge:   slices.Clone(challenge),
		AASignature: d.Chip.InternalAuthenticate(challenge),
		TaxCode:     d.TaxCode,
		Trust:       d.Trust,
		Now:         d.Now,
	}
}

// NewDocument generates a document, its issuing state's PKI and its chip:
// DG1 (TD1 for a CIE, TD3 for a passport), DG2 (a synthetic portrait),
// DG11, DG12, DG14 and DG15 (unless NoAA), EF.COM, the LDSSecurityObject
// over the data groups and the SOD the Document Signer signs.
func NewDocument(t testing.TB, o Options) *Document {
	t.Helper()
	now := o.Now
	if now.IsZero() {
		now = DefaultNow
	}
	h := DefaultHolder(o.Kind)
	if o.Holder != nil {
		h = *o.Holder
	}
	hash := o.Hash
	if hash == 0 {
		hash = crypto.SHA256
	}
	country, ok := lds.CountryAlpha2(h.IssuingState)
	if !ok {
		t.Fatalf("emrtdgen: issuing state %q has no ISO country", h.IssuingState)
	}
	cscaKey, dscKey, aaKey := o.CSCAKey, o.DSCKey, o.AAKey
	if o.Kind == CIE {
		if cscaKey == nil {
			cscaKey = NewRSAKey(2048, true, hash)
		}
		if dscKey == nil {
			dscKey = NewRSAKey(2048, true, hash)
		}
		if aaKey == nil {
			aaKey = NewAAKeyRSA(1024)
		}
	} else {
		if cscaKey == nil {
			cscaKey = NewECKey(ec.BrainpoolP384r1, true, crypto.SHA384)
		}
		if dscKey == nil {
			dscKey = NewECKey(ec.BrainpoolP256r1, true, hash)
		}
		if aaKey == nil {
			aaKey = NewAAKeyEC(ec.BrainpoolP256r1)
		}
	}
	if o.NoAA {
		aaKey = nil
	}

	csca := o.CSCA
	if csca == nil {
		csca = NewCSCA(country, "CSCA "+country, cscaKey, now.AddDate(-5, 0, 0), now.AddDate(10, 0, 0))
	}
	trust := &Trust{Country: country, CSCADERs: [][]byte{csca.DER}}
	issuer := csca
	if o.Link {
		next := NewCSCA(country, "CSCA "+country, NewECKey(ec.P256, false, crypto.SHA256), now.AddDate(-1, 0, 0), now.AddDate(12, 0, 0))
		link := NewLink(csca, next, false)
		// The trust holds the old CSCA and the link certificate, not
		// the new self-signed one: the chain must go through the link.
		trust.CSCADERs = append(trust.CSCADERs, link.DER)
		issuer = &Issued{DER: link.DER, Cert: link.Cert, Key: next.Key}
	}
	dscFrom, dscTo := now.AddDate(-1, 0, 0), now.AddDate(2, 0, 0)
	if !o.DSCNotBefore.IsZero() {
		dscFrom = o.DSCNotBefore
	}
	if !o.DSCNotAfter.IsZero() {
		dscTo = o.DSCNotAfter
	}
	dsc := NewDSC(issuer, dscKey, "Document Signer "+country, dscFrom, dscTo)
	crlFrom, crlTo := now.AddDate(0, 0, -1), now.AddDate(0, 0, 30)
	if !o.CRLThisUpdate.IsZero() {
		crlFrom = o.CRLThisUpdate
	}
	if !o.CRLNextUpdate.IsZero() {
		crlTo = o.CRLNextUpdate
	}
	var revoked []*big.Int
	if o.RevokeDSC {
		revoked = append(revoked, dsc.Cert.SerialNumber)
	}
	crl := NewCRL(issuer, crlFrom, crlTo, 1, revoked...)
	trust.CRLDERs = [][]byte{crl}

	dgs := map[int][]byte{1: DG1(o.Kind, h, o.CorruptDigit)}
	face := emrtd.Image{Format: lds.FormatJPEG}
	const w, hh = 240, 320
	if o.FaceJP2 {
		data, ok := FaceJP2(t, w, hh)
		if !ok {
			t.Skip("opj_compress is not installed (Debian libopenjp2-tools): no JPEG 2000 portrait")
		}
		face = emrtd.Image{Format: lds.FormatJP2, Data: data}
	} else {
		face.Data = FaceJPEG(t, w, hh)
	}
	dgs[2] = DG2(face.Format, w, hh, face.Data)
	if !o.NoDG11 {
		dgs[11] = DG11(h)
	}
	if !o.NoDG12 {
		dgs[12] = DG12(h)
	}
	if aaKey != nil {
		if alg := aaKey.Algorithm(); alg != nil {
			dgs[14] = DG14(t, alg)
		}
		dgs[15] = DG15(aaKey.SPKI())
	}
	var present []int
	files := map[string][]byte{}
	for n, b := range dgs {
		files[lds.DGName(n)] = b
		present = append(present, n)
	}
	slices.Sort(present)
	files[lds.FileCOM] = COM(present)
	lso := SecurityObject(t, hash, dgs)
	files[lds.FileSOD] = SignedData(dsc.Cert, dsc.Key, lds.OIDLDSSecurityObject, lso, hash, SignedDataOptions{EFSOD: true, SigningTime: now.Add(-time.Hour)})

	mrz := MRZ(o.Kind, h, o.CorruptDigit)
	m, err := lds.ParseMRZ(mrz)
	if err != nil {
		t.Fatalf("emrtdgen: the generated MRZ does not parse: %v", err)
	}
	return &Document{
		Kind: o.Kind, Holder: h, Now: now, Files: files,
		Typed:   emrtd.Typed{DocumentNumber: m.DocumentNumber, DateOfBirth: m.DateOfBirth, DateOfExpiry: m.DateOfExpiry},
		TaxCode: h.TaxCode, Trust: trust, CSCA: csca, DSC: dsc, CRL: crl,
		Chip: &Chip{aa: aaKey}, Face: face,
	}
}
