package msg

// The messages of the registration officers and their review console
// (packages officer and console): domain errors (err.) and page texts
// (console.). Registered by their own init, so that this file is the only
// one the console adds to the catalogue.
const (
	ReviewStale                ID = "err.review-stale"
	OfficerLoginFailed         ID = "err.officer-login-failed"
	OfficerThrottled           ID = "err.officer-throttled"
	OfficerUserInvalid         ID = "err.officer-user-invalid"
	OfficerNameRequired        ID = "err.officer-name-required"
	OfficerTaxCodeInvalid      ID = "err.officer-taxcode-invalid"
	OfficerEmailInvalid        ID = "err.officer-email-invalid"
	OfficerTrainingInvalid     ID = "err.officer-training-invalid"
	OfficerPasswordWeak        ID = "err.officer-password-weak"
	OfficerNotFound            ID = "err.officer-not-found"
	OfficerOwnEnrolment        ID = "err.officer-own-enrolment"
	OfficerTrainingStale       ID = "err.officer-training-stale"
	OfficerReasonRequired      ID = "err.officer-reason-required"
	OfficerDecisionInvalid     ID = "err.officer-decision-invalid"
	OfficerNotInReview         ID = "err.officer-not-in-review"
	OfficerNoIdentification    ID = "err.officer-no-identification"
	OfficerReviewUnknown       ID = "err.officer-review-unknown"
	OfficerReviewDecided       ID = "err.officer-review-decided"
	OfficerChecklistAnswer     ID = "err.officer-checklist-answer"
	OfficerChecklistIncomplete ID = "err.officer-checklist-incomplete"
	OfficerReasonTooLong       ID = "err.officer-reason-too-long"
	OfficerEvidenceMissing     ID = "err.officer-evidence-missing"
	OfficerProofingExpired     ID = "console.reason.proofing-expired"
)

var consoleMessages = map[ID][2]string{
	ReviewStale:                {"This order was identified again since the review was opened: open it again", "Questo ordine è stato identificato di nuovo dopo l'apertura della revisione: aprila di nuovo"},
	OfficerLoginFailed:         {"Wrong user name, password or authenticator code", "Nome utente, password o codice dell'app di autenticazione errati"},
	OfficerThrottled:           {"Too many failed logins: wait a few minutes and try again", "Troppi accessi non riusciti: attendi qualche minuto e riprova"},
	OfficerUserInvalid:         {"A user name is 3 to 32 lower-case letters, digits, dots, dashes or underscores", "Un nome utente è composto da 3 a 32 lettere minuscole, cifre, punti, trattini o trattini bassi"},
	OfficerNameRequired:        {"Enter the officer's full name", "Inserisci il nome completo dell'operatore"},
	OfficerTaxCodeInvalid:      {"The tax code is not valid", "Il codice fiscale non è valido"},
	OfficerEmailInvalid:        {"Enter a valid e-mail address", "Inserisci un indirizzo e-mail valido"},
	OfficerTrainingInvalid:     {"The training date must be a day (YYYY-MM-DD) not in the future", "La data di formazione deve essere un giorno (AAAA-MM-GG) non futuro"},
	OfficerNotFound:            {"There is no officer %s", "Non esiste l'operatore %s"},
	OfficerOwnEnrolment:        {"You cannot review your own enrolment", "Non puoi revisionare la tua stessa registrazione"},
	OfficerTrainingStale:       {"Your training is more than 12 months old: you can look at enrolments but not decide", "La tua formazione risale a più di 12 mesi fa: puoi consultare le registrazioni ma non decidere"},
	OfficerReasonRequired:      {"Give a reason for rejecting or asking for a new identification", "Indica il motivo del rifiuto o della richiesta di una nuova identificazione"},
	OfficerDecisionInvalid:     {"Choose approve, reject or new identification", "Scegli approva, rifiuta o nuova identificazione"},
	OfficerNotInReview:         {"This enrolment is not waiting for a review", "Questa registrazione non è in attesa di revisione"},
	OfficerNoIdentification:    {"This enrolment has no completed identification", "Questa registrazione non ha un'identificazione completata"},
	OfficerReviewUnknown:       {"Open the enrolment before deciding", "Apri la registrazione prima di decidere"},
	OfficerReviewDecided:       {"This review is already decided", "Questa revisione è già decisa"},
	OfficerChecklistAnswer:     {"The checklist names a feature it does not have", "La lista di controllo non prevede questa caratteristica"},
	OfficerChecklistIncomplete: {"Tick every feature of the checklist you compared before approving", "Spunta ogni caratteristica della lista di controllo che hai confrontato prima di approvare"},
	OfficerReasonTooLong:       {"The reason is longer than 500 characters", "Il motivo supera i 500 caratteri"},
	OfficerEvidenceMissing:     {"This evidence is not available", "Questa evidenza non è disponibile"},
	OfficerProofingExpired:     {"the identity proofing is older than %d days: a new identification is needed", "l'identificazione è più vecchia di %d giorni: serve una nuova identificazione"},
}

// consolePages are the console's page texts.
var consolePages = map[ID][2]string{
	"console.brand":           {"Registration console", "Console di registrazione"},
	"console.officer":         {"Officer", "Operatore"},
	"console.footer":          {"registration officers only; every action is audited", "riservato agli operatori di registrazione; ogni azione è registrata"},
	"console.title.login":     {"Registration officer login", "Accesso operatore di registrazione"},
	"console.title.queue":     {"Enrolments awaiting review", "Registrazioni in attesa di revisione"},
	"console.title.enrolment": {"Review of an enrolment", "Revisione di una registrazione"},
	"console.title.message":   {"Registration console", "Console di registrazione"},
	"console.title.notfound":  {"Page not found", "Pagina non trovata"},
	"console.title.error":     {"Error", "Errore"},
	"console.title.csrf":      {"Form expired", "Modulo scaduto"},
	"console.notfound":        {"There is no such page in the console.", "Questa pagina non esiste nella console."},
	"console.expired":         {"Your session has ended: log in again.", "La sessione è terminata: accedi di nuovo."},
	"console.csrf":            {"The form has expired: open the page again and repeat.", "Il modulo è scaduto: riapri la pagina e ripeti."},
	"console.evidence.off":    {"The evidence store is not configured on this server.", "L'archivio delle evidenze non è configurato su questo server."},

	"console.login.user":      {"User name", "Nome utente"},
	"console.login.password":  {"Password", "Parola d'ordine"},
	"console.login.code":      {"Authenticator code", "Codice dell'app di autenticazione"},
	"console.login.code.hint": {"The 6-digit code your authenticator app shows now.", "Il codice di 6 cifre mostrato ora dall'app di autenticazione."},
	"console.login.submit":    {"Log in", "Accedi"},
	"console.login.out":       {"You have logged out.", "Sei uscito."},

	"console.span.dh": {"%d d %d h", "%d g %d h"},
	"console.span.hm": {"%d h %d min", "%d ore %d min"},
	"console.span.ms": {"%d min %d s", "%d min %d sec"},
	"console.decided": {"Order %s: %s.", "Ordine %s: %s."},

	"console.queue.caption":    {"Oldest first: the longest waiting is reviewed first.", "Prima le più vecchie: si rivede prima chi attende da più tempo."},
	"console.queue.order":      {"Order", "Ordine"},
	"console.queue.identified": {"Identified at", "Identificato il"},
	"console.queue.waiting":    {"Waiting", "In attesa da"},
	"console.queue.empty":      {"No enrolment is waiting for a review.", "Nessuna registrazione è in attesa di revisione."},

	"console.enrol.identified":       {"Identification completed", "Identificazione completata"},
	"console.enrol.document":         {"Document", "Documento"},
	"console.enrol.level":            {"Level of identity proofing", "Livello di verifica dell'identità"},
	"console.enrol.opened":           {"Review opened", "Revisione aperta"},
	"console.enrol.spent":            {"Time spent on this review", "Tempo dedicato a questa revisione"},
	"console.enrol.proofing.expired": {"The identification is older than the proofing validity: approving it records a request for a new identification instead.", "L'identificazione è più vecchia della validità prevista: approvarla registra invece la richiesta di una nuova identificazione."},
	"console.enrol.faces":            {"Face", "Volto"},
	"console.enrol.portrait":         {"Portrait from the chip (DG2)", "Ritratto dal chip (DG2)"},
	"console.enrol.portrait.none":    {"The portrait is not available.", "Il ritratto non è disponibile."},
	"console.enrol.full":             {"open at full resolution", "apri a piena risoluzione"},
	"console.enrol.video":            {"Selfie video", "Video selfie"},
	"console.enrol.video.none":       {"There is no video.", "Non c'è alcun video."},
	"console.enrol.photo.front":      {"Document, front", "Documento, fronte"},
	"console.enrol.photo.back":       {"Document, back", "Documento, retro"},
	"console.enrol.photos.none":      {"There are no photos of the document.", "Non ci sono foto del documento."},
	"console.enrol.challenge":        {"Liveness challenge", "Prova di vitalità"},
	"console.enrol.digits":           {"digits to say:", "cifre da pronunciare:"},
	"console.enrol.binding":          {"Binding to the applicant", "Collegamento al richiedente"},
	"console.enrol.facematch":        {"Automated face match", "Confronto automatico del volto"},
	"console.enrol.facematch.none":   {"automated face match: not performed", "confronto automatico del volto: non eseguito"},
	"console.enrol.pad":              {"Presentation-attack detection", "Rilevamento degli attacchi di presentazione"},
	"console.enrol.pad.none":         {"presentation-attack detection: not performed", "rilevamento degli attacchi di presentazione: non eseguito"},
	"console.enrol.checks":           {"Chip checks", "Controlli del chip"},
	"console.enrol.dsc":              {"Document Signer (DSC)", "Firmatario del documento (DSC)"},
	"console.enrol.csca":             {"Country Signing CA (CSCA)", "CA nazionale di firma (CSCA)"},
	"console.enrol.attempts":         {"Chip readings submitted", "Letture del chip inviate"},
	"console.enrol.data":             {"Document data (chip)", "Dati del documento (chip)"},
	"console.enrol.chip.none":        {"No chip reading passed.", "Nessuna lettura del chip è riuscita."},
	"console.enrol.details":          {"Details form", "Modulo dei dati"},
	"console.enrol.mobile":           {"Mobile number", "Numero di cellulare"},
	"console.enrol.email":            {"Customer's e-mail", "E-mail del cliente"},
	"console.enrol.address":          {"Address confirmed by the applicant", "Indirizzo confermato dal richiedente"},
	"console.enrol.decision":         {"Decision", "Decisione"},
	"console.enrol.checklist":        {"Morphological features compared", "Caratteristiche morfologiche confrontate"},
	"console.enrol.checklist.hint":   {"Tick each feature that is consistent between the portrait and the video. Approval needs every one.", "Spunta ogni caratteristica coerente tra il ritratto e il video. L'approvazione le richiede tutte."},
	"console.enrol.reason":           {"Reason", "Motivo"},
	"console.enrol.reason.hint":      {"Required to reject or to ask for a new identification.", "Obbligatorio per rifiutare o per chiedere una nuova identificazione."},

	"console.action.approve": {"Approve", "Approva"},
	"console.action.retry":   {"Ask for a new identification", "Chiedi una nuova identificazione"},
	"console.action.reject":  {"Reject", "Rifiuta"},

	"console.feature.face_shape": {"Face shape", "Forma del viso"},
	"console.feature.eyes":       {"Eyes", "Occhi"},
	"console.feature.nose":       {"Nose", "Naso"},
	"console.feature.mouth":      {"Mouth", "Bocca"},
	"console.feature.ears":       {"Ears", "Orecchie"},
	"console.feature.hairline":   {"Hairline", "Attaccatura dei capelli"},
	"console.feature.marks":      {"Scars and marks", "Cicatrici e segni particolari"},
	"console.feature.age":        {"Age consistent with the date of birth", "Età coerente con la data di nascita"},

	"console.live.turn_left":  {"turn left", "girati a sinistra"},
	"console.live.turn_right": {"turn right", "girati a destra"},
	"console.live.blink":      {"blink", "sbatti le palpebre"},
	"console.live.smile":      {"smile", "sorridi"},
	"console.live.nod":        {"nod", "annuisci"},
	"console.live.look_up":    {"look up", "guarda in alto"},
	"console.live.look_down":  {"look down", "guarda in basso"},
	"console.live.open_mouth": {"open your mouth", "apri la bocca"},

	"console.field.documentNumber":        {"Document number", "Numero del documento"},
	"console.field.documentType":          {"Document type", "Tipo di documento"},
	"console.field.issuingState":          {"Issuing state", "Stato di rilascio"},
	"console.field.surname":               {"Surname", "Cognome"},
	"console.field.givenNames":            {"Given names", "Nomi"},
	"console.field.dateOfBirth":           {"Date of birth", "Data di nascita"},
	"console.field.placeOfBirth":          {"Place of birth", "Luogo di nascita"},
	"console.field.dateOfExpiry":          {"Date of expiry", "Data di scadenza"},
	"console.field.nationality":           {"Nationality", "Cittadinanza"},
	"console.field.sex":                   {"Sex", "Sesso"},
	"console.field.taxCode":               {"Tax code", "Codice fiscale"},
	"console.field.personalNumber":        {"Personal number", "Numero personale"},
	"console.field.passiveAuthentication": {"Passive authentication", "Autenticazione passiva"},
	"console.field.activeAuthentication":  {"Active authentication", "Autenticazione attiva"},
	"console.field.chipAuthentication":    {"Chip authentication", "Autenticazione del chip"},
	"console.field.mrz":                   {"MRZ consistency", "Coerenza della MRZ"},
	"console.field.documentValidity":      {"Document validity", "Validità del documento"},
	"console.field.taxCodeConsistency":    {"Tax code consistency", "Coerenza del codice fiscale"},
}

func init() {
	if err := mergeInto(catalogue, consoleMessages, consolePages); err != nil {
		panic(err)
	}
}
