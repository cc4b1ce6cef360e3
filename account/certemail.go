package account

import (
	"context"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/storage"
)

// A qualified certificate is signed: its subjectAltName e-mail cannot
// change while it lives. Changing "the certificate's e-mail address" here
// changes the holder's address on record, which the CA puts in every
// certificate it issues next for the holder (the lifecycle's renewal
// re-issues from the holder's current data). Until then the current
// certificate keeps its address and the portal says so, offering to renew
// now. The new address becomes the contact address for notices at once.

// StartCertificateEmail sends the code that confirms a new certificate
// e-mail address to the holder's OTP number (none in app mode).
func (p *Service) StartCertificateEmail(ctx context.Context, holderID, addr string) error {
	addr, err := checkEmail(addr)
	if err != nil {
		return err
	}
	h, err := p.store.Holder(ctx, holderID)
	if err != nil {
		return err
	}
	if addr == h.Email {
		return errs.M(errs.InvalidRequest, msg.CertEmailUnchanged)
	}
	return p.sendHolderCode(ctx, holderID, accountOTPKey(holderID, purposeCertEmail, addr), purposeCertEmail)
}

// ConfirmCertificateEmail records the new address once the code is right.
func (p *Service) ConfirmCertificateEmail(ctx context.Context, holderID, addr, code string) error {
	return p.confirmEmail(ctx, holderID, addr, code, purposeCertEmail, true, "holder.certificate-email",
		func(h *storage.Holder, addr string) { h.Email = addr })
}
