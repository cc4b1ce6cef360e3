package device_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/qesproject/qes/device"
)

// BenchmarkAuthenticate is one DPoP-bound request's check: the token's
// MAC and record, the ES256 proof, the replay store's write.
func BenchmarkAuthenticate(b *testing.B) {
	ctx := context.Background()
	e := newEnv(b)
	key := newKey(b)
	tok := e.bind(b, key)
	proofs := make([]string, b.N)
	for i := range proofs {
		p, err := device.SignProof(key, device.ProofRequest{Method: "GET", URL: base + "/enrolments", AccessToken: tok.AccessToken,
			IssuedAt: e.clock.Now(), ID: fmt.Sprintf("bench-%d", i)})
		if err != nil {
			b.Fatal(err)
		}
		proofs[i] = p
	}
	b.ResetTimer()
	for i := range b.N {
		if _, err := e.svc.Authenticate(ctx, "DPoP "+tok.AccessToken, device.Proof{Headers: []string{proofs[i]}, Method: "GET", URL: base + "/enrolments"}); err != nil {
			b.Fatal(err)
		}
	}
}
