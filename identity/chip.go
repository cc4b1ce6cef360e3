package identity

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strings"

	"github.com/qesproject/qes/emrtd"
	"github.com/qesproject/qes/emrtd/face"
	"github.com/qesproject/qes/internal/codicefiscale"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/storage"
)

// ChipFiles are the chip files the app may send (ICAO 9303 part 10; DG3
// and DG4 are EAC-protected and never expected).
var ChipFiles = []string{"SOD", "COM", "DG1", "DG2", "DG11", "DG12", "DG13", "DG14", "DG15", "CardAccess", "CardSecurity"}

// Access is how the app opened the chip and what the applicant typed
// (the BAC/PACE-MRZ key), which must equal DG1.
type Access struct {
	Protocol       string // "BAC" or "PACE"
	Password       string // "MRZ" or "CAN"
	DocumentNumber string
	DateOfBirth    string // YYMMDD
	DateOfExpiry   string // YYMMDD
}

// ChipRead is one chip reading as the app sends it.
type ChipRead struct {
	Access      Access
	Files       map[string][]byte
	AASignature []byte
	// ChipAuthentication is the app's Chip Authentication evidence (JSON)
	// for a chip without Active Authentication: kept as evidence, not
	// verified (ENROLMENT.md 1.4 item 7: it proves possession of the chip
	// but is not fresh unless the server chose the terminal key).
	ChipAuthentication []byte
}

// ChipResult is a reading that passed.
type ChipResult struct {
	Document map[string]string
	Checks   map[string]string
	// Missing are the data the chip does not hold and the applicant is
	// asked to confirm ("address", "taxCode").
	Missing      []string
	AttemptsLeft int
}

var (
	docNumberRE = regexp.MustCompile(`^[A-Z0-9<]{1,20}$`)
	yymmddRE    = regexp.MustCompile(`^[0-9]{6}$`)
)

func checkTaxCode(cf string) error {
	if err := codicefiscale.CheckPersonal(cf); err != nil {
		return errs.M(errs.InvalidRequest, msg.AppTaxCode)
	}
	return nil
}

func (r *ChipRead) check(maxFile int) error {
	a := r.Access
	if (a.Protocol != "BAC" && a.Protocol != "PACE") || (a.Password != "MRZ" && a.Password != "CAN") ||
		!docNumberRE.MatchString(a.DocumentNumber) || !yymmddRE.MatchString(a.DateOfBirth) || !yymmddRE.MatchString(a.DateOfExpiry) {
		return errs.M(errs.InvalidRequest, msg.AppChipAccess)
	}
	if len(r.Files) == 0 {
		return errs.M(errs.InvalidRequest, msg.AppChipFiles, "no files")
	}
	for name, data := range r.Files {
		if !slices.Contains(ChipFiles, name) {
			return errs.M(errs.InvalidRequest, msg.AppChipFiles, "unexpected file "+name)
		}
		if len(data) == 0 || len(data) > maxFile {
			return errs.M(errs.InvalidRequest, msg.AppChipFiles, name+" is empty or too large")
		}
	}
	if len(r.ChipAuthentication) > 16<<10 || len(r.ChipAuthentication) > 0 && !json.Valid(r.ChipAuthentication) {
		return errs.M(errs.InvalidRequest, msg.AppChipFiles, "the Chip Authentication evidence is too long or not JSON")
	}
	if len(r.AASignature) > 1024 {
		return errs.M(errs.InvalidRequest, msg.AppChipFiles, "the Active Authentication signature is too long")
	}
	return nil
}

// attemptRecord is the JSON evidence of one attempt: the report of a
// reading that passed (without the portrait, kept as a file of its own),
// or the refusal.
type attemptRecord struct {
	Result    string        `json:"result"` // "ok", "refused", "error"
	Code      string        `json:"code,omitempty"`
	Detail    string        `json:"detail,omitempty"`
	Access    string        `json:"access"`
	Typed     emrtd.Typed   `json:"typed"`
	Challenge []byte        `json:"challenge"`
	Report    *emrtd.Report `json:"report,omitempty"`
}

// SubmitChip verifies a chip reading inside the session's window. The
// session's AA challenge is used up by the attempt, whatever its outcome:
// a new reading needs a new session (TS 119 461 VAL-8.3.2-04A). Every
// attempt keeps its files and its report or refusal as evidence. A
// refusal is an error carrying the *emrtd.Error (its code names the
// failed check) and counts against the order's attempts; the last one
// fails the order.
func (s *Service) SubmitChip(ctx context.Context, customerID, number, sid string, r ChipRead) (*ChipResult, error) {
	if err := r.check(s.cfg.MaxChipFile); err != nil {
		return nil, err
	}
	if s.d.Chip == nil || s.d.Trust == nil {
		return nil, errs.M(errs.NotImplemented, msg.AppChipOff)
	}
	open := []string{storage.IdentificationOpen}
	sess, err := s.step(ctx, customerID, number, sid, open...)
	if err != nil {
		return nil, err
	}
	var challenge []byte
	err = s.update(ctx, sid, open, func(x *storage.Identification) error {
		if x.AAChallengeUsed {
			return errs.M(errs.Conflict, msg.AppChallengeUsed)
		}
		x.AAChallengeUsed, challenge = true, x.AAChallenge
		return nil
	})
	if err != nil {
		return nil, err
	}
	o, err := s.d.Enrol.Order(ctx, customerID, number)
	if err != nil {
		return nil, err
	}
	taxCode := ""
	if o.Details != nil {
		taxCode = o.Details.TaxCode
	}
	now := s.d.Now().UTC()
	attempt := storage.ChipAttempt{At: now, Files: map[string]storage.EvidenceRef{}, Access: r.Access.Protocol + "-" + r.Access.Password}
	for _, name := range ChipFiles {
		if data, ok := r.Files[name]; ok {
			ref, err := s.d.Evidence.Put(ctx, data, "application/octet-stream")
			if err != nil {
				return nil, err
			}
			attempt.Files[name] = ref
		}
	}
	if len(r.ChipAuthentication) > 0 {
		ref, err := s.d.Evidence.Put(ctx, r.ChipAuthentication, "application/json")
		if err != nil {
			return nil, err
		}
		attempt.Files["ChipAuthentication"] = ref
	}
	typed := emrtd.Typed{DocumentNumber: strings.TrimRight(r.Access.DocumentNumber, "<"), DateOfBirth: r.Access.DateOfBirth,
		DateOfExpiry: r.Access.DateOfExpiry, DocumentCodes: documentCodes[sess.DocumentType]}
	report, verr := s.d.Chip.Verify(ctx, emrtd.Input{Files: r.Files, Typed: typed, Challenge: challenge, AASignature: r.AASignature,
		TaxCode: taxCode, Trust: s.d.Trust, Now: now})
	rec := attemptRecord{Access: attempt.Access, Typed: typed, Challenge: challenge}
	var refusal *emrtd.Error
	switch {
	case verr == nil && report != nil:
		rec.Result = "ok"
		trimmed := *report
		trimmed.Face.Data = nil
		rec.Report = &trimmed
	case errors.As(verr, &refusal):
		rec.Result, rec.Code, rec.Detail = "refused", string(refusal.Code), refusal.Detail
		attempt.Code, attempt.Detail = string(refusal.Code), refusal.Detail
	default:
		if verr == nil {
			verr = errs.E(errs.Internal, "the chip verifier returned neither a report nor an error")
		}
		rec.Result, attempt.Code = "error", "error"
	}
	raw, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return nil, errs.Internalf(err, "encode chip attempt")
	}
	reportRef, err := s.d.Evidence.Put(ctx, raw, "application/json")
	if err != nil {
		return nil, err
	}
	attempt.Report = &reportRef

	if rec.Result != "ok" {
		// The session is spent (its challenge is used); the order's
		// attempts decide whether a new one may start.
		err := s.d.Store.UpdateIdentification(ctx, sid, func(x *storage.Identification) error {
			x.Attempts = append(x.Attempts, attempt)
			if live(x.State) {
				x.State = storage.IdentificationFailed
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if refusal == nil {
			s.audit(ctx, "chip", "error", sess, map[string]string{"report": reportRef.SHA256})
			return nil, errs.Internalf(verr, "verify chip")
		}
		after, err := s.d.Enrol.IdentificationFailed(ctx, number, s.cfg.MaxAttempts, string(refusal.Code))
		if err != nil {
			return nil, err
		}
		s.audit(ctx, "chip", "denied", sess, map[string]string{"code": string(refusal.Code), "report": reportRef.SHA256})
		return nil, &Refused{Err: refusal, AttemptsLeft: max(0, s.cfg.MaxAttempts-after.AttemptsUsed)}
	}

	mediaType := "image/jpeg"
	if report.Face.Format == "jp2" {
		mediaType = "image/jp2"
	}
	face, err := s.d.Evidence.Put(ctx, report.Face.Data, mediaType)
	if err != nil {
		return nil, err
	}
	reading := &storage.ChipReading{Document: documentMap(report.Document), Checks: checksMap(report.Checks), Face: face,
		FacePNG: s.portraitForConsole(ctx, report.Face), DSC: report.DSC.Subject, CSCA: report.CSCA.Subject, At: now}
	err = s.d.Store.UpdateIdentification(ctx, sid, func(x *storage.Identification) error {
		x.Attempts = append(x.Attempts, attempt)
		if x.State != storage.IdentificationOpen {
			return errs.M(errs.Conflict, msg.AppSessionClosed, x.State)
		}
		x.Chip, x.State = reading, storage.IdentificationChipOK
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.audit(ctx, "chip", "ok", sess, map[string]string{"report": reportRef.SHA256, "activeAuthentication": report.Checks.ActiveAuthentication})
	var missing []string
	if report.Document.Address == "" {
		missing = append(missing, "address")
	}
	if report.Document.TaxCode == "" {
		missing = append(missing, "taxCode")
	}
	return &ChipResult{Document: reading.Document, Checks: reading.Checks, Missing: missing, AttemptsLeft: s.cfg.MaxAttempts - o.AttemptsUsed}, nil
}

// Refused is a chip reading that failed a check: Err names it.
type Refused struct {
	Err          *emrtd.Error
	AttemptsLeft int
}

func (r *Refused) Error() string { return r.Err.Error() }

// Unwrap exposes the *emrtd.Error and the caller-facing catalogue error.
func (r *Refused) Unwrap() []error {
	return []error{r.Err, errs.M(errs.InvalidRequest, msg.AppChipRefused, string(r.Err.Code))}
}

func documentMap(d emrtd.Document) map[string]string {
	m := map[string]string{}
	for k, v := range map[string]string{
		"documentCode": d.DocumentCode, "issuingState": d.IssuingState, "issuingCountry": d.IssuingCountry,
		"documentNumber": d.DocumentNumber, "surname": d.Surname, "givenNames": d.GivenNames, "nationality": d.Nationality,
		"dateOfBirth": d.DateOfBirth, "sex": d.Sex, "dateOfExpiry": d.DateOfExpiry, "optionalData": d.OptionalData,
		"taxCode": d.TaxCode, "fullName": d.FullName, "placeOfBirth": d.PlaceOfBirth, "address": d.Address,
		"issuingAuthority": d.IssuingAuthority, "dateOfIssue": d.DateOfIssue,
	} {
		if v != "" {
			m[k] = v
		}
	}
	return m
}

func checksMap(c emrtd.Checks) map[string]string {
	raw, _ := json.Marshal(c)
	m := map[string]string{}
	_ = json.Unmarshal(raw, &m)
	return m
}

// portraitForConsole converts the chip's portrait (often JPEG 2000, which
// browsers do not show) to a PNG for the officer. The PNG is derived, not
// evidence: when conversion fails the reading still stands and the console
// says the portrait is not available.
func (s *Service) portraitForConsole(ctx context.Context, img emrtd.Image) *storage.EvidenceRef {
	png, err := face.ToPNG(ctx, img)
	if err != nil {
		s.d.Log.WarnContext(ctx, "chip portrait not converted for the console", "format", img.Format, "err", err)
		return nil
	}
	ref, err := s.d.Evidence.Put(ctx, png, "image/png")
	if err != nil {
		s.d.Log.WarnContext(ctx, "chip portrait not stored for the console", "err", err)
		return nil
	}
	return &ref
}

// documentCodes are the first letters of the ICAO document codes each
// choice in the app allows (ICAO 9303-4 and -5: P for passports; A, C or I
// for identity cards, the CIE's being "CI" or "C<").
var documentCodes = map[string]string{"PASSPORT": "P", "CIE": "ACI"}
