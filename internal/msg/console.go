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

func init() {
	if err := mergeInto(catalogue, consoleMessages); err != nil {
		panic(err)
	}
}
