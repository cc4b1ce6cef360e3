package postgres

import (
	"context"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// Ping asks the database for a round trip on a pooled connection:
// readiness probes use it.
func (d *DB) Ping(ctx context.Context) error {
	if err := d.pool.Ping(ctx); err != nil {
		return errs.WrapM(err, errs.Unavailable, msg.StoreUnavailable)
	}
	return nil
}

// DBStats is the connection pool's state for the metrics endpoint (the
// metrics.DBStatser shape).
func (d *DB) DBStats() map[string]float64 {
	st := d.pool.Stat()
	return map[string]float64{
		"pg_pool_acquired_conns":          float64(st.AcquiredConns()),
		"pg_pool_idle_conns":              float64(st.IdleConns()),
		"pg_pool_total_conns":             float64(st.TotalConns()),
		"pg_pool_max_conns":               float64(st.MaxConns()),
		"pg_pool_acquires_total":          float64(st.AcquireCount()),
		"pg_pool_empty_acquires_total":    float64(st.EmptyAcquireCount()),
		"pg_pool_acquire_wait_seconds":    st.AcquireDuration().Seconds(),
		"pg_pool_canceled_acquires_total": float64(st.CanceledAcquireCount()),
	}
}
