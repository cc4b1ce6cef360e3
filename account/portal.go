package account

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/otp"
	"github.com/qesproject/qes/storage"
)

// Languages the portal speaks; a holder's Lang is one of them.
var Languages = []string{"en", "it"}

// CheckLanguage accepts a supported language code.
func CheckLanguage(lang string) error {
	for _, l := range Languages {
		if lang == l {
			return nil
		}
	}
	return errs.M(errs.InvalidRequest, msg.LanguageUnknown)
}

// Purposes of account one-time codes. Each code is stored under a key made
// of the holder, the purpose and, where the code proves a new address or
// number, that address: a code sent for one purpose or address never
// satisfies another.
const (
	purposePassword      = "password"
	purposePIN           = "pin"
	purposeCertEmail     = "cert-email"
	purposeRecoveryEmail = "recovery-email"
	purposeRecoveryPhone = "recovery-phone"
	purposePhoneOld      = "otp-phone-old"
	purposePhoneNew      = "otp-phone-new"
	purposeTest          = "test"
)

func accountOTPKey(holderID, purpose string, subject ...string) string {
	key := holderID + "/account/" + purpose
	for _, s := range subject {
		sum := sha256.Sum256([]byte(strings.ToLower(s)))
		key += "/" + hex.EncodeToString(sum[:12])
	}
	return key
}

// sendCode sends an account code for purpose over channel ("sms" or
// "email") to to, worded in the holder's language.
func (p *Service) sendCode(ctx context.Context, h *storage.Holder, key, purpose, channel, to string) error {
	detail := map[string]string{"channel": channel, "purpose": "account-" + purpose}
	if err := p.recordOrRefuse(ctx, audit.Event{Type: "otp.send", Holder: h.ID, Detail: detail}); err != nil {
		return err
	}
	err := p.otp.Send(ctx, otp.Request{
		Key: key, Channel: channel, To: to, Purpose: "account-" + purpose,
		Text: func(code string, ttl time.Duration) string { return accountCodeText(h.Lang, purpose, code, ttl) },
	})
	if err != nil {
		p.record(ctx, audit.Event{Type: "otp.send", Holder: h.ID, Outcome: "error", Detail: detail})
	}
	return err
}

// sendHolderCode sends a code for an operation the holder confirms with
// their usual OTP: by SMS to the OTP number, unless the holder's codes come
// from the authenticator app (then no SMS is needed and none is sent).
func (p *Service) sendHolderCode(ctx context.Context, holderID, key, purpose string) error {
	h, err := p.store.Holder(ctx, holderID)
	if err != nil {
		return err
	}
	if h.OTPMode == "app" && len(h.TOTPSealed) > 0 {
		return errs.M(errs.Conflict, msg.OTPFromApp)
	}
	return p.sendCode(ctx, h, key, purpose, "sms", h.Phone)
}

// verifyCode checks an account code. With allowApp the holder's
// authenticator app counts as the OTP (as at signing); without it only the
// code sent under key does, because that code proves a given address or
// number. Wrong codes in a row lock account operations like wrong signing
// OTPs lock a credential, so that an app's 6 digits cannot be guessed
// through a stolen session.
func (p *Service) verifyCode(ctx context.Context, holderID, key, code string, allowApp bool) error {
	s := p
	h, err := s.store.Holder(ctx, holderID)
	if err != nil {
		return err
	}
	now := s.now()
	if now.Before(h.AccountOTPLockedUntil) {
		return errs.M(errs.Locked, msg.AccountCodesLocked)
	}
	if strings.TrimSpace(code) == "" {
		return errs.M(errs.InvalidRequest, msg.EnterTheOTP)
	}
	verr := p.checkCode(ctx, holderID, key, strings.TrimSpace(code), allowApp)
	if verr != nil && !errs.Is(verr, errs.InvalidOTP) {
		return verr
	}
	ok := verr == nil
	err = s.store.UpdateHolder(ctx, holderID, func(h *storage.Holder) error {
		if ok {
			h.AccountOTPFailures = 0
			return nil
		}
		h.AccountOTPFailures++
		if h.AccountOTPFailures >= s.cfg.MaxOTPFailures {
			h.AccountOTPFailures = 0
			h.AccountOTPLockedUntil = now.Add(s.cfg.OTPLockout)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if !ok {
		return errs.M(errs.InvalidOTP, msg.OTPInvalid)
	}
	return nil
}

// checkCode checks one code: the holder's usual OTP (authenticator app or
// SMS, as at signing) when allowApp, else only the code sent under key.
func (p *Service) checkCode(ctx context.Context, holderID, key, code string, allowApp bool) error {
	if allowApp {
		return p.sam.VerifyHolderOTP(ctx, holderID, key, code)
	}
	return p.otp.Verify(ctx, key, code)
}

// notifyHolder sends a notice (not a code) to the holder; the change it
// reports is committed already, so a delivery failure is logged only.
func (p *Service) notifyHolder(ctx context.Context, channel, to, purpose, text string) {
	if p.notify == nil || to == "" {
		return
	}
	if err := p.notify.Send(ctx, otp.Message{Time: p.now().UTC(), Channel: channel, To: to, Purpose: purpose, Text: text}); err != nil {
		p.log.WarnContext(ctx, "portal notice not delivered", "purpose", purpose, "err", err)
	}
}
