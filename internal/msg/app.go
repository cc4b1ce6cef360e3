package msg

// The messages of the enrolment app's API (package appapi) and the domain
// packages behind it: device-bound sessions (device), identification
// sessions (identity) and the evidence store (evidence).
const (
	EvidenceNotFound ID = "err.evidence-not-found"
	EvidenceTooLarge ID = "err.evidence-too-large"

	AppNoMobile          ID = "err.app-no-mobile"
	AppLoginUnknown      ID = "err.app-login-unknown"
	AppJWKInvalid        ID = "err.app-jwk-invalid"
	AppDeviceName        ID = "err.app-device-name"
	AppNotAttested       ID = "err.app-not-attested"
	AppTokenMissing      ID = "err.app-token-missing"
	AppTokenInvalid      ID = "err.app-token-invalid"
	AppTokenExpired      ID = "err.app-token-expired"
	AppRefreshInvalid    ID = "err.app-refresh-invalid"
	AppDPoPInvalid       ID = "err.app-dpop-invalid"
	AppDPoPReplayed      ID = "err.app-dpop-replayed"
	AppBodyHash          ID = "err.app-body-hash"
	AppBodyTooLarge      ID = "err.app-body-too-large"
	AppBodyInvalid       ID = "err.app-body-invalid"
	AppRouteUnknown      ID = "err.app-route-unknown"
	AppNationality       ID = "err.app-nationality"
	AppDocumentType      ID = "err.app-document-type"
	AppAttemptsExhausted ID = "err.app-attempts-exhausted"
	AppIdentState        ID = "err.app-ident-state"
	AppSessionNotFound   ID = "err.app-session-not-found"
	AppSessionExpired    ID = "err.app-session-expired"
	AppSessionClosed     ID = "err.app-session-closed"
	AppChallengeUsed     ID = "err.app-challenge-used"
	AppPhotoSide         ID = "err.app-photo-side"
	AppPhotoType         ID = "err.app-photo-type"
	AppTooLarge          ID = "err.app-too-large"
	AppVideoType         ID = "err.app-video-type"
	AppVideoDuration     ID = "err.app-video-duration"
	AppChipFiles         ID = "err.app-chip-files"
	AppChipAccess        ID = "err.app-chip-access"
	AppChipRefused       ID = "err.app-chip-refused"
	AppConfirmField      ID = "err.app-confirm-field"
	AppIncomplete        ID = "err.app-incomplete"
	AppTaxCode           ID = "err.app-tax-code"
	AppChipOff           ID = "err.app-chip-off"
)

var appMessages = map[ID][2]string{
	"kind.gone": {"This has expired: start again.", "È scaduto: ricomincia."},

	EvidenceNotFound: {"No such evidence file", "File di evidenza inesistente"},
	EvidenceTooLarge: {"An evidence file may be at most %d MB", "Un file di evidenza può essere al massimo di %d MB"},

	AppNoMobile:          {"Submit the details of your order (with your mobile number) in the shop first", "Invia prima nel negozio i dati del tuo ordine (con il numero di cellulare)"},
	AppLoginUnknown:      {"This login is unknown or has expired: log in again", "Questo accesso è sconosciuto o scaduto: accedi di nuovo"},
	AppJWKInvalid:        {"The device key must be a public P-256 key (JWK): %s", "La chiave del dispositivo deve essere una chiave pubblica P-256 (JWK): %s"},
	AppDeviceName:        {"Give the device a name and a platform of at most 64 characters", "Indica un nome e una piattaforma del dispositivo di al massimo 64 caratteri"},
	AppNotAttested:       {"The app could not be attested", "Non è stato possibile attestare l'app"},
	AppTokenMissing:      {"Send the access token as \"Authorization: DPoP <token>\" with a DPoP proof", "Invia il token di accesso come \"Authorization: DPoP <token>\" con una prova DPoP"},
	AppTokenInvalid:      {"The access token is not valid", "Il token di accesso non è valido"},
	AppTokenExpired:      {"The access token has expired: refresh it", "Il token di accesso è scaduto: rinnovalo"},
	AppRefreshInvalid:    {"The refresh token is not valid: log in again", "Il token di rinnovo non è valido: accedi di nuovo"},
	AppDPoPInvalid:       {"The DPoP proof is not valid: %s", "La prova DPoP non è valida: %s"},
	AppDPoPReplayed:      {"This DPoP proof was already used", "Questa prova DPoP è già stata usata"},
	AppBodyHash:          {"The body does not match the DPoP proof's body hash", "Il corpo della richiesta non corrisponde all'hash indicato nella prova DPoP"},
	AppBodyTooLarge:      {"The request body may be at most %d bytes", "Il corpo della richiesta può essere al massimo di %d byte"},
	AppBodyInvalid:       {"The request body is not valid JSON for this call: %s", "Il corpo della richiesta non è un JSON valido per questa chiamata: %s"},
	AppRouteUnknown:      {"No such resource", "Risorsa inesistente"},
	AppNationality:       {"The nationality must be an ISO 3166-1 alpha-2 code", "La cittadinanza deve essere un codice ISO 3166-1 alpha-2"},
	AppDocumentType:      {"The document type must be CIE or PASSPORT", "Il tipo di documento deve essere CIE o PASSPORT"},
	AppAttemptsExhausted: {"No identification attempts are left for this order", "Non restano tentativi di identificazione per questo ordine"},
	AppIdentState:        {"The order is %s: identification cannot start now", "L'ordine è %s: l'identificazione non può iniziare ora"},
	AppSessionNotFound:   {"No such identification session", "Sessione di identificazione inesistente"},
	AppSessionExpired:    {"The identification session has expired: start a new one and read the chip again", "La sessione di identificazione è scaduta: avviane una nuova e leggi di nuovo il chip"},
	AppSessionClosed:     {"The identification session is %s: start a new one", "La sessione di identificazione è %s: avviane una nuova"},
	AppChallengeUsed:     {"The chip was already read in this session: start a new session for a new reading", "Il chip è già stato letto in questa sessione: avvia una nuova sessione per una nuova lettura"},
	AppPhotoSide:         {"The photo side must be front or back", "Il lato della foto deve essere front o back"},
	AppPhotoType:         {"The photo must be a JPEG image", "La foto deve essere un'immagine JPEG"},
	AppTooLarge:          {"The file may be at most %d MB", "Il file può essere al massimo di %d MB"},
	AppVideoType:         {"The video must be WebM, MP4 or QuickTime", "Il video deve essere WebM, MP4 o QuickTime"},
	AppVideoDuration:     {"The video must last between %d and %d seconds", "Il video deve durare tra %d e %d secondi"},
	AppChipFiles:         {"The chip files are not valid: %s", "I file del chip non sono validi: %s"},
	AppChipAccess:        {"Say how the chip was opened (BAC or PACE, with MRZ or CAN) and the typed document number, date of birth and expiry", "Indica come è stato aperto il chip (BAC o PACE, con MRZ o CAN) e numero del documento, data di nascita e scadenza digitati"},
	AppChipRefused:       {"The chip reading was refused (%s)", "La lettura del chip è stata rifiutata (%s)"},
	AppConfirmField:      {"The %s is too long or not valid", "Il campo %s è troppo lungo o non valido"},
	AppIncomplete:        {"The identification is incomplete: %s", "L'identificazione è incompleta: %s"},
	AppChipOff:           {"Chip verification is not configured on this server", "La verifica del chip non è configurata su questo server"},
	AppTaxCode:           {"The tax code is not valid", "Il codice fiscale non è valido"},
}

// Registered by a file of its own so that the enrolment app's messages
// merge without touching the shared list in msg.go.
func init() {
	if err := mergeInto(catalogue, appMessages); err != nil {
		panic(err)
	}
}

// SMSAppLogin is the app login's SMS.
const SMSAppLogin ID = "sms.app-login"

// StoreNoSpace is a database commit refused by a full filesystem (kept
// here, with the other messages of this branch, to merge cleanly).
const StoreNoSpace ID = "err.store.no-space"

func init() {
	if err := mergeInto(catalogue, map[ID][2]string{
		StoreNoSpace: {"The database's disk is full: nothing was changed. Try again later", "Il disco del database è pieno: non è stato modificato nulla. Riprova più tardi"},
		SMSAppLogin:  {"qes: %s is your code to log in to the enrolment app. It is valid for %d minutes.", "qes: %s è il codice per accedere all'app di identificazione. È valido per %d minuti."},
	}); err != nil {
		panic(err)
	}
}
