package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func load(t *testing.T, file string) (*Config, error) {
	t.Helper()
	dir := t.TempDir()
	if file != "" {
		if err := os.WriteFile(filepath.Join(dir, FileName), []byte(file), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return Load(dir)
}

func TestDefaultsRunEmbedded(t *testing.T) {
	c, err := load(t, "")
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:8080" || c.PublicURL != "http://127.0.0.1:8080" || !c.HSM.Embedded() {
		t.Fatalf("defaults = %+v", c)
	}
	if c.CA.Validity.D() != 3*365*24*time.Hour || c.CA.MaxSuspension.D() != 30*24*time.Hour {
		t.Fatalf("CA defaults = %+v", c.CA)
	}
	if !strings.HasPrefix(c.HSM.PINFile, c.DataDir) {
		t.Fatal("the embedded token's PIN lives in the data directory")
	}
}

func TestLoadRejects(t *testing.T) {
	tests := []struct {
		name, file, want string
	}{
		{"unknown key", `{"lisen":"127.0.0.1:1"}`, "unknown field"},
		{"plain http off loopback", `{"listen":"0.0.0.0:8080"}`, "plain HTTP is refused"},
		{"half TLS", `{"listen":"0.0.0.0:8443","tls":{"certFile":"c.pem"}}`, "both certFile and keyFile"},
		{"bad duration", `{"ca":{"validity":"3 years"}}`, "duration"},
		{"bad level", `{"log":{"level":"loud"}}`, "log.level"},
		{"bad listen", `{"listen":"8080"}`, "listen address"},
		{"bad region", `{"service":{"region":"Italy"}}`, "service.region"},
		{"dev payments off loopback", `{"listen":"0.0.0.0:8443","tls":{"certFile":"c.pem","keyFile":"k.pem"}}`, "dev payment provider"},
		{"unknown payments provider", `{"payments":{"provider":"paypal"}}`, "payments.provider"},
		{"unknown enrol key", `{"enrol":{"price":7900}}`, "unknown field"},
		{"bad VAT country", `{"enrol":{"vat":{"Italy":2200}}}`, "enrol.vat"},
		{"bad VAT rate", `{"enrol":{"vat":{"IT":22000}}}`, "basis points"},
		{"bad currency", `{"enrol":{"currency":"euro"}}`, "enrol.currency"},
		{"skip an unknown job", `{"jobs":{"skip":["janitr"]}}`, "jobs.skip \"janitr\""},
		{"skip status-sync", `{"jobs":{"skip":["status-sync"]}}`, "jobs.skip \"status-sync\""},
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

func TestTLSAllowsPublicListen(t *testing.T) {
	c, err := load(t, `{"listen":"0.0.0.0:8443","tls":{"certFile":"c.pem","keyFile":"k.pem"},"ca":{"validity":"8760h"},"payments":{"provider":"none"}}`)
	if err != nil {
		t.Fatal(err)
	}
	if c.PublicURL != "https://0.0.0.0:8443" || c.CA.Validity.D() != 8760*time.Hour {
		t.Fatalf("config = %+v", c)
	}
}

// The dev payment provider follows the TLS rule: loopback only, unless
// the file says otherwise in so many words.
func TestDevPaymentsOffLoopback(t *testing.T) {
	cases := []struct {
		name, file string
		ok         bool
	}{
		{"loopback default", `{}`, true},
		{"public, dev", `{"listen":"0.0.0.0:8443","tls":{"certFile":"c.pem","keyFile":"k.pem"}}`, false},
		{"public, dev allowed", `{"listen":"0.0.0.0:8443","tls":{"certFile":"c.pem","keyFile":"k.pem"},"payments":{"allowDevOffLoopback":true}}`, true},
		{"public, none", `{"listen":"0.0.0.0:8443","tls":{"certFile":"c.pem","keyFile":"k.pem"},"payments":{"provider":"none"}}`, true},
	}
	for _, c := range cases {
		_, err := load(t, c.file)
		if (err == nil) != c.ok {
			t.Errorf("%s: %v, want ok=%v", c.name, err, c.ok)
		}
	}
}

func TestEnrolDefaults(t *testing.T) {
	c, err := load(t, "")
	if err != nil {
		t.Fatal(err)
	}
	e := c.Enrol
	if e.NetCents != 7900 || e.Currency != "EUR" || e.ValidityYears != 3 || e.VAT["IT"] != 2200 || e.IdentificationTTL.D() != 30*time.Minute ||
		e.MaxAttempts != 3 || e.ProofingValidity.D() != 720*time.Hour || e.ActivationDeadline.D() != 1440*time.Hour || e.PassphraseMin != 6 || e.FourEyes {
		t.Fatalf("enrol defaults = %+v", e)
	}
	if c.Payments.Provider != "dev" || c.Payments.AllowDevOffLoopback {
		t.Fatalf("payments defaults = %+v", c.Payments)
	}
}

func TestHSMPINFile(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "hsm.pin")
	tests := []struct {
		name, file string
		// want is a fragment of the error; empty means the file loads.
		want string
	}{
		{"configured module, PIN file outside", `{"hsm":{"module":"/usr/lib/softhsm/libsofthsm2.so","pinFile":"` + outside + `"}}`, ""},
		{"configured module, no PIN file (environment, credential or prompt)", `{"hsm":{"module":"/usr/lib/softhsm/libsofthsm2.so"}}`, ""},
		{"configured module, PIN file inside the data directory", `{"hsm":{"module":"/usr/lib/softhsm/libsofthsm2.so","pinFile":"DATA/hsm/pin"}}`, "inside the data directory"},
		{"configured module, PIN file is the data directory's qes.json neighbour", `{"hsm":{"module":"/m.so","pinFile":"DATA/pin"}}`, "inside the data directory"},
		{"embedded token keeps its PIN in the data directory", `{"hsm":{"pinFile":"DATA/hsm/pin"}}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			file := strings.ReplaceAll(tt.file, "DATA", dir)
			if err := os.WriteFile(filepath.Join(dir, FileName), []byte(file), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(dir)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

// The settings a node of several needs: a shared token directory (its PIN
// file beside it), a shared dev outbox, a name, job intervals.
func TestClusterSettings(t *testing.T) {
	shared := t.TempDir()
	tests := []struct {
		name, file                string
		tokenDir, pinFile, outbox func(c *Config) string
		every, statusSync         time.Duration
		named                     bool
	}{
		{
			name:     "defaults: all in the data directory",
			file:     `{}`,
			tokenDir: func(c *Config) string { return filepath.Join(c.DataDir, "hsm") },
			pinFile:  func(c *Config) string { return filepath.Join(c.DataDir, "hsm", "pin") },
			outbox:   func(c *Config) string { return filepath.Join(c.DataDir, "outbox.jsonl") },
			every:    time.Minute, statusSync: 5 * time.Second,
		},
		{
			name:     "a node of a cluster",
			file:     `{"node":"node2","hsm":{"tokenDir":"` + shared + `/token"},"outbox":"` + shared + `/outbox.jsonl","jobs":{"every":"2s","statusSync":"1s","skip":["evidence"]}}`,
			tokenDir: func(*Config) string { return filepath.Join(shared, "token") },
			pinFile:  func(*Config) string { return filepath.Join(shared, "token", "pin") },
			outbox:   func(*Config) string { return filepath.Join(shared, "outbox.jsonl") },
			every:    2 * time.Second, statusSync: time.Second, named: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := load(t, tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if c.TokenDir() != tt.tokenDir(c) || c.HSM.PINFile != tt.pinFile(c) || c.Outbox != tt.outbox(c) {
				t.Errorf("token dir %s, PIN file %s, outbox %s; want %s, %s, %s", c.TokenDir(), c.HSM.PINFile, c.Outbox, tt.tokenDir(c), tt.pinFile(c), tt.outbox(c))
			}
			if c.Jobs.Every.D() != tt.every || c.Jobs.StatusSync.D() != tt.statusSync {
				t.Errorf("jobs %+v, want every %v, status sync %v", c.Jobs, tt.every, tt.statusSync)
			}
			if (c.Node == "node2") != tt.named || c.Node == "" {
				t.Errorf("node %q, want the configured name: %v", c.Node, tt.named)
			}
		})
	}
}

// Relative shared paths are taken from the working directory once, so
// that every later use means the same place.
func TestClusterPathsAreAbsolute(t *testing.T) {
	c, err := load(t, `{"hsm":{"tokenDir":"shared/token"},"outbox":"shared/outbox.jsonl"}`)
	if err != nil {
		t.Fatal(err)
	}
	if !filepath.IsAbs(c.HSM.TokenDir) || !filepath.IsAbs(c.Outbox) {
		t.Fatalf("token dir %q and outbox %q must be absolute", c.HSM.TokenDir, c.Outbox)
	}
}
