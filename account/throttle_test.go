package account

import (
	"errors"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/errs"
)

// TestThrottleDelays walks one (user ID, address) pair through its
// failures: no delay before the 5th, then 1, 2, 4, 8 and 15 minutes (the
// cap), each waited out (so the account's 15-minute window moves on).
func TestThrottleDelays(t *testing.T) {
	th := newThrottle(ThrottleConfig{})
	now := time.Date(2026, 12, 6, 4, 0, 0, 0, time.UTC)
	tests := []struct {
		failure int
		delay   time.Duration
	}{
		{1, 0}, {2, 0}, {3, 0}, {4, 0}, {5, time.Minute}, {6, 2 * time.Minute},
		{7, 4 * time.Minute}, {8, 8 * time.Minute}, {9, 15 * time.Minute}, {10, 15 * time.Minute},
	}
	for _, tt := range tests {
		if err := th.check("alice", "192.0.2.1", now); err != nil {
			t.Fatalf("failure %d: refused before it: %v", tt.failure, err)
		}
		th.fail("alice", "192.0.2.1", now)
		err := th.check("alice", "192.0.2.1", now)
		var te *ThrottledError
		switch {
		case tt.delay == 0 && err != nil:
			t.Fatalf("failure %d: delayed: %v", tt.failure, err)
		case tt.delay > 0 && (!errors.As(err, &te) || te.RetryAfter() != tt.delay || errs.KindOf(err) != errs.RateLimited):
			t.Fatalf("failure %d: %v, want a %v delay", tt.failure, err, tt.delay)
		}
		// Another address is never delayed by this pair.
		if err := th.check("alice", "198.51.100.7", now); err != nil {
			t.Fatalf("failure %d: another address refused: %v", tt.failure, err)
		}
		now = now.Add(tt.delay)
	}
	// Ten failures on the account within the window, from ten addresses:
	// the attack starts once (one e-mail), at the tenth.
	now = now.Add(time.Hour)
	for i := range 12 {
		addr := "203.0.113." + string(rune('a'+i))
		if got, want := th.fail("alice", addr, now), i == 9; got != want {
			t.Fatalf("account failure %d: attack started = %v, want %v", i+1, got, want)
		}
	}
	// Under attack, one failure from a new address delays it at once.
	th.fail("alice", "198.51.100.7", now)
	if err := th.check("alice", "198.51.100.7", now); err == nil {
		t.Fatal("under attack, a failing address is not delayed")
	}
	// A right password clears the pair.
	th.succeed("alice", "198.51.100.7")
	if err := th.check("alice", "198.51.100.7", now); err != nil {
		t.Fatalf("after a success: %v", err)
	}
}
