// Package ratelimit counts events per key in fixed windows, in memory, with
// bounded memory: the per-address login throttle of the portal and the
// shop's registration, login and reset limits. A restart forgets the
// counts, which costs an attacker at most one more window; limits that
// must survive a restart are kept in storage by their owners.
package ratelimit

import (
	"sync"
	"time"
)

// MaxTracked bounds memory under a flood of distinct keys: past it, windows
// that ended are swept before a new key is added.
const MaxTracked = 100_000

// Window allows Max events per key in each period of length Period,
// starting at a key's first event.
type Window struct {
	max    int
	period time.Duration

	mu   sync.Mutex
	seen map[string]*count
}

type count struct {
	start time.Time
	n     int
}

// New returns a limiter of max events per key per period.
func New(max int, period time.Duration) *Window {
	return &Window{max: max, period: period, seen: map[string]*count{}}
}

// Blocked reports whether any of keys used up its events in its current
// window. An empty key is never blocked (no address to count by).
func (w *Window) Blocked(now time.Time, keys ...string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, k := range keys {
		if k == "" {
			continue
		}
		if c, ok := w.seen[k]; ok && now.Sub(c.start) < w.period && c.n >= w.max {
			return true
		}
	}
	return false
}

// Add counts one event on every key (empty keys are skipped).
func (w *Window) Add(now time.Time, keys ...string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, k := range keys {
		if k == "" {
			continue
		}
		c, ok := w.seen[k]
		if !ok || now.Sub(c.start) >= w.period {
			if !ok && len(w.seen) >= MaxTracked {
				w.sweep(now)
			}
			c = &count{start: now}
			w.seen[k] = c
		}
		c.n++
	}
}

func (w *Window) sweep(now time.Time) {
	for k, c := range w.seen {
		if now.Sub(c.start) >= w.period {
			delete(w.seen, k)
		}
	}
}

// Tracked is how many keys are counted now (for tests of the bound).
func (w *Window) Tracked() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.seen)
}
