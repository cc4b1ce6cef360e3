package msg

// EvidenceStoreUnknown refuses qes.json's evidence.store, which chooses
// between the data directory and the database like storage.audit; in a
// file of its own so that it merges without touching the shared lists.
const EvidenceStoreUnknown ID = "err.store.evidence-unknown"

func init() {
	if err := mergeInto(catalogue, map[ID][2]string{
		EvidenceStoreUnknown: {"evidence.store is %q: it must be \"files\" (one node, <data>/evidence/) or \"store\" (in the database, for several nodes)", "evidence.store vale %q: deve essere \"files\" (un solo nodo, <data>/evidence/) o \"store\" (nel database, per più nodi)"},
	}); err != nil {
		panic(err)
	}
}
