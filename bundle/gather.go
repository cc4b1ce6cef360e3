package bundle

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/storage"
)

// file is one file of a bundle: where it goes and the evidence file that
// holds it.
type file struct {
	path string
	ref  storage.EvidenceRef
}

// collector gathers a bundle's files: existing evidence files by
// reference (checked to be there and intact), records as new JSON files.
type collector struct {
	s      *Service
	files  []file
	absent []AbsentFile
	seen   map[string]bool
}

// evidence adds an existing evidence file; it must open (present, its
// hash intact), or the bundle would seal a hole.
func (c *collector) evidence(ctx context.Context, path string, ref storage.EvidenceRef) error {
	if ref.SHA256 == "" {
		return nil
	}
	_, err := c.s.d.Files.Open(ctx, ref.SHA256)
	switch {
	case errs.Is(err, errs.NotFound):
		// Deleted at the end of its own retention (a failed attempt's
		// evidence, purged before the enrolment ended): the manifest says
		// so rather than leave a silent hole.
		c.absent = append(c.absent, AbsentFile{Path: path, SHA256: ref.SHA256, Size: ref.Size})
		return nil
	case err != nil:
		// A file that no longer decrypts or hashes is never sealed over.
		return errs.Internalf(err, "evidence file for %s (%s)", path, ref.SHA256)
	}
	c.add(path, ref)
	return nil
}

func (c *collector) add(path string, ref storage.EvidenceRef) {
	if c.seen[path] {
		panic("bundle: duplicate path " + path) // a bug in gather, never input
	}
	c.seen[path] = true
	c.files = append(c.files, file{path: path, ref: ref})
}

// json stores v as a new evidence file at path.
func (c *collector) json(ctx context.Context, path string, v any) error {
	raw, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return errs.Internalf(err, "encode %s", path)
	}
	ref, err := c.s.d.Files.Put(ctx, raw, "application/json")
	if err != nil {
		return err
	}
	c.add(path, ref)
	return nil
}

// extension names a file by its media type.
func extension(mediaType string) string {
	switch mediaType {
	case "image/jpeg":
		return ".jpg"
	case "image/png":
		return ".png"
	case "image/jp2":
		return ".jp2"
	case "video/webm":
		return ".webm"
	case "video/mp4":
		return ".mp4"
	case "application/pdf":
		return ".pdf"
	case "application/json":
		return ".json"
	}
	return ".bin"
}

// The JSON records of a bundle. Their fields are chosen, not copied from
// storage: hashes of codes and sealed secrets never enter a bundle.
type orderRecord struct {
	Number          string               `json:"number"`
	State           string               `json:"state"`
	Product         string               `json:"product"`
	Currency        string               `json:"currency"`
	NetCents        int64                `json:"netCents"`
	DiscountCents   int64                `json:"discountCents"`
	TaxableCents    int64                `json:"taxableCents"`
	VATCents        int64                `json:"vatCents"`
	GrossCents      int64                `json:"grossCents"`
	VATRateBP       int                  `json:"vatRateBp"`
	VATCountry      string               `json:"vatCountry"`
	Coupon          string               `json:"coupon,omitempty"`
	Billing         storage.Billing      `json:"billing"`
	PaymentMethod   string               `json:"paymentMethod"`
	PaymentProvider string               `json:"paymentProvider,omitempty"`
	PaymentRef      string               `json:"paymentRef,omitempty"`
	PaidAt          time.Time            `json:"paidAt,omitzero"`
	AttemptsUsed    int                  `json:"attemptsUsed"`
	Transitions     []storage.Transition `json:"transitions"`
	CreatedAt       time.Time            `json:"createdAt"`
}

type applicantRecord struct {
	CustomerID string           `json:"customerId"`
	Email      string           `json:"email,omitempty"`
	Country    string           `json:"country,omitempty"`
	Lang       string           `json:"lang,omitempty"`
	UserID     string           `json:"userId,omitempty"`
	Details    *storage.Details `json:"details,omitempty"`
	// CheckoutConsents were given for this order (biometric data,
	// automated decision); AccountConsents at registration.
	CheckoutConsents []storage.Consent  `json:"checkoutConsents"`
	AccountConsents  []*storage.Consent `json:"accountConsents"`
}

type challengeRecord struct {
	Session   string                    `json:"session"`
	Liveness  storage.LivenessChallenge `json:"liveness"`
	CreatedAt time.Time                 `json:"createdAt"`
	ExpiresAt time.Time                 `json:"expiresAt"`
}

type sessionRecord struct {
	Session         string                 `json:"session"`
	State           string                 `json:"state"`
	Nationality     string                 `json:"nationality"`
	DocumentType    string                 `json:"documentType"`
	CreatedAt       time.Time              `json:"createdAt"`
	CompletedAt     time.Time              `json:"completedAt,omitzero"`
	Chip            *chipSummary           `json:"chip,omitempty"`
	Confirmed       *storage.ConfirmedData `json:"confirmed,omitempty"`
	FaceMatch       storage.BindingResult  `json:"faceMatch"`
	PAD             storage.BindingResult  `json:"pad"`
	LevelOfProofing string                 `json:"levelOfProofing,omitempty"`
}

type chipSummary struct {
	Document map[string]string `json:"document"`
	Checks   map[string]string `json:"checks"`
	DSC      string            `json:"dsc"`
	CSCA     string            `json:"csca"`
	At       time.Time         `json:"at"`
}

type attemptRecord struct {
	At     time.Time `json:"at"`
	Code   string    `json:"code,omitempty"`
	Detail string    `json:"detail,omitempty"`
}

type aaRecord struct {
	Nonce  string `json:"nonce"` // hex, the server's challenge
	Result string `json:"result"`
	// Report names the attempt's verification report, which holds the
	// chip's response as verified.
	Report string `json:"report,omitempty"`
}

type accessRecord struct {
	Protocol string `json:"protocol"`
	// Typed is the MRZ key the app used, as the verification report
	// recorded it.
	Typed json.RawMessage `json:"typed,omitempty"`
}

type reviewRecord struct {
	storage.Review
	OfficerName      string                `json:"officerName,omitempty"`
	OfficerTrainedOn time.Time             `json:"officerTrainedOn,omitzero"`
	FaceMatch        storage.BindingResult `json:"faceMatch"`
	PAD              storage.BindingResult `json:"pad"`
}

type acceptanceRecord struct {
	ContractVersion string    `json:"contractVersion"`
	ContractSHA256  string    `json:"contractSha256"`
	ContractLang    string    `json:"contractLang"`
	AcceptContract  bool      `json:"acceptContract"`
	ApproveClauses  bool      `json:"approveClauses"`
	At              time.Time `json:"at"`
	IP              string    `json:"ip,omitempty"`
	DeviceID        string    `json:"deviceId,omitempty"`
	DeviceJKT       string    `json:"deviceJkt,omitempty"`
	EnvelopeNumber  string    `json:"envelopeNumber"`
}

type issuanceRecord struct {
	UserID             string    `json:"userId"`
	HolderID           string    `json:"holderId"`
	CredentialID       string    `json:"credentialId"`
	CertificateSerial  string    `json:"certificateSerial"`
	CertificateSHA256  string    `json:"certificateSha256,omitempty"`
	LevelOfProofing    string    `json:"levelOfProofing"`
	UseCase            string    `json:"useCase"`
	EnvelopeNumber     string    `json:"envelopeNumber,omitempty"`
	At                 time.Time `json:"at"`
	ActivationDeadline time.Time `json:"activationDeadline,omitzero"`
	ActivatedAt        time.Time `json:"activatedAt,omitzero"`
}

// useCase names the TS 119 461 use case a level of proofing came from:
// without a certified face-matching engine the binding is the officer's
// alone (9.2.3.3 (c)), which is Baseline only.
func useCase(level string) string {
	switch level {
	case "extended":
		return "TS 119 461 9.2.3.3 (a): hybrid, digital identity document (8.3.2), automated and manual binding in parallel"
	case "baseline":
		return "TS 119 461 9.2.3.3 (c): hybrid, digital identity document (8.3.2), manual binding by a registration officer"
	}
	return ""
}

// gather collects the files of o's bundle, and the completion time of
// its identity proofing.
func (s *Service) gather(ctx context.Context, o *storage.Order) (*collector, time.Time, error) {
	c := &collector{s: s, seen: map[string]bool{}}
	if err := c.json(ctx, "order.json", orderRecord{
		Number: o.Number, State: o.State, Product: o.Product, Currency: o.Currency, NetCents: o.NetCents,
		DiscountCents: o.DiscountCents, TaxableCents: o.TaxableCents, VATCents: o.VATCents, GrossCents: o.GrossCents,
		VATRateBP: o.VATRateBP, VATCountry: o.VATCountry, Coupon: o.Coupon, Billing: o.Billing,
		PaymentMethod: o.PaymentMethod, PaymentProvider: o.PaymentProvider, PaymentRef: o.PaymentRef, PaidAt: o.PaidAt,
		AttemptsUsed: o.AttemptsUsed, Transitions: o.Transitions, CreatedAt: o.CreatedAt,
	}); err != nil {
		return nil, time.Time{}, err
	}

	app := applicantRecord{CustomerID: o.CustomerID, UserID: o.UserID, Details: o.Details,
		CheckoutConsents: o.Consents, AccountConsents: []*storage.Consent{}}
	if app.CheckoutConsents == nil {
		app.CheckoutConsents = []storage.Consent{}
	}
	if cu, err := s.d.Records.Customer(ctx, o.CustomerID); err == nil {
		app.Email, app.Country, app.Lang = cu.Email, cu.Country, cu.Lang
	} else if !errs.Is(err, errs.NotFound) {
		return nil, time.Time{}, err
	}
	consents, err := s.d.Records.ConsentsOf(ctx, o.CustomerID)
	if err != nil {
		return nil, time.Time{}, err
	}
	if consents != nil {
		app.AccountConsents = consents
	}
	if err := c.json(ctx, "applicant.json", app); err != nil {
		return nil, time.Time{}, err
	}

	sessions, err := s.d.Records.IdentificationsOf(ctx, o.Number)
	if err != nil {
		return nil, time.Time{}, err
	}
	completedAt := o.IdentifiedAt
	levels := map[string]string{}
	for k, x := range sessions {
		levels[x.ID] = x.LevelOfProofing
		if err := s.gatherSession(ctx, c, k+1, x); err != nil {
			return nil, time.Time{}, err
		}
		if completedAt.IsZero() && !x.CompletedAt.IsZero() {
			completedAt = x.CompletedAt
		}
	}

	reviews, err := s.d.Records.ReviewsOf(ctx, o.Number)
	if err != nil {
		return nil, time.Time{}, err
	}
	byID := map[string]*storage.Identification{}
	for _, x := range sessions {
		byID[x.ID] = x
	}
	rs := []reviewRecord{}
	for _, r := range reviews {
		rec := reviewRecord{Review: *r}
		if off, err := s.d.Records.Officer(ctx, r.Officer); err == nil {
			rec.OfficerName, rec.OfficerTrainedOn = off.FullName, off.TrainedOn
		} else if !errs.Is(err, errs.NotFound) {
			return nil, time.Time{}, err
		}
		if x := byID[r.IdentificationID]; x != nil {
			rec.FaceMatch, rec.PAD = x.FaceMatch, x.PAD
		}
		rs = append(rs, rec)
	}
	if err := c.json(ctx, "review.json", rs); err != nil {
		return nil, time.Time{}, err
	}

	if r := o.Request; r != nil {
		if s.d.Template != nil && r.ContractSHA256 != "" {
			tpl, err := s.d.Template(ctx, r.ContractVersion, r.ContractLang, r.ContractSHA256)
			switch {
			case err == nil:
				ref, err := s.d.Files.Put(ctx, tpl, "application/pdf")
				if err != nil {
					return nil, time.Time{}, err
				}
				if ref.SHA256 != r.ContractSHA256 {
					return nil, time.Time{}, errs.Ef(errs.Internal, "contract template %s has SHA-256 %s, the applicant accepted %s", r.ContractVersion, ref.SHA256, r.ContractSHA256)
				}
				c.add("contract/template.pdf", ref)
			case !errs.Is(err, errs.NotFound):
				return nil, time.Time{}, err
			}
		}
		if err := c.json(ctx, "contract/acceptance.json", acceptanceRecord{
			ContractVersion: r.ContractVersion, ContractSHA256: r.ContractSHA256, ContractLang: r.ContractLang,
			AcceptContract: r.AcceptContract, ApproveClauses: r.ApproveClauses, At: r.At, IP: r.IP,
			DeviceID: r.DeviceID, DeviceJKT: r.DeviceJKT, EnvelopeNumber: r.EnvelopeNumber,
		}); err != nil {
			return nil, time.Time{}, err
		}
	}
	if is := o.Issuance; is != nil {
		if is.SignedContract != nil {
			if err := c.evidence(ctx, "contract/signed.pdf", *is.SignedContract); err != nil {
				return nil, time.Time{}, err
			}
		}
		rec := issuanceRecord{UserID: o.UserID, HolderID: is.HolderID, CredentialID: is.CredentialID,
			CertificateSerial: is.CertificateSerial, LevelOfProofing: is.LevelOfProofing, UseCase: useCase(is.LevelOfProofing),
			At: is.At, ActivationDeadline: is.ActivationDeadline, ActivatedAt: is.ActivatedAt}
		if o.Request != nil {
			rec.EnvelopeNumber = o.Request.EnvelopeNumber
		}
		if cert, err := s.d.Records.Certificate(ctx, is.CertificateSerial); err == nil && len(cert.DER) > 0 {
			rec.CertificateSHA256 = sha256hex(cert.DER)
		} else if err != nil && !errs.Is(err, errs.NotFound) {
			return nil, time.Time{}, err
		}
		if err := c.json(ctx, "issuance.json", rec); err != nil {
			return nil, time.Time{}, err
		}
	}
	return c, completedAt.UTC(), nil
}

// gatherSession adds one identification session: chip/<n>/ with every
// attempt's files as received and its reports, media/<n>/ with the
// photos, video and liveness challenge.
func (s *Service) gatherSession(ctx context.Context, c *collector, n int, x *storage.Identification) error {
	chip := fmt.Sprintf("chip/session-%d/", n)
	media := fmt.Sprintf("media/session-%d/", n)
	summary := sessionRecord{Session: x.ID, State: x.State, Nationality: x.Nationality, DocumentType: x.DocumentType,
		CreatedAt: x.CreatedAt, CompletedAt: x.CompletedAt, Confirmed: x.Confirmed, FaceMatch: x.FaceMatch, PAD: x.PAD,
		LevelOfProofing: x.LevelOfProofing}
	if x.Chip != nil {
		summary.Chip = &chipSummary{Document: x.Chip.Document, Checks: x.Chip.Checks, DSC: x.Chip.DSC, CSCA: x.Chip.CSCA, At: x.Chip.At}
	}
	if err := c.json(ctx, chip+"session.json", summary); err != nil {
		return err
	}
	for k, a := range x.Attempts {
		dir := fmt.Sprintf("%sattempt-%d/", chip, k+1)
		names := make([]string, 0, len(a.Files))
		for name := range a.Files {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			if err := c.evidence(ctx, dir+safeName(name), a.Files[name]); err != nil {
				return err
			}
		}
		if err := c.json(ctx, dir+"attempt.json", attemptRecord{At: a.At, Code: a.Code, Detail: a.Detail}); err != nil {
			return err
		}
		var typed json.RawMessage
		aa := aaRecord{Nonce: hex.EncodeToString(x.AAChallenge), Result: "not_verified"}
		if a.Report != nil {
			// pa.json is the verification report as the chip step wrote it.
			if err := c.evidence(ctx, dir+"pa.json", *a.Report); err != nil {
				return err
			}
			aa.Report = a.Report.SHA256
			if raw, err := s.d.Files.Open(ctx, a.Report.SHA256); err == nil {
				var rep struct {
					Typed json.RawMessage `json:"typed"`
				}
				if json.Unmarshal(raw, &rep) == nil {
					typed = rep.Typed
				}
			}
		}
		if a.Code == "" && x.Chip != nil {
			if r, ok := x.Chip.Checks["activeAuthentication"]; ok {
				aa.Result = r
			}
		}
		if err := c.json(ctx, dir+"aa.json", aa); err != nil {
			return err
		}
		if err := c.json(ctx, dir+"access.json", accessRecord{Protocol: a.Access, Typed: typed}); err != nil {
			return err
		}
	}
	if x.Chip != nil {
		if err := c.evidence(ctx, chip+"portrait"+extension(x.Chip.Face.MediaType), x.Chip.Face); err != nil {
			return err
		}
	}
	sides := make([]string, 0, len(x.Photos))
	for side := range x.Photos {
		sides = append(sides, side)
	}
	sort.Strings(sides)
	for _, side := range sides {
		ref := x.Photos[side]
		if err := c.evidence(ctx, media+"document-"+safeName(side)+extension(ref.MediaType), ref); err != nil {
			return err
		}
	}
	if x.Video != nil {
		if err := c.evidence(ctx, media+"selfie"+extension(x.Video.MediaType), *x.Video); err != nil {
			return err
		}
	}
	return c.json(ctx, media+"challenge.json", challengeRecord{Session: x.ID, Liveness: x.Liveness, CreatedAt: x.CreatedAt, ExpiresAt: x.ExpiresAt})
}

func sha256hex(b []byte) string {
	d := sha256.Sum256(b)
	return hex.EncodeToString(d[:])
}

// safeName keeps a stored name usable as a path element in a ZIP.
func safeName(name string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, name)
}
