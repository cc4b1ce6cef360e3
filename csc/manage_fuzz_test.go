package csc

import (
	"testing"

	"github.com/qesproject/qes/internal/errs"
)

// FuzzManageBodies feeds arbitrary bodies to the management API's DTOs:
// decoding never panics and every refusal is an invalid_request.
func FuzzManageBodies(f *testing.F) {
	for _, s := range []string{
		`{"password":"Secret-Pass1!","otp":"123456"}`,
		`{"password":"x","otp":"1","reason":"keyCompromise","note":"lost"}`,
		`{"action":"suspend"}`,
		`{"userID":"alice","erc":"1234 5678 9012"}`,
		`{"userID":[1],"erc":null}`, `[]`, ``, `{"note":"\u0000"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, dto := range []any{&changeRequest{}, &challengeRequest{}, &emergencyRequest{}} {
			if err := decodeJSON(body, dto); err != nil && !errs.Is(err, errs.InvalidRequest) {
				t.Fatalf("%T: %v is not an invalid_request", dto, err)
			}
		}
	})
}
