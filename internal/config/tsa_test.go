package config

import (
	"strings"
	"testing"
	"time"
)

func TestTSADefaultsFollowTheCAPolicyArc(t *testing.T) {
	tests := []struct {
		name, file, wantPolicy string
	}{
		{"example arc", "", "1.3.6.1.4.1.55555.1.2"},
		{"operator arc", `{"ca":{"policyOID":"1.3.6.1.4.1.99999.7.1"}}`, "1.3.6.1.4.1.99999.7.2"},
		{"explicit", `{"tsa":{"policyOID":"1.2.3.4"}}`, "1.2.3.4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := load(t, tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if c.TSA.PolicyOID != tt.wantPolicy || c.TSA.Accuracy.D() != time.Second {
				t.Fatalf("tsa = %+v, want policy %s and accuracy 1s", c.TSA, tt.wantPolicy)
			}
		})
	}
}

func TestTSARejects(t *testing.T) {
	tests := []struct {
		name, file, want string
	}{
		{"not an OID", `{"tsa":{"policyOID":"tsa-policy"}}`, "tsa.policyOID"},
		{"one arc", `{"tsa":{"policyOID":"1"}}`, "tsa.policyOID"},
		{"bad first arc", `{"tsa":{"policyOID":"3.1"}}`, "tsa.policyOID"},
		{"leading zero", `{"tsa":{"policyOID":"1.02"}}`, "tsa.policyOID"},
		{"huge accuracy", `{"tsa":{"accuracy":"1h"}}`, "tsa.accuracy"},
		{"negative accuracy", `{"tsa":{"accuracy":"-1s"}}`, "tsa.accuracy"},
		{"unknown clock", `{"tsa":{"clock":"ntp-ish"}}`, "tsa.clock"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, tt.file)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

// The TSA checks the kernel's clock discipline unless told otherwise; only a
// plain-HTTP loopback development server trusts its clock unchecked.
func TestTSAClockDefaults(t *testing.T) {
	tests := []struct {
		name, file, want string
	}{
		{"development loopback", ``, ClockUnchecked},
		{"production over TLS", `{"listen":"0.0.0.0:8443","tls":{"certFile":"c.pem","keyFile":"k.pem"},"payments":{"provider":"none"}}`, ClockKernel},
		{"development asks for the check", `{"tsa":{"clock":"kernel"}}`, ClockKernel},
		{"production overrides", `{"listen":"0.0.0.0:8443","tls":{"certFile":"c.pem","keyFile":"k.pem"},"tsa":{"clock":"unchecked"},"payments":{"provider":"none"}}`, ClockUnchecked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := load(t, tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if c.TSA.Clock != tt.want {
				t.Fatalf("tsa.clock = %q, want %q", c.TSA.Clock, tt.want)
			}
		})
	}
}
