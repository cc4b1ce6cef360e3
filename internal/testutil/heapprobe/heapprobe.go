// Package heapprobe measures what a call costs the process's heap, for the
// tests that bound memory per request (decompression bombs, signDoc).
package heapprobe

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"time"
)

func heapObjects() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// Measure runs f and reports the peak growth of the process's heap objects
// over their value before the call (sampled every millisecond) and the
// bytes allocated meanwhile, an upper bound of that peak that sampling
// cannot miss. Everything the process does meanwhile counts, so a test
// server in the same process is measured with its handler.
func Measure(f func()) (peak, allocated uint64) {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	base := heapObjects()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			if h := heapObjects(); h > base && h-base > peak {
				peak = h - base
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	f()
	close(done)
	wg.Wait()
	runtime.ReadMemStats(&after)
	return peak, after.TotalAlloc - before.TotalAlloc
}
