package lifecycle

import (
	"context"
	"fmt"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/authn"
	"github.com/qesproject/qes/ca"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/otp"
)

// A holder changes a certificate's status through the management API only
// after re-authenticating: the account password and a one-time code sent
// for that very operation on that credential (or the authenticator app's
// code). A stolen access token alone cannot suspend, revoke or renew.

func manageOTPKey(holderID, credentialID string, a Action) string {
	return holderID + "/manage/" + credentialID + "/" + string(a)
}

// checkServicePrincipal refuses tokens that are not a holder's service
// token (credential-scope tokens authorize one signature, nothing else).
func checkServicePrincipal(p *authn.Principal) error {
	if p == nil || p.HolderID == "" {
		return errs.E(errs.InvalidToken, "The access token is not valid")
	}
	if p.Scope != authn.ScopeService {
		return errs.E(errs.AccessDenied, "Certificate management needs a service access token (auth/login), not a credential token")
	}
	return nil
}

// SendChallenge sends the one-time code that confirms action on the
// holder's credential, by SMS, naming the operation.
func (l *Service) SendChallenge(ctx context.Context, p *authn.Principal, credentialID string, action Action) error {
	if err := checkServicePrincipal(p); err != nil {
		return err
	}
	if _, err := ParseAction(string(action)); err != nil {
		return err
	}
	c, err := l.sam.Owned(ctx, p.HolderID, credentialID)
	if err != nil {
		return err
	}
	h, err := l.store.Holder(ctx, p.HolderID)
	if err != nil {
		return err
	}
	err = l.otp.Send(ctx, otp.Request{
		Key: manageOTPKey(h.ID, c.ID, action), Channel: "sms", To: h.Phone, Purpose: "manage-" + string(action),
		Text: func(code string, ttl time.Duration) string { return manageOTPText(h.Lang, action, code, ttl) },
	})
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	l.record(ctx, audit.Event{Type: "otp.send", Holder: h.ID, Credential: c.ID, Client: p.ClientID, Outcome: outcome,
		Detail: map[string]string{"channel": "sms", "purpose": "manage-" + string(action)}})
	return err
}

var actionWords = map[string]map[Action]string{
	"en": {ActionSuspend: "SUSPEND", ActionReactivate: "REACTIVATE", ActionRevoke: "REVOKE (final)", ActionRenew: "RENEW"},
	"it": {ActionSuspend: "SOSPENDERE", ActionReactivate: "RIATTIVARE", ActionRevoke: "REVOCARE (definitivo)", ActionRenew: "RINNOVARE"},
}

func manageOTPText(lang string, a Action, code string, ttl time.Duration) string {
	if lang == "it" {
		return fmt.Sprintf("qes: il codice per %s il tuo certificato è %s. Scade tra %d minuti. Se non l'hai chiesto tu, non usarlo e contattaci.", actionWords["it"][a], code, int(ttl.Minutes()))
	}
	return fmt.Sprintf("qes: your code to %s your certificate is %s. It expires in %d minutes. If you did not ask for it, do not use it and contact us.", actionWords["en"][a], code, int(ttl.Minutes()))
}

// HolderChange is a holder's request through the management API.
type HolderChange struct {
	Principal    *authn.Principal
	Action       Action
	CredentialID string
	Password     string
	OTP          string
	// Reason is a revocation reason name (revoke only).
	Reason string
	Note   string
}

// ByHolder re-authenticates the holder (one-time code first, then the
// password, both counted like at login and authorize) and applies the
// change.
func (l *Service) ByHolder(ctx context.Context, hc HolderChange) (*CertificateStatus, error) {
	p := hc.Principal
	if err := checkServicePrincipal(p); err != nil {
		return nil, err
	}
	ch := Change{Action: hc.Action, HolderID: p.HolderID, CredentialID: hc.CredentialID, Note: hc.Note}
	if hc.Reason != "" {
		if hc.Action != ActionRevoke {
			return nil, errs.E(errs.InvalidRequest, "Invalid parameter reason: only a revocation has a reason code")
		}
		r, err := ca.ParseRevocationReason(hc.Reason)
		if err != nil {
			return nil, errs.E(errs.InvalidRequest, "Invalid parameter reason: "+errs.DetailOf(err))
		}
		ch.Reason = r
	}
	actor := Actor{Kind: ActorHolder, ID: p.HolderID, Client: p.ClientID}
	if err := ch.validate(actor); err != nil {
		return nil, err
	}
	c, err := l.sam.Owned(ctx, p.HolderID, hc.CredentialID)
	if err != nil {
		return nil, err
	}
	if hc.OTP == "" {
		return nil, errs.E(errs.InvalidRequest, "Missing (or invalid type) string parameter otp")
	}
	if hc.Password == "" {
		return nil, errs.E(errs.InvalidRequest, "Missing (or invalid type) string parameter password")
	}
	deny := func(reason string, err error) error {
		l.record(ctx, audit.Event{Type: "certificate." + string(hc.Action), Holder: p.HolderID, Credential: c.ID, Client: p.ClientID,
			Outcome: "denied", Detail: map[string]string{"actor": ActorHolder, "reason": reason}})
		return err
	}
	if err := l.sam.VerifyHolderOTP(ctx, p.HolderID, manageOTPKey(p.HolderID, c.ID, hc.Action), hc.OTP); err != nil {
		return nil, deny("otp", err)
	}
	if _, err := l.sam.AuthenticatePassword(ctx, p.HolderID, hc.Password); err != nil {
		return nil, deny("password", err)
	}
	return l.Apply(ctx, actor, ch)
}
