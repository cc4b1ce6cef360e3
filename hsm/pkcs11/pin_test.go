package pkcs11_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qesproject/qes/hsm/pkcs11"
)

func TestResolvePINSources(t *testing.T) {
	const pin = "4711-0815-2342"
	// write puts a PIN file at path with mode and returns path.
	write := func(t *testing.T, path string, mode os.FileMode, content string) string {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		// WriteFile's mode passes through the umask; Chmod does not.
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		return path
	}
	type env struct {
		data, outside string // data directory; a directory outside it
	}
	tests := []struct {
		name string
		// setup returns hsm.pinFile and the environment.
		setup    func(t *testing.T, e env) (pinFile string, vars map[string]string)
		terminal bool
		wantSrc  string   // the source, on success
		wantErr  []string // every fragment the error must name
	}{
		{
			name: "environment wins over a file",
			setup: func(t *testing.T, e env) (string, map[string]string) {
				f := write(t, filepath.Join(e.outside, "pin"), 0o600, "file-pin\n")
				return f, map[string]string{"QES_HSM_PIN": pin}
			},
			wantSrc: "environment QES_HSM_PIN",
		},
		{
			name: "file with mode 0600 outside the data directory",
			setup: func(t *testing.T, e env) (string, map[string]string) {
				return write(t, filepath.Join(e.outside, "hsm.pin"), 0o600, pin+"\n"), nil
			},
			wantSrc: "hsm.pinFile",
		},
		{
			name: "file with mode 0400 wins over the credentials directory",
			setup: func(t *testing.T, e env) (string, map[string]string) {
				creds := filepath.Join(e.outside, "creds")
				write(t, filepath.Join(creds, "hsm-pin"), 0o400, "credential-pin")
				return write(t, filepath.Join(e.outside, "hsm.pin"), 0o400, pin), map[string]string{"CREDENTIALS_DIRECTORY": creds}
			},
			wantSrc: "hsm.pinFile",
		},
		{
			name: "file readable by the group is refused",
			setup: func(t *testing.T, e env) (string, map[string]string) {
				return write(t, filepath.Join(e.outside, "hsm.pin"), 0o640, pin), nil
			},
			wantErr: []string{"mode 0640", "chmod 600"},
		},
		{
			name: "file readable by others is refused",
			setup: func(t *testing.T, e env) (string, map[string]string) {
				return write(t, filepath.Join(e.outside, "hsm.pin"), 0o604, pin), nil
			},
			wantErr: []string{"mode 0604"},
		},
		{
			name: "file inside the data directory is refused",
			setup: func(t *testing.T, e env) (string, map[string]string) {
				return write(t, filepath.Join(e.data, "hsm", "pin"), 0o600, pin), nil
			},
			wantErr: []string{"inside the data directory"},
		},
		{
			name: "symbolic link into the data directory is refused",
			setup: func(t *testing.T, e env) (string, map[string]string) {
				target := write(t, filepath.Join(e.data, "pin"), 0o600, pin)
				link := filepath.Join(e.outside, "hsm.pin")
				if err := os.Symlink(target, link); err != nil {
					t.Fatal(err)
				}
				return link, nil
			},
			wantErr: []string{"inside the data directory"},
		},
		{
			name: "missing file is an error, not a fall-through",
			setup: func(t *testing.T, e env) (string, map[string]string) {
				return filepath.Join(e.outside, "absent.pin"), nil
			},
			terminal: true,
			wantErr:  []string{"absent.pin", "no such file"},
		},
		{
			name: "empty file is refused",
			setup: func(t *testing.T, e env) (string, map[string]string) {
				return write(t, filepath.Join(e.outside, "hsm.pin"), 0o600, "\n"), nil
			},
			wantErr: []string{"is empty"},
		},
		{
			name: "systemd credentials directory",
			setup: func(t *testing.T, e env) (string, map[string]string) {
				creds := filepath.Join(e.outside, "creds")
				write(t, filepath.Join(creds, "hsm-pin"), 0o400, pin)
				return "", map[string]string{"CREDENTIALS_DIRECTORY": creds}
			},
			wantSrc: "systemd credential",
		},
		{
			name: "systemd credential readable by others is refused",
			setup: func(t *testing.T, e env) (string, map[string]string) {
				creds := filepath.Join(e.outside, "creds")
				write(t, filepath.Join(creds, "hsm-pin"), 0o444, pin)
				return "", map[string]string{"CREDENTIALS_DIRECTORY": creds}
			},
			wantErr: []string{"mode 0444"},
		},
		{
			name: "credentials directory without hsm-pin falls through to the prompt",
			setup: func(t *testing.T, e env) (string, map[string]string) {
				creds := filepath.Join(e.outside, "creds")
				write(t, filepath.Join(creds, "tls-key"), 0o400, "other credential")
				return "", map[string]string{"CREDENTIALS_DIRECTORY": creds}
			},
			terminal: true,
			wantSrc:  "interactive prompt",
		},
		{
			name:     "prompt on a terminal",
			setup:    func(t *testing.T, e env) (string, map[string]string) { return "", nil },
			terminal: true,
			wantSrc:  "interactive prompt",
		},
		{
			name:    "nothing: refuse, naming every option",
			setup:   func(t *testing.T, e env) (string, map[string]string) { return "", nil },
			wantErr: []string{"QES_HSM_PIN", "hsm.pinFile", "outside the data directory", "CREDENTIALS_DIRECTORY", "hsm-pin", "terminal"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			e := env{data: filepath.Join(root, "var"), outside: filepath.Join(root, "etc")}
			for _, d := range []string{e.data, e.outside} {
				if err := os.MkdirAll(d, 0o700); err != nil {
					t.Fatal(err)
				}
			}
			pinFile, vars := tt.setup(t, e)
			prompted := false
			got, src, err := pkcs11.ResolvePIN(pkcs11.PINSources{
				TokenLabel: "qes", DataDir: e.data, PINFile: pinFile,
				Getenv:     func(k string) string { return vars[k] },
				IsTerminal: func() bool { return tt.terminal },
				Prompt:     func(string) (string, error) { prompted = true; return pin + "\n", nil },
			})
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("got PIN from %q, want an error naming %q", src, tt.wantErr)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not name %q", err, w)
					}
				}
				if strings.Contains(err.Error(), pin) {
					t.Errorf("error %q shows the PIN", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != pin {
				t.Fatalf("PIN = %q, want %q (source %q)", got, pin, src)
			}
			if !strings.Contains(src, tt.wantSrc) {
				t.Fatalf("source = %q, want it to say %q", src, tt.wantSrc)
			}
			if strings.Contains(src, pin) {
				t.Fatalf("source %q shows the PIN", src)
			}
			if prompted != (tt.wantSrc == "interactive prompt") {
				t.Fatalf("prompted = %v for source %q", prompted, src)
			}
		})
	}
}
