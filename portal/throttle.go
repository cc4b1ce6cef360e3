package portal

import (
	"sync"
	"time"
)

// ipThrottle counts failed logins per client address in a fixed window.
// It lives in memory: a restart forgets it, which costs an attacker at most
// one more window; the per-account lockout is persistent.
type ipThrottle struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	seen   map[string]*ipCount
}

type ipCount struct {
	start    time.Time
	failures int
}

// maxTracked bounds memory under a flood of distinct addresses: past it,
// windows that ended are swept before a new address is added.
const maxTracked = 100_000

func newIPThrottle(max int, window time.Duration) *ipThrottle {
	return &ipThrottle{max: max, window: window, seen: map[string]*ipCount{}}
}

// blocked reports whether ip used up its failures in the current window.
func (t *ipThrottle) blocked(ip string, now time.Time) bool {
	if ip == "" {
		return false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	c, ok := t.seen[ip]
	if !ok || now.Sub(c.start) >= t.window {
		return false
	}
	return c.failures >= t.max
}

// fail counts one failed login from ip.
func (t *ipThrottle) fail(ip string, now time.Time) {
	if ip == "" {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	c, ok := t.seen[ip]
	if !ok || now.Sub(c.start) >= t.window {
		if !ok && len(t.seen) >= maxTracked {
			for k, v := range t.seen {
				if now.Sub(v.start) >= t.window {
					delete(t.seen, k)
				}
			}
		}
		c = &ipCount{start: now}
		t.seen[ip] = c
	}
	c.failures++
}
