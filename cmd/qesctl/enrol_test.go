package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/enrol"
	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/storage"
)

// The shop commands on a data directory without a qesd (in-process).
func TestCouponCommandsOffline(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("initialises a token and a CA")
	}
	data := t.TempDir()
	if err := os.WriteFile(filepath.Join(data, "qes.json"), []byte(`{"argon2id":{"time":1,"memoryKiB":64,"threads":1}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"percent", []string{"coupon", "create", "--code", "ten", "--percent", "10", "--max-uses", "5"}, 0, "coupon TEN created: 10% off, used 0 of 5"},
		{"amount with a window", []string{"coupon", "create", "--code", "SPRING-5", "--amount", "5.50", "--from", "2026-03-01", "--until", "2026-06-01"}, 0, "5.50 off, from 2026-03-01T00:00:00Z, until 2026-06-01T00:00:00Z"},
		{"both kinds", []string{"coupon", "create", "--code", "X", "--percent", "10", "--amount", "1"}, 1, "exactly one of"},
		{"bad code", []string{"coupon", "create", "--code", "no spaces", "--percent", "10"}, 1, "A coupon needs a code"},
		{"over 100%", []string{"coupon", "create", "--code", "MORE", "--percent", "120"}, 1, "1..100"},
		{"window backwards", []string{"coupon", "create", "--code", "BACK", "--percent", "5", "--from", "2026-06-01", "--until", "2026-03-01"}, 1, "A coupon needs"},
		{"bad day", []string{"coupon", "create", "--code", "DAY", "--percent", "5", "--until", "June"}, 1, "YYYY-MM-DD"},
		{"taken", []string{"coupon", "create", "--code", "TEN", "--percent", "20"}, 1, "already exists"},
		{"list", []string{"coupon", "list"}, 0, "SPRING-5"},
		{"no enrolments yet", []string{"enrol", "list"}, 0, "ORDER"},
		{"unknown order", []string{"enrol", "show", "55-00000-0000000000"}, 1, "not found"},
	}
	for _, c := range cases {
		r := runQesctl(t, nil, "", append([]string{"--data", data}, c.args...)...)
		if r.code != c.code || !strings.Contains(r.stdout+r.stderr, c.out) {
			t.Errorf("%s: exit %d\nstdout: %s\nstderr: %s\nwant exit %d and %q", c.name, r.code, r.stdout, r.stderr, c.code, c.out)
		}
	}
	r := runQesctl(t, nil, "", "--data", data, "--json", "coupon", "list")
	var cs []storage.Coupon
	if err := json.Unmarshal([]byte(r.stdout), &cs); err != nil || len(cs) != 2 || cs[1].Code != "TEN" || cs[1].PercentBP != 1000 || cs[0].AmountCents != 550 {
		t.Fatalf("coupon list --json = %s (%v)", r.stdout, err)
	}
}

// The shop commands through the admin socket of a running qesd.
func TestEnrolCommandsThroughTheSocket(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts a server")
	}
	s := testutil.StartServer(t)
	ctx := context.Background()
	now := time.Now().UTC()
	if err := s.App.Store.CreateCustomer(ctx, &storage.Customer{ID: "c1", Email: "eva@example.org", EmailVerified: true, Country: "IT", CreatedAt: now},
		[]*storage.Consent{{CustomerID: "c1", Kind: enrol.ConsentPrivacy, Given: true, TextVersion: "2026-01", At: now, IP: "127.0.0.1"}}); err != nil {
		t.Fatal(err)
	}
	o := &storage.Order{Number: "55-20000-1234567890", CustomerID: "c1", State: string(enrol.DetailsSubmitted), UserID: "AB123456",
		GrossCents: 9638, Currency: "EUR", CreatedAt: now}
	if err := s.App.Store.CreateOrder(ctx, o, nil); err != nil {
		t.Fatal(err)
	}
	r := runQesctl(t, nil, "", "--data", s.DataDir, "coupon", "create", "--code", "LIVE", "--amount", "10")
	if r.code != 0 {
		t.Fatalf("coupon create: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if c, err := s.App.Store.Coupon(ctx, "LIVE"); err != nil || c.AmountCents != 1000 {
		t.Fatalf("the running qesd has coupon %+v, %v", c, err)
	}
	r = runQesctl(t, nil, "", "--data", s.DataDir, "enrol", "list")
	if r.code != 0 || !strings.Contains(r.stdout, "55-20000-1234567890") || !strings.Contains(r.stdout, "AB123456") || !strings.Contains(r.stdout, "96.38 EUR") || !strings.Contains(r.stdout, "eva@example.org") {
		t.Fatalf("enrol list: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, ref := range []string{"55-20000-1234567890", "AB123456"} {
		r = runQesctl(t, nil, "", "--data", s.DataDir, "enrol", "show", ref)
		var v enrol.EnrolmentView
		if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || v.Order.Number != o.Number || v.Customer.Email != "eva@example.org" || len(v.Consents) != 1 {
			t.Fatalf("enrol show %s: %s %s (%v)", ref, r.stdout, r.stderr, err)
		}
		if strings.Contains(r.stdout, "passwordHash") {
			t.Fatal("enrol show prints the password hash")
		}
	}
}
