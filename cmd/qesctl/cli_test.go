package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/storage/bolt"
)

// qesctlResult is one run of the real qesctl binary.
type qesctlResult struct {
	stdout, stderr string
	code           int
}

// runQesctl runs the built binary with only the given QES_* variables (the
// caller's own must not leak in) and stdin as its standard input.
func runQesctl(t *testing.T, env []string, stdin string, args ...string) qesctlResult {
	t.Helper()
	cmd := exec.Command(testutil.Binary(t, "qesctl"), args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "QES_") && !strings.HasPrefix(kv, "SOFTHSM2_CONF=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	code := 0
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatalf("run qesctl: %v", err)
	}
	return qesctlResult{stdout.String(), stderr.String(), code}
}

func TestHelpListsEveryCommand(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}, {"--data", "x", "--help"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			r := runQesctl(t, nil, "", args...)
			if r.code != 0 {
				t.Fatalf("exit %d, want 0; stderr:\n%s", r.code, r.stderr)
			}
			for _, c := range commands {
				if !strings.Contains(r.stdout, "  "+c.name+" ") || !strings.Contains(r.stdout, c.summary) {
					t.Errorf("help does not list %q (%s):\n%s", c.name, c.summary, r.stdout)
				}
			}
			for _, env := range []string{"QES_PASSWORD", "QES_PIN", "QES_PUK", "QES_NEW_PIN", "QES_OTP"} {
				if !strings.Contains(r.stdout, env) {
					t.Errorf("help does not document %s", env)
				}
			}
		})
	}
	// Every command word pair the dispatcher knows is in the table the help
	// prints; an unknown one is a usage error.
	for _, args := range [][]string{nil, {"holder"}, {"frobnicate", "now"}, {"--verbose", "audit", "verify"}} {
		if r := runQesctl(t, nil, "", args...); r.code != 1 || !strings.Contains(r.stderr, "usage: qesctl") {
			t.Errorf("qesctl %q: exit %d, want 1 with the usage on stderr:\n%s", args, r.code, r.stderr)
		}
	}
}

// TestHolderCreateRequiresTheIdentity: a qualified certificate names a real
// person, so a forgotten flag must stop the command before it touches the
// data directory, not certify the demo person.
func TestHolderCreateRequiresTheIdentity(t *testing.T) {
	t.Parallel()
	base := []string{"holder", "create", "--user", "u1", "--phone", "+393330000001", "--email", "u1@example.org"}
	tests := []struct {
		name  string
		extra []string
	}{
		{"no identity", nil},
		{"no identifier", []string{"--given-name", "Anna", "--surname", "Bianchi"}},
		{"no surname", []string{"--given-name", "Anna", "--id", "TINIT-BNCNNA85M41F205Q"}},
		{"no given name", []string{"--surname", "Bianchi", "--id", "TINIT-BNCNNA85M41F205Q"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			data := filepath.Join(t.TempDir(), "var")
			args := append([]string{"--data", data}, append(base, tt.extra...)...)
			r := runQesctl(t, []string{"QES_PASSWORD=Secret-Pass1!", "QES_PIN=246813"}, "", args...)
			if r.code != 1 || !strings.Contains(r.stderr, "--given-name, --surname and --id") {
				t.Fatalf("exit %d, want 1 asking for the identity; stderr:\n%s", r.code, r.stderr)
			}
			if _, err := os.Stat(data); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("the refused command touched the data directory (stat: %v)", err)
			}
		})
	}
}

// TestOperatorCLIWithTheRealBinary creates holders the ways an operator
// can, with global flags before or after the command and secrets from the
// environment, standard input or the deprecated flags, then checks in the
// database what was stored.
func TestOperatorCLIWithTheRealBinary(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("initialises a token and a CA")
	}
	data := t.TempDir()
	// argon2id at its minimum: the test checks where secrets come from, not
	// the hash's cost.
	if err := os.WriteFile(filepath.Join(data, "qes.json"), []byte(`{"argon2id":{"time":1,"memoryKiB":64,"threads":1}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	identity := []string{"--given-name", "Anna", "--surname", "Bianchi", "--id", "TINIT-BNCNNA85M41F205Q"}
	type want struct{ given, surname, id, password, pin, warn string }
	tests := []struct {
		name  string
		args  []string
		env   []string
		stdin string
		want  want
	}{
		{
			name: "global flags before the command, secrets from the environment",
			args: append([]string{"--data", data, "--json", "holder", "create", "--user", "env", "--phone", "+393330000002", "--email", "env@example.org"}, identity...),
			env:  []string{"QES_PASSWORD=Env-Secret-Pass1!", "QES_PIN=135790"},
			want: want{"Anna", "Bianchi", "TINIT-BNCNNA85M41F205Q", "Env-Secret-Pass1!", "135790", ""},
		},
		{
			name:  "global flags after the command, secrets on standard input",
			args:  append([]string{"holder", "create", "--data=" + data, "--user", "stdin", "--phone", "+393330000003", "--email", "stdin@example.org", "--json"}, identity...),
			stdin: "Stdin-Secret-Pass1!\n864209\n",
			want:  want{"Anna", "Bianchi", "TINIT-BNCNNA85M41F205Q", "Stdin-Secret-Pass1!", "864209", ""},
		},
		{
			name: "deprecated secret flags still work and warn",
			args: append([]string{"--data", data, "holder", "create", "--json", "--user", "flags", "--phone", "+393330000004", "--email", "flags@example.org",
				"--password", "Flag-Secret-Pass1!", "--pin", "975310"}, identity...),
			want: want{"Anna", "Bianchi", "TINIT-BNCNNA85M41F205Q", "Flag-Secret-Pass1!", "975310", "--password is deprecated"},
		},
		{
			name: "--demo fills in the demo person",
			args: []string{"--data", data, "--json", "holder", "create", "--demo", "--user", "demo2", "--phone", "+393330000005", "--email", "demo2@example.org"},
			env:  []string{"QES_PASSWORD=Demo-Secret-Pass1!", "QES_PIN=112358"},
			want: want{"Mario", "Rossi", "TINIT-RSSMRA80A01H501U", "Demo-Secret-Pass1!", "112358", ""},
		},
	}
	// One data directory, so the runs go one after the other: the
	// database admits one process at a time.
	type created struct{ user, credential, puk string }
	var made []created
	for _, tt := range tests {
		r := runQesctl(t, tt.env, tt.stdin, tt.args...)
		if r.code != 0 {
			t.Fatalf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", tt.name, r.code, r.stdout, r.stderr)
		}
		if tt.want.warn != "" && !strings.Contains(r.stderr, tt.want.warn) {
			t.Errorf("%s: no deprecation warning %q on stderr:\n%s", tt.name, tt.want.warn, r.stderr)
		}
		if tt.want.warn == "" && strings.Contains(r.stderr, "deprecated") {
			t.Errorf("%s: unexpected deprecation warning:\n%s", tt.name, r.stderr)
		}
		var res struct{ UserID, CredentialID, PUK string }
		if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || res.CredentialID == "" {
			t.Fatalf("%s: --json output %q: %v", tt.name, r.stdout, err)
		}
		made = append(made, created{res.UserID, res.CredentialID, res.PUK})
	}

	// The PUK and the new PIN of an unblock come the same ways.
	unblocked := "123789"
	r := runQesctl(t, nil, made[0].puk+"\n"+unblocked+"\n", "--data", data, "holder", "unblock", "--user", made[0].user, "--credential", made[0].credential)
	if r.code != 0 || !strings.Contains(r.stdout, "PIN unblocked") {
		t.Fatalf("holder unblock: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	tests[0].want.pin = unblocked

	db, err := bolt.Open(filepath.Join(data, "qes.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := db.Holder(ctx, made[i].user)
			if err != nil {
				t.Fatal(err)
			}
			if h.GivenName != tt.want.given || h.Surname != tt.want.surname || h.SemanticsID != tt.want.id {
				t.Errorf("identity %s %s %s, want %s %s %s", h.GivenName, h.Surname, h.SemanticsID, tt.want.given, tt.want.surname, tt.want.id)
			}
			if ok, err := secret.Verify(tt.want.password, h.PasswordHash); !ok || err != nil {
				t.Errorf("stored password is not %q (%v)", tt.want.password, err)
			}
			c, err := db.Credential(ctx, made[i].credential)
			if err != nil {
				t.Fatal(err)
			}
			if ok, err := secret.Verify(tt.want.pin, c.PINHash); !ok || err != nil {
				t.Errorf("stored PIN is not %q (%v)", tt.want.pin, err)
			}
		})
	}
}
