package ocsp

import (
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/testutil/testpki"
)

func TestNewRefusesImproperConfig(t *testing.T) {
	p := newTestPKI(t)
	key := testpki.Key(t, testpki.P256)
	noEKU := newResponderCert(t, p.ca, key, false, true)
	noNoCheck := newResponderCert(t, p.ca, key, true, false)
	byRoot := newResponderCert(t, p.root, key, true, true)
	cases := []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{"no OCSPSigning purpose", func(c *Config) { c.Certificate, c.Signer = noEKU.cert, key }, "id-kp-OCSPSigning"},
		{"no nocheck", func(c *Config) { c.Certificate, c.Signer = noNoCheck.cert, key }, "nocheck"},
		{"issued by another CA", func(c *Config) { c.Certificate, c.Signer = byRoot.cert, key }, "not issued by the Issuer"},
		{"foreign key", func(c *Config) { c.Signer = key }, "public key is not the responder"},
		{"no issuer", func(c *Config) { c.Issuer = nil }, "Issuer certificate is required"},
		{"no source", func(c *Config) { c.Source = nil }, "Source is required"},
		{"refresh not below validity", func(c *Config) { c.Refresh, c.Validity = 2*time.Hour, time.Hour }, "must be shorter"},
		{"negative cache size", func(c *Config) { c.MaxCacheEntries = -1 }, "must not be negative"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{Issuer: p.ca.cert, Certificate: p.responder.cert, Signer: p.responder.key, Source: standardSource(p)}
			tc.mutate(&cfg)
			_, err := New(cfg)
			if errs.KindOf(err) != errs.InvalidRequest || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want InvalidRequest containing %q", err, tc.want)
			}
		})
	}
}
