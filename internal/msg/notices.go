package msg

// Texts qes sends to holders by SMS (sms.) and e-mail (mail.). Times and
// dates arrive formatted, since each text chooses how to write them.
var noticeMessages = map[ID][2]string{
	"sms.account-code": {"qes: your code to %s is %s. It expires in %d minutes. If you did not ask for it, ignore it and change your password.",
		"qes: il codice per %s è %s. Scade tra %d minuti. Se non l'hai chiesto tu, ignoralo e cambia la password."},
	"sms.purpose.password":       {"change your password", "cambiare la password"},
	"sms.purpose.pin":            {"change your signing PIN", "cambiare il PIN di firma"},
	"sms.purpose.cert-email":     {"change your certificate's e-mail address", "cambiare l'indirizzo e-mail del certificato"},
	"sms.purpose.recovery-email": {"confirm this recovery e-mail address", "confermare questo indirizzo e-mail di recupero"},
	"sms.purpose.recovery-phone": {"change your recovery mobile number", "cambiare il cellulare di recupero"},
	"sms.purpose.otp-phone-old":  {"change your OTP mobile number", "cambiare il numero di cellulare per gli OTP"},
	"sms.purpose.otp-phone-new":  {"confirm this number as your OTP mobile number", "confermare questo numero come cellulare per gli OTP"},
	"sms.purpose.test":           {"test your one-time codes", "provare i codici OTP"},
	"sms.sign-code": {"qes: your signing code is %s. It expires in %d minutes. Never share it.",
		"qes: il codice per firmare è %s. Scade tra %d minuti. Non comunicarlo a nessuno."},
	"sms.manage-code": {"qes: your code to %s your certificate is %s. It expires in %d minutes. If you did not ask for it, do not use it and contact us.",
		"qes: il codice per %s il tuo certificato è %s. Scade tra %d minuti. Se non l'hai chiesto tu, non usarlo e contattaci."},
	"sms.action.suspend":    {"SUSPEND", "SOSPENDERE"},
	"sms.action.reactivate": {"REACTIVATE", "RIATTIVARE"},
	"sms.action.revoke":     {"REVOKE (final)", "REVOCARE (definitivo)"},
	"sms.action.renew":      {"RENEW", "RINNOVARE"},
	"sms.phone-changed": {"qes: on %s your OTP mobile number was changed to %s. If this was not you, contact us at once.",
		"qes: il %s il numero per i codici OTP è stato cambiato in %s. Se non sei stato tu, contattaci subito."},
	"mail.password-changed": {"qes: your account password was changed on %s and every session was ended. If this was not you, contact us at once.",
		"qes: la password del tuo account è stata cambiata il %s e tutte le sessioni sono state chiuse. Se non sei stato tu, contattaci subito."},
	"mail.login-attack": {"qes: many wrong passwords were tried on your account up to %s. Further attempts from those addresses are slowed down; you can still log in and sign as usual. If you mistyped it yourself, ignore this message; otherwise keep your password secret and consider changing it.",
		"qes: fino al %s sono state provate molte password sbagliate sul tuo account. I tentativi da quegli indirizzi vengono rallentati; puoi comunque accedere e firmare come sempre. Se hai sbagliato tu, ignora questo messaggio; altrimenti non comunicare a nessuno la password e valuta di cambiarla."},
	"mail.daily.head": {"qes: your signing summary for %s (UTC).\nSignatures made: %d.",
		"qes: riepilogo delle firme del %s (UTC).\nFirme apposte: %d."},
	"mail.daily.row": {"- credential %s, application %s: %d signatures", "- credenziale %s, applicazione %s: %d firme"},
	"mail.daily.foot": {"You can switch this summary off in the portal, on the Report page.",
		"Puoi disattivare questo riepilogo nel portale, alla pagina Report."},

	// certificate notices: %[1]s credential, %[2]s serial, %[3]s time, then the notice's own values
	"mail.certificate.suspended": {"Your qualified certificate (credential %[1]s, serial %[2]s) was suspended on %[3]s. It cannot sign until it is reactivated; unless reactivated by %[4]s it will be revoked for good.",
		"Il tuo certificato qualificato (credenziale %[1]s, seriale %[2]s) è stato sospeso il %[3]s. Non può firmare finché non viene riattivato; se non viene riattivato entro il %[4]s sarà revocato definitivamente."},
	"mail.certificate.reactivated": {"Your qualified certificate (credential %[1]s, serial %[2]s) was reactivated on %[3]s and can sign again.",
		"Il tuo certificato qualificato (credenziale %[1]s, seriale %[2]s) è stato riattivato il %[3]s e può di nuovo firmare."},
	"mail.certificate.revoked": {"Your qualified certificate (credential %[1]s, serial %[2]s) was revoked on %[3]s (reason: %[4]s). Revocation is final and the signing key was destroyed.",
		"Il tuo certificato qualificato (credenziale %[1]s, seriale %[2]s) è stato revocato il %[3]s (motivo: %[4]s). La revoca è definitiva e la chiave di firma è stata distrutta."},
	"mail.certificate.hold-lapsed": {"Your qualified certificate (credential %[1]s, serial %[2]s) stayed suspended beyond the maximum period and was revoked for good on %[3]s. The signing key was destroyed.",
		"Il tuo certificato qualificato (credenziale %[1]s, seriale %[2]s) è rimasto sospeso oltre il periodo massimo ed è stato revocato definitivamente il %[3]s. La chiave di firma è stata distrutta."},
	"mail.certificate.renewed": {"Your qualified certificate (credential %[1]s) was renewed on %[3]s: new serial %[4]s, with a new key. The previous certificate (serial %[2]s) was revoked as superseded. Your PIN and credential stay the same.",
		"Il tuo certificato qualificato (credenziale %[1]s) è stato rinnovato il %[3]s: nuovo seriale %[4]s, con una nuova chiave. Il certificato precedente (seriale %[2]s) è stato revocato come sostituito. PIN e credenziale restano gli stessi."},
	"mail.certificate.expired": {"Your qualified certificate (credential %[1]s, serial %[2]s) expired on %[3]s and can no longer sign.",
		"Il tuo certificato qualificato (credenziale %[1]s, seriale %[2]s) è scaduto il %[3]s e non può più firmare."},
	"mail.certificate.foot-new":   {"To sign again you need a new certificate.", "Per firmare serve un nuovo certificato."},
	"mail.certificate.foot-check": {"If you did not ask for this, contact the service at once.", "Se non hai richiesto tu questa operazione, contatta subito il servizio."},
}

func init() {
	for id, texts := range noticeMessages {
		if _, dup := catalogue[id]; dup {
			panic("msg: " + string(id) + " is defined twice")
		}
		catalogue[id] = texts
	}
}
