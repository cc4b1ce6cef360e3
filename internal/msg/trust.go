package msg

// The messages of the CSCA trust store (qesctl csca ...).
const (
	TrustCRLOlder         ID = "err.trust-crl-older"
	TrustMasterList       ID = "err.trust-masterlist"
	TrustAnchor           ID = "err.trust-anchor"
	TrustCertificate      ID = "err.trust-certificate"
	TrustNotCSCA          ID = "err.trust-not-csca"
	TrustNoCountry        ID = "err.trust-no-country"
	TrustCountry          ID = "err.trust-country"
	TrustCRL              ID = "err.trust-crl"
	TrustCRLIssuerUnknown ID = "err.trust-crl-issuer-unknown"
	TrustImportWhat       ID = "err.trust-import-what"
)

var trustMessages = map[ID][2]string{
	TrustCRLOlder:         {"The CSCA CRL kept is newer (thisUpdate %s): an older one never replaces it", "La CRL della CSCA conservata è più recente (thisUpdate %s): una più vecchia non la sostituisce"},
	TrustMasterList:       {"The master list does not verify: %s", "La master list non è valida: %s"},
	TrustAnchor:           {"The master list's trust anchor cannot be read: %s", "Il certificato di fiducia della master list non è leggibile: %s"},
	TrustCertificate:      {"The certificate cannot be read: %s", "Il certificato non è leggibile: %s"},
	TrustNotCSCA:          {"The certificate is neither self-signed nor signed by a CSCA of its country in the trust store", "Il certificato non è autofirmato né firmato da una CSCA del suo paese presente nell'archivio di fiducia"},
	TrustNoCountry:        {"The certificate names no country (C) in its subject", "Il certificato non indica un paese (C) nel soggetto"},
	TrustCountry:          {"Country %q: give ISO 3166-1 alpha-2 codes such as IT or DE", "Paese %q: indica codici ISO 3166-1 alpha-2 come IT o DE"},
	TrustCRL:              {"The CRL cannot be read: %s", "La CRL non è leggibile: %s"},
	TrustCRLIssuerUnknown: {"No CSCA in the trust store issued this CRL, or its signature does not verify", "Nessuna CSCA dell'archivio di fiducia ha emesso questa CRL, o la sua firma non è valida"},
	TrustImportWhat:       {"Import either a master list (with its anchor) or one certificate", "Importa una master list (con il suo certificato di fiducia) oppure un solo certificato"},
}

// The trust store's messages join the catalogue on their own, so that
// adding them touches no other file.
func init() {
	if err := mergeInto(catalogue, trustMessages); err != nil {
		panic(err)
	}
}
