package credential

import (
	"fmt"
	"strings"
	"time"
)

// What an account code is for, as the message names it.
var purposeWords = map[string]map[string]string{
	"en": {
		purposePassword: "change your password", purposePIN: "change your signing PIN",
		purposeCertEmail: "change your certificate's e-mail address", purposeRecoveryEmail: "confirm this recovery e-mail address",
		purposeRecoveryPhone: "change your recovery mobile number", purposePhoneOld: "change your OTP mobile number",
		purposePhoneNew: "confirm this number as your OTP mobile number", purposeTest: "test your one-time codes",
	},
	"it": {
		purposePassword: "cambiare la password", purposePIN: "cambiare il PIN di firma",
		purposeCertEmail: "cambiare l'indirizzo e-mail del certificato", purposeRecoveryEmail: "confermare questo indirizzo e-mail di recupero",
		purposeRecoveryPhone: "cambiare il cellulare di recupero", purposePhoneOld: "cambiare il numero di cellulare per gli OTP",
		purposePhoneNew: "confermare questo numero come cellulare per gli OTP", purposeTest: "provare i codici OTP",
	},
}

func langOf(lang string) string {
	if lang == "it" {
		return "it"
	}
	return "en"
}

func accountCodeText(lang, purpose, code string, ttl time.Duration) string {
	l := langOf(lang)
	what := purposeWords[l][purpose]
	if l == "it" {
		return fmt.Sprintf("qes: il codice per %s è %s. Scade tra %d minuti. Se non l'hai chiesto tu, ignoralo e cambia la password.", what, code, int(ttl.Minutes()))
	}
	return fmt.Sprintf("qes: your code to %s is %s. It expires in %d minutes. If you did not ask for it, ignore it and change your password.", what, code, int(ttl.Minutes()))
}

func phoneChangedText(lang, newPhone string, at time.Time) string {
	masked := MaskPhone(newPhone)
	if langOf(lang) == "it" {
		return fmt.Sprintf("qes: il %s il numero per i codici OTP è stato cambiato in %s. Se non sei stato tu, contattaci subito.", at.UTC().Format("02/01/2006 15:04 UTC"), masked)
	}
	return fmt.Sprintf("qes: on %s your OTP mobile number was changed to %s. If this was not you, contact us at once.", at.UTC().Format("2006-01-02 15:04 UTC"), masked)
}

func passwordChangedText(lang string, at time.Time) string {
	if langOf(lang) == "it" {
		return fmt.Sprintf("qes: la password del tuo account è stata cambiata il %s e tutte le sessioni sono state chiuse. Se non sei stato tu, contattaci subito.", at.UTC().Format("02/01/2006 15:04 UTC"))
	}
	return fmt.Sprintf("qes: your account password was changed on %s and every session was ended. If this was not you, contact us at once.", at.UTC().Format("2006-01-02 15:04 UTC"))
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
