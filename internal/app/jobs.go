package app

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"
)

// job is periodic work qesd runs while it serves. Each job's Run... method
// is exported so that tests run it once after moving the clock instead of
// waiting for the ticker.
type job struct {
	name  string
	every time.Duration
	run   func(context.Context) error
	// lease, when set, says whether this node runs the job now: nodes
	// sharing a database run each job once per deployment, not once each.
	lease func(context.Context) bool
	// perNode jobs run on every node (they refresh the node's own state).
	perNode bool
}

// jobLeaseTTL is how long a node keeps a job after its last tick: three
// intervals, so that a node that died (or stopped without releasing) is
// replaced within three ticks, and a slow tick does not lose the lease.
func jobLeaseTTL(every time.Duration) time.Duration { return 3 * every }

func jobLease(name string) string { return "job/" + name }

// holdsLease takes or renews this node's lease on j; an error counts as
// not holding it (the store is down: the job could not run anyway).
func (a *App) holdsLease(ctx context.Context, j job) bool {
	held, err := a.Store.AcquireLease(ctx, jobLease(j.name), a.Cfg.Node, a.Now(), jobLeaseTTL(j.every))
	if err != nil {
		a.Log.WarnContext(ctx, "job lease not acquired", "job", j.name, "err", err)
		held = false
	}
	if a.leaseObserved != nil {
		a.leaseObserved(j.name, held)
	}
	return held
}

// releaseLeases lets the other nodes take this node's jobs at their next
// tick (shutdown).
func (a *App) releaseLeases(ctx context.Context, jobs []job) {
	for _, j := range jobs {
		if err := a.Store.ReleaseLease(ctx, jobLease(j.name), a.Cfg.Node); err != nil {
			a.Log.WarnContext(ctx, "job lease not released; another node takes it when it expires", "job", j.name, "err", err)
		}
	}
}

// periodicJobs is every background job there is: Serve starts one
// goroutine per entry and waits for all of them before it returns.
func (a *App) periodicJobs() []job {
	every, sync := time.Minute, statusSyncEvery
	if a.Cfg.Jobs.Every > 0 {
		every = a.Cfg.Jobs.Every.D()
	}
	if a.Cfg.Jobs.StatusSync > 0 {
		sync = a.Cfg.Jobs.StatusSync.D()
	}
	all := append([]job{
		// Expired SADs, tokens and OAuth records are refused when read; deleting them only
		// bounds the database.
		{name: "janitor", every: every, run: a.RunJanitor},
		// Holds that lapse, expiries, interrupted changes, CRLs due.
		{name: "lifecycle", every: every, run: a.RunLifecycleJobs},
		// Issued credentials not activated by their deadline.
		{name: "activation", every: every, run: a.RunActivationJobs},
		// Ended web sessions, daily signing summaries.
		{name: "portal", every: every, run: a.RunPortalJobs},
		// Ended shop sessions.
		{name: "shop", every: every, run: a.RunShopJobs},
		// Ended console sessions.
		{name: "console", every: every, run: a.RunConsoleJobs},
		// Expired enrolment-app logins, tokens and DPoP proof IDs.
		{name: "app", every: every, run: a.RunAppJobs},
		// Approved orders whose certificate or e-mails are still due.
		{name: "issuance", every: every, run: a.RunIssuanceJobs},
		// Status changes other nodes committed reach this node's OCSP
		// cache and CRLs within statusSyncEvery.
		{name: "status-sync", every: sync, run: a.RunStatusSync, perNode: true},
		// Evidence bundles of enrolments that ended or changed (bundle.go).
		{name: "evidence", every: 5 * every, run: a.RunEvidenceJobs},
	}, a.extraJobs...)
	// jobs.skip: this node never runs these, nor takes their leases.
	return slices.DeleteFunc(all, func(j job) bool { return slices.Contains(a.Cfg.Jobs.Skip, j.name) })
}

// loop runs j on its interval until stop ends. Each run gets runCtx,
// which outlives stop, so that a run under way at shutdown finishes
// within the drain instead of failing halfway. A failed run is logged and
// tried again at the next tick: every job is idempotent.
func (j job) loop(stop, runCtx context.Context, log *slog.Logger) {
	t := time.NewTicker(j.every)
	defer t.Stop()
	for {
		select {
		case <-stop.Done():
			return
		case <-t.C:
			// A tick and the stop may be ready together: stop wins.
			if stop.Err() != nil {
				return
			}
			if j.lease != nil && !j.lease(runCtx) {
				continue // another node runs it this time
			}
			// Which node ran which job when: with the leases, one node of
			// the deployment per job and interval (the cluster test reads it).
			log.DebugContext(runCtx, "periodic job run", "job", j.name)
			if err := j.run(runCtx); err != nil && runCtx.Err() == nil {
				log.WarnContext(runCtx, "periodic job failed", "job", j.name, "err", err)
			}
		}
	}
}

// statusSyncEvery, the default of jobs.statusSync, bounds how long a node answers OCSP with a status
// another node has changed since (plus one poll's duration).
const statusSyncEvery = 5 * time.Second

// RunStatusSync drops this node's cached OCSP responses when the
// certificate register changed since the last look (another node suspended,
// revoked or reactivated; this node's own changes are dropped at once by
// publishStatus), and takes newer CRLs another node published.
func (a *App) RunStatusSync(ctx context.Context) error {
	epoch, err := a.Store.CertificateEpoch(ctx)
	if err != nil {
		return fmt.Errorf("read the certificate register's epoch: %w", err)
	}
	if a.statusEpoch.Swap(epoch) != epoch {
		a.OCSP.InvalidateAll()
	}
	if err := a.CRLs.Reload(ctx); err != nil {
		return fmt.Errorf("reload the published CRLs: %w", err)
	}
	return nil
}
