package device_test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/device"
	"github.com/qesproject/qes/enrol"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/internal/testutil/fakeclock"
	"github.com/qesproject/qes/otp"
	"github.com/qesproject/qes/storage"
	"github.com/qesproject/qes/storage/bolt"
)

// hmacKey is a real HMAC-SHA256 under a test key, in place of the HSM's.
type hmacKey []byte

func (k hmacKey) Sum(parts ...[]byte) ([]byte, error) {
	m := hmac.New(sha256.New, k)
	for _, p := range parts {
		m.Write([]byte{byte(len(p) >> 8), byte(len(p))})
		m.Write(p)
	}
	return m.Sum(nil), nil
}

const (
	password = "Correct-Horse-9!"
	mobile   = "+393331234567"
)

type env struct {
	svc    *device.Service
	db     *bolt.DB
	clock  *fakeclock.Clock
	outbox string
}

func newEnv(t testing.TB) *env {
	t.Helper()
	dir := t.TempDir()
	db, err := bolt.Open(filepath.Join(dir, "qes.db"))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{db: db, clock: fakeclock.New(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)), outbox: filepath.Join(dir, "outbox.jsonl")}
	log, err := audit.Open(filepath.Join(dir, "audit.jsonl"), db, e.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = log.Close(); _ = db.Close() })
	mac := hmacKey("test key")
	box := otp.NewOutbox(e.outbox)
	codes := otp.New(db, mac, box, e.clock.Now, otp.Config{ResendAfter: -1})
	shop := enrol.New(enrol.Deps{Store: db, OTP: codes, Notify: box, MAC: mac, Audit: log, Now: e.clock.Now},
		enrol.Config{Argon: secret.Fast, ThrottleMax: 5})
	e.svc = device.New(device.Deps{Store: db, Shop: shop, OTP: codes, MAC: mac, Audit: log, Now: e.clock.Now}, device.Config{})
	return e
}

var customerSeq atomic.Int64

// customer stores a confirmed customer with an order whose details are in.
func (e *env) customer(t testing.TB, withDetails bool) string {
	t.Helper()
	ctx := context.Background()
	n := customerSeq.Add(1)
	email := fmt.Sprintf("ann%d@example.org", n)
	hash, err := secret.Hash(password, secret.Fast)
	if err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprintf("c%d", n)
	now := e.clock.Now()
	if err := e.db.CreateCustomer(ctx, &storage.Customer{ID: id, Email: email, PasswordHash: hash, PasswordChangedAt: now,
		EmailVerified: true, Country: "IT", Lang: "en", CreatedAt: now}, nil); err != nil {
		t.Fatal(err)
	}
	o := &storage.Order{Number: fmt.Sprintf("55-00001-%010d", n), CustomerID: id, State: "paid", CreatedAt: now}
	if withDetails {
		o.State = "details_submitted"
		o.Details = &storage.Details{Italian: true, TaxCode: "RSSMRA80A01H501U", Mobile: mobile, DocCountry: "IT", SubmittedAt: now}
	}
	if err := e.db.CreateOrder(ctx, o, nil); err != nil {
		t.Fatal(err)
	}
	return email
}

func (e *env) lastCode(t testing.TB) string {
	t.Helper()
	f, err := os.Open(e.outbox)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	code := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m otp.Message
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		if m.To == mobile && m.Channel == "sms" && m.Purpose == "app-login" {
			code = m.Code
		}
	}
	if code == "" {
		t.Fatal("no app login code was sent")
	}
	return code
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func jwkJSON(t testing.TB, k *ecdsa.PrivateKey) []byte {
	t.Helper()
	raw, err := json.Marshal(device.JWKOf(&k.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// bind logs a new customer in and registers key as its device.
func (e *env) bind(t testing.TB, key *ecdsa.PrivateKey) *device.Tokens {
	t.Helper()
	ctx := context.Background()
	email := e.customer(t, true)
	started, err := e.svc.Login(ctx, email, password, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := e.svc.Confirm(ctx, started.LoginID, e.lastCode(t), device.Registration{Name: "Pixel", Platform: "android", JWK: jwkJSON(t, key)}, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func wantKind(t *testing.T, err error, k errs.Kind) {
	t.Helper()
	if !errs.Is(err, k) {
		t.Fatalf("error %v: want kind %v", err, k)
	}
}

func TestLoginBindsDevice(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	email := e.customer(t, true)
	started, err := e.svc.Login(ctx, email, password, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if started.MaskedPhone != "**********567" || len(started.LoginID) != 43 {
		t.Fatalf("login = %+v", started)
	}
	key := newKey(t)
	reg := device.Registration{Name: "Pixel", Platform: "android", JWK: jwkJSON(t, key)}
	code := e.lastCode(t)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	_, err = e.svc.Confirm(ctx, started.LoginID, wrong, reg, "192.0.2.1")
	wantKind(t, err, errs.InvalidOTP)
	_, err = e.svc.Confirm(ctx, strings.Repeat("A", 43), code, reg, "192.0.2.1")
	wantKind(t, err, errs.InvalidGrant)
	// A private JWK is refused before anything else.
	priv := device.JWKOf(&key.PublicKey)
	priv["d"] = "AAAA"
	rawPriv, _ := json.Marshal(priv)
	_, err = e.svc.Confirm(ctx, started.LoginID, code, device.Registration{Name: "Pixel", Platform: "android", JWK: rawPriv}, "192.0.2.1")
	wantKind(t, err, errs.InvalidRequest)

	tok, err := e.svc.Confirm(ctx, started.LoginID, code, reg, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	dev, err := e.db.Device(ctx, tok.DeviceID)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := device.ParseJWK(jwkJSON(t, key))
	if err != nil {
		t.Fatal(err)
	}
	if dev.JKT != pub.Thumbprint || dev.Attestation != "not attested" || dev.Name != "Pixel" {
		t.Fatalf("device = %+v", dev)
	}
	// The login is single use.
	_, err = e.svc.Confirm(ctx, started.LoginID, code, reg, "192.0.2.1")
	wantKind(t, err, errs.InvalidGrant)
	// Tokens are stored as MACs only.
	if _, err := e.db.DeviceToken(ctx, tok.AccessToken); !errs.Is(err, errs.NotFound) {
		t.Fatal("the access token is stored in clear")
	}
}

// The thumbprint is RFC 7638 3.2's: canonical members, in order.
func TestThumbprintRFC7638(t *testing.T) {
	t.Parallel()
	// An EC example (RFC 7638 gives an RSA one): the thumbprint is the
	// SHA-256 of the canonical members in order, whatever order and
	// extra members the input has.
	k := newKey(t)
	j := device.JWKOf(&k.PublicKey)
	a, err := device.ParseJWK([]byte(`{"y":"` + j["y"] + `","use":"sig","x":"` + j["x"] + `","kty":"EC","crv":"P-256"}`))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(`{"crv":"P-256","kty":"EC","x":"` + j["x"] + `","y":"` + j["y"] + `"}`))
	if a.Thumbprint != base64.RawURLEncoding.EncodeToString(sum[:]) {
		t.Fatalf("thumbprint %s", a.Thumbprint)
	}
	for name, bad := range map[string]string{
		"rsa":         `{"kty":"RSA","n":"AQAB","e":"AQAB"}`,
		"p-384":       `{"kty":"EC","crv":"P-384","x":"` + j["x"] + `","y":"` + j["y"] + `"}`,
		"off curve":   `{"kty":"EC","crv":"P-256","x":"` + j["x"] + `","y":"` + j["x"] + `"}`,
		"short x":     `{"kty":"EC","crv":"P-256","x":"AAAA","y":"` + j["y"] + `"}`,
		"padded":      `{"kty":"EC","crv":"P-256","x":"` + j["x"] + `=","y":"` + j["y"] + `"}`,
		"not json":    `kty=EC`,
		"empty":       ``,
		"private key": `{"kty":"EC","crv":"P-256","x":"` + j["x"] + `","y":"` + j["y"] + `","d":"` + j["x"] + `"}`,
	} {
		if _, err := device.ParseJWK([]byte(bad)); !errs.Is(err, errs.InvalidRequest) {
			t.Errorf("%s: %v, want InvalidRequest", name, err)
		}
	}
}

func TestLoginThrottleAndSameAnswer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	email := e.customer(t, true)
	_, errWrong := e.svc.Login(ctx, email, "Wrong-Password-1!", "192.0.2.7")
	_, errUnknown := e.svc.Login(ctx, "nobody@example.org", "Wrong-Password-1!", "192.0.2.8")
	wantKind(t, errWrong, errs.AuthenticationFailed)
	wantKind(t, errUnknown, errs.AuthenticationFailed)
	if errWrong.Error() != errUnknown.Error() {
		t.Fatalf("a wrong password (%v) and an unknown e-mail (%v) answer differently", errWrong, errUnknown)
	}
	// The shop's throttle counts per e-mail: after the limit even the
	// right password is refused.
	for range 4 {
		_, err := e.svc.Login(ctx, email, "Wrong-Password-1!", "192.0.2.9")
		wantKind(t, err, errs.AuthenticationFailed)
	}
	_, err := e.svc.Login(ctx, email, password, "192.0.2.10")
	wantKind(t, err, errs.RateLimited)
	// A customer without details has no mobile to send the code to.
	bare := e.customer(t, false)
	_, err = e.svc.Login(ctx, bare, password, "192.0.2.11")
	wantKind(t, err, errs.AccessDenied)
	if id, _, _ := errs.MessageOf(err); id != msg.AppNoMobile {
		t.Fatalf("message %s", id)
	}
}

const base = "https://qes.example/api/v1/app"

func TestDPoP(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	key, other := newKey(t), newKey(t)
	tok := e.bind(t, key)
	otherTok := e.bind(t, other)
	now := e.clock.Now()
	seq := 0
	req := func(mut func(*device.ProofRequest)) device.ProofRequest {
		seq++
		r := device.ProofRequest{Method: "GET", URL: base + "/enrolments", AccessToken: tok.AccessToken, IssuedAt: now, ID: fmt.Sprintf("jti-%d", seq)}
		if mut != nil {
			mut(&r)
		}
		return r
	}
	sign := func(k *ecdsa.PrivateKey, r device.ProofRequest) string {
		p, err := device.SignProof(k, r)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	replayed := sign(key, req(nil))
	if _, err := e.svc.Authenticate(ctx, "DPoP "+tok.AccessToken, device.Proof{Headers: []string{replayed}, Method: "GET", URL: base + "/enrolments"}); err != nil {
		t.Fatalf("first use of a proof: %v", err)
	}
	// A proof signed by the other key but naming the device's key.
	forged := func() string {
		r := req(nil)
		good := sign(key, r)
		bad := sign(other, r)
		gp, bp := strings.Split(good, "."), strings.Split(bad, ".")
		return gp[0] + "." + gp[1] + "." + bp[2]
	}()
	hs := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"htm": "GET", "htu": base + "/enrolments", "iat": now.Unix(), "jti": "hs"})
	hs.Header["typ"] = "dpop+jwt"
	hs.Header["jwk"] = device.JWKOf(&key.PublicKey)
	hsProof, _ := hs.SignedString([]byte("secret"))
	wrongTyp := func() string {
		c := jwt.MapClaims{"htm": "GET", "htu": base + "/enrolments", "iat": now.Unix(), "jti": "typ"}
		j := jwt.NewWithClaims(jwt.SigningMethodES256, c)
		j.Header["typ"] = "JWT"
		j.Header["jwk"] = device.JWKOf(&key.PublicKey)
		s, _ := j.SignedString(key)
		return s
	}()

	cases := []struct {
		name    string
		auth    string
		headers []string
		method  string
		url     string
		kind    errs.Kind // Internal: accepted
		why     string    // in the refusal's message
	}{
		{"accepted", "", []string{sign(key, req(nil))}, "", "", errs.Internal, ""},
		{"query ignored in htu", "", []string{sign(key, req(func(r *device.ProofRequest) { r.URL += "?x=1" }))}, "", "", errs.Internal, ""},
		{"wrong htm", "", []string{sign(key, req(func(r *device.ProofRequest) { r.Method = "POST" }))}, "", "", errs.InvalidToken, "htm"},
		{"wrong htu path", "", []string{sign(key, req(func(r *device.ProofRequest) { r.URL = base + "/enrolments/x" }))}, "", "", errs.InvalidToken, "htu"},
		{"wrong htu host", "", []string{sign(key, req(func(r *device.ProofRequest) { r.URL = "https://evil.example/api/v1/app/enrolments" }))}, "", "", errs.InvalidToken, "htu"},
		{"stale iat", "", []string{sign(key, req(func(r *device.ProofRequest) { r.IssuedAt = now.Add(-61 * time.Second) }))}, "", "", errs.InvalidToken, "iat"},
		{"future iat", "", []string{sign(key, req(func(r *device.ProofRequest) { r.IssuedAt = now.Add(61 * time.Second) }))}, "", "", errs.InvalidToken, "iat"},
		{"iat at the edge", "", []string{sign(key, req(func(r *device.ProofRequest) { r.IssuedAt = now.Add(-60 * time.Second) }))}, "", "", errs.Internal, ""},
		{"replayed jti", "", []string{replayed}, "", "", errs.InvalidToken, "already used"},
		{"no jti", "", []string{sign(key, req(func(r *device.ProofRequest) { r.ID = "" }))}, "", "", errs.InvalidToken, "jti"},
		{"wrong key", "", []string{sign(other, req(nil))}, "", "", errs.InvalidToken, "other than the device"},
		{"forged signature", "", []string{forged}, "", "", errs.InvalidToken, "signature"},
		{"hmac alg", "", []string{hsProof}, "", "", errs.InvalidToken, "signature"},
		{"wrong typ", "", []string{wrongTyp}, "", "", errs.InvalidToken, "typ"},
		{"no ath", "", []string{sign(key, req(func(r *device.ProofRequest) { r.AccessToken = "" }))}, "", "", errs.InvalidToken, "ath"},
		{"ath of another token", "", []string{sign(key, req(func(r *device.ProofRequest) { r.AccessToken = otherTok.AccessToken }))}, "", "", errs.InvalidToken, "ath"},
		{"token of another device", "DPoP " + otherTok.AccessToken, []string{sign(key, req(func(r *device.ProofRequest) { r.AccessToken = otherTok.AccessToken }))}, "", "", errs.InvalidToken, "other than the device"},
		{"the other device with its own key", "DPoP " + otherTok.AccessToken, []string{sign(other, req(func(r *device.ProofRequest) { r.AccessToken = otherTok.AccessToken }))}, "", "", errs.Internal, ""},
		{"refresh token as access token", "DPoP " + tok.RefreshToken, []string{sign(key, req(func(r *device.ProofRequest) { r.AccessToken = tok.RefreshToken }))}, "", "", errs.InvalidToken, "access token is not valid"},
		{"bearer scheme", "Bearer " + tok.AccessToken, []string{sign(key, req(nil))}, "", "", errs.InvalidToken, "Authorization: DPoP"},
		{"no proof", "", nil, "", "", errs.InvalidToken, "exactly one"},
		{"two proofs", "", []string{sign(key, req(nil)), sign(key, req(nil))}, "", "", errs.InvalidToken, "exactly one"},
		{"garbage proof", "", []string{"a.b.c"}, "", "", errs.InvalidToken, "signature"},
		{"huge proof", "", []string{strings.Repeat("a", 5000)}, "", "", errs.InvalidToken, "too long"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			auth := c.auth
			if auth == "" {
				auth = "DPoP " + tok.AccessToken
			}
			method, url := c.method, c.url
			if method == "" {
				method, url = "GET", base+"/enrolments"
			}
			p, err := e.svc.Authenticate(ctx, auth, device.Proof{Headers: c.headers, Method: method, URL: url})
			if c.kind == errs.Internal {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if p.CustomerID == "" || p.DeviceID == "" {
					t.Fatalf("principal %+v", p)
				}
				return
			}
			wantKind(t, err, c.kind)
			if !strings.Contains(err.Error(), c.why) {
				t.Fatalf("refused for %q, want a refusal naming %q", err, c.why)
			}
		})
	}

	t.Run("body hash", func(t *testing.T) {
		body := []byte(`{"nationality":"IT","documentType":"CIE"}`)
		auth := func(r device.ProofRequest) *device.Principal {
			t.Helper()
			p, err := e.svc.Authenticate(ctx, "DPoP "+tok.AccessToken, device.Proof{Headers: []string{sign(key, r)}, Method: "POST", URL: base + "/enrolments/1/identification"})
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		post := func(r *device.ProofRequest) {
			r.Method, r.URL, r.HasBody, r.Body = "POST", base+"/enrolments/1/identification", true, body
		}
		if err := auth(req(post)).CheckBody(body); err != nil {
			t.Fatalf("the right body: %v", err)
		}
		wantKind(t, auth(req(post)).CheckBody(append(body, ' ')), errs.InvalidToken)
		wantKind(t, auth(req(func(r *device.ProofRequest) { post(r); r.HasBody = false })).CheckBody(body), errs.InvalidToken)
		// An empty body has a hash too: a proof without bh does not pass.
		wantKind(t, auth(req(func(r *device.ProofRequest) { post(r); r.HasBody = false })).CheckBody(nil), errs.InvalidToken)
	})

	t.Run("expired access token", func(t *testing.T) {
		e.clock.Advance(e.svc.Config().AccessTTL)
		r := req(func(r *device.ProofRequest) { r.IssuedAt = e.clock.Now() })
		_, err := e.svc.Authenticate(ctx, "DPoP "+tok.AccessToken, device.Proof{Headers: []string{sign(key, r)}, Method: "GET", URL: base + "/enrolments"})
		wantKind(t, err, errs.ExpiredToken)
	})
}

func TestRefreshRotates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	key, other := newKey(t), newKey(t)
	tok := e.bind(t, key)
	url := base + "/token"
	proof := func(k *ecdsa.PrivateKey, jti string) device.Proof {
		p, err := device.SignProof(k, device.ProofRequest{Method: "POST", URL: url, IssuedAt: e.clock.Now(), ID: jti, HasBody: true, Body: []byte("{}")})
		if err != nil {
			t.Fatal(err)
		}
		return device.Proof{Headers: []string{p}, Method: "POST", URL: url}
	}
	// Another device's key cannot use (or spend) the refresh token.
	_, err := e.svc.Refresh(ctx, tok.RefreshToken, proof(other, "r0"), []byte("{}"))
	wantKind(t, err, errs.InvalidToken)
	next, err := e.svc.Refresh(ctx, tok.RefreshToken, proof(key, "r1"), []byte("{}"))
	if err != nil {
		t.Fatal(err)
	}
	if next.RefreshToken == tok.RefreshToken || next.AccessToken == tok.AccessToken || next.DeviceID != tok.DeviceID {
		t.Fatalf("refresh did not rotate: %+v", next)
	}
	_, err = e.svc.Refresh(ctx, tok.RefreshToken, proof(key, "r2"), []byte("{}"))
	wantKind(t, err, errs.InvalidGrant)
	_, err = e.svc.Refresh(ctx, next.AccessToken, proof(key, "r3"), []byte("{}"))
	wantKind(t, err, errs.InvalidGrant)
	if _, err := e.svc.Refresh(ctx, next.RefreshToken, proof(key, "r4"), []byte("{}")); err != nil {
		t.Fatalf("the rotated refresh token: %v", err)
	}
}

func TestCleanup(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	e.bind(t, newKey(t))
	e.clock.Advance(e.svc.Config().AccessTTL)
	n, err := e.svc.Cleanup(ctx)
	if err != nil || n != 1 {
		t.Fatalf("cleanup after the access TTL removed %d (%v), want the access token", n, err)
	}
	e.clock.Advance(e.svc.Config().RefreshTTL)
	if n, err := e.svc.Cleanup(ctx); err != nil || n != 1 {
		t.Fatalf("cleanup after the refresh TTL removed %d (%v), want the refresh token", n, err)
	}
}
