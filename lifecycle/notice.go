package lifecycle

import (
	"context"
	"fmt"
	"math/big"
	"time"

	"github.com/qesproject/qes/ca"
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
	serial, at := serialHex(n.Serial), fmtTime(n.At)
	if lang == "it" {
		var body string
		switch kind {
		case noticeSuspended:
			body = fmt.Sprintf("Il tuo certificato qualificato (credenziale %s, seriale %s) è stato sospeso il %s. Non può firmare finché non viene riattivato; se non viene riattivato entro il %s sarà revocato definitivamente.", n.CredentialID, serial, at, fmtTime(n.Deadline))
		case noticeReactivated:
			body = fmt.Sprintf("Il tuo certificato qualificato (credenziale %s, seriale %s) è stato riattivato il %s e può di nuovo firmare.", n.CredentialID, serial, at)
		case noticeRevoked:
			body = fmt.Sprintf("Il tuo certificato qualificato (credenziale %s, seriale %s) è stato revocato il %s (motivo: %s). La revoca è definitiva e la chiave di firma è stata distrutta.", n.CredentialID, serial, at, n.Reason)
		case noticeHoldLapsed:
			body = fmt.Sprintf("Il tuo certificato qualificato (credenziale %s, seriale %s) è rimasto sospeso oltre il periodo massimo ed è stato revocato definitivamente il %s. La chiave di firma è stata distrutta.", n.CredentialID, serial, at)
		case noticeRenewed:
			body = fmt.Sprintf("Il tuo certificato qualificato (credenziale %s) è stato rinnovato il %s: nuovo seriale %s, con una nuova chiave. Il certificato precedente (seriale %s) è stato revocato come sostituito. PIN e credenziale restano gli stessi.", n.CredentialID, at, serialHex(n.NewSerial), serial)
		case noticeExpired:
			body = fmt.Sprintf("Il tuo certificato qualificato (credenziale %s, seriale %s) è scaduto il %s e non può più firmare.", n.CredentialID, serial, at)
		}
		if kind == noticeExpired || kind == noticeHoldLapsed {
			return "qes: " + body + " Per firmare serve un nuovo certificato."
		}
		return "qes: " + body + " Se non hai richiesto tu questa operazione, contatta subito il servizio."
	}
	var body string
	switch kind {
	case noticeSuspended:
		body = fmt.Sprintf("Your qualified certificate (credential %s, serial %s) was suspended on %s. It cannot sign until it is reactivated; unless reactivated by %s it will be revoked for good.", n.CredentialID, serial, at, fmtTime(n.Deadline))
	case noticeReactivated:
		body = fmt.Sprintf("Your qualified certificate (credential %s, serial %s) was reactivated on %s and can sign again.", n.CredentialID, serial, at)
	case noticeRevoked:
		body = fmt.Sprintf("Your qualified certificate (credential %s, serial %s) was revoked on %s (reason: %s). Revocation is final and the signing key was destroyed.", n.CredentialID, serial, at, n.Reason)
	case noticeHoldLapsed:
		body = fmt.Sprintf("Your qualified certificate (credential %s, serial %s) stayed suspended beyond the maximum period and was revoked for good on %s. The signing key was destroyed.", n.CredentialID, serial, at)
	case noticeRenewed:
		body = fmt.Sprintf("Your qualified certificate (credential %s) was renewed on %s: new serial %s, with a new key. The previous certificate (serial %s) was revoked as superseded. Your PIN and credential stay the same.", n.CredentialID, at, serialHex(n.NewSerial), serial)
	case noticeExpired:
		body = fmt.Sprintf("Your qualified certificate (credential %s, serial %s) expired on %s and can no longer sign.", n.CredentialID, serial, at)
	}
	if kind == noticeExpired || kind == noticeHoldLapsed {
		return "qes: " + body + " To sign again you need a new certificate."
	}
	return "qes: " + body + " If you did not ask for this, contact the service at once."
}
