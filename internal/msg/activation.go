package msg

// The messages of the holder's first access and the activation of an
// enrolled credential (package activation, portal's /portal/first-access
// and /portal/activate), and of the activation deadline.
const (
	FirstAccessFailed       ID = "err.first-access-failed"
	FirstAccessEnterPUK     ID = "err.first-access-enter-puk"
	FirstAccessExpired      ID = "err.first-access-expired"
	FirstAccessThrottled    ID = "err.first-access-throttled"
	FirstAccessRequired     ID = "err.first-access-required"
	ActivationNotPending    ID = "err.activation-not-pending"
	ActivationNone          ID = "err.activation-none"
	ActivationDeadline      ID = "err.activation-deadline"
	ActivationEnterPIN      ID = "err.activation-enter-pin"
	ActivationContract      ID = "err.activation-contract"
	ActivationContractUnset ID = "err.activation-contract-unset"
	ActivationNotSigned     ID = "err.activation-not-signed"

	SMSFirstAccess       ID = "sms.first-access"
	MailActivated        ID = "mail.activation-done"
	MailActivationExpiry ID = "mail.activation-expired"
)

var activationMessages = map[ID][2]string{
	FirstAccessFailed: {"The user ID or the PUK is wrong, or this account's first access is done or blocked after too many wrong PUKs",
		"Il codice utente o il PUK è errato, oppure il primo accesso di questo account è già fatto o è bloccato dopo troppi PUK errati"},
	FirstAccessEnterPUK:  {"Enter the user ID and the PUK from your envelope", "Inserisci il codice utente e il PUK della tua busta"},
	FirstAccessExpired:   {"This first access has expired: start again", "Questo primo accesso è scaduto: ricomincia"},
	FirstAccessThrottled: {"Too many attempts: wait %d minutes and try again", "Troppi tentativi: attendi %d minuti e riprova"},
	FirstAccessRequired: {"This account has no password yet: set one at first access with the PUK from your envelope",
		"Questo account non ha ancora una password: impostala con il primo accesso, usando il PUK della tua busta"},
	ActivationNotPending:    {"This credential is not awaiting activation", "Questa credenziale non è in attesa di attivazione"},
	ActivationNone:          {"You have no certificate awaiting activation", "Non hai certificati in attesa di attivazione"},
	ActivationDeadline:      {"The activation deadline has passed: the certificate is being revoked", "Il termine per l'attivazione è scaduto: il certificato viene revocato"},
	ActivationEnterPIN:      {"Enter the PIN from your envelope", "Inserisci il PIN della tua busta"},
	ActivationContract:      {"The contract on file differs from the one you accepted: contact support", "Il contratto disponibile è diverso da quello che hai accettato: contatta l'assistenza"},
	ActivationContractUnset: {"The contract templates are not available: try again later", "I modelli di contratto non sono disponibili: riprova più tardi"},
	ActivationNotSigned: {"The contract could not be signed, so your certificate was not activated. Your new PIN is set: enter it in both PIN fields to try again",
		"Non è stato possibile firmare il contratto, quindi il certificato non è stato attivato. Il nuovo PIN è impostato: inseriscilo in entrambi i campi PIN per riprovare"},

	SMSFirstAccess: {"qes: %s is your code to complete your first access. It expires in %d minutes. Never share it.",
		"qes: %s è il codice per completare il primo accesso. Scade tra %d minuti. Non condividerlo con nessuno."},
	MailActivated: {"Your qualified certificate (credential %[1]s, order %[2]s) is active since %[3]s. Attached is the contract you signed with it (%[4]s).",
		"Il tuo certificato qualificato (credenziale %[1]s, ordine %[2]s) è attivo dal %[3]s. In allegato il contratto che hai firmato con esso (%[4]s)."},
	MailActivationExpiry: {"Your qualified certificate of order %[1]s was not activated by %[2]s: it has been revoked and its signing key destroyed. To get a certificate, place a new order.",
		"Il certificato qualificato dell'ordine %[1]s non è stato attivato entro il %[2]s: è stato revocato e la sua chiave di firma distrutta. Per ottenere un certificato, effettua un nuovo ordine."},

	// /portal/first-access and /portal/activate
	"title.firstaccess":          {"First access", "Primo accesso"},
	"title.activate":             {"Activate your signature", "Attiva la tua firma"},
	"first.intro":                {"Set your password with the user ID and the PUK from your envelope. Then confirm with the code we send to your mobile.", "Imposta la password con il codice utente e il PUK della tua busta. Poi conferma con il codice che inviamo al tuo cellulare."},
	"first.user":                 {"User ID", "Codice utente"},
	"first.puk":                  {"PUK (from your envelope)", "PUK (dalla tua busta)"},
	"first.password":             {"New password", "Nuova password"},
	"first.confirm":              {"Repeat the new password", "Ripeti la nuova password"},
	"first.rules":                {"At least 8 characters with upper and lower case, a digit and a special character; no character three times in a row.", "Almeno 8 caratteri con maiuscole e minuscole, una cifra e un carattere speciale; nessun carattere ripetuto tre volte di seguito."},
	"first.next":                 {"Continue", "Continua"},
	"first.code":                 {"Code sent by SMS", "Codice ricevuto via SMS"},
	"first.codesent":             {"We sent a code to %s.", "Abbiamo inviato un codice al numero %s."},
	"first.submit":               {"Set password and log in", "Imposta la password e accedi"},
	"first.link":                 {"First access? Set your password with the PUK", "Primo accesso? Imposta la password con il PUK"},
	"activate.intro":             {"Read the contract. To activate your signature, enter the PIN from your envelope, choose your own PIN and confirm with the code we send by SMS: qes then signs this contract with your new key.", "Leggi il contratto. Per attivare la firma inserisci il PIN della busta, scegli il tuo PIN e conferma con il codice che ti inviamo via SMS: qes firma quindi questo contratto con la tua nuova chiave."},
	"activate.contract":          {"Contract (version %s)", "Contratto (versione %s)"},
	"activate.download":          {"Open the contract (PDF)", "Apri il contratto (PDF)"},
	"activate.deadline":          {"Activate by %s; afterwards the certificate is revoked.", "Attiva entro il %s; dopo il certificato viene revocato."},
	"activate.envelope-pin":      {"PIN from your envelope", "PIN della busta"},
	"activate.new-pin":           {"Your new PIN", "Il tuo nuovo PIN"},
	"activate.confirm-pin":       {"Repeat the new PIN", "Ripeti il nuovo PIN"},
	"activate.submit":            {"Sign the contract and activate", "Firma il contratto e attiva"},
	"activate.pending":           {"Your certificate is waiting for activation.", "Il tuo certificato è in attesa di attivazione."},
	"activate.go":                {"Activate now", "Attiva ora"},
	"msg.activated":              {"Your signature is active: the signed contract was e-mailed to you.", "La tua firma è attiva: il contratto firmato ti è stato inviato per e-mail."},
	"mail.activation-attachment": {"contract-signed.pdf", "contratto-firmato.pdf"},
}

func init() {
	if err := mergeInto(catalogue, activationMessages); err != nil {
		panic(err)
	}
}
