package account

import (
	"sync"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// The password throttle follows OWASP ASVS 4 2.2.1 and NIST SP 800-63B
// 5.2.2: guessing is slowed per address and per (user ID, address), and
// an account under attack only makes its attackers slower and tells the
// holder; nobody can lock a holder out from somewhere else. Every counter
// is keyed by the user ID as typed, whether or not the account exists, so
// an unknown user ID goes through exactly the same answers as a known one.
// The counters live in memory: a restart forgets them, which gives an
// attacker one more window at most.

// ThrottleConfig are the password throttle's numbers; zero values take the
// defaults.
type ThrottleConfig struct {
	// AddressFailures failed passwords from one address within Window
	// (any user IDs) refuse every further password from it until the
	// window ends (default 20 per 15 min, the portal's numbers).
	AddressFailures int
	// PairFailures failed passwords for one user ID from one address
	// start that pair's delays (default 5): the pair is refused for
	// PairDelay, doubled at each further failure up to MaxPairDelay
	// (defaults 1 min and 15 min).
	PairFailures int
	PairDelay    time.Duration
	MaxPairDelay time.Duration
	// AttackFailures failed passwords for one user ID within Window from
	// any addresses mark the account under attack (default 10): the
	// holder is told by e-mail, once per window, and every failure of an
	// address on that account delays that address (at least PairDelay).
	AttackFailures int
	Window         time.Duration // default 15 minutes
}

func (c *ThrottleConfig) defaults() {
	if c.AddressFailures <= 0 {
		c.AddressFailures = 20
	}
	if c.PairFailures <= 0 {
		c.PairFailures = 5
	}
	if c.PairDelay <= 0 {
		c.PairDelay = time.Minute
	}
	if c.MaxPairDelay <= 0 {
		c.MaxPairDelay = 15 * time.Minute
	}
	if c.AttackFailures <= 0 {
		c.AttackFailures = 10
	}
	if c.Window <= 0 {
		c.Window = 15 * time.Minute
	}
}

// throttleMaxKeys bounds memory under a flood of distinct addresses or
// user IDs: past it, idle entries are swept before a new one is added.
const throttleMaxKeys = 100_000

type window struct {
	start    time.Time
	failures int
	notified bool // the account's holder was told in this window
}

type pairState struct {
	failures int
	last     time.Time // last counted failure
	until    time.Time // refused until
}

type throttle struct {
	cfg   ThrottleConfig
	mu    sync.Mutex
	addrs map[string]*window
	accts map[string]*window
	pairs map[[2]string]*pairState
}

func newThrottle(cfg ThrottleConfig) *throttle {
	cfg.defaults()
	return &throttle{cfg: cfg, addrs: map[string]*window{}, accts: map[string]*window{}, pairs: map[[2]string]*pairState{}}
}

// ThrottledError is a refusal by the throttle; RetryAfter says when to try
// again, for the edges' Retry-After header.
type ThrottledError struct {
	err   *errs.Error
	after time.Duration
}

func (e *ThrottledError) Error() string { return e.err.Error() }
func (e *ThrottledError) Unwrap() error { return e.err }

// RetryAfter is how long the caller should wait, in whole seconds up.
func (e *ThrottledError) RetryAfter() time.Duration { return e.after }

func throttled(after time.Duration, id msg.ID, args ...any) error {
	return &ThrottledError{err: errs.M(errs.RateLimited, id, args...), after: after}
}

// minutesUp renders a wait for the messages: at least one minute.
func minutesUp(d time.Duration) int { return int((d + time.Minute - 1) / time.Minute) }

// check refuses a password attempt the throttle does not admit now. It
// runs before the password is looked at, so a refusal costs no argon2 for
// known and unknown user IDs alike.
func (t *throttle) check(userID, addr string, now time.Time) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if w := t.addrs[addr]; addr != "" && w != nil && now.Sub(w.start) < t.cfg.Window && w.failures >= t.cfg.AddressFailures {
		return throttled(w.start.Add(t.cfg.Window).Sub(now), msg.LoginThrottledNetwork)
	}
	if p := t.pairs[[2]string{userID, addr}]; p != nil && now.Before(p.until) {
		wait := p.until.Sub(now)
		return throttled(wait, msg.LoginTooManyAttempts, minutesUp(wait))
	}
	return nil
}

// fail counts a wrong password and reports whether this failure put the
// account under attack for the first time in its window (tell the holder).
func (t *throttle) fail(userID, addr string, now time.Time) (attackStarted bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if addr != "" {
		t.bump(t.addrs, addr, now).failures++
	}
	a := t.bump(t.accts, userID, now)
	a.failures++
	underAttack := a.failures >= t.cfg.AttackFailures
	if underAttack && !a.notified {
		a.notified, attackStarted = true, true
	}

	key := [2]string{userID, addr}
	p := t.pairs[key]
	if p == nil || now.Sub(p.last) >= t.cfg.Window+t.cfg.MaxPairDelay {
		if p == nil && len(t.pairs) >= throttleMaxKeys {
			for k, v := range t.pairs {
				if now.Sub(v.last) >= t.cfg.Window+t.cfg.MaxPairDelay {
					delete(t.pairs, k)
				}
			}
		}
		p = &pairState{}
		t.pairs[key] = p
	}
	p.failures++
	p.last = now
	// Delays start at PairFailures (at once on an account under attack)
	// and double with each failure past PairFailures.
	if over := p.failures - t.cfg.PairFailures; over >= 0 || underAttack {
		d := t.cfg.PairDelay
		for i := 0; i < over && d < t.cfg.MaxPairDelay; i++ {
			d *= 2
		}
		p.until = now.Add(min(d, t.cfg.MaxPairDelay))
	}
	return attackStarted
}

// succeed forgets the pair's failures: the holder's own address is not
// slowed by its own typing mistakes once the password was right.
func (t *throttle) succeed(userID, addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.pairs, [2]string{userID, addr})
}

// bump returns key's window in m, starting a new one when the last ended.
func (t *throttle) bump(m map[string]*window, key string, now time.Time) *window {
	w := m[key]
	if w == nil || now.Sub(w.start) >= t.cfg.Window {
		if w == nil && len(m) >= throttleMaxKeys {
			for k, v := range m {
				if now.Sub(v.start) >= t.cfg.Window {
					delete(m, k)
				}
			}
		}
		w = &window{start: now}
		m[key] = w
	}
	return w
}
