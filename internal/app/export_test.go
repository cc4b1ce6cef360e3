package app

import (
	"context"
	"time"
)

// AddJob adds a periodic job to a, before Run, so that the drain tests
// can hold a run under way with a channel.
func AddJob(a *App, name string, every time.Duration, run func(context.Context) error) {
	a.extraJobs = append(a.extraJobs, job{name: name, every: every, run: run})
}

// ObserveLeases lets a test see each job loop's lease decision.
func ObserveLeases(a *App, fn func(job string, held bool)) { a.leaseObserved = fn }

// PeriodicJobNames are the names of the jobs Serve would run.
func (a *App) PeriodicJobNames() []string {
	var out []string
	for _, j := range a.periodicJobs() {
		out = append(out, j.name)
	}
	return out
}
