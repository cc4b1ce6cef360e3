package msg

// The messages of the certificate request and issuance (enrolment 3/3):
// the request's refusals, the names of the states it adds, and the two
// e-mails issuance sends.
const (
	RequestState        ID = "err.request-state"
	RequestFlag         ID = "err.request-flag"
	RequestContractHash ID = "err.request-contract-hash"
	RequestPassphrase   ID = "err.request-passphrase"
	ContractLang        ID = "err.contract-lang"
	ContractUnavailable ID = "err.contract-unavailable"
	IssuanceState       ID = "err.issuance-state"
	IssuanceHolder      ID = "err.issuance-holder"
	IssuanceMail        ID = "err.issuance-mail"

	MailIssuedContract        ID = "mail.issued-contract"
	MailIssuedContractSubject ID = "mail.issued-contract-subject"
	MailIssuedEnvelope        ID = "mail.issued-envelope"
	MailIssuedEnvelopeSubject ID = "mail.issued-envelope-subject"
)

var issuanceMessages = map[ID][2]string{
	RequestState: {"The order is %s: the certificate cannot be requested now", "L'ordine è %s: il certificato non può essere richiesto ora"},
	RequestFlag: {"%s must be true: the contract has to be accepted and its clauses specifically approved",
		"%s deve essere true: il contratto va accettato e le sue clausole approvate specificamente"},
	RequestContractHash: {"The contract accepted is not the current one: download it again, read it and accept it",
		"Il contratto accettato non è quello in vigore: scaricalo di nuovo, leggilo e accettalo"},
	RequestPassphrase: {"The passphrase protecting the envelope needs at least %d characters",
		"La passphrase che protegge la busta deve avere almeno %d caratteri"},
	ContractLang:        {"The contract is available in it and en", "Il contratto è disponibile in it e en"},
	ContractUnavailable: {"The contract is not available at the moment", "Il contratto non è disponibile al momento"},
	IssuanceState:       {"The order is %s: no certificate can be issued for it", "L'ordine è %s: non può essere emesso un certificato"},
	IssuanceHolder:      {"The user ID %s belongs to another holder", "Lo UserID %s appartiene a un altro titolare"},
	IssuanceMail:        {"The certificate was issued; its e-mails could not be sent yet and will be retried", "Il certificato è stato emesso; le sue e-mail non sono ancora state inviate e verranno ritentate"},

	"err.shop-state-requested": {"requested, awaiting review", "richiesto, in attesa di verifica"},
	"err.shop-state-issued":    {"issued, awaiting activation", "emesso, in attesa di attivazione"},
	"err.shop-state-active":    {"active", "attivo"},
	"err.shop-state-expired":   {"expired (not activated in time)", "scaduto (non attivato in tempo)"},
	"shop.state.requested":     {"certificate requested: awaiting the officer's review", "certificato richiesto: in attesa della verifica dell'operatore"},
	"shop.state.issued":        {"certificate issued: activate it in My Sign", "certificato emesso: attivalo in My Sign"},
	"shop.state.active":        {"certificate active", "certificato attivo"},
	"shop.state.expired":       {"expired: the certificate was not activated in time", "scaduto: il certificato non è stato attivato in tempo"},

	MailIssuedContractSubject: {"qes: your qualified certificate has been issued", "qes: il tuo certificato qualificato è stato emesso"},
	MailIssuedContract: {"qes: the qualified certificate for UserID %s (order %s) has been issued. Attached is the contract you accepted (version %s). The PIN, PUK and emergency code arrive in a separate e-mail, in an envelope you open with your passphrase. Activate the certificate in My Sign by %s: first access with the UserID, the PUK and a new password.",
		"qes: il certificato qualificato per lo UserID %s (ordine %s) è stato emesso. In allegato il contratto che hai accettato (versione %s). PIN, PUK e codice di emergenza arrivano in un'altra e-mail, in una busta che apri con la tua passphrase. Attiva il certificato in My Sign entro il %s: primo accesso con lo UserID, il PUK e una nuova password."},
	MailIssuedEnvelopeSubject: {"qes: your PIN/PUK envelope", "qes: la tua busta PIN/PUK"},
	MailIssuedEnvelope: {"qes: attached is the envelope %s with the PIN, PUK and emergency code of UserID %s. Open it with the passphrase you chose when you requested the certificate; we do not know it and cannot send it again. Keep the codes apart from each other.",
		"qes: in allegato la busta %s con PIN, PUK e codice di emergenza dello UserID %s. Aprila con la passphrase scelta alla richiesta del certificato: non la conosciamo e non possiamo inviarla di nuovo. Conserva i codici separatamente."},
}

func init() {
	if err := mergeInto(catalogue, issuanceMessages); err != nil {
		panic(err)
	}
}
