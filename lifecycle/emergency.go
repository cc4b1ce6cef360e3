package lifecycle

import (
	"context"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/sam"
	"github.com/qesproject/qes/storage"
)

// The emergency code (ERC) lets a holder who lost their phone, password or
// device suspend a credential's certificate with the user ID alone: 12
// random digits, shown once at enrolment next to the PUK, kept only as an
// argon2id hash. It suspends, never revokes: a hold can be lifted once the
// holder is back in control, and an attacker who learnt the code can do no
// lasting harm.

// errEmergencyRefused is the one answer to every refused emergency request:
// unknown user, wrong code and a blocked account look the same.
var errEmergencyRefused = errs.M(errs.AuthenticationFailed,
	msg.LifecycleEmergencyRefused)

// EmergencySuspend suspends the certificate of the holder's credential
// whose emergency code is erc. Every refusal takes at least
// EmergencyFloor and says the same; wrong codes are counted per account
// and MaxERCFailures of them block the route for that account. Rate
// limiting per user and per client address is the HTTP edge's.
func (l *Service) EmergencySuspend(ctx context.Context, userID, erc, clientIP string) (*CertificateStatus, error) {
	start := time.Now()
	refuse := func(reason string) error {
		l.record(ctx, audit.Event{Type: "certificate.emergency-suspend", Holder: knownOrEmpty(reason, userID), Client: clientIP,
			Outcome: "denied", Detail: map[string]string{"actor": ActorEmergency, "reason": reason}})
		if wait := l.cfg.EmergencyFloor - time.Since(start); wait > 0 {
			select {
			case <-time.After(wait):
			case <-ctx.Done():
			}
		}
		return errEmergencyRefused
	}
	erc = normalizeDigits(erc)
	if len(erc) != sam.ERCDigits || !allDigits(erc) {
		return nil, errs.M(errs.InvalidRequest, msg.ERCLength, sam.ERCDigits)
	}
	if userID == "" || len(userID) > 64 {
		return nil, errs.M(errs.InvalidRequest, msg.MissingParam, "string", "userID")
	}
	h, err := l.store.Holder(ctx, userID)
	if errs.Is(err, errs.NotFound) {
		l.sam.DummyVerify(erc)
		return nil, refuse("unknown-user")
	}
	if err != nil {
		return nil, err
	}
	creds, err := l.store.CredentialsOf(ctx, h.ID)
	if err != nil {
		return nil, err
	}
	// Check every credential's code (no early exit) so the time spent does
	// not say which one matched.
	var match *storage.Credential
	checked := 0
	for _, c := range creds {
		if c.ERCHash == "" {
			continue
		}
		checked++
		ok, err := secret.Verify(erc, c.ERCHash)
		if err != nil {
			return nil, err
		}
		if ok && match == nil {
			match = c
		}
	}
	if checked == 0 {
		l.sam.DummyVerify(erc)
	}
	var blocked bool
	err = l.store.UpdateHolder(ctx, h.ID, func(h *storage.Holder) error {
		blocked = h.ERCBlocked
		switch {
		case h.ERCBlocked:
		case match != nil:
			h.ERCFailures = 0
		default:
			h.ERCFailures++
			h.ERCBlocked = h.ERCFailures >= l.cfg.MaxERCFailures
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	switch {
	case blocked:
		return nil, refuse("blocked")
	case match == nil:
		return nil, refuse("wrong-code")
	}
	// Proven by the code: a holder who asks twice (already suspended is
	// what they wanted) just hears how things stand.
	if cur, err := l.status(ctx, match); err == nil && cur.State == sam.CertSuspended {
		l.record(ctx, audit.Event{Type: "certificate.emergency-suspend", Holder: h.ID, Credential: match.ID, Client: clientIP,
			Outcome: "ok", Detail: map[string]string{"actor": ActorEmergency, "result": "already suspended"}})
		return cur, nil
	}
	actor := Actor{Kind: ActorEmergency, ID: h.ID, Client: clientIP}
	return l.Apply(ctx, actor, Change{Action: ActionSuspend, HolderID: h.ID, CredentialID: match.ID, Note: "emergency code"})
}

// knownOrEmpty keeps user-supplied IDs that match no account out of the
// audit log (they may be anything, including someone's personal data).
func knownOrEmpty(reason, userID string) string {
	if reason == "unknown-user" {
		return ""
	}
	return userID
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
