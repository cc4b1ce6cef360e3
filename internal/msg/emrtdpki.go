package msg

// The messages of emrtd/pki: why a certificate, CRL, CMS SignedData, master
// list or Active Authentication answer from an identity document's PKI was
// refused. The argument is a short technical reason in English (an
// algorithm, a field), never personal data.
const (
	EmrtdCertMalformed        ID = "err.emrtd-cert-malformed"
	EmrtdKeyUnsupported       ID = "err.emrtd-key-unsupported"
	EmrtdAlgorithmUnsupported ID = "err.emrtd-algorithm-unsupported"
	EmrtdSignatureInvalid     ID = "err.emrtd-signature-invalid"
	EmrtdCRLMalformed         ID = "err.emrtd-crl-malformed"
	EmrtdCMSMalformed         ID = "err.emrtd-cms-malformed"
	EmrtdCMSAttributes        ID = "err.emrtd-cms-attributes"
	EmrtdSignerNotFound       ID = "err.emrtd-signer-not-found"
	EmrtdMasterListUntrusted  ID = "err.emrtd-masterlist-untrusted"
	EmrtdCertNotValidAt       ID = "err.emrtd-cert-not-valid-at"
	EmrtdAAFailed             ID = "err.emrtd-aa-failed"
)

var emrtdPKIMessages = map[ID][2]string{
	EmrtdCertMalformed:        {"The document certificate is malformed (%s)", "Il certificato del documento non è valido nel formato (%s)"},
	EmrtdKeyUnsupported:       {"The document's public key is not supported (%s)", "La chiave pubblica del documento non è supportata (%s)"},
	EmrtdAlgorithmUnsupported: {"The signature algorithm is not supported (%s)", "L'algoritmo di firma non è supportato (%s)"},
	EmrtdSignatureInvalid:     {"The signature does not verify (%s)", "La firma non è valida (%s)"},
	EmrtdCRLMalformed:         {"The certificate revocation list is malformed (%s)", "La lista di revoca dei certificati non è valida nel formato (%s)"},
	EmrtdCMSMalformed:         {"The signed data is malformed (%s)", "I dati firmati non sono validi nel formato (%s)"},
	EmrtdCMSAttributes:        {"The signed attributes are wrong (%s)", "Gli attributi firmati non sono corretti (%s)"},
	EmrtdSignerNotFound:       {"The signer's certificate is not among the certificates (%s)", "Il certificato del firmatario non è tra i certificati (%s)"},
	EmrtdMasterListUntrusted:  {"The master list is not trusted (%s)", "La master list non è attendibile (%s)"},
	EmrtdCertNotValidAt:       {"The certificate is not valid at %s", "Il certificato non è valido alla data %s"},
	EmrtdAAFailed:             {"Active Authentication failed (%s)", "L'autenticazione attiva non è riuscita (%s)"},
}

// Registered in its own init, not in msg.go's list, so that work on the
// eMRTD PKI does not touch a line every branch edits; mergeInto still
// refuses an ID defined twice.
func init() {
	if err := mergeInto(catalogue, emrtdPKIMessages); err != nil {
		panic(err)
	}
}
