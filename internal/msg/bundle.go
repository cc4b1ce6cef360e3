package msg

// The messages of evidence bundles (package bundle) and of qesctl
// evidence verify|export|purge.
const (
	BundleOrderRequired ID = "err.bundle-order-required"
	BundleOrderNotFound ID = "err.bundle-order-not-found"
	BundleNotFound      ID = "err.bundle-not-found"
	BundleNotEnded      ID = "err.bundle-not-ended"
	BundleExportPath    ID = "err.bundle-export-path"
	BundleExportExists  ID = "err.bundle-export-exists"
)

var bundleMessages = map[ID][2]string{
	BundleOrderRequired: {"An order number is required", "È richiesto un numero d'ordine"},
	BundleOrderNotFound: {"Enrolment %s not found", "Iscrizione %s non trovata"},
	BundleNotFound:      {"Enrolment %s has no sealed evidence bundle", "L'iscrizione %s non ha un fascicolo di evidenze sigillato"},
	BundleNotEnded: {"Enrolment %s is %s: only an enrolment that issued a certificate or ended (rejected, failed, expired) is sealed",
		"L'iscrizione %s è nello stato %s: si sigilla solo un'iscrizione che ha emesso un certificato o è terminata (rifiutata, fallita, scaduta)"},
	BundleExportPath:   {"The export file must be an absolute path ending in .zip", "Il file di esportazione deve essere un percorso assoluto che termina in .zip"},
	BundleExportExists: {"%s already exists: choose another file", "%s esiste già: scegli un altro file"},
}

// Registered by a file of its own so that the bundle's messages merge
// without touching the shared lists.
func init() {
	if err := mergeInto(catalogue, bundleMessages); err != nil {
		panic(err)
	}
}
