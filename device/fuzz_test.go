package device_test

import (
	"testing"

	"github.com/qesproject/qes/device"
	"github.com/qesproject/qes/internal/errs"
)

// FuzzParseJWK: any input is a key with one thumbprint, or a caller's
// error; never a panic, never an internal error.
func FuzzParseJWK(f *testing.F) {
	f.Add([]byte(`{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}`))
	f.Add([]byte(`{"kty":"RSA"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		k, err := device.ParseJWK(raw)
		if err != nil {
			if !errs.Is(err, errs.InvalidRequest) {
				t.Fatalf("error of kind %v: %v", errs.KindOf(err), err)
			}
			return
		}
		again, err := device.ParseJWK(k.Canonical)
		if err != nil || again.Thumbprint != k.Thumbprint {
			t.Fatalf("the canonical form does not parse to the same thumbprint: %v", err)
		}
	})
}
