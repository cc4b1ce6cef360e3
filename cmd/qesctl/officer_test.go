package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The officer commands on a data directory without a qesd (in-process).
func TestOperatorCommandsOffline(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("initialises a token and a CA")
	}
	data := t.TempDir()
	if err := os.WriteFile(filepath.Join(data, "qes.json"), []byte(`{"argon2id":{"time":1,"memoryKiB":64,"threads":1}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	create := []string{"--data", data, "operator", "create", "--user", "rossi", "--name", "Mario Rossi", "--tax-code", "RSSMRA80A01H501U",
		"--email", "mario@example.org", "--trained-on", "2020-01-10"}
	// The password from standard input, the URI printed once.
	r := runQesctl(t, nil, "Officer-Pass1!\n", create...)
	if r.code != 0 || !strings.Contains(r.stdout, "officer rossi created") || !strings.Contains(r.stdout, "otpauth://totp/") {
		t.Fatalf("operator create: %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout, "Officer-Pass1!") || strings.Contains(r.stderr, "Officer-Pass1!") {
		t.Fatal("operator create prints the password")
	}
	recent := time.Now().UTC().AddDate(0, -1, 0).Format("2006-01-02")
	cases := []struct {
		name string
		env  []string
		args []string
		code int
		want string
	}{
		{"taken", []string{"QES_PASSWORD=Officer-Pass1!"}, create, 1, "already exists"},
		{"bad tax code", []string{"QES_PASSWORD=Officer-Pass1!"}, []string{"--data", data, "operator", "create", "--user", "verdi", "--name", "G V",
			"--tax-code", "XXX", "--email", "g@example.org", "--trained-on", "2026-01-01"}, 1, "tax code is not valid"},
		{"missing flags", nil, []string{"--data", data, "operator", "create", "--user", "verdi"}, 1, "are required"},
		{"stale training listed", nil, []string{"--data", data, "operator", "list"}, 0, "no (training over 12 months old)"},
		{"trained", nil, []string{"--data", data, "operator", "trained", "--user", "rossi", "--on", recent}, 0, "officer rossi trained on " + recent},
		{"trained unknown", nil, []string{"--data", data, "operator", "trained", "--user", "nobody", "--on", recent}, 1, "There is no officer nobody"},
		{"disable unknown", nil, []string{"--data", data, "operator", "disable", "--user", "nobody"}, 1, "There is no officer nobody"},
		{"trained in the future", nil, []string{"--data", data, "operator", "trained", "--user", "rossi", "--on", "2999-01-05"}, 1, "not in the future"},
	}
	for _, c := range cases {
		r := runQesctl(t, c.env, "", c.args...)
		if r.code != c.code || !strings.Contains(r.stdout+r.stderr, c.want) {
			t.Errorf("%s: exit %d, want %d with %q\nstdout: %s\nstderr: %s", c.name, r.code, c.code, c.want, r.stdout, r.stderr)
		}
	}
	r = runQesctl(t, nil, "", "--data", data, "--json", "operator", "list")
	var list []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || len(list) != 1 || list[0]["trainedOn"] != recent || list[0]["trainingValid"] != true {
		t.Fatalf("operator list --json = %s (%v)", r.stdout, err)
	}
	if strings.Contains(r.stdout, "argon2id") || strings.Contains(r.stdout, "totp") {
		t.Fatal("operator list prints a secret")
	}
	if r := runQesctl(t, nil, "", "--data", data, "operator", "disable", "--user", "rossi"); r.code != 0 || !strings.Contains(r.stdout, "officer rossi disabled") {
		t.Fatalf("operator disable: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := runQesctl(t, nil, "", "--data", data, "operator", "list"); !strings.Contains(r.stdout, "no (disabled)") {
		t.Fatalf("operator list after disable: %s", r.stdout)
	}
}
