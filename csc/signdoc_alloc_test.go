//go:build !race

// The race detector's instrumentation allocates on its own and doubles
// what this test measures, so this file is left out under -race.

package csc

import (
	"bytes"
	"encoding/base64"
	"runtime"
	"strings"
	"testing"
)

// TestSplitDocumentsAllocations checks the buffer strategy: one large
// document is decoded into a single buffer of its size (no regrowth
// copies), and many small documents do not each reserve the whole body.
func TestSplitDocumentsAllocations(t *testing.T) {
	allocated := func(body []byte) uint64 {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		if _, _, err := decodeSignDocBody(bytes.NewReader(body), 1<<20, int64(len(body))); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	large := make([]byte, 20<<20)
	one := []byte(`{"documents":[{"document":"` + base64.StdEncoding.EncodeToString(large) + `"}]}`)
	if got := allocated(one); got > uint64(len(large)+smallDocument)+1<<20 {
		t.Errorf("a %d MB document allocated %d MB", len(large)>>20, got>>20)
	}
	var many strings.Builder
	many.WriteString(`{"documents":[`)
	for i := range 300 {
		if i > 0 {
			many.WriteString(",")
		}
		many.WriteString(`{"document":"` + base64.StdEncoding.EncodeToString(make([]byte, 30_000)) + `"}`)
	}
	many.WriteString(`]}`)
	if got, body := allocated([]byte(many.String())), many.Len(); got > uint64(4*body) {
		t.Errorf("300 small documents (%d KB of body) allocated %d MB", body>>10, got>>20)
	}
}
