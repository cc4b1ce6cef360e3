package csc

import (
	"testing"
	"time"

	"github.com/qesproject/qes/internal/testutil/fakeclock"
)

func TestLimiter(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	l := newLimiter(Rate{Burst: 3, Every: time.Minute}, clock.Now)
	for i := 0; i < 3; i++ {
		if !l.allow("alice") {
			t.Fatalf("request %d within the burst refused", i+1)
		}
	}
	if l.allow("alice") {
		t.Fatal("fourth request at once allowed: burst is 3")
	}
	if !l.allow("bob") {
		t.Fatal("another key must have its own bucket")
	}
	clock.Advance(59 * time.Second)
	if l.allow("alice") {
		t.Fatal("token back before Every elapsed")
	}
	clock.Advance(time.Second)
	if !l.allow("alice") || l.allow("alice") {
		t.Fatal("exactly one token must come back after Every")
	}
}

func TestLimiterBoundsKeys(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	l := newLimiter(Rate{Burst: 1, Every: time.Minute}, clock.Now)
	l.max = 10
	for i := 0; i < 25; i++ {
		l.allow(string(rune('a' + i)))
	}
	if len(l.buckets) > 10 {
		t.Fatalf("%d buckets kept, max is 10", len(l.buckets))
	}
}
