package portal

import (
	"github.com/qesproject/qes/credential"
	"github.com/qesproject/qes/internal/msg"
)

// detailsIT translates the credential package's messages that pages show;
// messages missing here fall back to the Italian text of their kind. A
// test lists the domain's literal messages and checks they are here.
var detailsIT = map[string]string{
	"Choose SMS or authenticator app":                                                               "Scegli SMS o app di autenticazione.",
	"Credential locked":                                                                             "La credenziale è bloccata: il PIN è stato sbagliato troppe volte. Sbloccala con il PUK.",
	"Enter the one-time code":                                                                       "Inserisci il codice OTP.",
	"Enter your current PIN":                                                                        "Inserisci il PIN attuale.",
	"Enter your current password":                                                                   "Inserisci la password attuale.",
	"Enter your user ID and password":                                                               "Inserisci nome utente e password.",
	"Invalid parameter credentialID":                                                                "Credenziale sconosciuta.",
	"Link an authenticator app first":                                                               "Prima collega un'app di autenticazione.",
	"Log in first":                                                                                  "Prima accedi.",
	"The OTP is invalid":                                                                            "Il codice è errato.",
	"The OTP was already used; wait for the next code":                                              "Il codice è già stato usato: attendi il codice successivo.",
	"The PIN is invalid":                                                                            "Il PIN attuale è errato. Dopo 5 errori la credenziale si blocca.",
	"The authenticator code is wrong":                                                               "Il codice dell'app di autenticazione è errato.",
	"The current password is wrong":                                                                 "La password attuale è errata.",
	"The e-mail address is not valid":                                                               "L'indirizzo e-mail non è valido.",
	"The language must be English (en) or Italian (it)":                                             "La lingua deve essere inglese (en) o italiano (it).",
	"The mobile number must be in international format, e.g. +393331234567":                         "Il numero di cellulare deve essere in formato internazionale, per esempio +393331234567.",
	"The new PIN and its confirmation are different":                                                "Il nuovo PIN e la sua conferma sono diversi.",
	"The new PIN must be different from the current one":                                            "Il nuovo PIN deve essere diverso da quello attuale.",
	"The new password and its confirmation are different":                                           "La nuova password e la sua conferma sono diverse.",
	"The new password must be different from the current one":                                       "La nuova password deve essere diversa da quella attuale.",
	"The one-time code is wrong or has expired":                                                     "Il codice OTP è errato o scaduto.",
	"The password must be at most 128 characters":                                                   "La password deve avere al massimo 128 caratteri.",
	"The password must not repeat a character more than twice in a row":                             "La password non deve ripetere un carattere più di due volte di seguito.",
	"The start date must be before the end date":                                                    "La data di inizio deve precedere la data di fine.",
	"The user ID or password is wrong":                                                              "Nome utente o password errati.",
	"There is no authenticator app enrolment to confirm: start again":                               "Non c'è alcuna app di autenticazione da confermare: ricomincia.",
	"There is no authenticator app to confirm: start again":                                         "Non c'è alcuna app di autenticazione da confermare: ricomincia.",
	"This is already your OTP mobile number":                                                        "Questo è già il tuo numero di cellulare per gli OTP.",
	"This is already your certificate's e-mail address":                                             "Questo è già l'indirizzo e-mail del tuo certificato.",
	"This session does not wait for an authenticator code":                                          "Questa sessione non attende un codice dell'app.",
	"Too many failed logins from your network: wait a few minutes and try again":                    "Troppi accessi falliti dalla tua rete: attendi qualche minuto e riprova.",
	"Too many wrong codes: account changes are locked for a few minutes":                            "Troppi codici errati: le modifiche all'account sono bloccate per qualche minuto.",
	"Two-factor login is already off":                                                               "L'accesso a due fattori è già disattivato.",
	"Two-factor login is already on: turn it off first to link another app":                         "L'accesso a due fattori è già attivo: disattivalo prima di collegare un'altra app.",
	"Two-factor login is not on for this account":                                                   "L'accesso a due fattori non è attivo per questo account.",
	"You are not logged in":                                                                         "Non hai effettuato l'accesso.",
	"Your one-time codes come from your authenticator app: type its current code, no SMS is needed": "I tuoi codici arrivano dall'app di autenticazione: inserisci il codice attuale, non serve alcun SMS.",
	"Your session has ended: log in again":                                                          "La sessione è terminata: accedi di nuovo.",
	"Your session has expired: log in again":                                                        "La sessione è scaduta: accedi di nuovo.",
	"Dates must be written as YYYY-MM-DD":                                                           "Le date devono essere nel formato AAAA-MM-GG.",
	"This certificate cannot change that way now":                                                   "Questo certificato ora non può cambiare in questo modo.",
	"Missing (or invalid type) string parameter otp":                                                "Inserisci il codice OTP.",
	"Missing (or invalid type) string parameter password":                                           "Inserisci la password.",
	"The change cannot be recorded in the audit log; nothing was changed":                           "Non è possibile registrare la modifica nel registro di audit: non è stato modificato nulla.",
	"The credential changed while it was being renewed; try again":                                  "La credenziale è cambiata durante il rinnovo: riprova.",
	"The certificate is not in the register and cannot be renewed":                                  "Il certificato non è nel registro e non può essere rinnovato.",
	"Invalid parameter note: printable characters only":                                             "La nota può contenere solo caratteri stampabili.",
	"You have no signing credential":                                                                "Non hai alcuna credenziale di firma.",
	"The PIN must be " + credential.PINPolicy:                                                       "Il PIN deve avere da 6 a 8 cifre, non tutte uguali e non in sequenza come 123456.",
	"The PIN is too easy to guess: it must be " + credential.PINPolicy:                              "Il PIN è troppo facile da indovinare: deve avere da 6 a 8 cifre, non tutte uguali e non in sequenza come 123456.",
}

// tr returns key's text in lang from the one catalogue (English unless
// "it"); an unknown key shows itself, which the catalogue test forbids.
func tr(lang, key string) string { return msg.Text(lang, msg.ID(key)) }
