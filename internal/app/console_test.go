package app_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/pquerna/otp/totp"

	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/officer"
	"github.com/qesproject/qes/storage"
)

// The console is mounted at /operator/ on qesd: an officer made like
// qesctl makes one logs in and reads the evidence the app's store keeps.
func TestConsoleIsMounted(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	ctx := context.Background()
	now := s.Clock.Now()
	created, err := s.App.Officers.Create(ctx, officer.NewOfficer{User: "rossi", FullName: "Mario Rossi", TaxCode: "RSSMRA80A01H501U",
		Email: "mario@example.org", Password: "Officer-Pass1!", TrainedOn: now.AddDate(0, -1, 0).Format("2006-01-02")})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(created.TOTPURI)
	number := "55-00003-0000000001"
	if err := s.App.Store.CreateCustomer(ctx, &storage.Customer{ID: "c1", Email: "anna@example.org", CreatedAt: now}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.App.Store.CreateOrder(ctx, &storage.Order{Number: number, CustomerID: "c1", State: "requested", IdentifiedAt: now}, nil); err != nil {
		t.Fatal(err)
	}
	photo := []byte("\xff\xd8\xff\xe0 a document photo \xff\xd9")
	front, err := s.App.Evidence.Put(ctx, photo, "image/jpeg")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.App.Store.CreateIdentification(ctx, &storage.Identification{ID: "i1", OrderNumber: number, CustomerID: "c1",
		State: storage.IdentificationCompleted, CompletedAt: now,
		Photos: map[string]storage.EvidenceRef{"front": front}}); err != nil {
		t.Fatal(err)
	}

	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) (*http.Response, string) {
		t.Helper()
		resp, err := c.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, body := get("/operator/login")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.Contains(resp.Header.Get("Content-Security-Policy"), "media-src 'self'") {
		t.Fatalf("/operator/login: %d %v", resp.StatusCode, resp.Header)
	}
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(body)[1]
	code, err := totp.GenerateCode(u.Query().Get("secret"), now)
	if err != nil {
		t.Fatal(err)
	}
	resp, err = c.PostForm(s.URL+"/operator/login", url.Values{"csrf": {csrf}, "user": {"rossi"}, "password": {"Officer-Pass1!"}, "code": {code}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/operator/queue" {
		t.Fatalf("login: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, body := get("/operator/queue"); resp.StatusCode != http.StatusOK || !strings.Contains(body, number) {
		t.Fatalf("queue: %d %s", resp.StatusCode, body)
	}
	if resp, body := get("/operator/enrolments/" + number + "/photo/front"); resp.StatusCode != http.StatusOK ||
		body != string(photo) || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("front photo from the evidence store: %d %q", resp.StatusCode, body)
	}
	if resp, _ := get("/operator/enrolments/" + number + "/photo/back"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("a photo never uploaded: %d, want 404", resp.StatusCode)
	}
	if err := s.App.RunConsoleJobs(ctx); err != nil {
		t.Fatal(err)
	}
}
