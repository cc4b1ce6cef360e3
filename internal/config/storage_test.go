package config

import (
	"strings"
	"testing"
)

func TestStorage(t *testing.T) {
	tests := []struct {
		name, file, env     string
		wantDriver, wantDSN string
		wantErr             string
	}{
		{name: "default is the embedded file", wantDriver: "bolt"},
		{name: "postgres from the file", file: `{"storage":{"driver":"postgres","dsn":"host=/run/pg dbname=qes"}}`,
			wantDriver: "postgres", wantDSN: "host=/run/pg dbname=qes"},
		{name: "the environment's DSN wins", file: `{"storage":{"driver":"postgres","dsn":"host=a"}}`, env: "host=b password=x",
			wantDriver: "postgres", wantDSN: "host=b password=x"},
		{name: "postgres DSN from the environment alone", file: `{"storage":{"driver":"postgres"}}`, env: "host=c",
			wantDriver: "postgres", wantDSN: "host=c"},
		{name: "postgres without a DSN", file: `{"storage":{"driver":"postgres"}}`, wantErr: "QES_STORAGE_DSN"},
		{name: "unknown driver", file: `{"storage":{"driver":"mysql"}}`, wantErr: `"mysql"`},
		{name: "unknown key", file: `{"storage":{"driver":"bolt","url":"x"}}`, wantErr: "unknown field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(StorageDSNEnv, tt.env)
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
			if c.Storage.Driver != tt.wantDriver || c.Storage.DSN != tt.wantDSN {
				t.Fatalf("storage = %+v, want %s %q", c.Storage, tt.wantDriver, tt.wantDSN)
			}
		})
	}
}
