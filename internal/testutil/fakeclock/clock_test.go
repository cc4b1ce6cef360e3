package fakeclock

import (
	"sync"
	"testing"
	"time"
)

func TestClock(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		name string
		move func(*Clock)
		want time.Time
	}{
		{"stands still", func(*Clock) {}, t0},
		{"advance", func(c *Clock) { c.Advance(90 * time.Minute) }, t0.Add(90 * time.Minute)},
		{"set", func(c *Clock) { c.Set(t0.AddDate(1, 0, 0)) }, t0.AddDate(1, 0, 0)},
		{"set then advance", func(c *Clock) { c.Set(t0.Add(-time.Hour)); c.Advance(time.Second) }, t0.Add(-time.Hour + time.Second)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := New(t0)
			tc.move(c)
			if got := c.Now(); !got.Equal(tc.want) {
				t.Fatalf("Now() = %v, want %v", got, tc.want)
			}
		})
	}
}

// Services read the clock from their own goroutines while the test moves
// it; go test -race checks the lock.
func TestClockConcurrent(t *testing.T) {
	c := New(time.Unix(0, 0))
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				c.Advance(time.Second)
				_ = c.Now()
			}
		}()
	}
	wg.Wait()
	if got := c.Now(); !got.Equal(time.Unix(400, 0)) {
		t.Fatalf("Now() = %v after 400 one-second steps", got)
	}
}
