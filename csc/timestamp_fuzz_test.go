package csc

import (
	"testing"

	"github.com/qesproject/qes/internal/errs"
)

// FuzzTimestampRequest: any body is a checked time-stamp input or an
// InvalidRequest, and an accepted digest always fits its algorithm.
func FuzzTimestampRequest(f *testing.F) {
	for _, seed := range []string{
		`{"hash":"sTOgwOm+474gFj0q0x1iSNspKqbcse4IeiqlDg/HWuI=","hashAlgo":"2.16.840.1.101.3.4.2.1","nonce":"0a1b"}`,
		`{"hash":"sTOgwOm-474gFj0q0x1iSNspKqbcse4IeiqlDg_HWuI","hashAlgorithmOID":"2.16.840.1.101.3.4.2.1"}`,
		`{"hash":"","hashAlgo":"x"}`, `{"hash":1}`, `{"nonce":"0x"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req timestampRequest
		if err := decodeJSON(body, &req); err != nil {
			if errs.KindOf(err) != errs.InvalidRequest {
				t.Fatalf("decode: %v", err)
			}
			return
		}
		in, err := req.parse()
		if err != nil {
			if errs.KindOf(err) != errs.InvalidRequest {
				t.Fatalf("parse: %v", err)
			}
			return
		}
		if len(in.digest) != in.hash.Size() || (in.nonce != nil && in.nonce.BitLen() > 8*maxNonceBytes) {
			t.Fatalf("accepted %d-byte digest for %v, nonce %v", len(in.digest), in.hash, in.nonce)
		}
	})
}
