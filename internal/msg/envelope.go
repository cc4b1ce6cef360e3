package msg

// The messages of the contract templates and the PIN/PUK/ERC envelope
// (enrolment 3/3): the applicant's passphrase, the envelope's fields and
// the contract a version and a language name.
const (
	ContractVersionUnknown ID = "err.contract-version-unknown"
	ContractLangUnknown    ID = "err.contract-lang-unknown"
	PassphraseShort        ID = "err.passphrase-short"
	PassphraseLong         ID = "err.passphrase-long"
	PassphraseOneChar      ID = "err.passphrase-one-char"
	PassphraseCommon       ID = "err.passphrase-common"
	PassphraseCharacters   ID = "err.passphrase-characters"
	EnvelopeLangUnknown    ID = "err.envelope-lang-unknown"
	EnvelopeField          ID = "err.envelope-field"
)

var envelopeMessages = map[ID][2]string{
	ContractVersionUnknown: {"There is no contract version %q; the current version is %s", "Non esiste la versione %q del contratto; la versione in vigore è %s"},
	ContractLangUnknown:    {"The contract is available in Italian (it) and English (en), not in %q", "Il contratto è disponibile in italiano (it) e in inglese (en), non in %q"},
	PassphraseShort:        {"The passphrase must have at least %d characters", "La passphrase deve avere almeno %d caratteri"},
	PassphraseLong:         {"The passphrase must have at most %d characters", "La passphrase può avere al massimo %d caratteri"},
	PassphraseOneChar:      {"The passphrase must not be one character repeated", "La passphrase non può essere un solo carattere ripetuto"},
	PassphraseCommon:       {"The passphrase is too common or a plain sequence: choose one that is hard to guess", "La passphrase è troppo comune o è una semplice sequenza: scegline una difficile da indovinare"},
	PassphraseCharacters:   {"The passphrase contains characters that cannot be used (control, private-use or unassigned characters)", "La passphrase contiene caratteri non utilizzabili (di controllo, per uso privato o non assegnati)"},
	EnvelopeLangUnknown:    {"The envelope is written in Italian (it) or English (en), not in %q", "La busta è redatta in italiano (it) o in inglese (en), non in %q"},
	EnvelopeField:          {"The envelope's %s is missing, too long or not printable", "Il campo %s della busta manca, è troppo lungo o non è stampabile"},
}

// The envelope's and the contract's messages join the catalogue on their
// own, so that adding them touches no other file.
func init() {
	if err := mergeInto(catalogue, envelopeMessages); err != nil {
		panic(err)
	}
}
