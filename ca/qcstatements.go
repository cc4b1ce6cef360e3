package ca

import (
	"encoding/asn1"
	"fmt"
	"net/url"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// PDSLocation is one PKI disclosure statement: an https URL and the ISO 639-1
// language of the document (ETSI EN 319 412-5 section 4.3.4).
type PDSLocation struct {
	URL      string
	Language string
}

// QCStatements is the content of the qcStatements extension (RFC 3739) as
// far as ETSI EN 319 412-1 and EN 319 412-5 define it.
type QCStatements struct {
	// SemanticsID is the semanticsIdentifier of an id-qcs-pkixQCSyntax-v2
	// statement (nil if absent), e.g. OIDSemanticsIDNatural.
	SemanticsID asn1.ObjectIdentifier
	// Compliance is QcCompliance: an EU qualified certificate.
	Compliance bool
	// RetentionYears is QcRetentionPeriod in years; 0 means absent.
	RetentionYears int
	// SSCD is QcSSCD: the private key is in a QSCD.
	SSCD bool
	// PDS are the QcPDS locations; empty means absent.
	PDS []PDSLocation
	// Types are the QcType values, e.g. OIDQcTypeESign; empty means absent.
	Types []asn1.ObjectIdentifier
	// Unknown lists statements this package does not interpret (parse only).
	Unknown []asn1.ObjectIdentifier
}

type qcStatement struct {
	ID   asn1.ObjectIdentifier
	Info asn1.RawValue `asn1:"optional"`
}

type semanticsInformation struct {
	ID asn1.ObjectIdentifier `asn1:"optional"`
}

type pdsLocation struct {
	URL      string `asn1:"ia5"`
	Language string `asn1:"printable"`
}

// Marshal encodes the statements as the DER value of the qcStatements
// extension. The extension must be non-critical (EN 319 412-5 section 4.1).
func (q QCStatements) Marshal() ([]byte, error) {
	var stmts []qcStatement
	add := func(id asn1.ObjectIdentifier, info any) error {
		s := qcStatement{ID: id}
		if info != nil {
			der, err := asn1.Marshal(info)
			if err != nil {
				return fmt.Errorf("encode QC statement %v: %w", id, err)
			}
			s.Info = asn1.RawValue{FullBytes: der}
		}
		stmts = append(stmts, s)
		return nil
	}
	var err error
	if q.SemanticsID != nil {
		err = add(OIDQCSyntaxV2, semanticsInformation{ID: q.SemanticsID})
	}
	if err == nil && q.Compliance {
		err = add(OIDQcCompliance, nil)
	}
	if err == nil && q.RetentionYears != 0 {
		err = add(OIDQcRetentionPeriod, q.RetentionYears)
	}
	if err == nil && q.SSCD {
		err = add(OIDQcSSCD, nil)
	}
	if err == nil && len(q.PDS) > 0 {
		locs := make([]pdsLocation, len(q.PDS))
		for i, p := range q.PDS {
			locs[i] = pdsLocation{URL: p.URL, Language: p.Language}
		}
		err = add(OIDQcPDS, locs)
	}
	if err == nil && len(q.Types) > 0 {
		err = add(OIDQcType, q.Types)
	}
	if err != nil {
		return nil, err
	}
	if len(stmts) == 0 {
		return nil, fmt.Errorf("no QC statements to encode")
	}
	return asn1.Marshal(stmts)
}

// ParseQCStatements decodes the DER value of a qcStatements extension. It is
// strict: trailing bytes, duplicate statements, statement information on
// QcCompliance/QcSSCD, wrong string types and non-positive retention periods
// are errors (errs.InvalidRequest).
func ParseQCStatements(der []byte) (QCStatements, error) {
	var q QCStatements
	var stmts []qcStatement
	if err := unmarshalAll(der, &stmts); err != nil {
		return q, errs.WrapM(err, errs.InvalidRequest, msg.CAMalformedQCStatements)
	}
	if len(stmts) == 0 {
		return q, errs.M(errs.InvalidRequest, msg.CAQCStatementsEmpty)
	}
	seen := make(map[string]bool)
	for _, s := range stmts {
		key := s.ID.String()
		if seen[key] {
			return q, errs.M(errs.InvalidRequest, msg.CAQCStatementAppearsTwice, key)
		}
		seen[key] = true
		if err := q.parseStatement(s); err != nil {
			return QCStatements{}, err
		}
	}
	return q, nil
}

func (q *QCStatements) parseStatement(s qcStatement) error {
	hasInfo := len(s.Info.FullBytes) > 0
	// why is a catalogue message (msg.Message) or, for a nested error, its
	// quoted message.
	bad := func(why any) error {
		return errs.M(errs.InvalidRequest, msg.CAQCStatementInvalid, s.ID, why)
	}
	switch {
	case s.ID.Equal(OIDQcCompliance), s.ID.Equal(OIDQcSSCD):
		if hasInfo {
			return bad(msg.Message{ID: msg.CAQCNoInfoAllowed})
		}
		if s.ID.Equal(OIDQcCompliance) {
			q.Compliance = true
		} else {
			q.SSCD = true
		}
	case s.ID.Equal(OIDQcRetentionPeriod):
		var years int
		if !hasInfo || unmarshalAll(s.Info.FullBytes, &years) != nil {
			return bad(msg.Message{ID: msg.CAQCRetentionNotInteger})
		}
		if years < 1 {
			return bad(msg.Message{ID: msg.CAQCRetentionTooShort})
		}
		q.RetentionYears = years
	case s.ID.Equal(OIDQcType):
		var types []asn1.ObjectIdentifier
		if !hasInfo || unmarshalAll(s.Info.FullBytes, &types) != nil || len(types) == 0 {
			return bad(msg.Message{ID: msg.CAQCTypeEmpty})
		}
		q.Types = types
	case s.ID.Equal(OIDQcPDS):
		locs, err := parsePDS(s.Info.FullBytes)
		if err != nil {
			return bad(errs.Quoted(err))
		}
		q.PDS = locs
	case s.ID.Equal(OIDQCSyntaxV2):
		var si semanticsInformation
		if !hasInfo || unmarshalAll(s.Info.FullBytes, &si) != nil || si.ID == nil {
			return bad(msg.Message{ID: msg.CAQCNoSemanticsIdentifier})
		}
		q.SemanticsID = si.ID
	default:
		q.Unknown = append(q.Unknown, s.ID)
	}
	return nil
}

func parsePDS(der []byte) ([]PDSLocation, error) {
	var raw []struct {
		URL      asn1.RawValue
		Language asn1.RawValue
	}
	if len(der) == 0 || unmarshalAll(der, &raw) != nil || len(raw) == 0 {
		return nil, errs.M(errs.InvalidRequest, msg.CAQCPDSEmpty)
	}
	locs := make([]PDSLocation, len(raw))
	for i, r := range raw {
		if r.URL.Class != asn1.ClassUniversal || r.URL.Tag != asn1.TagIA5String {
			return nil, errs.M(errs.InvalidRequest, msg.CAQCPDSURLNotIA5String)
		}
		if r.Language.Class != asn1.ClassUniversal || r.Language.Tag != asn1.TagPrintableString || len(r.Language.Bytes) != 2 {
			return nil, errs.M(errs.InvalidRequest, msg.CAQCPDSLanguage)
		}
		locs[i] = PDSLocation{URL: string(r.URL.Bytes), Language: string(r.Language.Bytes)}
	}
	return locs, nil
}

// unmarshalAll decodes der into v and refuses trailing bytes.
func unmarshalAll(der []byte, v any) error {
	rest, err := asn1.Unmarshal(der, v)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("%d trailing bytes", len(rest))
	}
	return nil
}

// validatePDS checks PDS locations before they are put in a certificate:
// https URLs (EN 319 412-5 QCS-4.3.4-03), lower-case ISO 639-1 codes, one
// entry per language and an English one (EN 319 411-1 requires a PDS in
// English).
func validatePDS(locs []PDSLocation) error {
	if len(locs) == 0 {
		return errs.M(errs.InvalidRequest, msg.CAPDSRequired)
	}
	seen := make(map[string]bool)
	for _, p := range locs {
		u, err := url.Parse(p.URL)
		if err != nil || u.Scheme != "https" || u.Host == "" || !isIA5(p.URL) {
			return errs.M(errs.InvalidRequest, msg.CAPDSURLAbsoluteHttpsURL, printableForError(p.URL))
		}
		if len(p.Language) != 2 || !isLowerLetter(p.Language[0]) || !isLowerLetter(p.Language[1]) {
			return errs.M(errs.InvalidRequest, msg.CAPDSLanguageNotISO, printableForError(p.Language))
		}
		if seen[p.Language] {
			return errs.M(errs.InvalidRequest, msg.CAPDSLanguageListedTwice, p.Language)
		}
		seen[p.Language] = true
	}
	if !seen["en"] {
		return errs.M(errs.InvalidRequest, msg.CAPDSEnglishRequired)
	}
	return nil
}

// isIA5 reports whether s is 7-bit ASCII without control characters.
func isIA5(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
