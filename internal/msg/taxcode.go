package msg

// The messages of the tax code's consistency with an identity document
// (internal/codicefiscale.CheckPerson). Registered by their own init so
// that adding them touches no other file of the catalogue.
const (
	TaxCodeSurname    ID = "err.taxcode.surname"
	TaxCodeGivenNames ID = "err.taxcode.given-names"
	TaxCodeBirthDate  ID = "err.taxcode.birth-date"
	TaxCodeSex        ID = "err.taxcode.sex"
)

var taxCodeMessages = map[ID][2]string{
	TaxCodeSurname:    {"The tax code does not match the surname on the identity document", "Il codice fiscale non corrisponde al cognome del documento d'identità"},
	TaxCodeGivenNames: {"The tax code does not match the given names on the identity document", "Il codice fiscale non corrisponde al nome del documento d'identità"},
	TaxCodeBirthDate:  {"The tax code does not match the date of birth on the identity document", "Il codice fiscale non corrisponde alla data di nascita del documento d'identità"},
	TaxCodeSex:        {"The tax code does not match the sex on the identity document", "Il codice fiscale non corrisponde al sesso indicato nel documento d'identità"},
}

func init() {
	if err := mergeInto(catalogue, taxCodeMessages); err != nil {
		panic(err)
	}
}
