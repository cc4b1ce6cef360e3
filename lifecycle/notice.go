package lifecycle

import (
	"context"
	"math/big"
	"time"

	"github.com/qesproject/qes/ca"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/otp"
)

// noticeKind names a message to the holder about their certificate.
type noticeKind string

const (
	noticeSuspended   noticeKind = "certificate.suspended"
	noticeReactivated noticeKind = "certificate.reactivated"
	noticeRevoked     noticeKind = "certificate.revoked"
	noticeHoldLapsed  noticeKind = "certificate.hold-lapsed"
	noticeRenewed     noticeKind = "certificate.renewed"
	noticeExpired     noticeKind = "certificate.expired"
)

// notice is what a message says.
type notice struct {
	CredentialID string
	Serial       *big.Int
	NewSerial    *big.Int
	Reason       ca.RevocationReason
	At           time.Time
	Deadline     time.Time // end of a hold
	Actor        string
}

// tell e-mails the holder (in their language) about a change. The change
// is committed already, so a failure to deliver is logged, not returned.
func (l *Service) tell(ctx context.Context, holderID string, kind noticeKind, n notice) {
	if l.notify == nil {
		return
	}
	h, err := l.store.Holder(ctx, holderID)
	if err != nil {
		l.log.WarnContext(ctx, "notify holder: load holder", "holder", holderID, "err", err)
		return
	}
	if n.At.IsZero() {
		n.At = l.now()
	}
	text := noticeText(h.Lang, kind, n)
	if err := l.notify.Send(ctx, otp.Message{Time: l.now().UTC(), Channel: "email", To: h.Email, Purpose: string(kind), Text: text}); err != nil {
		l.log.WarnContext(ctx, "notify holder", "holder", holderID, "notice", kind, "err", err)
	}
}

// noticeText renders a notice in Italian for Lang "it" and in English
// otherwise. It names the credential and serial so that a holder with
// several credentials knows which one, and says what to do if the holder
// did not ask for the change.
func noticeText(lang string, kind noticeKind, n notice) string {
	args := []any{n.CredentialID, serialHex(n.Serial), fmtTime(n.At)}
	switch kind {
	case noticeSuspended:
		args = append(args, fmtTime(n.Deadline))
	case noticeRevoked:
		args = append(args, n.Reason)
	case noticeRenewed:
		args = append(args, serialHex(n.NewSerial))
	}
	foot := msg.ID("mail.certificate.foot-check")
	if kind == noticeExpired || kind == noticeHoldLapsed {
		foot = "mail.certificate.foot-new"
	}
	return "qes: " + msg.Text(lang, msg.ID("mail."+string(kind)), args...) + " " + msg.Text(lang, foot)
}
