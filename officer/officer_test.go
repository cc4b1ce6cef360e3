package officer_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/enrol"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/internal/testutil/fakeclock"
	"github.com/qesproject/qes/officer"
	"github.com/qesproject/qes/storage"
	"github.com/qesproject/qes/storage/bolt"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.Cleanup()
	os.Exit(code)
}

const (
	password     = "Officer-Pass1!"
	officerTax   = "RSSMRA80A01H501U"
	applicantTax = "BNCNNA85M41F205Q"
)

type env struct {
	svc   *officer.Service
	db    *bolt.DB
	clock *fakeclock.Clock
	audit string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	db, err := bolt.Open(filepath.Join(dir, "qes.db"))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{db: db, clock: fakeclock.New(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)), audit: filepath.Join(dir, "audit.jsonl")}
	log, err := audit.Open(e.audit, db, e.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = log.Close(); _ = db.Close() })
	h := testutil.HSM(t)
	ctx := context.Background()
	mac, err := h.MACKey(ctx, "officer-test")
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := h.Sealer(ctx, "officer-test")
	if err != nil {
		t.Fatal(err)
	}
	en := enrol.New(enrol.Deps{Store: db, MAC: mac, Audit: log, Now: e.clock.Now}, enrol.Config{Argon: secret.Fast})
	e.svc = officer.New(officer.Deps{Store: db, Enrol: en, Sealer: sealer, MAC: mac, Audit: log, Now: e.clock.Now},
		officer.Config{Argon: secret.Fast})
	return e
}

// officer creates an officer and returns the seed of their authenticator.
func (e *env) officer(t *testing.T, user, tax, email, trained string) string {
	t.Helper()
	c, err := e.svc.Create(context.Background(), officer.NewOfficer{User: user, FullName: "Officer " + user, TaxCode: tax,
		Email: email, Password: password, TrainedOn: trained})
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(c.TOTPURI)
	if err != nil || u.Scheme != "otpauth" {
		t.Fatalf("TOTP URI %q: %v", c.TOTPURI, err)
	}
	return u.Query().Get("secret")
}

func code(t *testing.T, seed string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(seed, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var orderSeq int

// identified stores an order in state requested (identified, contract
// accepted) with a completed
// identification, as the app side leaves it.
func (e *env) identified(t *testing.T, email, detailsTax, chipTax string, identifiedAt time.Time) string {
	t.Helper()
	ctx := context.Background()
	orderSeq++
	number := fmt.Sprintf("55-00001-%010d", orderSeq)
	cust := "cust-" + number
	if err := e.db.CreateCustomer(ctx, &storage.Customer{ID: cust, Email: email, EmailVerified: true, CreatedAt: identifiedAt}, nil); err != nil {
		t.Fatal(err)
	}
	o := &storage.Order{Number: number, CustomerID: cust, State: string(enrol.Requested), IdentifiedAt: identifiedAt,
		Details:   &storage.Details{Italian: detailsTax != "", TaxCode: detailsTax, Mobile: "+393330000000", DocCountry: "IT"},
		CreatedAt: identifiedAt}
	if err := e.db.CreateOrder(ctx, o, nil); err != nil {
		t.Fatal(err)
	}
	ident := &storage.Identification{ID: "id-" + number, OrderNumber: number, CustomerID: cust, Nationality: "IT", DocumentType: "CIE",
		State: storage.IdentificationCompleted, CreatedAt: identifiedAt.Add(-10 * time.Minute), CompletedAt: identifiedAt,
		Chip:   &storage.ChipReading{Document: map[string]string{"surname": "BIANCHI", "givenNames": "ANNA", "taxCode": chipTax}},
		Photos: map[string]storage.EvidenceRef{"front": {SHA256: "aa", MediaType: "image/jpeg"}}}
	if err := e.db.CreateIdentification(ctx, ident); err != nil {
		t.Fatal(err)
	}
	return number
}

func wantKind(t *testing.T, err error, k errs.Kind, id msg.ID) {
	t.Helper()
	if !errs.Is(err, k) {
		t.Fatalf("error %v: want kind %v", err, k)
	}
	if id != "" {
		if got, _, _ := errs.MessageOf(err); got != id {
			t.Fatalf("error %v names %s, want %s", err, got, id)
		}
	}
}

func allTicked() map[string]string {
	m := map[string]string{}
	for _, f := range officer.Features {
		m[f] = officer.FeatureMatch
	}
	return m
}

func TestCreateChecksWhatItStores(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	good := officer.NewOfficer{User: "Rossi", FullName: "Mario Rossi", TaxCode: strings.ToLower(officerTax), Email: "mario@example.org",
		Password: password, TrainedOn: "2026-01-15"}
	cases := []struct {
		name   string
		change func(*officer.NewOfficer)
		want   msg.ID
	}{
		{"short user", func(n *officer.NewOfficer) { n.User = "ab" }, msg.OfficerUserInvalid},
		{"user with a space", func(n *officer.NewOfficer) { n.User = "a b c" }, msg.OfficerUserInvalid},
		{"no name", func(n *officer.NewOfficer) { n.FullName = " " }, msg.OfficerNameRequired},
		{"bad tax code", func(n *officer.NewOfficer) { n.TaxCode = "RSSMRA80A01H501X" }, msg.OfficerTaxCodeInvalid},
		{"bad e-mail", func(n *officer.NewOfficer) { n.Email = "nobody" }, msg.OfficerEmailInvalid},
		{"training in the future", func(n *officer.NewOfficer) { n.TrainedOn = "2026-06-02" }, msg.OfficerTrainingInvalid},
		{"training not a day", func(n *officer.NewOfficer) { n.TrainedOn = "June" }, msg.OfficerTrainingInvalid},
		{"weak password", func(n *officer.NewOfficer) { n.Password = "short" }, ""},
	}
	for _, c := range cases {
		n := good
		c.change(&n)
		_, err := e.svc.Create(ctx, n)
		if !errs.Is(err, errs.InvalidRequest) {
			t.Errorf("%s: error %v, want invalid request", c.name, err)
			continue
		}
		if id, _, _ := errs.MessageOf(err); c.want != "" && id != c.want {
			t.Errorf("%s: message %s, want %s", c.name, id, c.want)
		}
	}
	created, err := e.svc.Create(ctx, good)
	if err != nil {
		t.Fatal(err)
	}
	if created.User != "rossi" || !strings.HasPrefix(created.TOTPURI, "otpauth://totp/") {
		t.Fatalf("created = %+v", created)
	}
	_, err = e.svc.Create(ctx, good)
	wantKind(t, err, errs.Conflict, "")
	stored, err := e.db.Officer(ctx, "rossi")
	if err != nil {
		t.Fatal(err)
	}
	if stored.TaxCode != officerTax || !strings.HasPrefix(stored.PasswordHash, "$argon2id$") || len(stored.TOTPSealed) == 0 ||
		strings.Contains(string(stored.TOTPSealed), strings.Split(strings.Split(created.TOTPURI, "secret=")[1], "&")[0]) {
		t.Fatalf("stored officer = %+v: want an upper-case tax code, an argon2id hash and a sealed seed", stored)
	}

	// Training: a year and a day later the officer may no longer decide.
	e.clock.Set(time.Date(2027, 1, 16, 0, 0, 0, 0, time.UTC))
	list, err := e.svc.List(ctx)
	if err != nil || len(list) != 1 || list[0].TrainingValid || list[0].TrainedOn != "2026-01-15" {
		t.Fatalf("list = %+v, %v: want one officer whose training lapsed", list, err)
	}
	s, err := e.svc.Trained(ctx, "ROSSI", "2027-01-10")
	if err != nil || !s.TrainingValid || s.TrainedOn != "2027-01-10" {
		t.Fatalf("trained = %+v, %v", s, err)
	}
	_, err = e.svc.Trained(ctx, "verdi", "2027-01-10")
	wantKind(t, err, errs.NotFound, msg.OfficerNotFound)
}

func TestLoginNeedsPasswordAndAFreshCode(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	seed := e.officer(t, "rossi", officerTax, "mario@example.org", "2026-01-15")
	now := e.clock.Now()

	tok, err := e.svc.Login(ctx, "rossi", password, code(t, seed, now), "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	sess, err := e.svc.Session(ctx, tok)
	if err != nil || sess.User != "rossi" || !sess.CanDecide || len(sess.CSRF) < 32 {
		t.Fatalf("session = %+v, %v", sess, err)
	}
	// The same code again (a replay, even from the officer's own
	// browser) does not log in; the next step's code does.
	_, err = e.svc.Login(ctx, "rossi", password, code(t, seed, now), "10.0.0.1")
	wantKind(t, err, errs.AuthenticationFailed, msg.OfficerLoginFailed)
	e.clock.Advance(30 * time.Second)
	if _, err := e.svc.Login(ctx, "rossi", password, code(t, seed, e.clock.Now()), "10.0.0.1"); err != nil {
		t.Fatalf("a fresh code: %v", err)
	}
	// Every failure reads the same: unknown user, wrong password, wrong code.
	for _, c := range []struct{ user, pw, code string }{
		{"verdi", password, "123456"}, {"rossi", "Wrong-Pass1!", code(t, seed, e.clock.Now())}, {"rossi", password, "000000"},
	} {
		_, err := e.svc.Login(ctx, c.user, c.pw, c.code, "10.0.0.2")
		wantKind(t, err, errs.AuthenticationFailed, msg.OfficerLoginFailed)
	}
	if err := e.svc.Logout(ctx, tok); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.Session(ctx, tok)
	wantKind(t, err, errs.InvalidToken, "")
}

func TestLoginIsThrottledNotLocked(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	seed := e.officer(t, "rossi", officerTax, "mario@example.org", "2026-01-15")
	cfg := e.svc.Config()
	for _, user := range []string{"rossi", "nobody"} {
		for i := 0; i < cfg.ThrottlePair; i++ {
			_, err := e.svc.Login(ctx, user, "Wrong-Pass1!", "123456", "10.0.0.9")
			wantKind(t, err, errs.AuthenticationFailed, msg.OfficerLoginFailed)
		}
		// Past the limit even the right password waits, and an unknown
		// user is refused exactly like a real one.
		_, err := e.svc.Login(ctx, user, password, code(t, seed, e.clock.Now()), "10.0.0.9")
		wantKind(t, err, errs.RateLimited, msg.OfficerThrottled)
	}
	// Another address is not held up by this one...
	e.clock.Advance(30 * time.Second)
	if _, err := e.svc.Login(ctx, "rossi", password, code(t, seed, e.clock.Now()), "10.0.0.10"); err != nil {
		t.Fatalf("login from another address: %v", err)
	}
	// ...and the throttled one is free again when the window ends.
	e.clock.Advance(cfg.ThrottleWindow)
	if _, err := e.svc.Login(ctx, "rossi", password, code(t, seed, e.clock.Now()), "10.0.0.9"); err != nil {
		t.Fatalf("login after the window: %v", err)
	}
}

func TestReviewRules(t *testing.T) {
	day := 24 * time.Hour
	cases := []struct {
		name string
		// the officer
		tax, email, trained string
		// the enrolment
		custEmail, detailsTax, chipTax string
		age                            time.Duration // since identification
		d                              officer.Decision
		openKind, kind                 errs.Kind
		msg                            msg.ID
		state                          enrol.State
	}{
		{name: "approve", d: officer.Decision{Action: "approve", Checklist: allTicked()}, state: enrol.Approved},
		{name: "reject with a reason", d: officer.Decision{Action: "reject", Reason: "the face does not match"}, state: enrol.Rejected},
		{name: "retry with a reason", d: officer.Decision{Action: "retry", Reason: "video too dark"}, state: enrol.RetryRequired},
		{name: "reject without a reason", d: officer.Decision{Action: "reject", Reason: "  "}, kind: errs.InvalidRequest, msg: msg.OfficerReasonRequired},
		{name: "retry without a reason", d: officer.Decision{Action: "retry"}, kind: errs.InvalidRequest, msg: msg.OfficerReasonRequired},
		{name: "unknown action", d: officer.Decision{Action: "maybe"}, kind: errs.InvalidRequest, msg: msg.OfficerDecisionInvalid},
		{name: "approve without the checklist", d: officer.Decision{Action: "approve", Checklist: map[string]string{"eyes": "match"}},
			kind: errs.InvalidRequest, msg: msg.OfficerChecklistIncomplete},
		{name: "unknown feature", d: officer.Decision{Action: "reject", Reason: "x", Checklist: map[string]string{"tattoo": "match"}},
			kind: errs.InvalidRequest, msg: msg.OfficerChecklistAnswer},
		{name: "reason too long", d: officer.Decision{Action: "reject", Reason: strings.Repeat("é", officer.MaxReason+1)},
			kind: errs.InvalidRequest, msg: msg.OfficerReasonTooLong},
		{name: "own enrolment by the details' tax code", detailsTax: officerTax, d: officer.Decision{Action: "approve", Checklist: allTicked()},
			openKind: errs.AccessDenied, kind: errs.AccessDenied, msg: msg.OfficerOwnEnrolment},
		{name: "own enrolment by the chip's tax code", chipTax: officerTax, d: officer.Decision{Action: "reject", Reason: "x"},
			openKind: errs.AccessDenied, kind: errs.AccessDenied, msg: msg.OfficerOwnEnrolment},
		{name: "own enrolment by e-mail", custEmail: "Mario@Example.org", d: officer.Decision{Action: "reject", Reason: "x"},
			openKind: errs.AccessDenied, kind: errs.AccessDenied, msg: msg.OfficerOwnEnrolment},
		{name: "stale training looks but does not decide", trained: "2025-05-31", d: officer.Decision{Action: "approve", Checklist: allTicked()},
			kind: errs.AccessDenied, msg: msg.OfficerTrainingStale},
		{name: "training of exactly a year ago is still good", trained: "2025-06-02", d: officer.Decision{Action: "approve", Checklist: allTicked()},
			state: enrol.Approved},
		{name: "approving an old proofing asks for a new one", age: 31 * day, d: officer.Decision{Action: "approve", Checklist: allTicked()},
			state: enrol.RetryRequired},
		{name: "a proofing of 30 days is approved", age: 30 * day, d: officer.Decision{Action: "approve", Checklist: allTicked()},
			state: enrol.Approved},
		{name: "rejecting an old proofing stays a rejection", age: 40 * day, d: officer.Decision{Action: "reject", Reason: "no match"},
			state: enrol.Rejected},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			e.officer(t, "rossi", officerTax, "mario@example.org", orDefault(c.trained, "2026-01-15"))
			number := e.identified(t, orDefault(c.custEmail, "anna@example.org"), orDefault(c.detailsTax, applicantTax),
				orDefault(c.chipTax, applicantTax), e.clock.Now().Add(-c.age))
			cs, err := e.svc.Open(ctx, "rossi", number)
			if c.openKind != 0 {
				wantKind(t, err, c.openKind, c.msg)
				cs = &officer.Case{Review: &storage.Review{ID: "none"}}
			} else if err != nil {
				t.Fatal(err)
			}
			c.d.Review = cs.Review.ID
			rev, err := e.svc.Decide(ctx, "rossi", number, c.d)
			o, oerr := e.db.Order(ctx, number)
			if oerr != nil {
				t.Fatal(oerr)
			}
			if c.kind != 0 {
				wantKind(t, err, c.kind, c.msg)
				if o.State != string(enrol.Requested) {
					t.Fatalf("a refused decision moved the order to %s", o.State)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if o.State != string(c.state) || rev.Decision != string(c.state) {
				t.Fatalf("order %s, review %+v: want %s", o.State, rev, c.state)
			}
			if c.d.Action == "approve" && c.state == enrol.RetryRequired &&
				(rev.Requested != "approved" || !strings.Contains(rev.Reason, "30 days")) {
				t.Fatalf("review of an old proofing = %+v: want the approval recorded as requested and the reason", rev)
			}
		})
	}
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func TestReviewRecordsTimeAndRefusesASecondDecision(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.officer(t, "rossi", officerTax, "mario@example.org", "2026-01-15")
	e.officer(t, "verdi", "VRDGPP70A01F205V", "giuseppe@example.org", "2026-01-15")
	older := e.identified(t, "anna@example.org", applicantTax, applicantTax, e.clock.Now().Add(-2*time.Hour))
	number := e.identified(t, "bea@example.org", applicantTax, applicantTax, e.clock.Now().Add(-time.Hour))

	q, err := e.svc.Queue(ctx)
	if err != nil || len(q) != 2 || q[0].Order != older || q[0].Waiting != 2*time.Hour {
		t.Fatalf("queue = %+v, %v: want the older enrolment first, waiting 2 h", q, err)
	}

	first, err := e.svc.Open(ctx, "rossi", number)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(40 * time.Second)
	// A reload continues the same review: the time spent is not reset.
	again, err := e.svc.Open(ctx, "rossi", number)
	if err != nil || again.Review.ID != first.Review.ID || again.Elapsed != 40*time.Second {
		t.Fatalf("reopened = %+v, %v", again, err)
	}
	other, err := e.svc.Open(ctx, "verdi", number)
	if err != nil || other.Review.ID == first.Review.ID {
		t.Fatalf("a second officer's review = %+v, %v: want a record of their own", other, err)
	}
	e.clock.Advance(55 * time.Second)
	rev, err := e.svc.Decide(ctx, "rossi", number, officer.Decision{Review: first.Review.ID, Action: "approve", Checklist: allTicked()})
	if err != nil {
		t.Fatal(err)
	}
	if rev.Seconds != 95 || !rev.DecidedAt.Equal(e.clock.Now()) || !rev.OpenedAt.Equal(first.Review.OpenedAt) || rev.Checklist["ears"] != "match" {
		t.Fatalf("review = %+v: want 95 s spent and the checklist", rev)
	}
	// The same review twice, and another officer on the decided order:
	// both are conflicts, and the order stays approved.
	_, err = e.svc.Decide(ctx, "rossi", number, officer.Decision{Review: first.Review.ID, Action: "reject", Reason: "changed my mind"})
	wantKind(t, err, errs.Conflict, msg.OfficerReviewDecided)
	_, err = e.svc.Decide(ctx, "verdi", number, officer.Decision{Review: other.Review.ID, Action: "reject", Reason: "no"})
	wantKind(t, err, errs.Conflict, msg.OfficerNotInReview)
	_, err = e.svc.Open(ctx, "verdi", number)
	wantKind(t, err, errs.Conflict, msg.OfficerNotInReview)
	// Someone else's review ID is not a way in.
	_, err = e.svc.Decide(ctx, "verdi", older, officer.Decision{Review: first.Review.ID, Action: "reject", Reason: "no"})
	wantKind(t, err, errs.Conflict, msg.OfficerReviewUnknown)
	o, _ := e.db.Order(ctx, number)
	if o.State != string(enrol.Approved) {
		t.Fatalf("order = %s, want approved", o.State)
	}
	// Both sides audited the decision, without personal data.
	raw, err := os.ReadFile(e.audit)
	if err != nil {
		t.Fatal(err)
	}
	log := string(raw)
	for _, want := range []string{`"type":"enrol.approved"`, `"type":"officer.review"`, `"decision":"approved"`, `"officer":"rossi"`} {
		if !strings.Contains(log, want) {
			t.Errorf("audit log lacks %s", want)
		}
	}
	for _, never := range []string{applicantTax, "bea@example.org", "BIANCHI"} {
		if strings.Contains(log, never) {
			t.Errorf("audit log holds personal data %q", never)
		}
	}
	if q, _ := e.svc.Queue(ctx); len(q) != 1 || q[0].Order != older {
		t.Fatalf("queue after the decision = %+v", q)
	}
}

func TestMediaNeedsAnOfficerNotTheApplicant(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.officer(t, "rossi", officerTax, "mario@example.org", "2026-01-15")
	number := e.identified(t, "anna@example.org", applicantTax, applicantTax, e.clock.Now())
	own := e.identified(t, "mario@example.org", applicantTax, applicantTax, e.clock.Now())
	ref, err := e.svc.Media(ctx, "rossi", number, officer.MediaFront)
	if err != nil || ref.SHA256 != "aa" {
		t.Fatalf("front photo = %+v, %v", ref, err)
	}
	_, err = e.svc.Media(ctx, "rossi", number, officer.MediaFace) // no PNG of the portrait
	wantKind(t, err, errs.NotFound, msg.OfficerEvidenceMissing)
	_, err = e.svc.Media(ctx, "rossi", number, "../etc")
	wantKind(t, err, errs.NotFound, msg.OfficerEvidenceMissing)
	_, err = e.svc.Media(ctx, "nobody", number, officer.MediaFront)
	wantKind(t, err, errs.AccessDenied, "")
	_, err = e.svc.Media(ctx, "rossi", own, officer.MediaFront)
	wantKind(t, err, errs.AccessDenied, msg.OfficerOwnEnrolment)
}

// Two officers deciding the same enrolment at once: one decision wins,
// the other is a conflict, and the order moved once.
func TestConcurrentDecisionsMoveTheOrderOnce(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.officer(t, "rossi", officerTax, "mario@example.org", "2026-01-15")
	e.officer(t, "verdi", "VRDGPP70A01F205V", "giuseppe@example.org", "2026-01-15")
	number := e.identified(t, "anna@example.org", applicantTax, applicantTax, e.clock.Now().Add(-time.Hour))
	reviews := map[string]string{}
	for _, u := range []string{"rossi", "verdi"} {
		cs, err := e.svc.Open(ctx, u, number)
		if err != nil {
			t.Fatal(err)
		}
		reviews[u] = cs.Review.ID
	}
	errc := make(chan error, 2)
	for _, u := range []string{"rossi", "verdi"} {
		go func() {
			_, err := e.svc.Decide(ctx, u, number, officer.Decision{Review: reviews[u], Action: "reject", Reason: "no match"})
			errc <- err
		}()
	}
	var ok, conflicts int
	for range 2 {
		switch err := <-errc; {
		case err == nil:
			ok++
		case errs.Is(err, errs.Conflict):
			conflicts++
		default:
			t.Fatalf("unexpected error %v", err)
		}
	}
	if ok != 1 || conflicts != 1 {
		t.Fatalf("%d decisions, %d conflicts: want one of each", ok, conflicts)
	}
	o, err := e.db.Order(ctx, number)
	if err != nil || o.State != string(enrol.Rejected) || len(o.Transitions) != 1 {
		t.Fatalf("order = %+v, %v: want one move to rejected", o, err)
	}
	revs, _ := e.db.ReviewsOf(ctx, number)
	decided := 0
	for _, r := range revs {
		if !r.DecidedAt.IsZero() {
			decided++
		}
	}
	if decided != 1 {
		t.Fatalf("%d reviews decided, want 1", decided)
	}
}

func TestDisabledOfficerIsOut(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	seed := e.officer(t, "rossi", officerTax, "mario@example.org", "2026-01-15")
	number := e.identified(t, "anna@example.org", applicantTax, applicantTax, e.clock.Now())
	tok, err := e.svc.Login(ctx, "rossi", password, code(t, seed, e.clock.Now()), "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	s, err := e.svc.Disable(ctx, "rossi")
	if err != nil || !s.Disabled {
		t.Fatalf("disable = %+v, %v", s, err)
	}
	_, err = e.svc.Session(ctx, tok)
	wantKind(t, err, errs.InvalidToken, "")
	e.clock.Advance(30 * time.Second)
	_, err = e.svc.Login(ctx, "rossi", password, code(t, seed, e.clock.Now()), "10.0.0.1")
	wantKind(t, err, errs.AuthenticationFailed, msg.OfficerLoginFailed)
	_, err = e.svc.Open(ctx, "rossi", number)
	wantKind(t, err, errs.AccessDenied, "")
	_, err = e.svc.Disable(ctx, "nobody")
	wantKind(t, err, errs.NotFound, msg.OfficerNotFound)
}
