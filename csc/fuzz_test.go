package csc

import (
	"errors"
	"net/http"
	"testing"

	"github.com/qesproject/qes/internal/errs"
)

// Request decoding must turn any body into a DTO or an InvalidRequest, never
// a panic or another kind of error.
func FuzzDecodeRequests(f *testing.F) {
	for _, seed := range []string{
		``, `{}`, `[]`, `{"credentialID":"c","numSignatures":2,"hash":["AAAA"],"PIN":"1","OTP":"2"}`,
		`{"credentialID":"c","SAD":"s","hashes":["a","b"],"signAlgo":"1.2.840.10045.4.3.2","operationMode":"S"}`,
		`{"authData":[{"id":"PIN","value":"1"}],"numSignatures":1e400}`, `{"certificates":"chain","maxResults":-1}`,
		`{"numSignatures":"1"}`, `{"hash":[1,2]}`, `{"token":null}`, `{"a":` + "\x00" + `}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		dtos := []any{&loginRequest{}, &revokeRequest{}, &listRequest{}, &infoCredentialRequest{}, &authorizeRequest{},
			&extendRequest{}, &sendOTPRequest{}, &authorizeCheckRequest{}, &signHashRequest{}, &infoRequest{}}
		for _, dto := range dtos {
			if err := decodeJSON(body, dto); err != nil && errs.KindOf(err) != errs.InvalidRequest {
				t.Fatalf("%T: %v is %v, want InvalidRequest", dto, err, errs.KindOf(err))
			}
		}
	})
}

func FuzzBasicCredentials(f *testing.F) {
	for _, seed := range []string{"", "Basic dXNlcjpwYXNz", "Basic !!", "Bearer x", "basic dTpw", "Basic Og=="} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, header string) {
		r, _ := http.NewRequest(http.MethodPost, "http://x/", nil)
		r.Header.Set("Authorization", header)
		user, _, present, err := basicCredentials(r)
		var exact *exactError
		if err != nil && errs.KindOf(err) != errs.InvalidRequest && !errors.As(err, &exact) {
			t.Fatalf("%v: kind %v", err, errs.KindOf(err))
		}
		if err == nil && present && user == "" {
			t.Fatal("accepted an empty user")
		}
	})
}
