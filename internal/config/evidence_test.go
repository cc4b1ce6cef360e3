package config

import (
	"strings"
	"testing"
	"time"
)

func TestEvidenceRetention(t *testing.T) {
	c, err := load(t, "")
	if err != nil {
		t.Fatal(err)
	}
	if c.Evidence.RetentionYears != 20 || c.Evidence.FailedRetention.D() != 8760*time.Hour {
		t.Fatalf("evidence defaults = %+v, want 20 years and 8760h", c.Evidence)
	}
	c, err = load(t, `{"evidence":{"retentionYears":25,"failedRetention":"4380h"}}`)
	if err != nil || c.Evidence.RetentionYears != 25 || c.Evidence.FailedRetention.D() != 4380*time.Hour {
		t.Fatalf("evidence = %+v, %v", c.Evidence, err)
	}
	for _, tt := range []struct{ name, file, want string }{
		{"unknown key", `{"evidence":{"retention":20}}`, "unknown field"},
		{"negative years", `{"evidence":{"retentionYears":-1}}`, "evidence.retentionYears"},
		{"too short", `{"evidence":{"failedRetention":"1h"}}`, "evidence.failedRetention"},
		{"bad duration", `{"evidence":{"failedRetention":"a year"}}`, "duration"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, tt.file)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

// evidence.store follows storage.driver unless set: several nodes share a
// database, not a data directory.
func TestEvidenceStore(t *testing.T) {
	tests := []struct {
		name, file, want, wantErr string
	}{
		{name: "bolt keeps files", want: EvidenceInFiles},
		{name: "postgres keeps them in the store", file: `{"storage":{"driver":"postgres","dsn":"host=/run/pg"}}`, want: EvidenceInStore},
		{name: "files on postgres when asked", file: `{"storage":{"driver":"postgres","dsn":"host=/run/pg"},"evidence":{"store":"files"}}`, want: EvidenceInFiles},
		{name: "the store on bolt when asked", file: `{"evidence":{"store":"store"}}`, want: EvidenceInStore},
		{name: "unknown placement", file: `{"evidence":{"store":"s3"}}`, wantErr: `evidence.store is "s3"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(StorageDSNEnv, "")
			c, err := load(t, tt.file)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to mention %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Evidence.Store != tt.want {
				t.Fatalf("evidence.store = %q, want %q", c.Evidence.Store, tt.want)
			}
		})
	}
}
