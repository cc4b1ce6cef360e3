package tsa

import (
	"context"
	"crypto"
	"crypto/x509"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/testutil/testpki"
)

func TestNewRefusesImproperConfig(t *testing.T) {
	p := newTestPKI(t, "P-256")
	other := testpki.Key(t, testpki.P256)
	cases := []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{"no extendedKeyUsage", func(c *Config) { c.Certificate = tsaCert(t, p.tsaKey, ekuNone) }, "has no extendedKeyUsage"},
		{"non-critical extendedKeyUsage", func(c *Config) { c.Certificate = tsaCert(t, p.tsaKey, ekuNonCritical) }, "is not critical"},
		{"extra purpose", func(c *Config) { c.Certificate = tsaCert(t, p.tsaKey, ekuWithServerAuth) }, "and nothing else"},
		{"key of another certificate", func(c *Config) { c.Signer = other }, "not the TSA certificate's"},
		{"RSA-1024", func(c *Config) {
			k := testpki.Key(t, testpki.RSA1024)
			c.Signer, c.Certificate = k, tsaCert(t, k, ekuCriticalTimeStamping)
		}, "too short"},
		{"no signer", func(c *Config) { c.Signer = nil }, "Signer is required"},
		{"no certificate", func(c *Config) { c.Certificate = nil }, "Certificate is required"},
		{"no policy", func(c *Config) { c.Policy = nil }, "Policy OID is required"},
		{"negative accuracy", func(c *Config) { c.Accuracy = -1 }, "Accuracy"},
		{"keyUsage without digitalSignature", func(c *Config) {
			cert := *c.Certificate
			cert.KeyUsage = x509.KeyUsageCertSign
			c.Certificate = &cert
		}, "keyUsage"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{Signer: p.tsaKey, Certificate: p.tsa, Policy: testPolicy}
			tc.mutate(&cfg)
			_, err := New(cfg)
			if err == nil {
				t.Fatal("New accepted the configuration")
			}
			if errs.KindOf(err) != errs.InvalidRequest || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q (kind %v), want InvalidRequest containing %q", err, errs.KindOf(err), tc.want)
			}
		})
	}
}

func TestTimestampRefusesBadInput(t *testing.T) {
	p := newTestPKI(t, "P-256")
	tsa := newTestTSA(t, p)
	cases := []struct {
		name   string
		hash   crypto.Hash
		digest []byte
		want   string
	}{
		{"SHA-1", crypto.SHA1, make([]byte, 20), "not accepted"},
		{"MD5", crypto.MD5, make([]byte, 16), "not accepted"},
		{"wrong length", crypto.SHA256, make([]byte, 20), "20 bytes"},
		{"no digest", crypto.SHA384, nil, "0 bytes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tsa.Timestamp(context.Background(), "test", tc.hash, tc.digest, nil)
			if errs.KindOf(err) != errs.InvalidRequest || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want InvalidRequest containing %q", err, tc.want)
			}
		})
	}
}

func TestTimestampHonoursCancelledContext(t *testing.T) {
	p := newTestPKI(t, "P-256")
	tsa := newTestTSA(t, p)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := tsa.Timestamp(ctx, "test", crypto.SHA256, sum256("x"), nil); err == nil {
		t.Fatal("a cancelled request was signed")
	}
}
