package identity_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/emrtd"
	"github.com/qesproject/qes/enrol"
	"github.com/qesproject/qes/evidence"
	"github.com/qesproject/qes/identity"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/internal/testutil/fakeclock"
	"github.com/qesproject/qes/otp"
	"github.com/qesproject/qes/storage"
	"github.com/qesproject/qes/storage/bolt"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.Cleanup()
	os.Exit(code)
}

type hmacKey []byte

func (k hmacKey) Sum(parts ...[]byte) ([]byte, error) {
	m := hmac.New(sha256.New, k)
	for _, p := range parts {
		m.Write([]byte{byte(len(p) >> 8), byte(len(p))})
		m.Write(p)
	}
	return m.Sum(nil), nil
}

// verifier is the ChipVerifier port played by the test: it records what
// it was given and answers with report or refusal.
type verifier struct {
	mu      sync.Mutex
	inputs  []emrtd.Input
	refusal *emrtd.Error
}

func (v *verifier) Verify(_ context.Context, in emrtd.Input) (*emrtd.Report, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.inputs = append(v.inputs, in)
	if v.refusal != nil {
		return nil, v.refusal
	}
	return &emrtd.Report{
		Document: emrtd.Document{DocumentCode: "I<", IssuingState: "ITA", IssuingCountry: "IT", DocumentNumber: "CA00000AA",
			Surname: "ROSSI", GivenNames: "MARIO", DateOfBirth: "1980-01-01", DateOfExpiry: "2031-01-01", TaxCode: "RSSMRA80A01H501U"},
		Checks: emrtd.Checks{PassiveAuthentication: "ok", CSCA: "ok", CRL: "ok", DGHashes: "ok", ActiveAuthentication: "verified",
			DocumentValid: "ok", MRZMatchesInput: "ok", TaxCodeConsistent: "ok"},
		DSC: emrtd.CertInfo{Subject: "CN=DS"}, CSCA: emrtd.CertInfo{Subject: "CN=CSCA"},
		Face: emrtd.Image{Format: "jpeg", Data: jpegBytes},
	}, nil
}

type noTrust struct{}

func (noTrust) CSCAs(context.Context, string) ([][]byte, error) { return nil, nil }
func (noTrust) CRLs(context.Context, string) ([][]byte, error)  { return nil, nil }

type env struct {
	svc   *identity.Service
	db    *bolt.DB
	shop  *enrol.Service
	ev    *evidence.Store
	chip  *verifier
	clock *fakeclock.Clock
	dir   string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	db, err := bolt.Open(filepath.Join(dir, "qes.db"))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{db: db, clock: fakeclock.New(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)), chip: &verifier{}, dir: dir}
	log, err := audit.Open(filepath.Join(dir, "audit.jsonl"), db, e.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = log.Close(); _ = db.Close() })
	mac := hmacKey("test key")
	box := otp.NewOutbox(filepath.Join(dir, "outbox.jsonl"))
	codes := otp.New(db, mac, box, e.clock.Now, otp.Config{})
	e.shop = enrol.New(enrol.Deps{Store: db, OTP: codes, Notify: box, MAC: mac, Audit: log, Now: e.clock.Now}, enrol.Config{Argon: secret.Fast})
	sealer, err := testutil.HSM(t).Sealer(context.Background(), "identity-test")
	if err != nil {
		t.Fatal(err)
	}
	e.ev = evidence.New(dir, sealer, e.clock.Now)
	e.svc = identity.New(identity.Deps{Store: db, Enrol: e.shop, Evidence: e.ev, Chip: e.chip, Trust: noTrust{}, Audit: log, Now: e.clock.Now}, identity.Config{})
	return e
}

var seq atomic.Int64

// order stores a customer and an order in state.
func (e *env) order(t *testing.T, state string) (customer, number string) {
	t.Helper()
	ctx := context.Background()
	n := seq.Add(1)
	customer, number = fmt.Sprintf("c%d", n), fmt.Sprintf("55-00001-%010d", n)
	now := e.clock.Now()
	if err := e.db.CreateCustomer(ctx, &storage.Customer{ID: customer, Email: customer + "@example.org", EmailVerified: true, CreatedAt: now}, nil); err != nil {
		t.Fatal(err)
	}
	if err := e.db.CreateOrder(ctx, &storage.Order{Number: number, CustomerID: customer, State: state, CreatedAt: now,
		Details: &storage.Details{Italian: true, TaxCode: "RSSMRA80A01H501U", Mobile: "+393331234567", DocCountry: "IT"}}, nil); err != nil {
		t.Fatal(err)
	}
	return customer, number
}

func (e *env) orderState(t *testing.T, number string) *storage.Order {
	t.Helper()
	o, err := e.db.Order(context.Background(), number)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

var access = identity.Access{Protocol: "PACE", Password: "MRZ", DocumentNumber: "CA00000AA", DateOfBirth: "800101", DateOfExpiry: "310101"}

func chipRead() identity.ChipRead {
	return identity.ChipRead{Access: access, Files: map[string][]byte{"SOD": []byte("sod"), "DG1": []byte("dg1"), "DG2": []byte("dg2"), "DG15": []byte("dg15")},
		AASignature: []byte("aa signature")}
}

func wantKind(t *testing.T, err error, k errs.Kind) {
	t.Helper()
	if !errs.Is(err, k) {
		t.Fatalf("error %v: want kind %v", err, k)
	}
}

func TestIdentificationFlow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	c, n := e.order(t, "details_submitted")
	st, err := e.svc.Start(ctx, c, n, "it", "CIE")
	if err != nil {
		t.Fatal(err)
	}
	sess := st.Session
	if st.AttemptsLeft != 3 || len(sess.AAChallenge) != 8 || len(sess.Liveness.Actions) != 3 || len(sess.Liveness.Digits) != 3 ||
		!sess.ExpiresAt.Equal(e.clock.Now().Add(30*time.Minute)) || sess.Nationality != "IT" {
		t.Fatalf("started %+v, attempts %d", sess, st.AttemptsLeft)
	}
	if o := e.orderState(t, n); o.State != "identifying" {
		t.Fatalf("order %s after start", o.State)
	}
	// Someone else's session is not found.
	other, _ := e.order(t, "details_submitted")
	_, err = e.svc.PutPhoto(ctx, other, n, sess.ID, "front", jpegBytes)
	wantKind(t, err, errs.NotFound)
	// Complete too early names what is missing.
	_, err = e.svc.Complete(ctx, c, n, sess.ID)
	wantKind(t, err, errs.Conflict)

	for _, side := range []string{"front", "back"} {
		if _, err := e.svc.PutPhoto(ctx, c, n, sess.ID, side, jpegBytes); err != nil {
			t.Fatal(err)
		}
	}
	res, err := e.svc.SubmitChip(ctx, c, n, sess.ID, chipRead())
	if err != nil {
		t.Fatal(err)
	}
	if res.Document["documentNumber"] != "CA00000AA" || res.Checks["activeAuthentication"] != "verified" || len(res.Missing) != 1 || res.Missing[0] != "address" {
		t.Fatalf("chip result %+v", res)
	}
	in := e.chip.inputs[0]
	if !bytes.Equal(in.Challenge, sess.AAChallenge) || in.TaxCode != "RSSMRA80A01H501U" || in.Typed.DateOfBirth != "800101" || in.Trust == nil || !in.Now.Equal(e.clock.Now()) {
		t.Fatalf("verifier input %+v", in)
	}
	// The challenge is single use: the chip cannot be read again here.
	_, err = e.svc.SubmitChip(ctx, c, n, sess.ID, chipRead())
	wantKind(t, err, errs.Conflict)

	if err := e.svc.Confirm(ctx, c, n, sess.ID, "Via Roma 1, 00100 Roma", ""); err != nil {
		t.Fatal(err)
	}
	video := mp4("isom", 0, 1000, 9000, 1024)
	vref, err := e.svc.PutVideo(ctx, c, n, sess.ID, video)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(video)
	if vref.SHA256 != fmt.Sprintf("%x", sum) || vref.MediaType != "video/mp4" {
		t.Fatalf("video ref %+v", vref)
	}
	e.clock.Advance(10 * time.Minute)
	done, err := e.svc.Complete(ctx, c, n, sess.ID)
	if err != nil {
		t.Fatal(err)
	}
	if done.State != storage.IdentificationCompleted || done.FaceMatch.Performed || done.PAD.Performed || done.FaceMatch.Engine != "none" ||
		done.LevelOfProofing != "baseline" || !done.CompletedAt.Equal(e.clock.Now()) {
		t.Fatalf("completed %+v", done)
	}
	o := e.orderState(t, n)
	if o.State != "identified" || !o.IdentifiedAt.Equal(e.clock.Now()) {
		t.Fatalf("order %s at %v", o.State, o.IdentifiedAt)
	}
	// A repeated complete answers the same; nothing else moves.
	if again, err := e.svc.Complete(ctx, c, n, sess.ID); err != nil || again.State != storage.IdentificationCompleted {
		t.Fatalf("repeated complete: %v", err)
	}

	// The evidence: every chip file, the report, the face, the photos and
	// the video, readable through the store.
	stored, err := e.svc.Session(ctx, c, n, sess.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(stored.Attempts) != 1 || stored.Attempts[0].Code != "" || len(stored.Attempts[0].Files) != 4 || stored.Attempts[0].Access != "PACE-MRZ" {
		t.Fatalf("attempts %+v", stored.Attempts)
	}
	for name, ref := range stored.Attempts[0].Files {
		data, err := e.ev.Open(ctx, ref.SHA256)
		if err != nil || !bytes.Equal(data, chipRead().Files[name]) {
			t.Fatalf("chip file %s: %q, %v", name, data, err)
		}
	}
	rep, err := e.ev.Open(ctx, stored.Attempts[0].Report.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	if err := json.Unmarshal(rep, &rec); err != nil || rec["result"] != "ok" {
		t.Fatalf("report %s: %v", rep, err)
	}
	if face, err := e.ev.Open(ctx, stored.Chip.Face.SHA256); err != nil || !bytes.Equal(face, jpegBytes) {
		t.Fatalf("face: %v", err)
	}
	if got, err := e.ev.Open(ctx, stored.Video.SHA256); err != nil || !bytes.Equal(got, video) {
		t.Fatalf("video: %v", err)
	}
}

func TestSessionExpiry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	c, n := e.order(t, "details_submitted")
	st, err := e.svc.Start(ctx, c, n, "IT", "PASSPORT")
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(30*time.Minute - time.Second)
	if _, err := e.svc.PutPhoto(ctx, c, n, st.Session.ID, "front", jpegBytes); err != nil {
		t.Fatalf("a second before the end: %v", err)
	}
	e.clock.Advance(time.Second)
	_, err = e.svc.PutPhoto(ctx, c, n, st.Session.ID, "back", jpegBytes)
	wantKind(t, err, errs.Gone)
	_, err = e.svc.SubmitChip(ctx, c, n, st.Session.ID, chipRead())
	wantKind(t, err, errs.Gone)
	_, err = e.svc.PutVideo(ctx, c, n, st.Session.ID, mp4("isom", 0, 1000, 5000, 0))
	wantKind(t, err, errs.Gone)
	if len(e.chip.inputs) != 0 {
		t.Fatal("an expired session reached the chip verifier")
	}
	// The expiry counted once, however many calls noticed it.
	if o := e.orderState(t, n); o.AttemptsUsed != 1 || o.State != "identifying" {
		t.Fatalf("order %s with %d attempts used", o.State, o.AttemptsUsed)
	}
	// A new session has a new challenge and one attempt less.
	next, err := e.svc.Start(ctx, c, n, "IT", "PASSPORT")
	if err != nil {
		t.Fatal(err)
	}
	if next.AttemptsLeft != 2 || bytes.Equal(next.Session.AAChallenge, st.Session.AAChallenge) {
		t.Fatalf("new session %+v", next)
	}
	// Starting again abandons the open session without counting it.
	third, err := e.svc.Start(ctx, c, n, "IT", "PASSPORT")
	if err != nil || third.AttemptsLeft != 2 {
		t.Fatalf("restart: %+v, %v", third, err)
	}
	_, err = e.svc.PutPhoto(ctx, c, n, next.Session.ID, "front", jpegBytes)
	wantKind(t, err, errs.Gone)
}

func TestAttemptsRunOut(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	e.chip.refusal = &emrtd.Error{Code: emrtd.DGHashMismatch, Detail: "DG2 does not match the SOD"}
	c, n := e.order(t, "details_submitted")
	for i := 1; i <= 3; i++ {
		st, err := e.svc.Start(ctx, c, n, "IT", "CIE")
		if err != nil {
			t.Fatalf("start %d: %v", i, err)
		}
		if st.AttemptsLeft != 4-i {
			t.Fatalf("start %d: %d attempts left", i, st.AttemptsLeft)
		}
		read := chipRead()
		read.ChipAuthentication = []byte(`{"protocol":"id-CA-ECDH-AES-CBC-CMAC-128","terminalKey":"AQID"}`)
		_, err = e.svc.SubmitChip(ctx, c, n, st.Session.ID, read)
		var refused *identity.Refused
		var code *emrtd.Error
		if !errors.As(err, &refused) || !errors.As(err, &code) || code.Code != emrtd.DGHashMismatch || refused.AttemptsLeft != 3-i {
			t.Fatalf("attempt %d: %v (%+v)", i, err, refused)
		}
		wantKind(t, err, errs.InvalidRequest)
		sess, _ := e.svc.Session(ctx, c, n, st.Session.ID)
		if ca, err := e.ev.Open(ctx, sess.Attempts[0].Files["ChipAuthentication"].SHA256); err != nil || !bytes.Equal(ca, read.ChipAuthentication) {
			t.Fatalf("Chip Authentication evidence: %q, %v", ca, err)
		}
		if sess.State != storage.IdentificationFailed || len(sess.Attempts) != 1 || sess.Attempts[0].Code != "dg_hash_mismatch" || sess.Attempts[0].Report == nil {
			t.Fatalf("session after attempt %d: %+v", i, sess)
		}
		// The failed attempt's evidence is kept.
		if raw, err := e.ev.Open(ctx, sess.Attempts[0].Report.SHA256); err != nil || !bytes.Contains(raw, []byte("dg_hash_mismatch")) {
			t.Fatalf("refusal evidence: %s, %v", raw, err)
		}
	}
	if o := e.orderState(t, n); o.State != "failed" || o.AttemptsUsed != 3 {
		t.Fatalf("order %s with %d attempts used", o.State, o.AttemptsUsed)
	}
	_, err := e.svc.Start(ctx, c, n, "IT", "CIE")
	wantKind(t, err, errs.Conflict)
}

func TestStartRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	c, paid := e.order(t, "paid")
	_, err := e.svc.Start(ctx, c, paid, "IT", "CIE")
	wantKind(t, err, errs.Conflict)
	c2, n := e.order(t, "details_submitted")
	for _, bad := range [][2]string{{"ITA", "CIE"}, {"I1", "CIE"}, {"IT", "ID"}, {"IT", ""}} {
		_, err := e.svc.Start(ctx, c2, n, bad[0], bad[1])
		wantKind(t, err, errs.InvalidRequest)
	}
	_, err = e.svc.Start(ctx, c, n, "IT", "CIE") // not c's order
	wantKind(t, err, errs.NotFound)
}

func TestUploadsAreSniffed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	c, n := e.order(t, "details_submitted")
	st, err := e.svc.Start(ctx, c, n, "IT", "CIE")
	if err != nil {
		t.Fatal(err)
	}
	sid := st.Session.ID
	big := append(bytes.Clone(jpegBytes), make([]byte, 5<<20)...)
	for name, data := range map[string][]byte{"png called jpeg": pngBytes, "text": []byte("hello"), "oversize": big} {
		if _, err := e.svc.PutPhoto(ctx, c, n, sid, "front", data); !errs.Is(err, errs.InvalidRequest) {
			t.Errorf("photo %s: %v", name, err)
		}
	}
	_, err = e.svc.PutPhoto(ctx, c, n, sid, "side", jpegBytes)
	wantKind(t, err, errs.InvalidRequest)
	for name, data := range map[string][]byte{
		"text called video": []byte("I am a video"),
		"oversize":          mp4("isom", 0, 1000, 5000, 25<<20),
		"too long":          mp4("isom", 0, 1000, 121_000, 16),
		"too short":         mp4("isom", 0, 1000, 1500, 16),
		"jpeg called video": jpegBytes,
	} {
		if _, err := e.svc.PutVideo(ctx, c, n, sid, data); !errs.Is(err, errs.InvalidRequest) {
			t.Errorf("video %s: %v", name, err)
		}
	}
	if _, err := e.svc.PutVideo(ctx, c, n, sid, webm("webm", -1)); err != nil {
		t.Fatalf("a WebM without a declared duration: %v", err)
	}
	sess, _ := e.svc.Session(ctx, c, n, sid)
	if sess.Photos != nil || sess.Video == nil || sess.Video.MediaType != "video/webm" {
		t.Fatalf("session %+v", sess)
	}
}

// Concurrent starts of one order leave exactly one session open.
func TestConcurrentStarts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	c, n := e.order(t, "details_submitted")
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			if _, err := e.svc.Start(ctx, c, n, "IT", "CIE"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	list, err := e.svc.Sessions(ctx, c, n)
	if err != nil {
		t.Fatal(err)
	}
	open := 0
	for _, s := range list {
		if s.State == storage.IdentificationOpen {
			open++
		}
	}
	if len(list) != 6 || open != 1 {
		t.Fatalf("%d sessions, %d open; want 6 and 1", len(list), open)
	}
	if o := e.orderState(t, n); o.AttemptsUsed != 0 || len(o.Transitions) != 1 {
		t.Fatalf("order %+v", o)
	}
}
