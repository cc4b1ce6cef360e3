package ca

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/oids"
)

// maxNameRunes bounds givenName, surname and commonName: RFC 5280
// ub-common-name is 64 and zlint warns above 64 for the given and surname
// (X.411 ub-common-name-length), which many relying-party tools assume.
const maxNameRunes = 64

// NaturalPerson is the subject of a qualified certificate for a natural
// person (ETSI EN 319 412-2 section 4.2.4). The values must be the verified
// identity; the CA does not alter them.
type NaturalPerson struct {
	Country      string // ISO 3166-1 alpha-2, e.g. "IT"
	GivenName    string // all given names, as in the identity document
	Surname      string
	SerialNumber string // natural person semantics identifier, e.g. "TINIT-RSSMRA80A01H501U"
	CommonName   string // optional; default "GivenName Surname"
	Email        string // optional; goes into subjectAltName rfc822Name
}

// normalized validates the subject and fills in the defaults.
func (p NaturalPerson) normalized() (NaturalPerson, error) {
	if !isCountryCode(p.Country) {
		return p, errs.M(errs.InvalidRequest, msg.CACountryNotISO, printableForError(p.Country))
	}
	if err := validateName("given name", p.GivenName); err != nil {
		return p, err
	}
	if err := validateName("surname", p.Surname); err != nil {
		return p, err
	}
	if _, err := ParseSemanticsIdentifier(p.SerialNumber); err != nil {
		return p, err
	}
	if p.CommonName == "" {
		p.CommonName = p.GivenName + " " + p.Surname
		if utf8.RuneCountInString(p.CommonName) > maxNameRunes {
			return p, errs.M(errs.InvalidRequest, msg.CACommonNameTooLong, maxNameRunes)
		}
	}
	if err := validateName("common name", p.CommonName); err != nil {
		return p, err
	}
	if p.Email != "" {
		if err := validateEmail(p.Email); err != nil {
			return p, err
		}
	}
	return p, nil
}

// validateName accepts printable UTF-8 without leading/trailing or doubled
// spaces, at most maxNameRunes characters.
func validateName(what, s string) error {
	switch {
	case s == "":
		return errs.M(errs.InvalidRequest, msg.CAFieldRequired, what)
	case !utf8.ValidString(s):
		return errs.M(errs.InvalidRequest, msg.CAFieldNotUTF8, what)
	case utf8.RuneCountInString(s) > maxNameRunes:
		return errs.M(errs.InvalidRequest, msg.CAFieldTooLong, what, maxNameRunes)
	case strings.TrimSpace(s) != s || strings.Contains(s, "  "):
		return errs.M(errs.InvalidRequest, msg.CAFieldSpaces, what)
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return errs.M(errs.InvalidRequest, msg.CAFieldNonPrintable, what)
		}
	}
	return nil
}

// validateEmail accepts a bare ASCII addr-spec (rfc822Name is an IA5String).
func validateEmail(s string) error {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" || !isIA5(s) || strings.ContainsAny(s, " \"") {
		return errs.M(errs.InvalidRequest, msg.CAEmailNotASCII, printableForError(s))
	}
	return nil
}

// rawSubject encodes the subject with explicit string types: countryName and
// serialNumber are PrintableString (X.520), names are UTF8String (RFC 5280
// section 4.1.2.6 prefers UTF8String for DirectoryString).
func (p NaturalPerson) rawSubject() ([]byte, error) {
	rdn := pkix.RDNSequence{
		{atv(oids.AttrCountryName, asn1.TagPrintableString, p.Country)},
		{atv(oids.AttrSurname, asn1.TagUTF8String, p.Surname)},
		{atv(oids.AttrGivenName, asn1.TagUTF8String, p.GivenName)},
		{atv(oids.AttrSerialNumber, asn1.TagPrintableString, p.SerialNumber)},
		{atv(oids.AttrCommonName, asn1.TagUTF8String, p.CommonName)},
	}
	der, err := asn1.Marshal(rdn)
	return der, errs.Internalf(err, "encode subject")
}

func atv(oid asn1.ObjectIdentifier, tag int, v string) pkix.AttributeTypeAndValue {
	return pkix.AttributeTypeAndValue{Type: oid, Value: asn1.RawValue{Class: asn1.ClassUniversal, Tag: tag, Bytes: []byte(v)}}
}

// validateOrgSubject checks a CA, OCSP responder or TSA subject: it needs
// countryName, organizationName and commonName (ETSI EN 319 412-2 section
// 4.2.3.1 for issuers, EN 319 422 for TSUs).
func validateOrgSubject(what string, n pkix.Name) error {
	if len(n.Country) != 1 || !isCountryCode(n.Country[0]) {
		return errs.M(errs.InvalidRequest, msg.CASubjectNeedsCountry, what)
	}
	if len(n.Organization) != 1 {
		return errs.M(errs.InvalidRequest, msg.CASubjectNeedsOrganization, what)
	}
	if err := validateName(what+" organization name", n.Organization[0]); err != nil {
		return err
	}
	if err := validateName(what+" common name", n.CommonName); err != nil {
		return err
	}
	return nil
}
