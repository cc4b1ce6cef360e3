package msg

// The messages of enrolment: the shop's domain errors (err.) and the
// e-mails it sends (mail.). The shop's page texts are in shop.go.
const (
	TaxCodeLength       ID = "err.taxcode-length"
	TaxCodeMalformed    ID = "err.taxcode-malformed"
	TaxCodeCheck        ID = "err.taxcode-check"
	TaxCodeNumeric      ID = "err.taxcode-numeric"
	TaxCodeNumericCheck ID = "err.taxcode-numeric-check"
)

var enrolMessages = map[ID][2]string{
	TaxCodeLength:       {"The Italian tax code must have 16 characters (or 11 digits)", "Il codice fiscale deve avere 16 caratteri (o 11 cifre)"},
	TaxCodeMalformed:    {"The Italian tax code is malformed (expected e.g. RSSMRA80A01H501U, upper case)", "Il codice fiscale non è nel formato corretto (per esempio RSSMRA80A01H501U, in maiuscolo)"},
	TaxCodeCheck:        {"The Italian tax code's check character is wrong: re-check the code", "Il carattere di controllo del codice fiscale è errato: ricontrolla il codice"},
	TaxCodeNumeric:      {"An 11-character Italian tax code must be all digits", "Un codice fiscale di 11 caratteri deve essere composto solo da cifre"},
	TaxCodeNumericCheck: {"The Italian numeric tax code's check digit is wrong: re-check the code", "La cifra di controllo del codice fiscale numerico è errata: ricontrolla il codice"},
}

func init() {
	for id, texts := range enrolMessages {
		if _, dup := catalogue[id]; dup {
			panic("msg: " + string(id) + " is defined twice")
		}
		catalogue[id] = texts
	}
}
