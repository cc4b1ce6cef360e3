package ratelimit

import (
	"fmt"
	"testing"
	"time"
)

func TestWindow(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		events  []time.Duration // offsets of Add("a")
		at      time.Duration
		blocked bool
	}{
		{"under the limit", []time.Duration{0, time.Minute}, 2 * time.Minute, false},
		{"at the limit", []time.Duration{0, time.Minute, 2 * time.Minute}, 3 * time.Minute, true},
		{"window over", []time.Duration{0, time.Minute, 2 * time.Minute}, 15 * time.Minute, false},
		{"a new window starts at the next event", []time.Duration{0, time.Minute, 2 * time.Minute, 15 * time.Minute, 16 * time.Minute}, 17 * time.Minute, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := New(3, 15*time.Minute)
			for _, off := range tc.events {
				w.Add(t0.Add(off), "a")
			}
			if got := w.Blocked(t0.Add(tc.at), "a"); got != tc.blocked {
				t.Fatalf("blocked %v, want %v", got, tc.blocked)
			}
			if w.Blocked(t0.Add(tc.at), "b") {
				t.Fatal("an untouched key is blocked")
			}
		})
	}
}

// Any blocked key blocks: an address or an e-mail used up alone is enough.
func TestAnyKeyBlocks(t *testing.T) {
	now := time.Now()
	w := New(1, time.Hour)
	w.Add(now, "ip:1", "email:a")
	if !w.Blocked(now, "ip:2", "email:a") || !w.Blocked(now, "ip:1", "email:b") || w.Blocked(now, "ip:2", "email:b") {
		t.Fatal("keys are not counted independently")
	}
	w.Add(now, "")
	if w.Blocked(now, "") || w.Tracked() != 2 {
		t.Fatalf("an empty key was counted (%d tracked)", w.Tracked())
	}
}

// Memory stays bounded under a flood of distinct keys: ended windows are
// swept before a key beyond MaxTracked is added.
func TestBoundedKeys(t *testing.T) {
	t0 := time.Now()
	w := New(5, time.Minute)
	for i := range MaxTracked {
		w.Add(t0, fmt.Sprint("old", i))
	}
	w.Add(t0.Add(2*time.Minute), "new")
	if n := w.Tracked(); n != 1 {
		t.Fatalf("%d keys tracked after the sweep, want 1", n)
	}
}
