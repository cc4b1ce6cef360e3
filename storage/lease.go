package storage

import (
	"context"
	"time"
)

// Leases elect, for each background job, the one node of a deployment that
// runs it: several qesd processes share one database, and a CRL
// publication, a lifecycle sweep or a daily summary must happen once, not
// once per node.
type Leases interface {
	// AcquireLease takes the lease name for holder until now+ttl, or renews
	// it when holder has it already, and reports whether holder has it.
	// A lease another holder keeps beyond now is refused (false, nil).
	// Concurrent callers for a free lease: exactly one gets it.
	AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error)
	// ReleaseLease gives up holder's lease (at shutdown), so that another
	// node takes over at its next tick instead of after the ttl; a lease
	// holder does not have is left alone.
	ReleaseLease(ctx context.Context, name, holder string) error
}
