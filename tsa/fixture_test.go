package tsa

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestOpenSSLQueryFixtures answers queries that openssl ts -query wrote
// (testdata/tsa), so real-client encodings are covered without openssl.
func TestOpenSSLQueryFixtures(t *testing.T) {
	p := newTestPKI(t, "P-256")
	tsa := newTestTSA(t, p)
	cases := []struct {
		file    string
		status  int
		failure []FailureInfo
	}{
		{"openssl-sha256-cert.tsq", statusGranted, nil},
		{"openssl-sha1.tsq", statusRejection, []FailureInfo{BadAlg}},
		{"openssl-sha512-policy.tsq", statusRejection, []FailureInfo{UnacceptedPolicy}},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			der, err := os.ReadFile(filepath.Join("..", "testdata", "tsa", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			out, err := tsa.Respond(context.Background(), "test", der)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := ParseResponse(out)
			if err != nil {
				t.Fatal(err)
			}
			if resp.Status != tc.status || !slices.Equal(resp.Failure, tc.failure) {
				t.Fatalf("status %d failure %v (%s), want %d %v", resp.Status, resp.Failure, resp.Text, tc.status, tc.failure)
			}
		})
	}
}
