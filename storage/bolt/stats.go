package bolt

import (
	"context"
	"fmt"
	"os"

	bolt "go.etcd.io/bbolt"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/storage/kv"
)

// Ping opens a read transaction and reads one bucket: readiness probes ask
// it whether the file still answers.
func (d *DB) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := d.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(kv.Buckets()[0]) == nil {
			return fmt.Errorf("bucket %s missing", kv.Buckets()[0])
		}
		return nil
	})
	if err != nil {
		return errs.Internalf(err, "read database %s", d.db.Path())
	}
	return nil
}

// DBStats is bbolt's own state for the metrics endpoint (the
// metrics.DBStatser shape): the freelist, the read transactions open and
// started, the pages written and the file size.
func (d *DB) DBStats() map[string]float64 {
	st := d.db.Stats()
	out := map[string]float64{
		"bolt_free_pages":           float64(st.FreePageN),
		"bolt_pending_pages":        float64(st.PendingPageN),
		"bolt_free_alloc_bytes":     float64(st.FreeAlloc),
		"bolt_freelist_inuse_bytes": float64(st.FreelistInuse),
		"bolt_read_tx_open":         float64(st.OpenTxN),
		"bolt_read_tx_total":        float64(st.TxN),
		"bolt_page_writes_total":    float64(st.TxStats.GetWrite()),
	}
	if fi, err := os.Stat(d.db.Path()); err == nil {
		out["bolt_file_bytes"] = float64(fi.Size())
	}
	return out
}
