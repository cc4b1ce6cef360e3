package enrol

import (
	"sync"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// throttle counts failures (and reset requests) per key in a fixed window:
// keys are "ip:<address>" and "email:<as typed>", so an unknown e-mail is
// throttled exactly like a known one. It lives in memory; a restart gives
// an attacker one more window at most.
type throttle struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	seen   map[string]*window
}

type window struct {
	start time.Time
	n     int
}

const maxTracked = 100_000

func newThrottle(max int, w time.Duration) *throttle {
	return &throttle{max: max, window: w, seen: map[string]*window{}}
}

// check refuses when any key used up its window.
func (t *throttle) check(now time.Time, keys ...string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys {
		if w, ok := t.seen[k]; ok && now.Sub(w.start) < t.window && w.n >= t.max {
			return errs.M(errs.RateLimited, msg.ShopThrottled)
		}
	}
	return nil
}

// add counts one event on every key.
func (t *throttle) add(now time.Time, keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.seen) > maxTracked {
		for k, w := range t.seen {
			if now.Sub(w.start) >= t.window {
				delete(t.seen, k)
			}
		}
	}
	for _, k := range keys {
		w, ok := t.seen[k]
		if !ok || now.Sub(w.start) >= t.window {
			w = &window{start: now}
			t.seen[k] = w
		}
		w.n++
	}
}
