package activation_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/qesproject/qes/activation"
	"github.com/qesproject/qes/internal/testutil"
)

// BenchmarkActivate measures one activation end to end on the real stack:
// prepare the contract, the module's factor check and PIN change (argon2id
// at the tests' cost), the HSM signature, the TSA token, the evidence
// file, the key enabled and the order moved. Setting up each enrolled
// holder is outside the timer.
func BenchmarkActivate(b *testing.B) {
	s := testutil.StartServer(b)
	ctx := context.Background()
	const newPIN = "73915824"
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		e := newEnrolled(b, s, fmt.Sprintf("BE%06d", i))
		firstAccess(b, s, e)
		if err := s.App.Activation.SendCode(ctx, e.UserID); err != nil {
			b.Fatal(err)
		}
		code := s.LastCode(b, e.Phone)
		b.StartTimer()
		if _, err := s.App.Activation.Activate(ctx, activation.Request{HolderID: e.UserID, EnvelopePIN: e.EnvelopePIN, NewPIN: newPIN, ConfirmPIN: newPIN, OTP: code}); err != nil {
			b.Fatal(err)
		}
		s.Clock.Advance(time.Second)
	}
}
