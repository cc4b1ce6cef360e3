package account

import (
	"context"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/storage"
)

// SetOTPMode chooses how signing and account codes reach the holder: "sms"
// or "app". The app needs a linked authenticator (StartTOTP, ConfirmTOTP);
// choosing SMS keeps a linked app, whose codes are still accepted.
func (p *Service) SetOTPMode(ctx context.Context, holderID, mode string) error {
	if mode != "sms" && mode != "app" {
		return errs.M(errs.InvalidRequest, msg.ChooseOTPMode)
	}
	err := p.store.UpdateHolder(ctx, holderID, func(h *storage.Holder) error {
		if mode == "app" && len(h.TOTPSealed) == 0 {
			return errs.M(errs.Conflict, msg.LinkAppFirst)
		}
		h.OTPMode = mode
		return nil
	})
	if err == nil {
		p.record(ctx, audit.Event{Type: "holder.otp-mode", Holder: holderID, Outcome: "ok", Detail: map[string]string{"mode": mode}})
	}
	return err
}

// SendTestCode sends a test code by SMS (none in app mode: the app's
// current code is the test).
func (p *Service) SendTestCode(ctx context.Context, holderID string) error {
	return p.sendHolderCode(ctx, holderID, accountOTPKey(holderID, purposeTest), purposeTest)
}

// CheckTestCode says whether a code would be accepted: the SMS test code,
// or the authenticator app's current code.
func (p *Service) CheckTestCode(ctx context.Context, holderID, code string) error {
	return p.verifyCode(ctx, holderID, accountOTPKey(holderID, purposeTest), code, true)
}

// StartOTPPhoneChange sends, to the number currently receiving OTPs, the
// code that authorises moving them to another number.
func (p *Service) StartOTPPhoneChange(ctx context.Context, holderID string) error {
	h, err := p.store.Holder(ctx, holderID)
	if err != nil {
		return err
	}
	return p.sendCode(ctx, h, accountOTPKey(holderID, purposePhoneOld), purposePhoneOld, "sms", h.Phone)
}

// AuthorizeOTPPhoneChange checks the code from the current number and
// sends a confirmation code to the new number.
func (p *Service) AuthorizeOTPPhoneChange(ctx context.Context, holderID, code, newPhone string) error {
	newPhone, err := checkPhone(newPhone)
	if err != nil {
		return err
	}
	h, err := p.store.Holder(ctx, holderID)
	if err != nil {
		return err
	}
	if newPhone == h.Phone {
		return errs.M(errs.InvalidRequest, msg.PhoneUnchanged)
	}
	if err := p.verifyCode(ctx, holderID, accountOTPKey(holderID, purposePhoneOld), code, false); err != nil {
		return err
	}
	return p.sendCode(ctx, h, accountOTPKey(holderID, purposePhoneNew, newPhone), purposePhoneNew, "sms", newPhone)
}

// ConfirmOTPPhoneChange makes newPhone the OTP number once the code sent
// to it comes back (it could only be sent after the current number
// authorised the change). The old number is told.
func (p *Service) ConfirmOTPPhoneChange(ctx context.Context, holderID, newPhone, code string) error {
	newPhone, err := checkPhone(newPhone)
	if err != nil {
		return err
	}
	if err := p.verifyCode(ctx, holderID, accountOTPKey(holderID, purposePhoneNew, newPhone), code, false); err != nil {
		return err
	}
	var old storage.Holder
	if err := p.store.UpdateHolder(ctx, holderID, func(h *storage.Holder) error {
		old = *h
		h.Phone = newPhone
		return nil
	}); err != nil {
		return err
	}
	p.record(ctx, audit.Event{Type: "holder.otp-phone", Holder: holderID, Outcome: "ok"})
	p.notifyHolder(ctx, "sms", old.Phone, "notice-otp-phone-changed", phoneChangedText(old.Lang, newPhone, p.now()))
	return nil
}
