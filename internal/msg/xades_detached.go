package msg

// Messages of detached XAdES (signDoc's documents[i].document_name, and
// POST /api/v1/verify of a detached XAdES signature without its file).
const (
	XAdESDocumentNameMissing ID = "err.xades-document-name-missing"
	XAdESDocumentNameInvalid ID = "err.xades-document-name-invalid"
	VerifyDetachedXAdES      ID = "err.verify.detached-xades"
)

var xadesDetachedMessages = map[ID][2]string{
	XAdESDocumentNameMissing: {"Missing parameter %s: a detached XAdES signature refers to the signed file by its name",
		"Parametro %s mancante: una firma XAdES separata si riferisce al file firmato con il suo nome"},
	XAdESDocumentNameInvalid: {"Invalid parameter %s: the file's base name, 1 to 255 bytes of UTF-8, without / or \\ or control characters, not . or ..",
		"Parametro %s non valido: il nome del file, da 1 a 255 byte UTF-8, senza / né \\ né caratteri di controllo, diverso da . e .."},
	VerifyDetachedXAdES: {"Invalid parameter document: content not given: it is a detached XAdES signature of %q; send that file as document and the signature as signature",
		"Parametro document non valido: contenuto non fornito: è una firma XAdES separata di %q; invia quel file come document e la firma come signature"},
}

func init() {
	if err := mergeInto(catalogue, xadesDetachedMessages); err != nil {
		panic(err)
	}
}
