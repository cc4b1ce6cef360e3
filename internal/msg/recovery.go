package msg

// Account recovery from the login page: "Forgot your password?" (a code to
// the recovery e-mail or mobile, then a new password) and "Forgot your
// user ID?" (the user IDs e-mailed to the recovery address). Kept apart from
// the other texts so that the recovery pages add a file rather than edit one.
const (
	RecoveryThrottled ID = "err.recovery-throttled"
	RecoveryChannel   ID = "err.recovery-channel"
	EnterUserID       ID = "err.enter-userid"
	EnterEmail        ID = "err.enter-email"
)

var recoveryMessages = map[ID][2]string{
	RecoveryThrottled: {"Too many recovery requests from your address or for this account: try again in %d min",
		"Troppe richieste di recupero dal tuo indirizzo o per questo account: riprova tra %d min"},
	RecoveryChannel: {"Choose where to receive the code: the recovery e-mail or the recovery mobile",
		"Scegli dove ricevere il codice: l'e-mail di recupero o il cellulare di recupero"},
	EnterUserID: {"Enter your user ID", "Inserisci il tuo nome utente"},
	EnterEmail:  {"Enter your recovery e-mail address", "Inserisci il tuo indirizzo e-mail di recupero"},

	// SMS and e-mail texts
	"sms.password-reset-code": {"qes: your code to reset your password is %s. It expires in %d minutes. If you did not ask for it, ignore this message: your password stays as it is.",
		"qes: il codice per reimpostare la password è %s. Scade tra %d minuti. Se non l'hai chiesto tu, ignora questo messaggio: la password resta quella di prima."},
	"mail.userid-reminder": {"qes: the user ID registered with this recovery e-mail address is: %s. If you did not ask for it, ignore this message; nobody can log in with the user ID alone.",
		"qes: il nome utente registrato con questo indirizzo e-mail di recupero è: %s. Se non l'hai chiesto tu, ignora questo messaggio; con il solo nome utente nessuno può accedere."},
	"mail.userid-reminder-many": {"qes: the user IDs registered with this recovery e-mail address are: %s. If you did not ask for them, ignore this message; nobody can log in with a user ID alone.",
		"qes: i nomi utente registrati con questo indirizzo e-mail di recupero sono: %s. Se non li hai chiesti tu, ignora questo messaggio; con il solo nome utente nessuno può accedere."},

	// pages
	"title.recover_password": {"Forgot your password?", "Password dimenticata?"},
	"title.recover_userid":   {"Forgot your user ID?", "Nome utente dimenticato?"},
	"login.forgot.password":  {"Forgot your password?", "Password dimenticata?"},
	"login.forgot.userid":    {"Forgot your user ID?", "Nome utente dimenticato?"},
	"msg.password.reset":     {"Your password has been reset and every session and access token has ended. Log in with the new password.", "La password è stata reimpostata e tutte le sessioni e i token di accesso sono stati chiusi. Accedi con la nuova password."},
	"recover.intro": {"Enter your user ID and choose where to receive a one-time code: the recovery e-mail or the recovery mobile number you set in My Account. With the code you choose a new password.",
		"Inserisci il tuo nome utente e scegli dove ricevere un codice OTP: l'e-mail di recupero o il cellulare di recupero impostati in Il mio account. Con il codice scegli una nuova password."},
	"recover.user":          {"User ID", "Nome utente"},
	"recover.channel":       {"Send the code to", "Invia il codice a"},
	"recover.channel.email": {"my recovery e-mail address", "il mio indirizzo e-mail di recupero"},
	"recover.channel.sms":   {"my recovery mobile number", "il mio cellulare di recupero"},
	"recover.send":          {"Send the code", "Invia il codice"},
	"recover.sent": {"If the user ID exists and has that recovery contact, we have sent it a one-time code. It is valid for %d minutes and can be used once.",
		"Se il nome utente esiste e ha quel contatto di recupero, gli abbiamo inviato un codice OTP. Vale %d minuti e si può usare una volta sola."},
	"recover.code":      {"One-time code (6 digits)", "Codice OTP (6 cifre)"},
	"recover.submit":    {"Set the new password", "Imposta la nuova password"},
	"recover.again":     {"Did not receive a code? Ask for a new one", "Non hai ricevuto il codice? Chiedine uno nuovo"},
	"recover.sessions":  {"After the reset every session and every access token of the account ends, on every device.", "Dopo la reimpostazione tutte le sessioni e tutti i token di accesso dell'account si chiudono, su ogni dispositivo."},
	"recover.nocontact": {"No recovery contact set, or no access to it any more? Contact the service's support: we will identify you again.", "Non hai impostato un contatto di recupero o non vi hai più accesso? Contatta l'assistenza del servizio: ti identificheremo di nuovo."},
	"recover.userid.intro": {"Enter the recovery e-mail address you set in My Account: we send the user IDs registered with it to that address.",
		"Inserisci l'indirizzo e-mail di recupero impostato in Il mio account: ti inviamo a quell'indirizzo i nomi utente registrati con esso."},
	"recover.userid.email": {"Recovery e-mail address", "Indirizzo e-mail di recupero"},
	"recover.userid.send":  {"Send me my user ID", "Inviami il nome utente"},
	"recover.userid.sent": {"If any account has this recovery e-mail address, we have sent its user ID there.",
		"Se un account ha questo indirizzo e-mail di recupero, ti abbiamo inviato lì il suo nome utente."},
	"recover.tologin": {"Back to the login page", "Torna alla pagina di accesso"},
}
