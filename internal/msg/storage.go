package msg

// The storage back ends' messages (storage/postgres, storage/backend), in
// a file of their own so that they merge without touching the shared list.
const (
	StoreUnavailable    ID = "err.store.unavailable"
	StoreBusy           ID = "err.store.busy"
	StoreSchemaNewer    ID = "err.store.schema-newer"
	StoreDriverUnknown  ID = "err.store.driver-unknown"
	StoreDSNMissing     ID = "err.store.dsn-missing"
	StoreMigrationFails ID = "err.store.migration-fails"
	StoreDSNInvalid     ID = "err.store.dsn-invalid"
	StoreAuditUnknown   ID = "err.store.audit-unknown"
)

func init() {
	if err := mergeInto(catalogue, map[ID][2]string{
		StoreUnavailable:    {"The database cannot be reached: nothing was changed. Try again later", "Il database non è raggiungibile: non è stato modificato nulla. Riprova più tardi"},
		StoreBusy:           {"The database is busy with concurrent changes to the same records: nothing was changed. Try again", "Il database è occupato da modifiche concorrenti agli stessi dati: non è stato modificato nulla. Riprova"},
		StoreSchemaNewer:    {"the database's schema is version %d, newer than this qes binary's %d: run the newer qes, or restore a backup made for this one", "lo schema del database è alla versione %d, più recente della %d di questo eseguibile qes: usa il qes più recente, o ripristina un backup fatto per questo"},
		StoreDriverUnknown:  {"unknown storage driver %q (known: %s)", "driver di archiviazione sconosciuto %q (noti: %s)"},
		StoreDSNMissing:     {"storage driver %s needs a DSN: set storage.dsn in qes.json or QES_STORAGE_DSN", "il driver di archiviazione %s richiede un DSN: imposta storage.dsn in qes.json o QES_STORAGE_DSN"},
		StoreDSNInvalid:     {"the storage DSN cannot be parsed (it is not repeated here: it may hold a password)", "il DSN di archiviazione non è leggibile (non viene ripetuto qui: può contenere una password)"},
		StoreAuditUnknown:   {"storage.audit is %q: it must be \"file\" (one process, <data>/audit.jsonl) or \"store\" (one chain in the database, for several nodes)", "storage.audit vale %q: deve essere \"file\" (un solo processo, <data>/audit.jsonl) o \"store\" (una sola catena nel database, per più nodi)"},
		StoreMigrationFails: {"database schema migration %d (%s) failed", "la migrazione %d (%s) dello schema del database non è riuscita"},
	}); err != nil {
		panic(err)
	}
}
