package app_test

import (
	"context"
	"crypto"
	"encoding/base64"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/hsm"
	"github.com/qesproject/qes/internal/app"
	"github.com/qesproject/qes/internal/config"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/operator"

	"github.com/qesproject/qes/internal/testutil/validator"
)

// TestHolderLifecycleThroughAPI walks one credential through suspend,
// reactivate and revoke with the holder's management API and checks after
// each step what relying parties (openssl ocsp, CRLs), CSC clients
// (info, list, authorize, signHash), the HSM, the audit log and the holder's
// inbox see.
func TestHolderLifecycleThroughAPI(t *testing.T) {
	t.Parallel()
	needOpenSSL(t)
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	other := s.NewHolder(t, "ec-p256") // must stay untouched
	tok := s.Login(t, "v2", h.ID, h.Password)
	leaf := holderLeaf(t, s, h.CredentialID)
	f := newPKIFiles(t, s, leaf)
	email := h.ID + "@example.org"

	f.ocspStatus(t, s)
	signAndVerify(t, s, tok, h, leaf, "before anything")
	// An authorization obtained before the suspension...
	earlySAD, earlyHash, st, body := authorize(t, s, tok, h, "authorized before the hold")
	if st != http.StatusOK {
		t.Fatalf("authorize: %d %v", st, body)
	}

	// --- suspend
	start := s.Clock.Now()
	st, body = manage(t, s, tok, h, "suspend", map[string]any{"note": "phone lost"})
	if st != http.StatusOK {
		t.Fatalf("suspend: %d %v", st, body)
	}
	cert := body["cert"].(map[string]any)
	if cert["status"] != "suspended" || cert["reason"] != "certificateHold" || body["key"].(map[string]any)["status"] != "enabled" {
		t.Fatalf("suspend answer: %v", body)
	}
	ends, err := time.Parse(time.RFC3339, cert["suspensionEnds"].(string))
	if err != nil || ends.Sub(start) < 30*24*time.Hour-time.Minute || ends.Sub(start) > 30*24*time.Hour+time.Minute {
		t.Fatalf("suspensionEnds %v, want 30 days after %v", cert["suspensionEnds"], start)
	}
	if out := f.ocspStatus(t, s); !strings.Contains(out, "leaf.pem: revoked") || !strings.Contains(out, "Reason: certificateHold") {
		t.Fatalf("OCSP after suspend:\n%s", out)
	}
	if out, err := f.verifyWithCRLs(t, s); err == nil || !strings.Contains(out, "certificate revoked") {
		t.Fatalf("CRL after suspend: %v\n%s", err, out)
	}
	if cs, ks, _ := credentialInfo(t, s, tok, h); cs != "suspended" || ks != "enabled" {
		t.Fatalf("credentials/info after suspend: cert %s key %s", cs, ks)
	}
	if ids := listValid(t, s, tok); slices.Contains(ids, h.CredentialID) {
		t.Fatalf("onlyValid lists the suspended credential: %v", ids)
	}
	// ...cannot sign after it, and no new authorization is granted.
	st, body = signHash(t, s, tok, h, earlySAD, earlyHash)
	wantError(t, "signHash with a SAD from before the hold", st, body, http.StatusBadRequest, "invalid_request", "suspended")
	_, _, st, body = authorize(t, s, tok, h, "during the hold")
	wantError(t, "authorize while suspended", st, body, http.StatusBadRequest, "invalid_request", "suspended")
	if m := lastNotice(t, s, email, "certificate.suspended"); !strings.Contains(m.Text, "suspended") || !strings.Contains(m.Text, h.CredentialID) {
		t.Fatalf("suspension notice: %q", m.Text)
	}

	// --- reactivate
	st, body = manage(t, s, tok, h, "reactivate", nil)
	if st != http.StatusOK || body["cert"].(map[string]any)["status"] != "valid" {
		t.Fatalf("reactivate: %d %v", st, body)
	}
	if out := f.ocspStatus(t, s); !strings.Contains(out, "leaf.pem: good") {
		t.Fatalf("OCSP after reactivate:\n%s", out)
	}
	if out, err := f.verifyWithCRLs(t, s); err != nil || !strings.Contains(out, "leaf.pem: OK") {
		t.Fatalf("CRL after reactivate: %v\n%s", err, out)
	}
	// The SAD from before the hold stays dead even though the hold is over.
	st, body = signHash(t, s, tok, h, earlySAD, earlyHash)
	wantError(t, "signHash with a SAD from before the hold, after reactivation", st, body, http.StatusBadRequest, "invalid_request", "SAD")
	signAndVerify(t, s, tok, h, leaf, "after the hold")
	if ids := listValid(t, s, tok); !slices.Contains(ids, h.CredentialID) {
		t.Fatalf("onlyValid omits the reactivated credential: %v", ids)
	}
	lastNotice(t, s, email, "certificate.reactivated")

	// --- revoke
	keyRef := credentialRecordKey(t, s, h.CredentialID)
	st, body = manage(t, s, tok, h, "revoke", map[string]any{"reason": "keyCompromise"})
	if st != http.StatusOK {
		t.Fatalf("revoke: %d %v", st, body)
	}
	cert = body["cert"].(map[string]any)
	if cert["status"] != "revoked" || cert["reason"] != "keyCompromise" || body["key"].(map[string]any)["status"] != "disabled" {
		t.Fatalf("revoke answer: %v", body)
	}
	if out := f.ocspStatus(t, s); !strings.Contains(out, "leaf.pem: revoked") || !strings.Contains(out, "Reason: keyCompromise") {
		t.Fatalf("OCSP after revoke:\n%s", out)
	}
	if out, err := f.verifyWithCRLs(t, s); err == nil || !strings.Contains(out, "certificate revoked") {
		t.Fatalf("CRL after revoke: %v\n%s", err, out)
	}
	if _, err := s.App.HSM.Signer(context.Background(), hsm.KeyRef(keyRef)); !errs.Is(err, errs.NotFound) {
		t.Fatalf("the revoked credential's key is still on the token (Signer: %v)", err)
	}
	if cs, ks, _ := credentialInfo(t, s, tok, h); cs != "revoked" || ks != "disabled" {
		t.Fatalf("credentials/info after revoke: cert %s key %s", cs, ks)
	}
	if ids := listValid(t, s, tok); slices.Contains(ids, h.CredentialID) {
		t.Fatalf("onlyValid lists the revoked credential: %v", ids)
	}
	_, _, st, body = authorize(t, s, tok, h, "after revocation")
	wantError(t, "authorize after revocation", st, body, http.StatusBadRequest, "invalid_request", "disabled")
	lastNotice(t, s, email, "certificate.revoked")

	// Revocation is final.
	st, body = manage(t, s, tok, h, "reactivate", nil)
	wantError(t, "reactivate after revoke", st, body, http.StatusBadRequest, "invalid_request", "revoked")

	// The audit log holds intent and outcome of every step, and the key's
	// destruction was announced before it happened.
	trail := auditTrail(t, s, h.CredentialID, "certificate.")
	want := []string{"certificate.suspend/", "certificate.suspend/ok", "certificate.reactivate/", "certificate.reactivate/ok",
		"certificate.revoke/", "certificate.revoke/ok", "certificate.reactivate/", "certificate.reactivate/denied"}
	if !slices.Equal(trail, want) {
		t.Fatalf("audit trail %v, want %v", trail, want)
	}
	if kt := auditTrail(t, s, h.CredentialID, "key.destroy"); !slices.Equal(kt, []string{"key.destroy/", "key.destroy/ok"}) {
		t.Fatalf("key destruction audit %v", kt)
	}

	// Nothing happened to the other holder.
	otherTok := s.Login(t, "v2", other.ID, other.Password)
	signAndVerify(t, s, otherTok, other, holderLeaf(t, s, other.CredentialID), "untouched")
}

// TestRenewRotatesKeyUnderSameCredential: renewal gives the same
// credential ID a new key and certificate, revokes the old one as
// superseded, destroys the old key, and drops SADs for the old
// certificate.
func TestRenewRotatesKeyUnderSameCredential(t *testing.T) {
	t.Parallel()
	needOpenSSL(t)
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	tok := s.Login(t, "v2", h.ID, h.Password)
	oldLeaf := holderLeaf(t, s, h.CredentialID)
	oldKey := credentialRecordKey(t, s, h.CredentialID)
	oldFiles := newPKIFiles(t, s, oldLeaf)
	earlySAD, earlyHash, st, body := authorize(t, s, tok, h, "authorized for the old certificate")
	if st != http.StatusOK {
		t.Fatalf("authorize: %d %v", st, body)
	}

	st, body = manage(t, s, tok, h, "renew", nil)
	if st != http.StatusOK {
		t.Fatalf("renew: %d %v", st, body)
	}
	if body["credentialID"] != h.CredentialID || body["cert"].(map[string]any)["status"] != "valid" {
		t.Fatalf("renew answer: %v", body)
	}
	newLeaf := holderLeaf(t, s, h.CredentialID)
	if newLeaf.SerialNumber.Cmp(oldLeaf.SerialNumber) == 0 || newLeaf.PublicKey.(interface{ Equal(crypto.PublicKey) bool }).Equal(oldLeaf.PublicKey) {
		t.Fatal("renewal must bring a new serial and a new key")
	}
	if got := body["cert"].(map[string]any)["serialNumber"]; got != strings.ToUpper(newLeaf.SerialNumber.Text(16)) {
		t.Fatalf("renew answer serial %v, want the new one", got)
	}
	if out := oldFiles.ocspStatus(t, s); !strings.Contains(out, "leaf.pem: revoked") || !strings.Contains(out, "Reason: superseded") {
		t.Fatalf("OCSP of the old certificate:\n%s", out)
	}
	newFiles := newPKIFiles(t, s, newLeaf)
	if out := newFiles.ocspStatus(t, s); !strings.Contains(out, "leaf.pem: good") {
		t.Fatalf("OCSP of the new certificate:\n%s", out)
	}
	if out, err := newFiles.verifyWithCRLs(t, s); err != nil || !strings.Contains(out, "leaf.pem: OK") {
		t.Fatalf("CRL check of the new certificate: %v\n%s", err, out)
	}
	if _, err := s.App.HSM.Signer(context.Background(), hsm.KeyRef(oldKey)); !errs.Is(err, errs.NotFound) {
		t.Fatalf("the superseded key is still on the token (Signer: %v)", err)
	}
	cs, ks, chain := credentialInfo(t, s, tok, h)
	if cs != "valid" || ks != "enabled" || chain[0] != base64.StdEncoding.EncodeToString(newLeaf.Raw) {
		t.Fatalf("credentials/info after renew: cert %s key %s, leaf is new: %v", cs, ks, chain[0] == base64.StdEncoding.EncodeToString(newLeaf.Raw))
	}
	st, body = signHash(t, s, tok, h, earlySAD, earlyHash)
	wantError(t, "signHash with a SAD for the old certificate", st, body, http.StatusBadRequest, "invalid_request", "SAD")
	signAndVerify(t, s, tok, h, newLeaf, "with the renewed key")
	if m := lastNotice(t, s, h.ID+"@example.org", "certificate.renewed"); !strings.Contains(m.Text, strings.ToUpper(newLeaf.SerialNumber.Text(16))) {
		t.Fatalf("renewal notice lacks the new serial: %q", m.Text)
	}
}

// TestHoldPastMaximumBecomesRevocation: a hold not lifted within the
// configured maximum becomes a revocation (no reason code, revocation date
// the start of the hold), the key is destroyed, and the holder told.
func TestHoldPastMaximumBecomesRevocation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		max  time.Duration // 0: the default, 30 days
		want time.Duration
	}{
		{"default 30 days", 0, 30 * 24 * time.Hour},
		{"configured 2 hours", 2 * time.Hour, 2 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			needOpenSSL(t)
			var opts []testutil.ServerOption
			if tc.max > 0 {
				opts = append(opts, func(su *testutil.Setup) { su.Config.CA.MaxSuspension = config.Duration(tc.max) })
			}
			s := testutil.StartServer(t, opts...)
			h := s.NewHolder(t, "ec-p256")
			leaf := holderLeaf(t, s, h.CredentialID)
			f := newPKIFiles(t, s, leaf)
			keyRef := credentialRecordKey(t, s, h.CredentialID)
			ctx := context.Background()
			res, err := s.App.Operator.CertChange(ctx, "suspend", operator.CertRequest{UserID: h.ID, CredentialID: h.CredentialID, Reason: "on leave", Operator: "test"})
			if err != nil {
				t.Fatal(err)
			}
			if got := res.SuspensionEnds.Sub(res.SuspendedAt); got != tc.want {
				t.Fatalf("suspension ends %v after it starts, want %v", got, tc.want)
			}
			holdStart := res.SuspendedAt

			s.Clock.Advance(tc.want - time.Minute)
			if err := s.App.RunLifecycleJobs(ctx); err != nil {
				t.Fatal(err)
			}
			if out := f.ocspStatus(t, s); !strings.Contains(out, "Reason: certificateHold") {
				t.Fatalf("OCSP a minute before the maximum:\n%s", out)
			}
			s.Clock.Advance(2 * time.Minute)
			// Before the job runs, OCSP already reads the lapse.
			if out := f.ocspStatus(t, s); strings.Contains(out, "certificateHold") || !strings.Contains(out, "leaf.pem: revoked") {
				t.Fatalf("OCSP after the maximum, before the sweep:\n%s", out)
			}
			if err := s.App.RunLifecycleJobs(ctx); err != nil {
				t.Fatal(err)
			}
			out := f.ocspStatus(t, s)
			if !strings.Contains(out, "leaf.pem: revoked") || strings.Contains(out, "Reason:") {
				t.Fatalf("OCSP after the sweep (revoked, no reason code):\n%s", out)
			}
			if !strings.Contains(out, "Revocation Time: "+holdStart.UTC().Format("Jan _2 15:04:05 2006 GMT")) {
				t.Fatalf("revocation time must be the start of the hold (%v):\n%s", holdStart, out)
			}
			if out, err := f.verifyWithCRLs(t, s); err == nil || !strings.Contains(out, "certificate revoked") {
				t.Fatalf("CRL after the lapse: %v\n%s", err, out)
			}
			st, err := s.App.Operator.CertStatus(ctx, operator.CertRequest{UserID: h.ID, CredentialID: h.CredentialID})
			if err != nil || st.Status != "revoked" || st.KeyStatus != "disabled" {
				t.Fatalf("status after the lapse: %+v %v", st, err)
			}
			if _, err := s.App.HSM.Signer(ctx, hsm.KeyRef(keyRef)); !errs.Is(err, errs.NotFound) {
				t.Fatalf("the key of a lapsed hold is still on the token (Signer: %v)", err)
			}
			lastNotice(t, s, h.ID+"@example.org", "certificate.hold-lapsed")
			if _, err := s.App.Operator.CertChange(ctx, "reactivate", operator.CertRequest{UserID: h.ID, CredentialID: h.CredentialID}); !errs.Is(err, errs.Conflict) {
				t.Fatalf("reactivating a lapsed hold: %v, want a conflict", err)
			}
		})
	}
}

// TestExpiredAndNotYetValidAreRefused: time alone makes a certificate
// unusable; CSC says so and refuses to authorize.
func TestExpiredAndNotYetValidAreRefused(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	leaf := holderLeaf(t, s, h.CredentialID)

	// Not yet valid: the clock before notBefore (issuance backdates a minute).
	s.Clock.Set(leaf.NotBefore.Add(-time.Minute))
	tok := s.Login(t, "v2", h.ID, h.Password)
	_, _, st, body := authorize(t, s, tok, h, "too early")
	wantError(t, "authorize before notBefore", st, body, http.StatusBadRequest, "invalid_request", "not yet valid")
	if ids := listValid(t, s, tok); slices.Contains(ids, h.CredentialID) {
		t.Fatalf("onlyValid lists a not-yet-valid credential: %v", ids)
	}

	// Expired.
	s.Clock.Set(leaf.NotAfter.Add(time.Minute))
	tok = s.Login(t, "v2", h.ID, h.Password)
	if cs, ks, _ := credentialInfo(t, s, tok, h); cs != "expired" || ks != "enabled" {
		t.Fatalf("credentials/info after notAfter: cert %s key %s", cs, ks)
	}
	_, _, st, body = authorize(t, s, tok, h, "too late")
	wantError(t, "authorize after notAfter", st, body, http.StatusBadRequest, "invalid_request", "expired")
	if ids := listValid(t, s, tok); slices.Contains(ids, h.CredentialID) {
		t.Fatalf("onlyValid lists an expired credential: %v", ids)
	}
	// OCSP keeps vouching for an expired, unrevoked certificate.
	f := newPKIFiles(t, s, leaf)
	if validator.Have(t, "openssl") {
		if out := f.ocspStatus(t, s); !strings.Contains(out, "leaf.pem: good") {
			t.Fatalf("OCSP of an expired certificate:\n%s", out)
		}
	}
	if err := s.App.RunLifecycleJobs(context.Background()); err != nil {
		t.Fatal(err)
	}
	lastNotice(t, s, h.ID+"@example.org", "certificate.expired")
	// An expired certificate cannot be renewed: a new enrolment is due.
	if _, err := s.App.Operator.CertChange(context.Background(), "renew", operator.CertRequest{UserID: h.ID, CredentialID: h.CredentialID}); !errs.Is(err, errs.Conflict) {
		t.Fatalf("renewing an expired certificate: %v, want a conflict", err)
	}
}

// TestAdminSocketCertCommands runs the qesctl operations through the
// admin socket of a live server, as `qesctl cert ...` does.
func TestAdminSocketCertCommands(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	// testutil.StartServer serves the admin socket, as qesd does.
	ctx := context.Background()
	waitForSocket(t, app.AdminSocket(s.DataDir))
	noOpen := func() (*app.App, error) { t.Fatal("the admin socket must be used"); return nil, nil }

	req := operator.CertRequest{UserID: h.ID, CredentialID: h.CredentialID, Operator: "alice"}
	steps := []struct {
		op, reason, want string
		wantKind         errs.Kind
	}{
		{"cert/status", "", "valid", 0},
		{"cert/suspend", "holder called the help desk", "suspended", 0},
		{"cert/suspend", "", "", errs.Conflict},
		{"cert/reactivate", "", "valid", 0},
		{"cert/reactivate", "oops", "", errs.InvalidRequest},
		{"cert/renew", "", "valid", 0},
		{"cert/revoke", "noSuchReason", "", errs.InvalidRequest},
		{"cert/revoke", "privilegeWithdrawn", "revoked", 0},
	}
	for _, st := range steps {
		r := req
		r.Reason = st.reason
		var res operator.CertResult
		err := app.Call(ctx, s.DataDir, st.op, r, &res, noOpen)
		if st.wantKind != 0 {
			if !errs.Is(err, st.wantKind) {
				t.Fatalf("%s (%q): %v, want %v", st.op, st.reason, err, st.wantKind)
			}
			continue
		}
		if err != nil || res.Status != st.want {
			t.Fatalf("%s (%q): %+v %v, want %s", st.op, st.reason, res, err, st.want)
		}
	}
	var res operator.CertResult
	if err := app.Call(ctx, s.DataDir, "cert/status", req, &res, noOpen); err != nil || res.Reason != "privilegeWithdrawn" || res.KeyStatus != "disabled" {
		t.Fatalf("final status %+v %v", res, err)
	}
	// The operator is named in the audit log.
	found := false
	for _, r := range auditRecords(t, s) {
		if r.Type == "certificate.revoke" && r.Outcome == "ok" && r.Detail["actorID"] == "alice" && r.Detail["actor"] == "operator" {
			found = true
		}
	}
	if !found {
		t.Fatal("the operator's revocation is not in the audit log with their name")
	}
}

func waitForSocket(t *testing.T, path string) {
	t.Helper()
	for i := 0; i < 200; i++ {
		if c, err := net.Dial("unix", path); err == nil {
			_ = c.Close()
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("admin socket %s did not come up", path)
}
