package verify

import (
	"context"
	"encoding/base64"
	"testing"
)

// TestJWSGarbage: JWS-shaped garbage is an input error or a not-valid
// report, never a panic or a valid one.
func TestJWSGarbage(t *testing.T) {
	t.Parallel()
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, in := range []string{
		"e30.e30.AAAA",
		b64(`{"alg":"ES256"}`) + ".e30.AAAA",
		b64(`{"alg":"ES256","x5c":["AAAA"]}`) + ".e30.AAAA",
		b64(`{"alg":"none","x5c":[]}`) + "..",
		`{"protected":"e30","payload":"e30","signature":""}`,
		`{"protected":"` + b64(`{"alg":"ES256","sigT":"yesterday","x5c":["AAAA"]}`) + `","payload":"!","signature":"AAAA"}`,
		`{"protected":"` + b64(`[1,2]`) + `","payload":"e30","signature":"AAAA","header":{"etsiU":["@@"]}}`,
	} {
		rep, err := Verify(context.Background(), []byte(in), nil, Options{})
		if err == nil && rep.Valid {
			t.Errorf("%q verified", in)
		}
	}
}

func TestJWSCheckAlg(t *testing.T) {
	t.Parallel()
	for _, alg := range []string{"", "none", "HS256", "ES999", "ES2560"} {
		if _, err := jwsCheckAlg(alg, nil); err == nil {
			t.Errorf("alg %q accepted", alg)
		}
	}
}
