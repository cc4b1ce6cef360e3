package msg

// The messages of JAdES (ETSI TS 119 182-1) signatures made by signDoc.
const (
	JAdESNotJSON    ID = "err.jades.not-json"
	JAdESLevel      ID = "err.jades.level"
	JAdESCompactBT  ID = "err.jades.compact-bt"
	JAdESAlgorithm  ID = "err.jades.algorithm"
	JAdESEnvelope   ID = "err.jades.envelope"
	JAdESNoSigner   ID = "err.jades.no-signer"
	JAdESOnlyParams ID = "err.jades.only-params"
)

var jadesMessages = map[ID][2]string{
	JAdESNotJSON:    {"Invalid parameter signature_format in %s: the document is not JSON, which JAdES (\"J\") signs here; sign it as CAdES (\"C\")", "Parametro signature_format non valido in %s: il documento non è JSON, che JAdES (\"J\") qui firma; firmalo in CAdES (\"C\")"},
	JAdESLevel:      {"Invalid parameter conformance_level in %s: JAdES signatures are made at B-B or B-T, not %s", "Parametro conformance_level non valido in %s: le firme JAdES si fanno a B-B o B-T, non %s"},
	JAdESCompactBT:  {"Invalid parameter signed_envelope_property in %s: a compact JAdES signature has no unprotected header for the time-stamp of B-T; use Attached or JSON", "Parametro signed_envelope_property non valido in %s: una firma JAdES compatta non ha l'intestazione non protetta per la marca temporale di B-T; usa Attached o JSON"},
	JAdESAlgorithm:  {"Invalid parameter signAlgo in %s: JWS has no algorithm for this key with %s (ES256 needs P-256, ES384 P-384, ES512 P-521)", "Parametro signAlgo non valido in %s: JWS non ha un algoritmo per questa chiave con %s (ES256 richiede P-256, ES384 P-384, ES512 P-521)"},
	JAdESEnvelope:   {"Invalid parameter signed_envelope_property in %s: JAdES takes Attached (compact at B-B, JSON serialisation at B-T), Compact or JSON, not %q", "Parametro signed_envelope_property non valido in %s: JAdES accetta Attached (compatta a B-B, serializzazione JSON a B-T), Compact o JSON, non %q"},
	JAdESNoSigner:   {"the signer certificate is missing", "manca il certificato del firmatario"},
	JAdESOnlyParams: {"Invalid parameter %s in %s: JAdES signatures do not take it", "Parametro %s non valido in %s: le firme JAdES non lo accettano"},
}

// JAdES's messages join the catalogue on their own, so that adding them
// touches no other file.
func init() {
	if err := mergeInto(catalogue, jadesMessages); err != nil {
		panic(err)
	}
}
