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
