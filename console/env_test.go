package console_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/console"
	"github.com/qesproject/qes/enrol"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/internal/testutil/browser"
	"github.com/qesproject/qes/internal/testutil/fakeclock"
	"github.com/qesproject/qes/officer"
	"github.com/qesproject/qes/storage"
	"github.com/qesproject/qes/storage/bolt"
)

func TestMain(m *testing.M) {
	code := m.Run()
	browser.Stop()
	testutil.Cleanup()
	os.Exit(code)
}

const (
	password     = "Officer-Pass1!"
	officerTax   = "RSSMRA80A01H501U"
	applicantTax = "BNCNNA85M41F205Q"
)

// dirEvidence is the evidence port over a directory of files named by
// their SHA-256: what the evidence store does, without its encryption.
type dirEvidence string

var hexName = regexp.MustCompile(`^[0-9a-f]{64}$`)

func (d dirEvidence) Open(_ context.Context, sum string) ([]byte, error) {
	if !hexName.MatchString(sum) {
		return nil, errs.M(errs.NotFound, msg.OfficerEvidenceMissing)
	}
	b, err := os.ReadFile(filepath.Join(string(d), sum))
	if os.IsNotExist(err) {
		return nil, errs.M(errs.NotFound, msg.OfficerEvidenceMissing)
	}
	return b, err
}

func (d dirEvidence) put(t testing.TB, data []byte, mediaType string) storage.EvidenceRef {
	t.Helper()
	sum := sha256.Sum256(data)
	name := hex.EncodeToString(sum[:])
	if err := os.WriteFile(filepath.Join(string(d), name), data, 0o600); err != nil {
		t.Fatal(err)
	}
	return storage.EvidenceRef{SHA256: name, MediaType: mediaType, Size: int64(len(data)), At: time.Now().UTC()}
}

type env struct {
	svc      *officer.Service
	db       *bolt.DB
	clock    *fakeclock.Clock
	evidence dirEvidence
	srv      *httptest.Server
	seed     string // rossi's authenticator seed
	orders   int
}

func newEnv(t testing.TB) *env {
	t.Helper()
	dir := t.TempDir()
	db, err := bolt.Open(filepath.Join(dir, "qes.db"))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{db: db, clock: fakeclock.New(time.Now().UTC().Truncate(time.Second)), evidence: dirEvidence(filepath.Join(dir, "evidence"))}
	if err := os.Mkdir(string(e.evidence), 0o700); err != nil {
		t.Fatal(err)
	}
	log, err := audit.Open(filepath.Join(dir, "audit.jsonl"), db, e.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	h := testutil.HSM(t)
	ctx := context.Background()
	mac, err := h.MACKey(ctx, "console-test")
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := h.Sealer(ctx, "console-test")
	if err != nil {
		t.Fatal(err)
	}
	en := enrol.New(enrol.Deps{Store: db, MAC: mac, Audit: log, Now: e.clock.Now}, enrol.Config{Argon: secret.Fast})
	e.svc = officer.New(officer.Deps{Store: db, Enrol: en, Sealer: sealer, MAC: mac, Audit: log, Now: e.clock.Now},
		officer.Config{Argon: secret.Fast})
	e.srv = httptest.NewServer(console.New(e.svc, e.evidence, console.Config{Name: "qes test"}, nil))
	t.Cleanup(func() { e.srv.Close(); _ = log.Close(); _ = db.Close() })
	e.seed = e.officer(t, "rossi", officerTax, "mario@example.org", e.clock.Now().AddDate(0, -2, 0).Format("2006-01-02"))
	return e
}

func (e *env) officer(t testing.TB, user, tax, email, trained string) string {
	t.Helper()
	c, err := e.svc.Create(context.Background(), officer.NewOfficer{User: user, FullName: "Officer " + user, TaxCode: tax,
		Email: email, Password: password, TrainedOn: trained})
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(c.TOTPURI)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("secret")
}

// code is the authenticator's code now; each call moves the clock to
// the next 30-second step, so that no code is used twice.
func (e *env) code(t testing.TB, seed string) string {
	t.Helper()
	e.clock.Advance(30 * time.Second)
	c, err := totp.GenerateCode(seed, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func picture(t testing.TB, w, h int, c color.RGBA, asPNG bool) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			// a light background with an oval "face" in the middle
			dx, dy := float64(x-w/2)/(float64(w)/3), float64(y-h/2)/(float64(h)/2.5)
			if dx*dx+dy*dy < 1 {
				img.Set(x, y, c)
			} else {
				img.Set(x, y, color.RGBA{235, 238, 242, 255})
			}
		}
	}
	var b bytes.Buffer
	var err error
	if asPNG {
		err = png.Encode(&b, img)
	} else {
		err = jpeg.Encode(&b, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// identified stores an order in state requested (identified, contract
// accepted) with a completed
// identification and its evidence, as the app side leaves them.
func (e *env) identified(t testing.TB, email string, withFace bool, identifiedAt time.Time) string {
	t.Helper()
	ctx := context.Background()
	e.orders++
	number := fmt.Sprintf("55-00002-%010d", e.orders)
	cust := "cust-" + number
	if err := e.db.CreateCustomer(ctx, &storage.Customer{ID: cust, Email: email, EmailVerified: true, CreatedAt: identifiedAt}, nil); err != nil {
		t.Fatal(err)
	}
	o := &storage.Order{Number: number, CustomerID: cust, State: string(enrol.Requested), IdentifiedAt: identifiedAt,
		Details:   &storage.Details{Italian: true, TaxCode: applicantTax, Mobile: "+393330000000", DocCountry: "IT"},
		CreatedAt: identifiedAt}
	if err := e.db.CreateOrder(ctx, o, nil); err != nil {
		t.Fatal(err)
	}
	chip := &storage.ChipReading{
		Document: map[string]string{"surname": "BIANCHI", "givenNames": "ANNA", "taxCode": applicantTax, "documentNumber": "CA00000AA",
			"dateOfBirth": "1985-08-01", "dateOfExpiry": "2031-08-01", "nationality": "ITA"},
		Checks: map[string]string{"passiveAuthentication": "ok", "activeAuthentication": "verified", "mrz": "ok", "documentValidity": "ok"},
		Face:   e.evidence.put(t, []byte("jp2 portrait "+number), "image/jp2"), DSC: "CN=DS Italy 1", CSCA: "CN=CSCA Italy", At: identifiedAt}
	if withFace {
		ref := e.evidence.put(t, picture(t, 240, 320, color.RGBA{196, 150, 120, 255}, true), "image/png")
		chip.FacePNG = &ref
	}
	video := e.evidence.put(t, []byte("not really a video "+number), "video/mp4")
	ident := &storage.Identification{ID: "id-" + number, OrderNumber: number, CustomerID: cust, Nationality: "IT", DocumentType: "CIE",
		State: storage.IdentificationCompleted, CreatedAt: identifiedAt.Add(-10 * time.Minute), CompletedAt: identifiedAt,
		Liveness: storage.LivenessChallenge{Actions: []string{"turn_left", "blink", "smile"}, Digits: "482"},
		Chip:     chip, Video: &video, LevelOfProofing: "baseline",
		FaceMatch: storage.BindingResult{Engine: "none"}, PAD: storage.BindingResult{Engine: "none"},
		Photos: map[string]storage.EvidenceRef{
			"front": e.evidence.put(t, picture(t, 640, 400, color.RGBA{120, 160, 200, 255}, false), "image/jpeg"),
			"back":  e.evidence.put(t, picture(t, 640, 400, color.RGBA{200, 180, 120, 255}, false), "image/jpeg"),
		},
		Attempts: []storage.ChipAttempt{{At: identifiedAt, Access: "PACE-CAN"}}}
	if err := e.db.CreateIdentification(ctx, ident); err != nil {
		t.Fatal(err)
	}
	return number
}

// client is a browser without a script: a cookie jar, no redirects
// followed.
type client struct {
	t    testing.TB
	e    *env
	http *http.Client
}

func (e *env) client(t testing.TB) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, e: e, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (c *client) do(method, path string, form url.Values) (*http.Response, string) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.e.srv.URL+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp, string(b)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the token of the first form on the page at path.
func (c *client) csrf(path string) string {
	c.t.Helper()
	_, body := c.do(http.MethodGet, path, nil)
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		c.t.Fatalf("no CSRF token on %s: %s", path, body)
	}
	return m[1]
}

func (c *client) login(user, seed string) *http.Response {
	c.t.Helper()
	tok := c.csrf("/operator/login")
	resp, body := c.do(http.MethodPost, "/operator/login", url.Values{"csrf": {tok}, "user": {user}, "password": {password},
		"code": {c.e.code(c.t, seed)}})
	if resp.StatusCode != http.StatusSeeOther {
		c.t.Fatalf("login: %d %s", resp.StatusCode, body)
	}
	return resp
}
