package msg

// The message of POST /api/v1/verify for an XML document that is not a
// readable XAdES signature; the reason (a DTD, not well-formed, no
// ds:Signature) is the verify package's, in English.
const VerifyNotXAdES ID = "err.verify.not-xades"

var verifyXAdESMessages = map[ID][2]string{
	VerifyNotXAdES: {"Invalid parameter %s: %s", "Parametro %s non valido: %s"},
}

func init() {
	if err := mergeInto(catalogue, verifyXAdESMessages); err != nil {
		panic(err)
	}
}
