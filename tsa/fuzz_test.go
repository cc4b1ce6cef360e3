package tsa

import (
	"context"
	"crypto"
	"errors"
	"io"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseRequest feeds arbitrary bytes to the request decoder and to the
// full Respond path: neither may panic, and every input gets an answer.
func FuzzParseRequest(f *testing.F) {
	f.Add(validQuery().encode(f))
	q := validQuery()
	q.critical, q.policy = true, testPolicy
	f.Add(q.encode(f))
	q = validQuery()
	q.nonce = big.NewInt(-1)
	f.Add(q.encode(f))
	if seeds, _ := filepath.Glob(filepath.Join("..", "testdata", "tsa", "*.tsq")); len(seeds) > 0 {
		for _, s := range seeds {
			if data, err := os.ReadFile(s); err == nil {
				f.Add(data)
			}
		}
	}
	p := newTestPKI(f, "P-256")
	tsa := newTestTSA(f, p)
	f.Fuzz(func(t *testing.T, der []byte) {
		req, err := parseRequest(der)
		if err == nil && (req.hash.Size() != len(req.digest) || req.imprint == nil) {
			t.Fatalf("accepted an inconsistent request: %+v", req)
		}
		var rej *rejection
		if err != nil && !errors.As(err, &rej) {
			t.Fatalf("parse error %v is not a rejection", err)
		}
		resp, err := tsa.Respond(context.Background(), "test", der)
		if err != nil || resp == nil {
			t.Fatalf("Respond: %v", err)
		}
		if _, err := ParseResponse(resp); err != nil {
			t.Fatalf("our own response does not parse: %v", err)
		}
	})
}

// failingSigner stands for an HSM that went away.
type failingSigner struct{ crypto.Signer }

func (failingSigner) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return nil, errors.New("CKR_DEVICE_REMOVED")
}

func TestSignerFailureIsSystemFailure(t *testing.T) {
	p := newTestPKI(t, "P-256")
	tsa := newTestTSA(t, p, func(c *Config) { c.Signer = failingSigner{p.tsaKey} })
	srv := newLoopbackServer(t, tsa.Handler())
	resp, err := srv.Client().Post(srv.URL, contentTypeQuery, bytesReader(validQuery().encode(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("HTTP %d, want 500 for a failed signer", resp.StatusCode)
	}
	parsed, err := ParseResponse(body)
	if err != nil {
		t.Fatal(err)
	}
	if parsed.Status != statusRejection || len(parsed.Failure) != 1 || parsed.Failure[0] != SystemFailure {
		t.Fatalf("got status %d failure %v, want rejection/systemFailure", parsed.Status, parsed.Failure)
	}
}
