// Package emrtd verifies on the server what the chip of an ePassport or an
// electronic identity card (Italian CIE) holds, following ICAO Doc 9303
// parts 10 and 11: passive authentication (SOD signature, Document Signer,
// chain to a CSCA of the issuing state, CSCA CRL, data-group hashes), the
// MRZ, and Active Authentication over a challenge the server chose. It is
// pure: trust comes in through the Trust interface, time through Input.Now.
//
// Every refusal is an *Error whose Code names the failed check, so that the
// app, the evidence and the officer all see the same reason.
package emrtd

import (
	"context"
	"time"
)

// Code names one failed check.
type Code string

// The checks' codes, in the order Verify runs them (Verify's comment says
// why; a data group that is signed but cannot be parsed is reported as
// sod_malformed after the hash checks).
const (
	SODMalformed               Code = "sod_malformed"
	DGRequired                 Code = "dg_required"
	SODSignatureInvalid        Code = "sod_signature_invalid"
	DGHashMismatch             Code = "dg_hash_mismatch"
	DGNotInSOD                 Code = "dg_not_in_sod"
	CSCAUntrusted              Code = "csca_untrusted"
	DSCExpired                 Code = "dsc_expired"
	DSCRevoked                 Code = "dsc_revoked"
	CRLStale                   Code = "crl_stale"
	DocumentExpired            Code = "document_expired"
	MRZCheckDigit              Code = "mrz_check_digit"
	MRZMismatch                Code = "mrz_mismatch"
	TaxCodeMismatch            Code = "tax_code_mismatch"
	ActiveAuthenticationFailed Code = "active_authentication_failed"
)

// Codes lists every code, for tables and tests.
var Codes = []Code{SODMalformed, DGRequired, SODSignatureInvalid, DGHashMismatch, DGNotInSOD, CSCAUntrusted,
	DSCExpired, DSCRevoked, CRLStale, DocumentExpired, MRZCheckDigit, MRZMismatch, TaxCodeMismatch,
	ActiveAuthenticationFailed}

// Error is a refused chip reading.
type Error struct {
	Code Code
	// Detail says what was wrong in words an officer can act on; it never
	// holds personal data beyond the document's own fields.
	Detail string
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Detail }

// Typed is what the applicant typed in the app before reading the chip
// (the BAC/PACE-MRZ key): it must equal DG1.
type Typed struct {
	DocumentNumber string // as printed, without filler
	DateOfBirth    string // YYMMDD
	DateOfExpiry   string // YYMMDD
	// DocumentCodes, when not empty, are the first letters of the
	// document codes the applicant's choice allows ("P" for a passport,
	// "ACI" for an identity card): a chip of another kind is refused as
	// mrz_mismatch.
	DocumentCodes string
}

// Input is one chip reading to verify.
type Input struct {
	// Files by name: "SOD" (required), "DG1", "DG2" (required), "DG11",
	// "DG12", "DG13", "DG14", "DG15", "COM", "CardAccess", "CardSecurity".
	Files map[string][]byte
	Typed Typed
	// Challenge is the 8-byte Active Authentication challenge the server
	// issued for this session; AASignature the chip's answer (nil when
	// the chip has no DG15).
	Challenge   []byte
	AASignature []byte
	// TaxCode, when not empty, is the tax code the applicant gave in the
	// details form: it must agree with the chip's name, surname and date
	// of birth (and with DG11's tax code when the chip holds one).
	TaxCode string
	Trust   Trust
	Now     time.Time
}

// Trust is qes's own store of CSCA certificates and CRLs.
type Trust interface {
	// CSCAs returns the CSCA certificates (DER), link certificates
	// included, trusted for documents of country (ISO 3166-1 alpha-2).
	CSCAs(ctx context.Context, country string) ([][]byte, error)
	// CRLs returns the CSCA CRLs (DER) kept for country.
	CRLs(ctx context.Context, country string) ([][]byte, error)
}

// Report is a chip reading that passed every check.
type Report struct {
	Document Document
	Checks   Checks
	// HashAlgorithm of the SOD's data-group hashes ("SHA-256", ...) and
	// SignatureAlgorithm of the SOD signature ("ecdsa-with-SHA256",
	// "RSASSA-PSS", ...).
	HashAlgorithm      string
	SignatureAlgorithm string
	DSC                CertInfo
	CSCA               CertInfo
	// CRLThisUpdate and CRLNextUpdate of the CSCA CRL that was checked.
	CRLThisUpdate, CRLNextUpdate time.Time
	// Face is the first DG2 portrait as the chip holds it.
	Face Image
}

// Document is what the chip says about the holder and the document.
type Document struct {
	DocumentCode     string // "P", "ID", "I<", ...: DG1's first two characters
	IssuingState     string // ICAO code as in DG1 ("ITA", "D", "AUT")
	IssuingCountry   string // ISO 3166-1 alpha-2 ("IT", "DE", "AT")
	DocumentNumber   string
	Surname          string
	GivenNames       string
	Nationality      string    // ICAO code as in DG1
	DateOfBirth      string    // YYYY-MM-DD (century resolved against Now)
	Sex              string    // "M", "F" or "<"
	DateOfExpiry     string    // YYYY-MM-DD
	OptionalData     string    // DG1 optional data (personal number)
	TaxCode          string    // DG11 personal number when it is an Italian tax code
	FullName         string    // DG11 full name, when present
	PlaceOfBirth     string    // DG11
	Address          string    // DG11 permanent address
	IssuingAuthority string    // DG12
	DateOfIssue      string    // DG12, YYYY-MM-DD
	MRZ              string    // DG1's MRZ, lines joined by "\n"
	ExpiresAt        time.Time // end of the day of expiry, UTC
}

// Checks are the outcomes of the checks that passed or did not apply:
// "ok", "verified", "not_supported" (no DG15: the chip can be cloned),
// "not_applicable" (no tax code to compare).
type Checks struct {
	PassiveAuthentication string `json:"passiveAuthentication"`
	CSCA                  string `json:"csca"`
	CRL                   string `json:"crl"`
	DGHashes              string `json:"dgHashes"`
	ActiveAuthentication  string `json:"activeAuthentication"`
	DocumentValid         string `json:"documentValid"`
	MRZMatchesInput       string `json:"mrzMatchesInput"`
	TaxCodeConsistent     string `json:"taxCodeConsistent"`
}

// CertInfo describes a certificate of the chain.
type CertInfo struct {
	Subject   string
	Serial    string // hex
	NotBefore time.Time
	NotAfter  time.Time
	SHA256    string // hex fingerprint of the DER
}

// Image is a portrait as stored on the chip.
type Image struct {
	Format string // "jpeg" or "jp2"
	Data   []byte
}
