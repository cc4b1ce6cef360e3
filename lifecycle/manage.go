package lifecycle

import (
	"context"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/authn"
	"github.com/qesproject/qes/ca"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
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
		return errs.M(errs.InvalidToken, msg.TokenInvalid)
	}
	if p.Scope != authn.ScopeService {
		return errs.M(errs.AccessDenied, msg.ManagementNeedsServiceToken)
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
	detail := map[string]string{"channel": "sms", "purpose": "manage-" + string(action)}
	if err := l.recordOrRefuse(ctx, audit.Event{Type: "otp.send", Holder: h.ID, Credential: c.ID, Client: p.ClientID, Detail: detail}); err != nil {
		return err
	}
	err = l.otp.Send(ctx, otp.Request{
		Key: manageOTPKey(h.ID, c.ID, action), Channel: "sms", To: h.Phone, Purpose: "manage-" + string(action),
		Text: func(code string, ttl time.Duration) string { return manageOTPText(h.Lang, action, code, ttl) },
	})
	if err != nil {
		l.record(ctx, audit.Event{Type: "otp.send", Holder: h.ID, Credential: c.ID, Client: p.ClientID, Outcome: "error", Detail: detail})
	}
	return err
}

func manageOTPText(lang string, a Action, code string, ttl time.Duration) string {
	return msg.Text(lang, "sms.manage-code", msg.ID("sms.action."+string(a)), code, int(ttl.Minutes()))
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
			return nil, errs.M(errs.InvalidRequest, msg.ReasonOnlyRevocation)
		}
		r, err := ca.ParseRevocationReason(hc.Reason)
		if err != nil {
			return nil, errs.M(errs.InvalidRequest, msg.ReasonInvalid, errs.DetailOf(err))
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
		return nil, errs.M(errs.InvalidRequest, msg.EnterOTP)
	}
	if hc.Password == "" {
		return nil, errs.M(errs.InvalidRequest, msg.EnterPassword)
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
