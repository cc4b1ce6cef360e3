package account

import (
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/secret"
)

// Codes take the slots of a holder in turn, so no slot is reused within
// 2 x SendsPerSubject requests (more than any CodeTTL admits), and the
// store never holds more than that many codes per holder.
func TestRecoverySlotsTurn(t *testing.T) {
	r := newRecovery(RecoveryConfig{}, ThrottleConfig{}, secret.Fast)
	if r.cfg.CodeTTL > r.cfg.Window {
		t.Fatalf("a code (%v) outlives the send window (%v)", r.cfg.CodeTTL, r.cfg.Window)
	}
	now := time.Date(2026, 12, 6, 5, 0, 0, 0, time.UTC)
	var got []int
	for w := range 3 {
		for i := range r.cfg.SendsPerSubject {
			slot, err := r.admitSend("user:alice", "192.0.2."+string(rune('1'+i)), now)
			if err != nil {
				t.Fatalf("window %d request %d: %v", w, i, err)
			}
			got = append(got, slot)
		}
		if _, err := r.admitSend("user:alice", "192.0.2.99", now); err == nil {
			t.Fatalf("window %d: request %d admitted", w, r.cfg.SendsPerSubject+1)
		}
		now = now.Add(r.cfg.Window)
	}
	for i := range got {
		if got[i] != i%r.slots() {
			t.Fatalf("slots %v, want them in turn", got)
		}
	}
	tok := strings.Repeat("A", 43)
	for ticket, want := range map[string]bool{
		tok + ".0": true, tok + ".9": true, tok + ".10": false, tok + ".01": false, tok + ".-1": false,
		tok + ".": false, tok: false, "short.1": false, tok + ".1.1": false,
	} {
		if _, ok := r.parseTicket(ticket); ok != want {
			t.Errorf("parseTicket(%q) = %v, want %v", ticket, ok, want)
		}
	}
}
