package pades

import (
	"testing"

	"github.com/digitorus/timestamp"

	"github.com/qesproject/qes/internal/testutil/pdfcheck"
)

// signatureTimestamp returns the signature-time-stamp token of a CMS and the
// digest of the signature value it must cover, with the token's algorithm
// as digitorus/timestamp (not qes's parser) reads it.
func signatureTimestamp(t testing.TB, der []byte) (token, sigDigest []byte) {
	t.Helper()
	token, sigValue := pdfcheck.SignatureTimestamp(t, der)
	if token == nil {
		return nil, nil
	}
	ts, err := timestamp.Parse(token)
	if err != nil {
		t.Fatalf("parse signature time-stamp: %v", err)
	}
	h := ts.HashAlgorithm.New()
	h.Write(sigValue)
	return token, h.Sum(nil)
}
