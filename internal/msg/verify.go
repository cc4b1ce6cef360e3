package msg

// The messages of POST /api/v1/verify (package verify).
const (
	VerifyNotSigned ID = "err.verify.not-signed"
	VerifyTooLarge  ID = "err.verify.too-large"
	VerifyTooDeep   ID = "err.verify.too-deep"
	VerifyDetached  ID = "err.verify.detached"
)

var verifyMessages = map[ID][2]string{
	VerifyNotSigned: {"Invalid parameter %s: it is not a CMS SignedData (.p7m or .p7s, DER or BER) that can be read", "Parametro %s non valido: non è una CMS SignedData (.p7m o .p7s, DER o BER) leggibile"},
	VerifyTooLarge:  {"Invalid parameter document: the signed file and its content may be at most %d bytes", "Parametro document non valido: il file firmato e il suo contenuto possono essere al massimo di %d byte"},
	VerifyTooDeep:   {"Invalid parameter document: signed files or countersignatures are nested more than %d deep", "Parametro document non valido: file firmati o controfirme annidati oltre %d livelli"},
	VerifyDetached:  {"Invalid parameter document: it is a detached signature (.p7s); send the signed file as document and the .p7s as signature", "Parametro document non valido: è una firma separata (.p7s); invia il file firmato come document e il .p7s come signature"},
}

// verify's messages join the catalogue on their own, so that adding them
// touches no other file.
func init() {
	if err := mergeInto(catalogue, verifyMessages); err != nil {
		panic(err)
	}
}
