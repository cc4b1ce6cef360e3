package account

import (
	"strings"
	"time"

	"github.com/qesproject/qes/internal/msg"
)

func langOf(lang string) string { return msg.Lang(lang) }

func accountCodeText(lang, purpose, code string, ttl time.Duration) string {
	return msg.Text(lang, "sms.account-code", msg.ID("sms.purpose."+purpose), code, int(ttl.Minutes()))
}

// smsTime writes a time as the holder's language does.
func smsTime(lang string, at time.Time) string {
	if langOf(lang) == msg.Italian {
		return at.UTC().Format("02/01/2006 15:04 UTC")
	}
	return at.UTC().Format("2006-01-02 15:04 UTC")
}

func phoneChangedText(lang, newPhone string, at time.Time) string {
	return msg.Text(lang, "sms.phone-changed", smsTime(lang, at), MaskPhone(newPhone))
}

func passwordChangedText(lang string, at time.Time) string {
	return msg.Text(lang, "mail.password-changed", smsTime(lang, at))
}

// MaskPhone shows only the country prefix and the last three digits of a
// number, for pages and messages that confirm where a code went.
func MaskPhone(phone string) string {
	if len(phone) < 7 {
		return "•••"
	}
	return phone[:3] + strings.Repeat("•", len(phone)-6) + phone[len(phone)-3:]
}

// MaskEmail shows the first letter of the local part and the domain.
func MaskEmail(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 1 {
		return "•••"
	}
	return addr[:1] + "•••" + addr[at:]
}

// loginAttackText tells the holder that many wrong passwords were tried
// on the account; it is sent once per throttle window.
func loginAttackText(lang string, at time.Time) string {
	return msg.Text(lang, "mail.login-attack", smsTime(lang, at))
}
