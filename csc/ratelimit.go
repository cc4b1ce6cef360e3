package csc

import (
	"sync"
	"time"
)

// Rate is a token bucket: Burst requests at once, then one per Every.
type Rate struct {
	Burst int
	Every time.Duration
}

// limiter keeps one token bucket per key (a user ID, a client address).
// It lives in memory: a restart forgets it, which only restores the burst;
// what must survive (wrong emergency codes) the domain counts in storage.
type limiter struct {
	rate Rate
	now  func() time.Time
	max  int // keys kept before idle ones are dropped

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(r Rate, now func() time.Time) *limiter {
	if now == nil {
		now = time.Now
	}
	return &limiter{rate: r, now: now, max: 100_000, buckets: map[string]*bucket{}}
}

// allow takes a token for key if one is left.
func (l *limiter) allow(key string) bool {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= l.max {
			l.pruneLocked(now)
		}
		b = &bucket{tokens: float64(l.rate.Burst), at: now}
		l.buckets[key] = b
	}
	b.tokens = min(float64(l.rate.Burst), b.tokens+float64(now.Sub(b.at))/float64(l.rate.Every))
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// pruneLocked drops buckets that have refilled (their keys are idle); if
// none has, it drops everything rather than grow without bound under a
// flood of distinct keys.
func (l *limiter) pruneLocked(now time.Time) {
	full := time.Duration(l.rate.Burst) * l.rate.Every
	for k, b := range l.buckets {
		if now.Sub(b.at) >= full {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) >= l.max {
		l.buckets = map[string]*bucket{}
	}
}
