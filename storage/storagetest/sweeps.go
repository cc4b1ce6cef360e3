package storagetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/storage"
)

// IndexChecker is a back end whose indexes can be compared with the
// records they are derived from (storage/kv's CheckIndexes): it reports
// entries missing and entries left behind, with their counts.
type IndexChecker interface {
	CheckIndexes(ctx context.Context) error
}

// SweepBackend is what the sweep suite needs: every aggregate and the
// index check.
type SweepBackend interface {
	Backend
	IndexChecker
}

// RunSweeps holds the periodic jobs' indexed queries to their meaning:
// an expired record is swept and a live one is not, a record whose expiry
// moved is swept at its new expiry and not its old one, and writes and
// deletes leave no index entry behind (CheckIndexes counts them after
// every step).
func RunSweeps(t *testing.T, open func(t *testing.T) SweepBackend) {
	t.Run("sads", func(t *testing.T) { testSweepSADs(t, open(t)) })
	t.Run("tokens", func(t *testing.T) { testSweepTokens(t, open(t)) })
	t.Run("oauth-records", func(t *testing.T) { testOAuthRecords(t, open(t)) })
	t.Run("code-taken-once", func(t *testing.T) { testCodeTakenOnce(t, open(t)) })
	t.Run("sessions", func(t *testing.T) { testSweepSessions(t, open(t)) })
	t.Run("device-records", func(t *testing.T) { testSweepDeviceRecords(t, open(t)) })
	t.Run("certificates", func(t *testing.T) { testSweepCertificates(t, open(t)) })
	t.Run("orders", func(t *testing.T) { testSweepOrders(t, open(t)) })
	t.Run("daily-report", func(t *testing.T) { testSweepDailyReport(t, open(t)) })
}

// SeedIndexed writes one record of every indexed kind (some expired at
// t0, some not), for the backfill test: a back end writes them, drops its
// indexes as an older binary would have left the database, reopens, and
// checks with CheckSeededSweeps that the indexes were built.
func SeedIndexed(t *testing.T, s Backend) {
	t.Helper()
	ctx := context.Background()
	must(t, s.CreateHolder(ctx, &storage.Holder{ID: "h1", DailyReport: true}))
	must(t, s.CreateHolder(ctx, &storage.Holder{ID: "h2"}))
	must(t, s.PutSAD(ctx, &storage.SAD{Key: []byte("sad-old"), CredentialID: "c1", Remaining: 1, ExpiresAt: t0.Add(-time.Minute)}))
	must(t, s.PutSAD(ctx, &storage.SAD{Key: []byte("sad-live"), CredentialID: "c1", Remaining: 1, ExpiresAt: t0.Add(time.Hour)}))
	must(t, s.PutToken(ctx, &storage.Token{ID: "tok-old", HolderID: "h1", GrantID: "g1", ExpiresAt: t0.Add(-time.Minute)}))
	must(t, s.PutToken(ctx, &storage.Token{ID: "tok-live", HolderID: "h1", GrantID: "g1", ExpiresAt: t0.Add(time.Hour)}))
	must(t, s.PutPortalSession(ctx, &storage.PortalSession{Key: "ps-old", HolderID: "h1", IdleUntil: t0.Add(-time.Minute), ExpiresAt: t0.Add(time.Hour)}))
	must(t, s.PutPortalSession(ctx, &storage.PortalSession{Key: "ps-live", HolderID: "h1", IdleUntil: t0.Add(time.Minute), ExpiresAt: t0.Add(time.Hour)}))
	must(t, s.PutAppLogin(ctx, &storage.AppLogin{Key: "al-old", CustomerID: "cu1", ExpiresAt: t0.Add(-time.Minute)}))
	must(t, s.CreateCertificate(ctx, &storage.Certificate{Serial: "0a", CredentialID: "c1", HolderID: "h1", NotAfter: t0.Add(-time.Hour), Status: storage.CertActive}))
	must(t, s.CreateCertificate(ctx, &storage.Certificate{Serial: "0b", CredentialID: "c1", HolderID: "h1", NotAfter: t0.Add(time.Hour), Status: storage.CertRevoked}))
	must(t, s.CreateCustomer(ctx, &storage.Customer{ID: "cu1", Email: "cu1@example.org"}, nil))
	must(t, s.CreateOrder(ctx, &storage.Order{Number: "55-1", CustomerID: "cu1", State: "issued"}, nil))
	// What an older binary kept as tokens: a pushed request, an OAuth
	// transaction and a code, each under its prefix.
	for _, x := range []*storage.Token{
		{ID: "par:p1", Kind: "par", ClientID: "app", ExpiresAt: t0.Add(time.Hour), Data: []byte(`{"client_id":"app"}`)},
		{ID: "txn:x1", Kind: "oauth-txn", ClientID: "app", ExpiresAt: t0.Add(time.Hour), Data: []byte(`{"id":"x1"}`)},
		{ID: "code:c0de", Kind: "code", HolderID: "h1", ClientID: "app", Scope: "service", ExpiresAt: t0.Add(time.Hour), Data: []byte(`{"id":"x0"}`)},
	} {
		must(t, s.PutToken(ctx, x))
	}
}

// CheckSeededSweeps checks, on a store SeedIndexed wrote, that every
// indexed query finds what it should.
func CheckSeededSweeps(t *testing.T, s SweepBackend) {
	t.Helper()
	n := counted(t)
	ctx := context.Background()
	must(t, s.CheckIndexes(ctx))
	wantN(t, "expired SADs", n(s.DeleteExpiredSADs(ctx, t0)), 1)
	wantN(t, "credential SADs", n(s.DeleteCredentialSADs(ctx, "c1")), 1)
	wantN(t, "expired tokens", n(s.DeleteExpiredTokens(ctx, t0)), 1)
	wantN(t, "grant tokens", n(s.DeleteGrant(ctx, "g1")), 1)
	wantN(t, "ended portal sessions", n(s.DeleteEndedPortalSessions(ctx, t0)), 1)
	wantN(t, "holder portal sessions", n(s.DeleteHolderPortalSessions(ctx, "h1")), 1)
	wantN(t, "expired app records", n(s.DeleteExpiredDeviceRecords(ctx, t0)), 1)
	wantN(t, "expiring active certificates", countCerts(t, s, storage.CertActive, t0), 1)
	wantN(t, "revoked certificates", countCerts(t, s, storage.CertRevoked, time.Time{}), 1)
	certs, err := s.CertificatesOfCredential(ctx, "c1")
	must(t, err)
	wantN(t, "credential's certificates", len(certs), 2)
	wantN(t, "issued orders", countOrders(t, s, "issued"), 1)
	hs, err := s.HoldersDueDailyReport(ctx, "2026-01-01")
	must(t, err)
	wantN(t, "holders due a daily report", len(hs), 1)

	var sealing []string
	must(t, s.OrdersDueSealing(ctx, func(number string, _ []byte) error { sealing = append(sealing, number); return nil }))
	if fmt.Sprint(sealing) != "[55-1]" {
		t.Fatalf("orders due sealing = %v, want [55-1] (every order, once)", sealing)
	}

	// The older binary's OAuth tokens are records of their own now.
	par, err := s.TakePushedRequest(ctx, "p1")
	must(t, err)
	txn, err := s.OAuthTransaction(ctx, "x1")
	must(t, err)
	code, err := s.TakeAuthorizationCode(ctx, "c0de")
	must(t, err)
	if par.ClientID != "app" || string(par.Request) != `{"client_id":"app"}` || string(txn.Data) != `{"id":"x1"}` ||
		code.HolderID != "h1" || code.Scope != "service" || !code.ExpiresAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("moved OAuth records = %+v %+v %+v", par, txn, code)
	}
	for _, id := range []string{"par:p1", "txn:x1", "code:c0de"} {
		_, err := s.Token(ctx, id)
		wantKind(t, err, errs.NotFound)
	}
	must(t, s.CheckIndexes(ctx))
}

// counted returns a function that unwraps a (count, error) result,
// failing t on the error.
func counted(t *testing.T) func(int, error) int {
	return func(v int, err error) int {
		t.Helper()
		must(t, err)
		return v
	}
}

func wantN(t *testing.T, what string, got, want int) {
	t.Helper()
	if got != want {
		t.Fatalf("%s: %d, want %d", what, got, want)
	}
}

func checked(t *testing.T, s IndexChecker, step string) {
	t.Helper()
	if err := s.CheckIndexes(context.Background()); err != nil {
		t.Fatalf("after %s: %v", step, err)
	}
}

func testSweepSADs(t *testing.T, s SweepBackend) {
	n := counted(t)
	ctx := context.Background()
	sad := func(key, cred string, exp time.Duration, remaining int) *storage.SAD {
		return &storage.SAD{Key: []byte(key), CredentialID: cred, HolderID: "h", Remaining: remaining,
			Hashes: []string{"a", "b"}, ExpiresAt: t0.Add(exp)}
	}
	for _, x := range []*storage.SAD{
		sad("expired", "c1", -time.Second, 1),
		sad("at-now", "c1", 0, 1), // expires at t0: due at t0
		sad("live", "c1", time.Hour, 1),
		sad("extended", "c2", time.Minute, 2),
		sad("spent", "c2", time.Hour, 1),
		sad("deleted", "c2", time.Hour, 1),
		sad("other-cred", "c3", time.Hour, 1),
	} {
		must(t, s.PutSAD(ctx, x))
	}
	checked(t, s, "puts")
	// Extending moves the SAD in the index: the sweep at its old expiry
	// leaves it.
	must(t, s.UpdateSAD(ctx, []byte("extended"), func(x *storage.SAD) error { x.ExpiresAt = t0.Add(3 * time.Hour); return nil }))
	checked(t, s, "extending")
	must(t, s.UpdateSAD(ctx, []byte("spent"), func(x *storage.SAD) error { x.Remaining = 0; return nil }))
	must(t, s.DeleteSAD(ctx, []byte("deleted")))
	checked(t, s, "spending and deleting")

	wantN(t, "SADs swept at t0", n(s.DeleteExpiredSADs(ctx, t0)), 2)
	wantN(t, "SADs swept again", n(s.DeleteExpiredSADs(ctx, t0)), 0)
	wantN(t, "SADs swept at the extended SAD's old expiry", n(s.DeleteExpiredSADs(ctx, t0.Add(2*time.Minute))), 0)
	must(t, s.UpdateSAD(ctx, []byte("extended"), func(*storage.SAD) error { return nil }))
	checked(t, s, "sweeps")

	wantN(t, "c1's SADs", n(s.DeleteCredentialSADs(ctx, "c1")), 1) // live; the expired ones are gone
	wantN(t, "c1's SADs again", n(s.DeleteCredentialSADs(ctx, "c1")), 0)
	checked(t, s, "deleting a credential's SADs")
	wantN(t, "SADs swept at +2h", n(s.DeleteExpiredSADs(ctx, t0.Add(2*time.Hour))), 1) // other-cred
	wantN(t, "SADs swept at +3h", n(s.DeleteExpiredSADs(ctx, t0.Add(3*time.Hour))), 1) // extended
	checked(t, s, "the last sweeps")
}

func testSweepTokens(t *testing.T, s SweepBackend) {
	n := counted(t)
	ctx := context.Background()
	tok := func(id, holder, grant string, exp time.Duration) *storage.Token {
		return &storage.Token{ID: id, Kind: "access", HolderID: holder, GrantID: grant, ExpiresAt: t0.Add(exp)}
	}
	for _, x := range []*storage.Token{
		tok("t-expired", "h1", "g1", -time.Minute),
		tok("t-live", "h1", "g1", time.Hour),
		tok("t-grant2", "h1", "g2", time.Hour),
		tok("t-h2", "h2", "g3", time.Hour),
		tok("t-nogrant", "", "", time.Hour), // a PAR or OAuth transaction: no holder, no grant
		tok("t-taken", "h2", "g3", time.Hour),
		tok("t-deleted", "h2", "", time.Hour),
	} {
		must(t, s.PutToken(ctx, x))
	}
	checked(t, s, "puts")
	_, err := s.TakeToken(ctx, "t-taken")
	must(t, err)
	must(t, s.DeleteToken(ctx, "t-deleted"))
	checked(t, s, "take and delete")

	wantN(t, "tokens swept at t0", n(s.DeleteExpiredTokens(ctx, t0)), 1)
	if _, err := s.Token(ctx, "t-live"); err != nil {
		t.Fatalf("the sweep took a live token: %v", err)
	}
	wantN(t, "grant g1", n(s.DeleteGrant(ctx, "g1")), 1) // t-expired is gone already
	wantN(t, "holder h2", n(s.DeleteHolderTokens(ctx, "h2")), 1)
	checked(t, s, "grant and holder deletes")
	wantN(t, "tokens swept at +2h", n(s.DeleteExpiredTokens(ctx, t0.Add(2*time.Hour))), 2) // t-grant2, t-nogrant
	checked(t, s, "the last sweep")
}

// sessionKind is one of the three session aggregates, seen through the
// operations the sweep test needs.
type sessionKind struct {
	name   string
	put    func(key, owner string, idle, abs time.Duration) error
	touch  func(key string, idle time.Duration) error
	del    func(key string) error
	owner  func(owner string) (int, error) // nil: no such delete
	ended  func(now time.Time) (int, error)
	exists func(key string) bool
}

func sessionKinds(s SweepBackend) []sessionKind {
	ctx := context.Background()
	return []sessionKind{
		{
			name: "portal",
			put: func(key, owner string, idle, abs time.Duration) error {
				return s.PutPortalSession(ctx, &storage.PortalSession{Key: key, HolderID: owner, IdleUntil: t0.Add(idle), ExpiresAt: t0.Add(abs)})
			},
			touch: func(key string, idle time.Duration) error {
				return s.UpdatePortalSession(ctx, key, func(x *storage.PortalSession) error { x.IdleUntil = t0.Add(idle); return nil })
			},
			del:    func(key string) error { return s.DeletePortalSession(ctx, key) },
			owner:  func(o string) (int, error) { return s.DeleteHolderPortalSessions(ctx, o) },
			ended:  func(now time.Time) (int, error) { return s.DeleteEndedPortalSessions(ctx, now) },
			exists: func(key string) bool { _, err := s.PortalSession(ctx, key); return err == nil },
		},
		{
			name: "customer",
			put: func(key, owner string, idle, abs time.Duration) error {
				return s.PutCustomerSession(ctx, &storage.CustomerSession{Key: key, CustomerID: owner, IdleUntil: t0.Add(idle), ExpiresAt: t0.Add(abs)})
			},
			touch: func(key string, idle time.Duration) error {
				return s.UpdateCustomerSession(ctx, key, func(x *storage.CustomerSession) error { x.IdleUntil = t0.Add(idle); return nil })
			},
			del:    func(key string) error { return s.DeleteCustomerSession(ctx, key) },
			owner:  func(o string) (int, error) { return s.DeleteCustomerSessions(ctx, o) },
			ended:  func(now time.Time) (int, error) { return s.DeleteEndedCustomerSessions(ctx, now) },
			exists: func(key string) bool { _, err := s.CustomerSession(ctx, key); return err == nil },
		},
		{
			name: "officer",
			put: func(key, owner string, idle, abs time.Duration) error {
				return s.PutOfficerSession(ctx, &storage.OfficerSession{Key: key, User: owner, IdleUntil: t0.Add(idle), ExpiresAt: t0.Add(abs)})
			},
			touch: func(key string, idle time.Duration) error {
				return s.UpdateOfficerSession(ctx, key, func(x *storage.OfficerSession) error { x.IdleUntil = t0.Add(idle); return nil })
			},
			del: func(key string) error { return s.DeleteOfficerSession(ctx, key) },
			// The console ends an officer's sessions one by one: no owner
			// delete.
			ended:  func(now time.Time) (int, error) { return s.DeleteEndedOfficerSessions(ctx, now) },
			exists: func(key string) bool { _, err := s.OfficerSession(ctx, key); return err == nil },
		},
	}
}

func testSweepSessions(t *testing.T, s SweepBackend) {
	for _, k := range sessionKinds(s) {
		t.Run(k.name, func(t *testing.T) {
			n := counted(t)
			o := "owner-" + k.name
			key := func(name string) string { return o + "/" + name }
			must(t, k.put(key("idle-ended"), o, -time.Second, time.Hour))
			must(t, k.put(key("abs-ended"), o, time.Hour, 0))
			must(t, k.put(key("touched"), o, time.Minute, time.Hour))
			must(t, k.put(key("live"), o, time.Hour, 2*time.Hour))
			must(t, k.put(key("deleted"), o, time.Minute, time.Hour))
			must(t, k.put(fmt.Sprintf("other-%s/owned", k.name), "other-"+k.name, time.Minute, time.Hour))
			checked(t, s, "puts")
			must(t, k.touch(key("touched"), 30*time.Minute)) // the idle deadline moves on
			must(t, k.del(key("deleted")))
			checked(t, s, "touch and delete")

			wantN(t, "ended at t0", n(k.ended(t0)), 2)
			wantN(t, "ended at +2m", n(k.ended(t0.Add(2*time.Minute))), 1) // other's; touched moved on
			if !k.exists(key("touched")) || !k.exists(key("live")) {
				t.Fatal("a sweep ended a live session")
			}
			checked(t, s, "sweeps")
			wantN(t, "ended at +31m", n(k.ended(t0.Add(31*time.Minute))), 1)
			if k.owner != nil {
				wantN(t, "the owner's sessions", n(k.owner(o)), 1)
			} else {
				must(t, k.del(key("live")))
			}
			if k.exists(key("live")) {
				t.Fatal("the owner's session outlived the owner's end")
			}
			checked(t, s, "ending the owner's sessions")
			wantN(t, "ended at +3h", n(k.ended(t0.Add(3*time.Hour))), 0)
		})
	}
}

func testSweepDeviceRecords(t *testing.T, s SweepBackend) {
	n := counted(t)
	ctx := context.Background()
	must(t, s.PutAppLogin(ctx, &storage.AppLogin{Key: "l-old", CustomerID: "c", ExpiresAt: t0.Add(-time.Second)}))
	must(t, s.PutAppLogin(ctx, &storage.AppLogin{Key: "l-live", CustomerID: "c", ExpiresAt: t0.Add(time.Hour)}))
	must(t, s.PutAppLogin(ctx, &storage.AppLogin{Key: "l-taken", CustomerID: "c", ExpiresAt: t0.Add(time.Hour)}))
	must(t, s.PutDeviceToken(ctx, &storage.DeviceToken{Key: "d-old", Kind: "access", ExpiresAt: t0.Add(-time.Second)}))
	must(t, s.PutDeviceToken(ctx, &storage.DeviceToken{Key: "d-taken", Kind: "access", ExpiresAt: t0.Add(time.Hour)}))
	must(t, s.UseProofID(ctx, "p-old", t0.Add(-time.Hour), t0.Add(-time.Second)))
	must(t, s.UseProofID(ctx, "p-reused", t0.Add(-time.Hour), t0.Add(-time.Minute)))
	// An expired proof ID seen again is recorded again, with a new expiry.
	must(t, s.UseProofID(ctx, "p-reused", t0, t0.Add(time.Hour)))
	_, err := s.TakeAppLogin(ctx, "l-taken")
	must(t, err)
	_, err = s.TakeDeviceToken(ctx, "d-taken")
	must(t, err)
	checked(t, s, "writes")
	wantN(t, "expired app records at t0", n(s.DeleteExpiredDeviceRecords(ctx, t0)), 3)
	if _, err := s.AppLogin(ctx, "l-live"); err != nil {
		t.Fatalf("the sweep took a live login: %v", err)
	}
	if err := s.UseProofID(ctx, "p-reused", t0, t0.Add(time.Hour)); err == nil {
		t.Fatal("the sweep took a live proof ID (a replay went through)")
	}
	checked(t, s, "the sweep")
	wantN(t, "expired app records at +2h", n(s.DeleteExpiredDeviceRecords(ctx, t0.Add(2*time.Hour))), 2)
	checked(t, s, "the last sweep")
}

func countCerts(t *testing.T, s storage.Store, st storage.CertStatus, before time.Time) int {
	t.Helper()
	c := 0
	must(t, s.CertificatesWithStatus(context.Background(), st, before, func(rec *storage.Certificate) error {
		if rec.Status != st && !(st == storage.CertActive && rec.Status == "") {
			t.Fatalf("certificate %s is %q, listed as %q", rec.Serial, rec.Status, st)
		}
		c++
		return nil
	}))
	return c
}

func testSweepCertificates(t *testing.T, s SweepBackend) {
	ctx := context.Background()
	cert := func(serial, cred string, notAfter time.Duration, st storage.CertStatus) *storage.Certificate {
		return &storage.Certificate{Serial: serial, CredentialID: cred, HolderID: "h", NotAfter: t0.Add(notAfter), Status: st}
	}
	for _, c := range []*storage.Certificate{
		cert("01", "c1", -time.Hour, storage.CertActive),
		cert("02", "c1", time.Hour, storage.CertActive),
		cert("03", "c2", time.Hour, ""), // read as active
		cert("04", "c2", time.Hour, storage.CertSuspended),
		cert("05", "c3", -time.Hour, storage.CertRevoked),
	} {
		must(t, s.CreateCertificate(ctx, c))
	}
	checked(t, s, "creates")
	wantN(t, "active past notAfter at t0", countCerts(t, s, storage.CertActive, t0), 1)
	wantN(t, "active", countCerts(t, s, storage.CertActive, time.Time{}), 3)
	wantN(t, "suspended", countCerts(t, s, storage.CertSuspended, time.Time{}), 1)
	wantN(t, "revoked", countCerts(t, s, storage.CertRevoked, time.Time{}), 1)

	// A status change moves the certificate in the index.
	must(t, s.UpdateCertificate(ctx, "01", func(c *storage.Certificate) error { c.Status = storage.CertExpired; return nil }))
	must(t, s.UpdateCertificate(ctx, "04", func(c *storage.Certificate) error { c.Status = storage.CertRevoked; return nil }))
	must(t, s.UpdateCertificate(ctx, "02", func(c *storage.Certificate) error { c.ChangedAt = t0; return nil }))
	checked(t, s, "updates")
	wantN(t, "active past notAfter after the sweep", countCerts(t, s, storage.CertActive, t0), 0)
	wantN(t, "active after the updates", countCerts(t, s, storage.CertActive, time.Time{}), 2)
	wantN(t, "suspended after the updates", countCerts(t, s, storage.CertSuspended, time.Time{}), 0)
	wantN(t, "revoked after the updates", countCerts(t, s, storage.CertRevoked, time.Time{}), 2)
	wantN(t, "expired", countCerts(t, s, storage.CertExpired, time.Time{}), 1)
	wantN(t, "active past notAfter at +2h", countCerts(t, s, storage.CertActive, t0.Add(2*time.Hour)), 2)

	for cred, want := range map[string][]string{"c1": {"01", "02"}, "c2": {"03", "04"}, "c3": {"05"}, "none": nil} {
		got, err := s.CertificatesOfCredential(ctx, cred)
		must(t, err)
		var serials []string
		for _, c := range got {
			serials = append(serials, c.Serial)
		}
		if fmt.Sprint(serials) != fmt.Sprint(want) {
			t.Fatalf("certificates of %s = %v, want %v", cred, serials, want)
		}
	}
}

func countOrders(t *testing.T, s storage.Store, state string) int {
	t.Helper()
	c := 0
	must(t, s.OrdersInState(context.Background(), state, func(o *storage.Order) error {
		if o.State != state {
			t.Fatalf("order %s is %q, listed as %q", o.Number, o.State, state)
		}
		c++
		return nil
	}))
	return c
}

func testSweepOrders(t *testing.T, s SweepBackend) {
	ctx := context.Background()
	must(t, s.CreateCustomer(ctx, &storage.Customer{ID: "cu", Email: "cu@example.org"}, nil))
	for i, st := range []string{"paid", "approved", "issued", "issued", "active"} {
		must(t, s.CreateOrder(ctx, &storage.Order{Number: fmt.Sprintf("55-%d", i), CustomerID: "cu", State: st}, nil))
	}
	checked(t, s, "creates")
	wantN(t, "issued", countOrders(t, s, "issued"), 2)
	// "issue" must not match "issued": the state is a whole key part.
	wantN(t, "issue", countOrders(t, s, "issue"), 0)
	must(t, s.UpdateOrder(ctx, "55-2", func(o *storage.Order) error { o.State = "active"; return nil }))
	must(t, s.UpdateOrder(ctx, "55-3", func(o *storage.Order) error { o.Product = "x"; return nil }))
	checked(t, s, "updates")
	wantN(t, "issued after activation", countOrders(t, s, "issued"), 1)
	wantN(t, "active after activation", countOrders(t, s, "active"), 2)

	// Sealing-due marks: every written order is due until cleared with
	// the mark of its last write.
	marks := func() map[string][]byte {
		t.Helper()
		m := map[string][]byte{}
		must(t, s.OrdersDueSealing(ctx, func(number string, mark []byte) error { m[number] = mark; return nil }))
		return m
	}
	due := marks()
	wantN(t, "orders due sealing", len(due), 5)
	must(t, s.ClearSealingDue(ctx, "55-0", due["55-0"]))
	must(t, s.ClearSealingDue(ctx, "55-1", due["55-1"]))
	// 55-2 is written after its mark was read: clearing with the old mark
	// leaves it due.
	must(t, s.UpdateOrder(ctx, "55-2", func(o *storage.Order) error { o.Product = "y"; return nil }))
	must(t, s.ClearSealingDue(ctx, "55-2", due["55-2"]))
	must(t, s.ClearSealingDue(ctx, "55-9", nil)) // none: no error
	after := marks()
	if _, ok := after["55-2"]; len(after) != 3 || !ok {
		t.Fatalf("due after the clears = %v, want 55-2, 55-3, 55-4", after)
	}
	// A write after the clear makes it due again.
	must(t, s.UpdateOrder(ctx, "55-0", func(o *storage.Order) error { o.State = "expired"; return nil }))
	if _, ok := marks()["55-0"]; !ok {
		t.Fatal("an order written after its clear is not due")
	}
	checked(t, s, "sealing marks")
}

func testSweepDailyReport(t *testing.T, s SweepBackend) {
	ctx := context.Background()
	due := func(day string) []string {
		t.Helper()
		hs, err := s.HoldersDueDailyReport(ctx, day)
		must(t, err)
		var ids []string
		for _, h := range hs {
			ids = append(ids, h.ID)
		}
		return ids
	}
	must(t, s.CreateHolder(ctx, &storage.Holder{ID: "on", DailyReport: true}))
	must(t, s.CreateHolder(ctx, &storage.Holder{ID: "off"}))
	must(t, s.CreateHolder(ctx, &storage.Holder{ID: "sent", DailyReport: true, DailyReportSentFor: "2026-01-01"}))
	must(t, s.CreateHolder(ctx, &storage.Holder{ID: "turned-on"}))
	checked(t, s, "creates")
	if got := fmt.Sprint(due("2026-01-01")); got != "[on]" {
		t.Fatalf("due 2026-01-01 = %s, want [on]", got)
	}
	must(t, s.UpdateHolder(ctx, "turned-on", func(h *storage.Holder) error { h.DailyReport = true; return nil }))
	must(t, s.UpdateHolder(ctx, "on", func(h *storage.Holder) error { h.DailyReportSentFor = "2026-01-01"; return nil }))
	must(t, s.UpdateHolder(ctx, "sent", func(h *storage.Holder) error { h.DailyReport = false; return nil }))
	checked(t, s, "updates")
	if got := fmt.Sprint(due("2026-01-01")); got != "[turned-on]" {
		t.Fatalf("due 2026-01-01 after the updates = %s, want [turned-on]", got)
	}
	if got := fmt.Sprint(due("2026-01-02")); got != "[turned-on on]" {
		t.Fatalf("due 2026-01-02 = %s, want [turned-on on] (never summarised first)", got)
	}
}

func testOAuthRecords(t *testing.T, s SweepBackend) {
	ctx := context.Background()
	n := counted(t)
	must(t, s.PutPushedRequest(ctx, &storage.PushedRequest{ID: "p-old", ClientID: "app", Request: []byte("{}"), ExpiresAt: t0.Add(-time.Second)}))
	must(t, s.PutPushedRequest(ctx, &storage.PushedRequest{ID: "p-live", ClientID: "app", Request: []byte(`{"a":1}`), ExpiresAt: t0.Add(time.Minute)}))
	wantKind(t, s.PutPushedRequest(ctx, &storage.PushedRequest{ID: "p-live", ClientID: "other", ExpiresAt: t0.Add(time.Hour)}), errs.Conflict)
	must(t, s.PutOAuthTransaction(ctx, &storage.OAuthTransaction{ID: "x-moved", ClientID: "app", Data: []byte("1"), ExpiresAt: t0.Add(time.Minute)}))
	// Saving a transaction again replaces it, and its expiry.
	must(t, s.PutOAuthTransaction(ctx, &storage.OAuthTransaction{ID: "x-moved", ClientID: "app", Data: []byte("2"), ExpiresAt: t0.Add(time.Hour)}))
	must(t, s.PutOAuthTransaction(ctx, &storage.OAuthTransaction{ID: "x-deleted", ClientID: "app", ExpiresAt: t0.Add(time.Minute)}))
	must(t, s.PutAuthorizationCode(ctx, &storage.AuthorizationCode{Key: "k-old", HolderID: "h", ClientID: "app", ExpiresAt: t0}))
	must(t, s.PutAuthorizationCode(ctx, &storage.AuthorizationCode{Key: "k-live", HolderID: "h", ClientID: "app", Scope: "service", ExpiresAt: t0.Add(time.Minute)}))
	wantKind(t, s.PutAuthorizationCode(ctx, &storage.AuthorizationCode{Key: "k-live", ExpiresAt: t0.Add(time.Hour)}), errs.Conflict)
	must(t, s.PutAuthorizationCode(ctx, &storage.AuthorizationCode{Key: "k-deleted", ExpiresAt: t0.Add(time.Minute)}))
	must(t, s.DeleteOAuthTransaction(ctx, "x-deleted"))
	must(t, s.DeleteOAuthTransaction(ctx, "x-deleted")) // a missing one is no error
	must(t, s.DeleteAuthorizationCode(ctx, "k-deleted"))
	checked(t, s, "writes")

	got, err := s.OAuthTransaction(ctx, "x-moved")
	must(t, err)
	if string(got.Data) != "2" {
		t.Fatalf("transaction = %+v, want the second save", got)
	}
	wantN(t, "expired OAuth records at t0", n(s.DeleteExpiredOAuthRecords(ctx, t0)), 2)                     // p-old, k-old
	wantN(t, "expired OAuth records at +2m", n(s.DeleteExpiredOAuthRecords(ctx, t0.Add(2*time.Minute))), 2) // p-live, k-live; x-moved moved on
	_, err = s.OAuthTransaction(ctx, "x-moved")
	must(t, err)
	checked(t, s, "sweeps")

	must(t, s.PutPushedRequest(ctx, &storage.PushedRequest{ID: "p2", ClientID: "app", ExpiresAt: t0.Add(time.Hour)}))
	p, err := s.TakePushedRequest(ctx, "p2")
	must(t, err)
	if p.ClientID != "app" {
		t.Fatalf("pushed request = %+v", p)
	}
	_, err = s.TakePushedRequest(ctx, "p2")
	wantKind(t, err, errs.NotFound)
	_, err = s.TakeAuthorizationCode(ctx, "k-old")
	wantKind(t, err, errs.NotFound)
	// A password change ends the holder's codes with its tokens
	// (HolderTokens), and no one else's.
	must(t, s.PutAuthorizationCode(ctx, &storage.AuthorizationCode{Key: "k-hx", HolderID: "hx", ClientID: "app", ExpiresAt: t0.Add(time.Hour)}))
	must(t, s.PutAuthorizationCode(ctx, &storage.AuthorizationCode{Key: "k-hy", HolderID: "hy", ClientID: "app", ExpiresAt: t0.Add(time.Hour)}))
	must(t, s.PutToken(ctx, &storage.Token{ID: "t-hx", Kind: "refresh", HolderID: "hx", ExpiresAt: t0.Add(time.Hour)}))
	wantN(t, "hx's tokens and codes", n(s.DeleteHolderTokens(ctx, "hx")), 2)
	_, err = s.TakeAuthorizationCode(ctx, "k-hx")
	wantKind(t, err, errs.NotFound)
	_, err = s.TakeAuthorizationCode(ctx, "k-hy")
	must(t, err)
	checked(t, s, "a holder's tokens and codes ended")

	// OAuth records are not tokens: the token sweep and reads leave them.
	wantN(t, "expired tokens at +2h", n(s.DeleteExpiredTokens(ctx, t0.Add(2*time.Hour))), 0)
	wantN(t, "expired OAuth records at +2h", n(s.DeleteExpiredOAuthRecords(ctx, t0.Add(2*time.Hour))), 1) // x-moved
	checked(t, s, "takes")
}

// N callers redeem one authorization code: exactly one gets it.
func testCodeTakenOnce(t *testing.T, s SweepBackend) {
	ctx := context.Background()
	must(t, s.PutAuthorizationCode(ctx, &storage.AuthorizationCode{Key: "code-1", HolderID: "alice", ExpiresAt: time.Now().Add(time.Minute)}))
	var mu sync.Mutex
	got := 0
	race(concurrency, func(int) {
		c, err := s.TakeAuthorizationCode(ctx, "code-1")
		switch {
		case err == nil:
			if c.Key != "code-1" || c.HolderID != "alice" {
				t.Errorf("took %+v", c)
			}
			mu.Lock()
			got++
			mu.Unlock()
		case !errs.Is(err, errs.NotFound):
			t.Errorf("take: %v, want the code or NotFound", err)
		}
	})
	if got != 1 {
		t.Fatalf("the code was taken %d times, want exactly once", got)
	}
	checked(t, s, "the race")
}
