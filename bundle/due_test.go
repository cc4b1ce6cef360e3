package bundle_test

import (
	"testing"
	"time"

	"github.com/qesproject/qes/storage"
)

// SealDue seals what ended without a bundle, and again what changed since,
// and nothing else.
func TestSealDue(t *testing.T) {
	e := newEnv(t)
	shared := e.put([]byte("dg1"), "application/octet-stream")
	issued := e.enrolment("55-00001-0000000021", "issued", true, shared)
	e.enrolment("55-00001-0000000022", "identified", false, shared) // under way: not due
	rejected := e.enrolment("55-00001-0000000023", "rejected", false, shared)

	due := func(want int) {
		t.Helper()
		n, err := e.srv.App.Bundles.SealDue(e.ctx)
		if err != nil || n != want {
			t.Fatalf("SealDue sealed %d (%v), want %d", n, err, want)
		}
	}
	due(2)
	due(0)

	// Activation records the signed contract: sealed again, once.
	e.srv.Clock.Advance(time.Minute)
	signed := e.put([]byte("%PDF signed at activation"), "application/pdf")
	if err := e.srv.App.Store.UpdateOrder(e.ctx, issued.Number, func(o *storage.Order) error {
		o.Transitions = append(o.Transitions, storage.Transition{From: "issued", To: "active", At: e.srv.Clock.Now()})
		o.State, o.Issuance.SignedContract, o.Issuance.ActivatedAt = "active", &signed, e.srv.Clock.Now()
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	due(1)
	due(0)
	for number, versions := range map[string]int{issued.Number: 2, rejected.Number: 1} {
		b, err := e.srv.App.Store.EvidenceBundle(e.ctx, number)
		if err != nil || len(b.Versions) != versions {
			t.Fatalf("%s: %+v (%v), want %d versions", number, b, err, versions)
		}
	}
	if r := e.verify(issued.Number); !r.OK || r.Versions[1].Files != r.Versions[0].Files+1 {
		t.Fatalf("after activation: %+v", r)
	}
}
