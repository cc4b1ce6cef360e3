package appapi_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qesproject/qes/device"
	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/internal/testutil/emrtdgen"
	"github.com/qesproject/qes/storage"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.Cleanup()
	os.Exit(code)
}

const (
	password = "Correct-Horse-9!"
	prefix   = "/api/v1/app"
)

var seq atomic.Int64

// app plays the enrolment app against a real qesd: its device key, its
// tokens, and DPoP proofs built the way the server checks them.
type app struct {
	t       *testing.T
	s       *testutil.Server
	key     *ecdsa.PrivateKey
	access  string
	refresh string
	jti     int
}

// seed stores a confirmed customer whose order has its details in (the
// shop's part, covered by its own tests).
func seed(t *testing.T, s *testutil.Server, taxCode string) (email, mobile, number string) {
	t.Helper()
	ctx := context.Background()
	n := seq.Add(1)
	email, mobile, number = fmt.Sprintf("app%d@example.org", n), fmt.Sprintf("+3933312%05d", n), fmt.Sprintf("55-00002-%010d", n)
	hash, err := secret.Hash(password, secret.Fast)
	if err != nil {
		t.Fatal(err)
	}
	now := s.Clock.Now()
	id := fmt.Sprintf("appc%d", n)
	if err := s.App.Store.CreateCustomer(ctx, &storage.Customer{ID: id, Email: email, PasswordHash: hash, PasswordChangedAt: now,
		EmailVerified: true, Country: "IT", Lang: "en", CreatedAt: now}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.App.Store.CreateOrder(ctx, &storage.Order{Number: number, CustomerID: id, State: "details_submitted", CreatedAt: now,
		Details: &storage.Details{Italian: true, TaxCode: taxCode, Mobile: mobile, DocCountry: "IT", SubmittedAt: now}}, nil); err != nil {
		t.Fatal(err)
	}
	// The details step reserves the future holder's UserID.
	if err := s.App.Store.UpdateOrder(ctx, number, func(o *storage.Order) error { o.UserID = fmt.Sprintf("AP%06d", n); return nil }); err != nil {
		t.Fatal(err)
	}
	return email, mobile, number
}

// login binds a new device to the customer through the API.
func login(t *testing.T, s *testutil.Server, email, mobile string) *app {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	a := &app{t: t, s: s, key: key}
	status, out := a.plain("POST", prefix+"/login", map[string]any{"email": email, "password": password})
	if status != 200 || !strings.HasSuffix(mobile, strings.TrimLeft(out["maskedPhone"].(string), "*")) {
		t.Fatalf("login: %d %v", status, out)
	}
	status, out = a.plain("POST", prefix+"/login/confirm", map[string]any{"loginID": out["loginID"], "otp": s.LastCode(t, mobile),
		"device": map[string]any{"name": "Test phone", "platform": "android", "jwk": device.JWKOf(&key.PublicKey)}})
	if status != 200 || out["tokenType"] != "DPoP" {
		t.Fatalf("login/confirm: %d %v", status, out)
	}
	a.access, a.refresh = out["accessToken"].(string), out["refreshToken"].(string)
	return a
}

func (a *app) plain(method, path string, body any) (int, map[string]any) {
	a.t.Helper()
	raw, _ := json.Marshal(body)
	req, err := http.NewRequest(method, a.s.URL+path, bytes.NewReader(raw))
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	return testutil.Do(a.t, req)
}

// request builds a DPoP-bound request; proofBody is what the proof's bh
// covers (normally the body itself).
func (a *app) request(method, path, contentType string, body, proofBody []byte) *http.Request {
	a.t.Helper()
	a.jti++
	proof, err := device.SignProof(a.key, device.ProofRequest{Method: method, URL: a.s.URL + path, AccessToken: a.access,
		Body: proofBody, HasBody: method != "GET", IssuedAt: a.s.Clock.Now(), ID: fmt.Sprintf("jti-%d-%d", time.Now().UnixNano(), a.jti)})
	if err != nil {
		a.t.Fatal(err)
	}
	var rd *bytes.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequest(method, a.s.URL+path, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Authorization", "DPoP "+a.access)
	req.Header.Set("DPoP", proof)
	return req
}

func (a *app) call(method, path string, body any) (int, map[string]any) {
	a.t.Helper()
	var raw []byte
	ct := ""
	if body != nil {
		raw, _ = json.Marshal(body)
		ct = "application/json"
	}
	return testutil.Do(a.t, a.request(method, path, ct, raw, raw))
}

func (a *app) upload(path, contentType string, data []byte) (int, map[string]any) {
	a.t.Helper()
	return testutil.Do(a.t, a.request("PUT", path, contentType, data, data))
}

func (a *app) refreshTokens() {
	a.t.Helper()
	raw, _ := json.Marshal(map[string]string{"refreshToken": a.refresh})
	a.jti++
	proof, err := device.SignProof(a.key, device.ProofRequest{Method: "POST", URL: a.s.URL + prefix + "/token", Body: raw, HasBody: true,
		IssuedAt: a.s.Clock.Now(), ID: fmt.Sprintf("refresh-%d", a.jti)})
	if err != nil {
		a.t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", a.s.URL+prefix+"/token", bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("DPoP", proof)
	status, out := testutil.Do(a.t, req)
	if status != 200 || out["refreshToken"] == a.refresh {
		a.t.Fatalf("token: %d %v", status, out)
	}
	a.access, a.refresh = out["accessToken"].(string), out["refreshToken"].(string)
}

func chipBody(doc *emrtdgen.Document, challenge []byte, tamper string) map[string]any {
	files := map[string]string{}
	for name, data := range doc.Files {
		if name == tamper {
			data = append([]byte{}, data...)
			data[len(data)-1] ^= 1
		}
		files[name] = base64.StdEncoding.EncodeToString(data)
	}
	return map[string]any{
		"access": map[string]string{"protocol": "PACE", "password": "MRZ", "documentNumber": doc.Typed.DocumentNumber,
			"dateOfBirth": doc.Typed.DateOfBirth, "dateOfExpiry": doc.Typed.DateOfExpiry},
		"files":                files,
		"activeAuthentication": map[string]string{"signature": base64.StdEncoding.EncodeToString(doc.Chip.InternalAuthenticate(challenge))},
	}
}

func start(t *testing.T, a *app, number string) (sid string, challenge []byte, out map[string]any) {
	t.Helper()
	status, out := a.call("POST", prefix+"/enrolments/"+number+"/identification", map[string]string{"nationality": "IT", "documentType": "PASSPORT"})
	if status != 201 {
		t.Fatalf("start: %d %v", status, out)
	}
	challenge, err := base64.StdEncoding.DecodeString(out["aaChallenge"].(string))
	if err != nil || len(challenge) != 8 {
		t.Fatalf("aaChallenge %v: %v", out["aaChallenge"], err)
	}
	return out["sessionID"].(string), challenge, out
}

// The app's whole path, through a real qesd with real DPoP proofs and the
// real chip verifier against a generated passport and its issuing state.
func TestAppIdentifies(t *testing.T) {
	t.Parallel()
	doc := emrtdgen.NewDocument(t, emrtdgen.Options{Now: time.Now().UTC()})
	s := testutil.StartServer(t)
	trustDocument(t, s, doc)
	email, mobile, number := seed(t, s, doc.TaxCode)
	a := login(t, s, email, mobile)

	resp, raw := testutil.DoRaw(t, a.request("GET", prefix+"/enrolments", "", nil, nil))
	var list []map[string]any
	if resp.StatusCode != 200 || json.Unmarshal(raw, &list) != nil || len(list) != 1 || list[0]["id"] != number || list[0]["nextStep"] != "identification" {
		t.Fatalf("enrolments: %d %s", resp.StatusCode, raw)
	}
	sid, challenge, started := start(t, a, number)
	if started["attemptsLeft"] != float64(3) || len(started["liveness"].(map[string]any)["actions"].([]any)) != 3 {
		t.Fatalf("session %v", started)
	}
	base := prefix + "/enrolments/" + number + "/identification/" + sid
	jpg := testutil.PhotoJPEG(t)
	for _, side := range []string{"front", "back"} {
		if status, out := a.upload(base+"/photo/"+side, "image/jpeg", jpg); status != 200 {
			t.Fatalf("photo %s: %d %v", side, status, out)
		}
	}
	status, out := a.call("POST", base+"/chip", chipBody(doc, challenge, ""))
	if status != 200 {
		t.Fatalf("chip: %d %v", status, out)
	}
	checks := out["checks"].(map[string]any)
	if checks["passiveAuthentication"] != "ok" || checks["activeAuthentication"] != "verified" || out["document"].(map[string]any)["surname"] != "ROSSI" {
		t.Fatalf("chip result %v", out)
	}
	if status, out := a.call("POST", base+"/confirm", map[string]string{"address": "Via Appia 10, 00179 Roma"}); status != 200 {
		t.Fatalf("confirm: %d %v", status, out)
	}
	video := testutil.VideoMP4(8)
	status, out = a.upload(base+"/video", "video/mp4", video)
	sum := sha256.Sum256(video)
	if status != 200 || out["sha256"] != hex.EncodeToString(sum[:]) || out["mediaType"] != "video/mp4" {
		t.Fatalf("video: %d %v", status, out)
	}
	status, out = a.call("POST", base+"/complete", nil)
	if status != 200 || out["state"] != "identified" || out["levelOfProofing"] != "baseline" {
		t.Fatalf("complete: %d %v", status, out)
	}
	status, out = a.call("GET", prefix+"/enrolments/"+number, nil)
	if status != 200 || out["state"] != "identified" || out["nextStep"] != "contract" || out["identification"].(map[string]any)["state"] != "completed" {
		t.Fatalf("enrolment: %d %v", status, out)
	}

	// What the officer will see is kept encrypted: the video and every
	// chip file are on disk only as age files, and read back exactly.
	ctx := context.Background()
	sess, err := s.App.Identity.Session(ctx, customerOf(t, s, number), number, sid)
	if err != nil {
		t.Fatal(err)
	}
	if sess.FaceMatch.Performed || sess.FaceMatch.Engine != "none" || sess.Liveness.Digits == "" || len(sess.Attempts) != 1 {
		t.Fatalf("session %+v", sess)
	}
	got, err := s.App.Evidence.Open(ctx, sess.Video.SHA256)
	if err != nil || !bytes.Equal(got, video) {
		t.Fatalf("video evidence: %v", err)
	}
	if atRest := s.EvidenceAtRest(t, sess.Attempts[0].Files["DG1"].SHA256); bytes.Contains(atRest, doc.Files["DG1"][5:]) {
		t.Fatal("DG1 is kept in clear")
	}
	o, err := s.App.Store.Order(ctx, number)
	if err != nil || o.State != "identified" || o.IdentifiedAt.IsZero() {
		t.Fatalf("order %+v, %v", o, err)
	}
}

func customerOf(t *testing.T, s *testutil.Server, number string) string {
	t.Helper()
	o, err := s.App.Store.Order(context.Background(), number)
	if err != nil {
		t.Fatal(err)
	}
	return o.CustomerID
}

// The edge refuses what the domain must never see: a body that is not
// the one the proof signed, a replayed proof, a body over the route's
// limit, a token without a proof.
func TestAppRefusals(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	email, mobile, number := seed(t, s, "RSSMRA80A01H501U")
	a := login(t, s, email, mobile)
	sid, _, _ := start(t, a, number)
	base := prefix + "/enrolments/" + number + "/identification/" + sid
	jpg := testutil.PhotoJPEG(t)

	// The body the proof's bh covers is not the body sent.
	resp, raw := testutil.DoRaw(t, a.request("PUT", base+"/photo/front", "image/jpeg", jpg, append(jpg, 0)))
	if resp.StatusCode != 401 || !strings.Contains(string(raw), "invalid_dpop_proof") || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "DPoP ") {
		t.Fatalf("wrong bh: %d %s", resp.StatusCode, raw)
	}
	// A replayed proof.
	req := a.request("GET", prefix+"/enrolments", "", nil, nil)
	replay := req.Header.Get("DPoP")
	if resp, _ := testutil.DoRaw(t, req); resp.StatusCode != 200 {
		t.Fatalf("first use: %d", resp.StatusCode)
	}
	req = a.request("GET", prefix+"/enrolments", "", nil, nil)
	req.Header.Set("DPoP", replay)
	if resp, raw := testutil.DoRaw(t, req); resp.StatusCode != 401 || !strings.Contains(string(raw), "already used") {
		t.Fatalf("replay: %d %s", resp.StatusCode, raw)
	}
	// No proof at all.
	req = a.request("GET", prefix+"/enrolments", "", nil, nil)
	req.Header.Del("DPoP")
	if resp, _ := testutil.DoRaw(t, req); resp.StatusCode != 401 {
		t.Fatalf("no proof: %d", resp.StatusCode)
	}
	// Over the photo route's 5 MB, refused before the body is read: with
	// "Expect: 100-continue" the client sends no byte of it (without, a
	// server that stops reading may reset the connection under the
	// client's write, which would make this test flaky).
	big := append(bytes.Clone(jpg), make([]byte, 5<<20)...)
	req = a.request("PUT", base+"/photo/front", "image/jpeg", big, big)
	req.Header.Set("Expect", "100-continue")
	if resp, raw := testutil.DoRaw(t, req); resp.StatusCode != 413 {
		t.Fatalf("oversize photo: %d %s", resp.StatusCode, raw)
	}
	// A PNG called JPEG, a text called video.
	png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 64)...)
	if status, out := a.upload(base+"/photo/front", "image/jpeg", png); status != 400 {
		t.Fatalf("png: %d %v", status, out)
	}
	if status, out := a.upload(base+"/video", "video/mp4", []byte("not a video at all")); status != 400 {
		t.Fatalf("text video: %d %v", status, out)
	}
	// Unknown members are refused.
	if status, out := a.call("POST", base+"/confirm", map[string]string{"adress": "typo"}); status != 400 {
		t.Fatalf("unknown member: %d %v", status, out)
	}
	// Another customer's enrolment does not exist for this device.
	email2, mobile2, number2 := seed(t, s, "RSSMRA80A01H501U")
	login(t, s, email2, mobile2)
	if status, out := a.call("GET", prefix+"/enrolments/"+number2, nil); status != 404 {
		t.Fatalf("other's enrolment: %d %v", status, out)
	}
	// Wrong login answers alike for a known and an unknown e-mail.
	s1, o1 := a.plain("POST", prefix+"/login", map[string]any{"email": email, "password": "Wrong-Pass-1!"})
	s2, o2 := a.plain("POST", prefix+"/login", map[string]any{"email": "nobody@example.org", "password": "Wrong-Pass-1!"})
	if s1 != 401 || s2 != 401 || o1["error_description"] != o2["error_description"] {
		t.Fatalf("login failures differ: %d %v / %d %v", s1, o1, s2, o2)
	}
}

// A session past its window answers 410; three refused chips fail the
// enrolment and a fourth start answers 409.
func TestAppExpiryAndAttempts(t *testing.T) {
	t.Parallel()
	doc := emrtdgen.NewDocument(t, emrtdgen.Options{Now: time.Now().UTC()})
	s := testutil.StartServer(t)
	trustDocument(t, s, doc)
	email, mobile, number := seed(t, s, doc.TaxCode)
	a := login(t, s, email, mobile)

	sid, challenge, _ := start(t, a, number)
	s.Clock.Advance(31 * time.Minute)
	a.refreshTokens() // the access token lived 10 minutes
	status, out := a.call("POST", prefix+"/enrolments/"+number+"/identification/"+sid+"/chip", chipBody(doc, challenge, ""))
	if status != 410 || out["error"] != "expired" {
		t.Fatalf("chip after the window: %d %v", status, out)
	}
	for i := 2; i <= 3; i++ {
		sid, challenge, started := start(t, a, number)
		if started["attemptsLeft"] != float64(4-i) {
			t.Fatalf("attempt %d: %v", i, started)
		}
		status, out := a.call("POST", prefix+"/enrolments/"+number+"/identification/"+sid+"/chip", chipBody(doc, challenge, "DG2"))
		if status != 422 || out["error"] != "dg_hash_mismatch" || out["attemptsLeft"] != float64(3-i) {
			t.Fatalf("tampered chip %d: %d %v", i, status, out)
		}
	}
	status, out = a.call("POST", prefix+"/enrolments/"+number+"/identification", map[string]string{"nationality": "IT", "documentType": "PASSPORT"})
	if status != 409 {
		t.Fatalf("start after three failures: %d %v", status, out)
	}
	if status, out := a.call("GET", prefix+"/enrolments/"+number, nil); out["state"] != "failed" || out["attemptsUsed"] != float64(3) {
		t.Fatalf("enrolment: %d %v", status, out)
	}
}
