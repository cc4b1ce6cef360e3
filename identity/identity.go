// Package identity runs the identification sessions of an enrolment: the
// applicant's app reads the chip of an identity document and photographs
// it, records a selfie video that answers a liveness challenge, all inside
// a 30-minute window; the server verifies the chip (through the
// ChipVerifier port: emrtd.Verify against qes's CSCA trust), keeps every
// file as evidence, counts failed attempts against the order's limit, and
// moves the order to identified for the registration officer.
//
// Automated binding (face match, liveness) goes through the FaceMatcher
// and Liveness ports; the development engine "none" records that nothing
// was performed, so only manual binding by the officer (Baseline) is
// possible. A face detector is never a face match.
//
// It is a domain package: no HTTP types.
package identity

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"math/big"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/emrtd"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/storage"
)

// Store is what the service keeps.
type Store interface {
	storage.Identifications
}

// Enrol is the enrolment state machine (enrol.Service).
type Enrol interface {
	Order(ctx context.Context, customerID, number string) (*storage.Order, error)
	BeginIdentification(ctx context.Context, customerID, number string, maxAttempts int) (*storage.Order, error)
	IdentificationFailed(ctx context.Context, number string, maxAttempts int, reason string) (*storage.Order, error)
	MarkIdentified(ctx context.Context, number string, at time.Time) (*storage.Order, error)
}

// Evidence keeps files at rest (evidence.Store).
type Evidence interface {
	Put(ctx context.Context, data []byte, mediaType string) (storage.EvidenceRef, error)
	Open(ctx context.Context, sha256hex string) ([]byte, error)
}

// ChipVerifier verifies a chip reading (emrtd.Verify).
type ChipVerifier interface {
	Verify(ctx context.Context, in emrtd.Input) (*emrtd.Report, error)
}

// VerifierFunc adapts a function such as emrtd.Verify to ChipVerifier.
type VerifierFunc func(ctx context.Context, in emrtd.Input) (*emrtd.Report, error)

// Verify implements ChipVerifier.
func (f VerifierFunc) Verify(ctx context.Context, in emrtd.Input) (*emrtd.Report, error) {
	return f(ctx, in)
}

// FaceMatcher compares the chip's portrait with the selfie video: a
// certified biometric engine, never a face detector.
type FaceMatcher interface {
	Compare(ctx context.Context, portrait, video []byte) (storage.BindingResult, error)
}

// Liveness runs presentation-attack (and injection-attack) detection on
// the video against the challenge the applicant had to perform.
type Liveness interface {
	Check(ctx context.Context, video []byte, challenge storage.LivenessChallenge) (storage.BindingResult, error)
}

// None is the development engine for both ports: it performs nothing and
// says so, which leaves binding to the registration officer (Baseline).
type None struct{}

// Compare implements FaceMatcher.
func (None) Compare(context.Context, []byte, []byte) (storage.BindingResult, error) {
	return storage.BindingResult{Engine: "none", Performed: false}, nil
}

// Check implements Liveness.
func (None) Check(context.Context, []byte, storage.LivenessChallenge) (storage.BindingResult, error) {
	return storage.BindingResult{Engine: "none", Performed: false}, nil
}

// Config holds the rules; zero values take the defaults.
type Config struct {
	TTL         time.Duration // session window, default 30 minutes
	MaxAttempts int           // per order, default 3
	MaxPhoto    int           // bytes, default 5 MB
	MaxVideo    int           // bytes, default 25 MB
	// MinVideo and MaxVideoDuration bound the duration a video's container
	// declares (default 2 s and 120 s).
	MinVideo, MaxVideoDuration time.Duration
	// MaxChipFile bounds one chip file (default 256 KB; DG2 is the largest).
	MaxChipFile int
}

func (c *Config) defaults() {
	if c.TTL <= 0 {
		c.TTL = 30 * time.Minute
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 3
	}
	if c.MaxPhoto <= 0 {
		c.MaxPhoto = 5 << 20
	}
	if c.MaxVideo <= 0 {
		c.MaxVideo = 25 << 20
	}
	if c.MinVideo <= 0 {
		c.MinVideo = 2 * time.Second
	}
	if c.MaxVideoDuration <= 0 {
		c.MaxVideoDuration = 120 * time.Second
	}
	if c.MaxChipFile <= 0 {
		c.MaxChipFile = 256 << 10
	}
}

// Deps are the service's collaborators. Chip and Trust may be nil: the
// chip step then answers NotImplemented.
type Deps struct {
	Store    Store
	Enrol    Enrol
	Evidence Evidence
	Chip     ChipVerifier
	Trust    emrtd.Trust
	Face     FaceMatcher
	Liveness Liveness
	Audit    audit.Appender
	Log      *slog.Logger
	Now      func() time.Time
}

// Service is the identification domain.
type Service struct {
	d   Deps
	cfg Config
	// starting serialises Start, so that two concurrent starts of one
	// order cannot leave two sessions open (starts are rare: one lock
	// for all orders is enough).
	starting sync.Mutex
}

// New builds the service.
func New(d Deps, cfg Config) *Service {
	cfg.defaults()
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Face == nil {
		d.Face = None{}
	}
	if d.Liveness == nil {
		d.Liveness = None{}
	}
	return &Service{d: d, cfg: cfg}
}

// Config returns the effective rules.
func (s *Service) Config() Config { return s.cfg }

func (s *Service) audit(ctx context.Context, typ, outcome string, sess *storage.Identification, detail map[string]string) {
	ev := audit.Event{Type: "identity." + typ, Outcome: outcome, Detail: map[string]string{"order": sess.OrderNumber, "session": sess.ID}}
	for k, v := range detail {
		ev.Detail[k] = v
	}
	audit.BestEffort(ctx, s.d.Audit, s.d.Log, ev)
}

func (s *Service) require(ctx context.Context, typ string, sess *storage.Identification, detail map[string]string) error {
	ev := audit.Event{Type: "identity." + typ, Detail: map[string]string{"order": sess.OrderNumber, "session": sess.ID}}
	for k, v := range detail {
		ev.Detail[k] = v
	}
	return audit.Require(ctx, s.d.Audit, s.d.Log, ev)
}

// LivenessActions are the actions a challenge picks from.
var LivenessActions = []string{"turn_left", "turn_right", "blink", "smile", "look_up", "nod"}

func randInt(n int) (int, error) {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		return 0, errs.Internalf(err, "random")
	}
	return int(v.Int64()), nil
}

// newChallenge picks three different actions and three digits.
func newChallenge() (storage.LivenessChallenge, error) {
	pool := slices.Clone(LivenessActions)
	var c storage.LivenessChallenge
	for range 3 {
		i, err := randInt(len(pool))
		if err != nil {
			return c, err
		}
		c.Actions = append(c.Actions, pool[i])
		pool = slices.Delete(pool, i, i+1)
	}
	for range 3 {
		d, err := randInt(10)
		if err != nil {
			return c, err
		}
		c.Digits += fmt.Sprint(d)
	}
	return c, nil
}

// Started is a new session and the attempts the order has left.
type Started struct {
	Session      *storage.Identification
	AttemptsLeft int
}

// ValidCountry reports an ISO 3166-1 alpha-2 shaped code.
func validCountry(c string) bool {
	return len(c) == 2 && strings.Trim(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == ""
}

// Start opens an identification session on the customer's order: a new
// AA challenge, a new liveness challenge, 30 minutes. The first start
// moves the order to identifying; an open older session is closed.
func (s *Service) Start(ctx context.Context, customerID, number, nationality, documentType string) (*Started, error) {
	nationality = strings.ToUpper(strings.TrimSpace(nationality))
	if !validCountry(nationality) {
		return nil, errs.M(errs.InvalidRequest, msg.AppNationality)
	}
	if documentType != "CIE" && documentType != "PASSPORT" {
		return nil, errs.M(errs.InvalidRequest, msg.AppDocumentType)
	}
	if _, err := s.d.Enrol.Order(ctx, customerID, number); err != nil {
		return nil, err
	}
	s.starting.Lock()
	defer s.starting.Unlock()
	if err := s.closeOpen(ctx, number); err != nil {
		return nil, err
	}
	o, err := s.d.Enrol.BeginIdentification(ctx, customerID, number, s.cfg.MaxAttempts)
	if err != nil {
		return nil, err
	}
	id, err := secret.NewID()
	if err != nil {
		return nil, err
	}
	challenge := make([]byte, 8)
	if _, err := rand.Read(challenge); err != nil {
		return nil, errs.Internalf(err, "AA challenge")
	}
	live, err := newChallenge()
	if err != nil {
		return nil, err
	}
	now := s.d.Now().UTC()
	sess := &storage.Identification{ID: id, OrderNumber: number, CustomerID: customerID, Nationality: nationality,
		DocumentType: documentType, State: storage.IdentificationOpen, CreatedAt: now, ExpiresAt: now.Add(s.cfg.TTL),
		AAChallenge: challenge, Liveness: live}
	if err := s.require(ctx, "start", sess, map[string]string{"documentType": documentType}); err != nil {
		return nil, err
	}
	if err := s.d.Store.CreateIdentification(ctx, sess); err != nil {
		return nil, fmt.Errorf("create identification session: %w", err)
	}
	return &Started{Session: sess, AttemptsLeft: s.cfg.MaxAttempts - o.AttemptsUsed}, nil
}

// live reports whether a session can still take steps.
func live(state string) bool {
	return state == storage.IdentificationOpen || state == storage.IdentificationChipOK
}

// closeOpen closes the order's sessions still open: one whose window
// passed expires (a failed attempt), one still inside it is abandoned for
// the new one (no attempt counted: its chip failure, if any, was).
func (s *Service) closeOpen(ctx context.Context, number string) error {
	list, err := s.d.Store.IdentificationsOf(ctx, number)
	if err != nil {
		return err
	}
	now := s.d.Now()
	for _, sess := range list {
		if !live(sess.State) {
			continue
		}
		if !now.Before(sess.ExpiresAt) {
			if err := s.expire(ctx, sess); err != nil {
				return err
			}
			continue
		}
		closed := false
		err := s.d.Store.UpdateIdentification(ctx, sess.ID, func(r *storage.Identification) error {
			closed = false // the closure may run again (storage's contract)
			if live(r.State) {
				r.State, closed = storage.IdentificationExpired, true
			}
			return nil
		})
		if err != nil {
			return err
		}
		if closed {
			s.audit(ctx, "close", "ok", sess, map[string]string{"reason": "superseded"})
		}
	}
	return nil
}

// expire marks a live session whose window passed as expired and counts
// the failed attempt (once, whoever notices first).
func (s *Service) expire(ctx context.Context, sess *storage.Identification) error {
	changed := false
	err := s.d.Store.UpdateIdentification(ctx, sess.ID, func(r *storage.Identification) error {
		changed = false // the closure may run again (storage's contract)
		if live(r.State) {
			r.State, changed = storage.IdentificationExpired, true
		}
		return nil
	})
	if err != nil || !changed {
		return err
	}
	s.audit(ctx, "expired", "ok", sess, nil)
	if _, err := s.d.Enrol.IdentificationFailed(ctx, sess.OrderNumber, s.cfg.MaxAttempts, "expired"); err != nil && !errs.Is(err, errs.Conflict) {
		return err
	}
	return nil
}

// Session returns the customer's session sid of order number.
func (s *Service) Session(ctx context.Context, customerID, number, sid string) (*storage.Identification, error) {
	sess, err := s.d.Store.Identification(ctx, sid)
	if err != nil || sess.CustomerID != customerID || sess.OrderNumber != number {
		if err != nil && !errs.Is(err, errs.NotFound) {
			return nil, err
		}
		return nil, errs.M(errs.NotFound, msg.AppSessionNotFound)
	}
	return sess, nil
}

// Sessions lists an order's sessions, oldest first.
func (s *Service) Sessions(ctx context.Context, customerID, number string) ([]*storage.Identification, error) {
	if _, err := s.d.Enrol.Order(ctx, customerID, number); err != nil {
		return nil, err
	}
	return s.d.Store.IdentificationsOf(ctx, number)
}

// errExpired is the answer for a step after the window closed.
var errExpired = errs.M(errs.Gone, msg.AppSessionExpired)

// step loads a session for a step allowed in states: Gone once its window
// closed (expiring it), Conflict in another state.
func (s *Service) step(ctx context.Context, customerID, number, sid string, states ...string) (*storage.Identification, error) {
	sess, err := s.Session(ctx, customerID, number, sid)
	if err != nil {
		return nil, err
	}
	if sess.State == storage.IdentificationExpired {
		return nil, errExpired
	}
	if live(sess.State) && !s.d.Now().Before(sess.ExpiresAt) {
		if err := s.expire(ctx, sess); err != nil {
			return nil, err
		}
		return nil, errExpired
	}
	if !slices.Contains(states, sess.State) {
		return nil, errs.M(errs.Conflict, msg.AppSessionClosed, sess.State)
	}
	return sess, nil
}

// update changes a session inside its window and in one of states (the
// checks step made, repeated inside the transaction).
func (s *Service) update(ctx context.Context, sid string, states []string, fn func(*storage.Identification) error) error {
	now := s.d.Now()
	return s.d.Store.UpdateIdentification(ctx, sid, func(r *storage.Identification) error {
		if !now.Before(r.ExpiresAt) || r.State == storage.IdentificationExpired {
			return errExpired
		}
		if !slices.Contains(states, r.State) {
			return errs.M(errs.Conflict, msg.AppSessionClosed, r.State)
		}
		return fn(r)
	})
}

var liveStates = []string{storage.IdentificationOpen, storage.IdentificationChipOK}

// PutPhoto keeps a photo of the document's front or back (JPEG by its
// content, at most MaxPhoto bytes).
func (s *Service) PutPhoto(ctx context.Context, customerID, number, sid, side string, data []byte) (storage.EvidenceRef, error) {
	if side != "front" && side != "back" {
		return storage.EvidenceRef{}, errs.M(errs.InvalidRequest, msg.AppPhotoSide)
	}
	if len(data) > s.cfg.MaxPhoto {
		return storage.EvidenceRef{}, errs.M(errs.InvalidRequest, msg.AppTooLarge, s.cfg.MaxPhoto>>20)
	}
	if !IsJPEG(data) {
		return storage.EvidenceRef{}, errs.M(errs.InvalidRequest, msg.AppPhotoType)
	}
	sess, err := s.step(ctx, customerID, number, sid, liveStates...)
	if err != nil {
		return storage.EvidenceRef{}, err
	}
	ref, err := s.d.Evidence.Put(ctx, data, "image/jpeg")
	if err != nil {
		return storage.EvidenceRef{}, err
	}
	err = s.update(ctx, sid, liveStates, func(r *storage.Identification) error {
		if r.Photos == nil {
			r.Photos = map[string]storage.EvidenceRef{}
		}
		r.Photos[side] = ref
		return nil
	})
	if err != nil {
		return storage.EvidenceRef{}, err
	}
	s.audit(ctx, "photo", "ok", sess, map[string]string{"side": side, "sha256": ref.SHA256})
	return ref, nil
}

// PutVideo keeps the selfie video: WebM, MP4 or QuickTime by its content,
// at most MaxVideo bytes, a declared duration inside the bounds, only
// inside the window. The session's liveness challenge is the one the
// video answers.
func (s *Service) PutVideo(ctx context.Context, customerID, number, sid string, data []byte) (storage.EvidenceRef, error) {
	if len(data) > s.cfg.MaxVideo {
		return storage.EvidenceRef{}, errs.M(errs.InvalidRequest, msg.AppTooLarge, s.cfg.MaxVideo>>20)
	}
	v, ok := SniffVideo(data)
	if !ok {
		return storage.EvidenceRef{}, errs.M(errs.InvalidRequest, msg.AppVideoType)
	}
	if v.Duration != 0 && (v.Duration < s.cfg.MinVideo || v.Duration > s.cfg.MaxVideoDuration) {
		return storage.EvidenceRef{}, errs.M(errs.InvalidRequest, msg.AppVideoDuration, int(s.cfg.MinVideo.Seconds()), int(s.cfg.MaxVideoDuration.Seconds()))
	}
	sess, err := s.step(ctx, customerID, number, sid, liveStates...)
	if err != nil {
		return storage.EvidenceRef{}, err
	}
	ref, err := s.d.Evidence.Put(ctx, data, v.MediaType)
	if err != nil {
		return storage.EvidenceRef{}, err
	}
	if err := s.update(ctx, sid, liveStates, func(r *storage.Identification) error { r.Video = &ref; return nil }); err != nil {
		return storage.EvidenceRef{}, err
	}
	duration := "undeclared"
	if v.Duration != 0 {
		duration = v.Duration.Round(time.Millisecond).String()
	}
	s.audit(ctx, "video", "ok", sess, map[string]string{"sha256": ref.SHA256, "mediaType": v.MediaType, "duration": duration})
	return ref, nil
}

// Confirm records what the applicant confirmed or added after the chip
// reading: the address and, when the chip holds none, the tax code.
func (s *Service) Confirm(ctx context.Context, customerID, number, sid, address, taxCode string) error {
	address = strings.TrimSpace(address)
	taxCode = strings.ToUpper(strings.TrimSpace(taxCode))
	if len(address) > 200 || strings.ContainsFunc(address, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return errs.M(errs.InvalidRequest, msg.AppConfirmField, "address")
	}
	if taxCode != "" {
		if err := checkTaxCode(taxCode); err != nil {
			return err
		}
	}
	sess, err := s.step(ctx, customerID, number, sid, storage.IdentificationChipOK)
	if err != nil {
		return err
	}
	now := s.d.Now().UTC()
	err = s.update(ctx, sid, []string{storage.IdentificationChipOK}, func(r *storage.Identification) error {
		r.Confirmed = &storage.ConfirmedData{Address: address, TaxCode: taxCode, At: now}
		return nil
	})
	if err != nil {
		return err
	}
	s.audit(ctx, "confirm", "ok", sess, map[string]string{"address": given(address), "taxCode": given(taxCode)})
	return nil
}

// given says whether a field was given, without saying what it is.
func given(v string) string {
	if v == "" {
		return "none"
	}
	return "given"
}

// Complete ends the session once the chip passed and the data were
// confirmed, the video and both photos are in: it runs the automated
// binding engines, records the level of proofing and moves the order to
// identified (the completion time is the proofing time).
func (s *Service) Complete(ctx context.Context, customerID, number, sid string) (*storage.Identification, error) {
	sess, err := s.Session(ctx, customerID, number, sid)
	if err != nil {
		return nil, err
	}
	if sess.State == storage.IdentificationCompleted {
		// A repeated call (the answer was lost): finish the order's move
		// if it did not happen.
		if o, err := s.d.Enrol.Order(ctx, customerID, number); err == nil && o.State == "identifying" {
			if _, err := s.d.Enrol.MarkIdentified(ctx, number, sess.CompletedAt); err != nil {
				return nil, err
			}
		}
		return sess, nil
	}
	if sess, err = s.step(ctx, customerID, number, sid, storage.IdentificationChipOK); err != nil {
		return nil, err
	}
	var missing []string
	if sess.Chip == nil {
		missing = append(missing, "chip")
	}
	if sess.Confirmed == nil {
		missing = append(missing, "confirm")
	}
	if sess.Video == nil {
		missing = append(missing, "video")
	}
	for _, side := range []string{"front", "back"} {
		if _, ok := sess.Photos[side]; !ok {
			missing = append(missing, "photo "+side)
		}
	}
	if len(missing) > 0 {
		return nil, errs.M(errs.Conflict, msg.AppIncomplete, strings.Join(missing, ", "))
	}
	portrait, err := s.d.Evidence.Open(ctx, sess.Chip.Face.SHA256)
	if err != nil {
		return nil, err
	}
	video, err := s.d.Evidence.Open(ctx, sess.Video.SHA256)
	if err != nil {
		return nil, err
	}
	now := s.d.Now().UTC()
	fm, err := s.d.Face.Compare(ctx, portrait, video)
	if err != nil {
		return nil, errs.Internalf(err, "face match")
	}
	pad, err := s.d.Liveness.Check(ctx, video, sess.Liveness)
	if err != nil {
		return nil, errs.Internalf(err, "liveness")
	}
	fm.At, pad.At = now, now
	level := levelOf(fm, pad)
	if err := s.require(ctx, "complete", sess, map[string]string{"level": level, "faceMatch": performed(fm), "pad": performed(pad)}); err != nil {
		return nil, err
	}
	var out *storage.Identification
	err = s.update(ctx, sid, []string{storage.IdentificationChipOK}, func(r *storage.Identification) error {
		r.State, r.CompletedAt, r.FaceMatch, r.PAD, r.LevelOfProofing = storage.IdentificationCompleted, now, fm, pad, level
		out = r
		return nil
	})
	if err != nil {
		return nil, err
	}
	if _, err := s.d.Enrol.MarkIdentified(ctx, number, now); err != nil {
		return nil, err
	}
	return out, nil
}

func performed(b storage.BindingResult) string {
	if !b.Performed {
		return "not performed (" + b.Engine + ")"
	}
	return b.Decision + " (" + b.Engine + ")"
}

// levelOf is the level of proofing the automated checks allow: Extended
// needs a certified face match and liveness that both passed (and the
// officer's agreement at review); without them binding is manual only,
// which TS 119 461 USE-9.2.3.3 allows for Baseline alone.
func levelOf(fm, pad storage.BindingResult) string {
	if fm.Performed && pad.Performed && fm.Decision == "match" && pad.Decision == "live" {
		return "extended"
	}
	return "baseline"
}
