package ca

import (
	"strings"

	"github.com/qesproject/qes/internal/codicefiscale"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// Natural person identity type references (ETSI EN 319 412-1 section 5.1.3).
const (
	IdentityPassport = "PAS" // passport number
	IdentityIDCard   = "IDC" // national identity card number
	IdentityPersonal = "PNO" // national personal (civic registration) number
	IdentityTaxOld   = "TAX" // personal tax reference; deprecated by ETSI in favour of TIN
	IdentityTIN      = "TIN" // Tax Identification Number (European Commission TIN list)
)

// maxSerialNumberAttr is ub-serial-number (X.520): the semantics identifier
// is carried in the subject serialNumber attribute.
const maxSerialNumberAttr = 64

// SemanticsIdentifier is a natural person semantics identifier as carried in
// the subject serialNumber attribute (ETSI EN 319 412-1 section 5.1.3): a
// three-character identity type reference, an ISO 3166-1 country code, a
// hyphen and the identifier, e.g. "TINIT-RSSMRA80A01H501U". A national
// scheme uses two characters and a colon as its type ("EI:SE-...").
type SemanticsIdentifier struct {
	Type       string // "PAS", "IDC", "PNO", "TAX", "TIN", or a national "XX:"
	Country    string // ISO 3166-1 alpha-2 (EL and XK also accepted)
	Identifier string // the number itself, as issued by the country
}

// String renders the identifier in its serialNumber form.
func (s SemanticsIdentifier) String() string { return s.Type + s.Country + "-" + s.Identifier }

// ParseSemanticsIdentifier parses and validates a natural person semantics
// identifier. Malformed input yields errs.InvalidRequest naming the problem.
// The identifier part may contain letters, digits and "-./+" (a Swedish
// personal number uses "+"); country-specific rules apply where this package
// knows them (Italian codice fiscale check character for TINIT/TAXIT).
func ParseSemanticsIdentifier(s string) (SemanticsIdentifier, error) {
	if len(s) > maxSerialNumberAttr {
		return SemanticsIdentifier{}, errs.M(errs.InvalidRequest, msg.CASemanticsIdentifierTooLong, maxSerialNumberAttr)
	}
	// Shortest form: type (3) + country (2) + "-" + one identifier character.
	if len(s) < 7 {
		return SemanticsIdentifier{}, errs.M(errs.InvalidRequest, msg.CASemanticsIdentifierTooShort)
	}
	typ := s[:3]
	if !isIdentityType(typ) {
		return SemanticsIdentifier{}, errs.M(errs.InvalidRequest,
			msg.CASemanticsIdentifierTypeUnknown, printableForError(typ))
	}
	country := s[3:5]
	if !isIdentifierCountryCode(country) {
		return SemanticsIdentifier{}, errs.M(errs.InvalidRequest, msg.CASemanticsIdentifierCountry, printableForError(country))
	}
	if s[5] != '-' {
		return SemanticsIdentifier{}, errs.M(errs.InvalidRequest, msg.CASemanticsIdentifierNoDash)
	}
	id := s[6:]
	for i := 0; i < len(id); i++ {
		if !isIdentifierChar(id[i]) {
			return SemanticsIdentifier{}, errs.M(errs.InvalidRequest, msg.CASemanticsIdentifierCharacters)
		}
	}
	if id[0] == '-' || id[len(id)-1] == '-' {
		return SemanticsIdentifier{}, errs.M(errs.InvalidRequest, msg.CASemanticsIdentifierDashEnds)
	}
	sid := SemanticsIdentifier{Type: typ, Country: country, Identifier: id}
	if err := checkNationalRules(sid); err != nil {
		return SemanticsIdentifier{}, err
	}
	return sid, nil
}

func isIdentityType(t string) bool {
	switch t {
	case IdentityPassport, IdentityIDCard, IdentityPersonal, IdentityTaxOld, IdentityTIN:
		return true
	}
	// National scheme: two characters of local definition, then ':'.
	return isUpperAlnum(t[0]) && isUpperAlnum(t[1]) && t[2] == ':'
}

func isUpperAlnum(c byte) bool { return c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' }

func isIdentifierChar(c byte) bool {
	return isUpperAlnum(c) || c >= 'a' && c <= 'z' || strings.IndexByte("-./+", c) >= 0
}

// printableForError keeps error details safe to display (no control bytes).
func printableForError(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r > 0x7e {
			return '?'
		}
		return r
	}, s)
}

// checkNationalRules applies the identifier rules this package knows.
func checkNationalRules(s SemanticsIdentifier) error {
	if s.Country == "IT" && (s.Type == IdentityTIN || s.Type == IdentityTaxOld) {
		return codicefiscale.Check(s.Identifier)
	}
	return nil
}

func isLowerLetter(c byte) bool { return c >= 'a' && c <= 'z' }
