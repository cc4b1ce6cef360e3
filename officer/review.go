package officer

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/enrol"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/storage"
)

// Features is the morphological feature checklist an officer compares
// between the chip's portrait and the selfie video (BIN-8.4.4: a defined
// list of features), in the order the console shows it.
var Features = []string{"face_shape", "eyes", "nose", "mouth", "ears", "hairline", "marks", "age"}

// The answer a ticked feature records.
const FeatureMatch = "match"

// MaxReason bounds a decision's reason, in characters.
const MaxReason = 500

// QueueItem is one enrolment waiting for a review.
type QueueItem struct {
	Order        string
	IdentifiedAt time.Time
	Waiting      time.Duration
}

// Queue lists the orders in state requested (identified, contract
// accepted, envelope made), the longest waiting since identification
// first: the proofing's validity counts from IdentifiedAt.
func (s *Service) Queue(ctx context.Context) ([]QueueItem, error) {
	now := s.now()
	var out []QueueItem
	err := s.store.ListOrders(ctx, func(o *storage.Order) error {
		if o.State == string(enrol.Requested) {
			out = append(out, QueueItem{Order: o.Number, IdentifiedAt: o.IdentifiedAt, Waiting: now.Sub(o.IdentifiedAt)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b QueueItem) int { return a.IdentifiedAt.Compare(b.IdentifiedAt) })
	return out, nil
}

// Case is what the review page shows: the order, the identification under
// review, the customer's e-mail, the review record this visit belongs to,
// and what the officer may do with it.
type Case struct {
	Order          *storage.Order
	Identification *storage.Identification
	CustomerEmail  string
	Review         *storage.Review
	// CanDecide is false when the officer's training is out of date or
	// the order is not waiting for a review.
	CanDecide     bool
	TrainingStale bool
	// ProofingExpired says an approval would become retry_required.
	ProofingExpired bool
	Elapsed         time.Duration // since the review was opened
}

// subject is the enrolment an officer is about to see: its order, the
// identification completed last and the customer.
type subject struct {
	order    *storage.Order
	ident    *storage.Identification
	customer *storage.Customer
}

// officer returns an enabled officer by user name.
func (s *Service) officer(ctx context.Context, user string) (*storage.Officer, error) {
	o, err := s.store.Officer(ctx, user)
	if errs.Is(err, errs.NotFound) || (err == nil && !o.DisabledAt.IsZero()) {
		return nil, errs.M(errs.AccessDenied, msg.OfficerNotFound, user)
	}
	return o, err
}

func (s *Service) subject(ctx context.Context, number string) (*subject, error) {
	o, err := s.store.Order(ctx, number)
	if errs.Is(err, errs.NotFound) {
		return nil, errs.M(errs.NotFound, msg.ShopOrderNotFound)
	}
	if err != nil {
		return nil, err
	}
	c, err := s.store.Customer(ctx, o.CustomerID)
	if err != nil {
		return nil, err
	}
	idents, err := s.store.IdentificationsOf(ctx, number)
	if err != nil {
		return nil, err
	}
	var ident *storage.Identification
	for _, i := range idents {
		if i.State == storage.IdentificationCompleted {
			ident = i
		}
	}
	return &subject{order: o, ident: ident, customer: c}, nil
}

// ownEnrolment reports whether the officer is the person being enrolled
// (REG-6.2.2-26): the same tax code as the details form, the chip or what
// the applicant confirmed, or the same e-mail as the customer.
func ownEnrolment(of *storage.Officer, sub *subject) bool {
	same := func(a, b string) bool {
		a, b = strings.TrimSpace(a), strings.TrimSpace(b)
		return a != "" && b != "" && strings.EqualFold(a, b)
	}
	if same(of.Email, sub.customer.Email) {
		return true
	}
	if d := sub.order.Details; d != nil && same(of.TaxCode, d.TaxCode) {
		return true
	}
	if i := sub.ident; i != nil {
		if i.Chip != nil {
			for _, k := range []string{"taxCode", "personalNumber", "optionalData"} {
				if same(of.TaxCode, i.Chip.Document[k]) {
					return true
				}
			}
		}
		if i.Confirmed != nil && same(of.TaxCode, i.Confirmed.TaxCode) {
			return true
		}
	}
	return false
}

// see loads what officer user may see of order number: never their own
// enrolment.
func (s *Service) see(ctx context.Context, user, number string) (*storage.Officer, *subject, error) {
	of, err := s.officer(ctx, user)
	if err != nil {
		return nil, nil, err
	}
	sub, err := s.subject(ctx, number)
	if err != nil {
		return nil, nil, err
	}
	if ownEnrolment(of, sub) {
		s.record(ctx, audit.Event{Type: "officer.review", Outcome: "denied",
			Detail: map[string]string{"officer": user, "order": number, "reason": "own-enrolment"}})
		return nil, nil, errs.M(errs.AccessDenied, msg.OfficerOwnEnrolment)
	}
	return of, sub, nil
}

// Open shows a requested enrolment to an officer and records the start
// of the review: the first visit opens a review record, and later visits
// of the same officer to the same identification continue it, so that a
// reload does not reset the time spent.
func (s *Service) Open(ctx context.Context, user, number string) (*Case, error) {
	of, sub, err := s.see(ctx, user, number)
	if err != nil {
		return nil, err
	}
	if sub.order.State != string(enrol.Requested) {
		return nil, errs.M(errs.Conflict, msg.OfficerNotInReview)
	}
	if sub.ident == nil {
		return nil, errs.M(errs.Conflict, msg.OfficerNoIdentification)
	}
	now := s.now().UTC()
	reviews, err := s.store.ReviewsOf(ctx, number)
	if err != nil {
		return nil, err
	}
	var rev *storage.Review
	for _, r := range reviews {
		if r.Officer == of.User && r.IdentificationID == sub.ident.ID && r.DecidedAt.IsZero() {
			rev = r
		}
	}
	if rev == nil {
		id, err := secret.NewID()
		if err != nil {
			return nil, err
		}
		rev = &storage.Review{ID: id, OrderNumber: number, IdentificationID: sub.ident.ID, Officer: of.User, OpenedAt: now}
		if err := s.store.CreateReview(ctx, rev); err != nil {
			return nil, err
		}
		s.record(ctx, audit.Event{Type: "officer.review-open", Outcome: "ok",
			Detail: map[string]string{"officer": of.User, "order": number, "review": id, "identification": sub.ident.ID}})
	}
	stale := !s.trainingCurrent(of, now)
	return &Case{Order: sub.order, Identification: sub.ident, CustomerEmail: sub.customer.Email, Review: rev,
		CanDecide: !stale, TrainingStale: stale, ProofingExpired: s.proofingExpired(sub.order, now), Elapsed: now.Sub(rev.OpenedAt)}, nil
}

func (s *Service) proofingExpired(o *storage.Order, now time.Time) bool {
	return now.Sub(o.IdentifiedAt) > s.cfg.ProofingValidity
}

// Media kinds an officer may open.
const (
	MediaFace  = "face"
	MediaFront = "front"
	MediaBack  = "back"
	MediaVideo = "video"
)

// Media returns the reference of one evidence file of an order's
// identification for a logged-in officer (never of their own enrolment):
// the chip's portrait converted to PNG, a document photo, or the video.
func (s *Service) Media(ctx context.Context, user, number, kind string) (storage.EvidenceRef, error) {
	missing := errs.M(errs.NotFound, msg.OfficerEvidenceMissing)
	_, sub, err := s.see(ctx, user, number)
	if err != nil {
		return storage.EvidenceRef{}, err
	}
	i := sub.ident
	if i == nil {
		return storage.EvidenceRef{}, missing
	}
	var ref *storage.EvidenceRef
	switch kind {
	case MediaFace:
		if i.Chip != nil {
			ref = i.Chip.FacePNG
		}
	case MediaFront, MediaBack:
		if r, ok := i.Photos[kind]; ok {
			ref = &r
		}
	case MediaVideo:
		ref = i.Video
	}
	if ref == nil || ref.SHA256 == "" {
		return storage.EvidenceRef{}, missing
	}
	return *ref, nil
}

// Decision is what an officer decides on a review.
type Decision struct {
	Review string `json:"review"`
	// Action is "approve", "reject" or "retry".
	Action string `json:"action"`
	Reason string `json:"reason"`
	// Checklist maps the features the officer ticked to FeatureMatch.
	Checklist map[string]string `json:"checklist"`
}

var actions = map[string]enrol.State{"approve": enrol.Approved, "reject": enrol.Rejected, "retry": enrol.RetryRequired}

// Decide closes a review with the officer's decision and moves the order.
func (s *Service) Decide(ctx context.Context, user, number string, d Decision) (*storage.Review, error) {
	to, ok := actions[d.Action]
	if !ok {
		return nil, errs.M(errs.InvalidRequest, msg.OfficerDecisionInvalid)
	}
	reason := strings.TrimSpace(d.Reason)
	if len([]rune(reason)) > MaxReason {
		return nil, errs.M(errs.InvalidRequest, msg.OfficerReasonTooLong)
	}
	if to != enrol.Approved && reason == "" {
		return nil, errs.M(errs.InvalidRequest, msg.OfficerReasonRequired)
	}
	for f, a := range d.Checklist {
		if !slices.Contains(Features, f) || a != FeatureMatch {
			return nil, errs.M(errs.InvalidRequest, msg.OfficerChecklistAnswer)
		}
	}
	if to == enrol.Approved {
		for _, f := range Features {
			if d.Checklist[f] != FeatureMatch {
				return nil, errs.M(errs.InvalidRequest, msg.OfficerChecklistIncomplete)
			}
		}
	}
	of, sub, err := s.see(ctx, user, number)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	if !s.trainingCurrent(of, now) {
		s.record(ctx, audit.Event{Type: "officer.review", Outcome: "denied",
			Detail: map[string]string{"officer": of.User, "order": number, "reason": "training-stale"}})
		return nil, errs.M(errs.AccessDenied, msg.OfficerTrainingStale)
	}
	rev, err := s.store.Review(ctx, d.Review)
	if errs.Is(err, errs.NotFound) || (err == nil && (rev.Officer != of.User || rev.OrderNumber != number)) {
		return nil, errs.M(errs.Conflict, msg.OfficerReviewUnknown)
	}
	if err != nil {
		return nil, err
	}
	if !rev.DecidedAt.IsZero() {
		return nil, errs.M(errs.Conflict, msg.OfficerReviewDecided)
	}
	if sub.order.State != string(enrol.Requested) {
		return nil, errs.M(errs.Conflict, msg.OfficerNotInReview)
	}
	if sub.ident == nil || sub.ident.ID != rev.IdentificationID {
		return nil, errs.M(errs.Conflict, msg.ReviewStale)
	}
	requested := to
	if to == enrol.Approved && s.proofingExpired(sub.order, now) {
		// REG-6.3.1-00D: the CPS bounds how long after the proofing a
		// certificate may follow; past it only a new identification helps.
		to = enrol.RetryRequired
		reason = msg.Text("en", msg.OfficerProofingExpired, int(s.cfg.ProofingValidity/(24*time.Hour)))
	}
	detail := map[string]string{"officer": of.User, "order": number, "review": rev.ID, "decision": string(to), "requested": string(requested)}
	if _, err := s.enrol.DecideReview(ctx, number, enrol.ReviewDecision{Officer: of.User, Review: rev.ID, To: to,
		IdentifiedAt: sub.order.IdentifiedAt}); err != nil {
		detail["error"] = errs.KindOf(err).String()
		s.record(ctx, audit.Event{Type: "officer.review", Outcome: "error", Detail: detail})
		return nil, err
	}
	checklist := map[string]string{}
	for _, f := range Features {
		if d.Checklist[f] == FeatureMatch {
			checklist[f] = FeatureMatch
		} else {
			checklist[f] = "not_checked"
		}
	}
	seconds := int64(now.Sub(rev.OpenedAt) / time.Second)
	detail["seconds"] = strconv.FormatInt(seconds, 10)
	err = s.store.UpdateReview(ctx, rev.ID, func(r *storage.Review) error {
		if !r.DecidedAt.IsZero() {
			return errs.M(errs.Conflict, msg.OfficerReviewDecided)
		}
		r.DecidedAt, r.Seconds, r.Decision, r.Reason, r.Checklist = now, seconds, string(to), reason, checklist
		if requested != to {
			r.Requested = string(requested)
		}
		rev = r
		return nil
	})
	if err != nil {
		// The order moved (the enrolment's own audit event says so); the
		// review record could not follow. Say so loudly: it is evidence.
		s.log.ErrorContext(ctx, "officer: the order moved but its review record was not updated", "order", number, "review", rev.ID, "err", err)
		detail["error"] = "review-record"
		s.record(ctx, audit.Event{Type: "officer.review", Outcome: "error", Detail: detail})
		return nil, err
	}
	s.record(ctx, audit.Event{Type: "officer.review", Outcome: "ok", Detail: detail})
	return rev, nil
}
