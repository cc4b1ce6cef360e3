package pkcs11

// This file has no build constraint: choosing where a token's user PIN comes
// from needs no cgo, and a build without cgo still explains its choice.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/term"
)

// PINEnv is the environment variable that carries the token user PIN.
const PINEnv = "QES_HSM_PIN"

// CredentialName is the systemd credential (LoadCredential=hsm-pin:...) read
// from $CREDENTIALS_DIRECTORY when hsm.pinFile is empty.
const CredentialName = "hsm-pin"

// PINSources describes where the user PIN of a configured PKCS#11 token may
// come from. The zero values of Getenv, IsTerminal and Prompt mean the
// process's environment and standard input.
type PINSources struct {
	TokenLabel string
	// DataDir holds the database and audit log: a PIN file there would be
	// stolen with any copy of them, so it is refused.
	DataDir string
	// PINFile is hsm.pinFile (empty when not configured).
	PINFile string

	Getenv     func(string) string
	IsTerminal func() bool
	// Prompt asks for the PIN without echo; only called when IsTerminal.
	Prompt func(label string) (string, error)
}

// ResolvePIN returns the user PIN and a description of where it came from
// (safe to log: it never contains the PIN). The order is fixed so that an
// operator can predict it: the QES_HSM_PIN environment variable, then
// hsm.pinFile, then (only when hsm.pinFile is empty) the systemd credential
// $CREDENTIALS_DIRECTORY/hsm-pin, then a prompt when standard input is a
// terminal. With none of them it fails, naming every option.
func ResolvePIN(s PINSources) (pin, source string, err error) {
	getenv := s.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	if pin := getenv(PINEnv); pin != "" {
		return pin, "environment " + PINEnv, nil
	}
	if s.PINFile != "" {
		pin, err := readPINFile(s.PINFile, s.DataDir)
		if err != nil {
			return "", "", err
		}
		return pin, "file " + s.PINFile + " (hsm.pinFile)", nil
	}
	if dir := getenv("CREDENTIALS_DIRECTORY"); dir != "" {
		path := filepath.Join(dir, CredentialName)
		if _, err := os.Stat(path); err == nil {
			pin, err := readPINFile(path, s.DataDir)
			if err != nil {
				return "", "", err
			}
			return pin, "systemd credential " + path, nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", "", fmt.Errorf("hsm: systemd credential %s: %w", path, err)
		}
	}
	isTerminal, prompt := s.IsTerminal, s.Prompt
	if isTerminal == nil {
		isTerminal = func() bool { return term.IsTerminal(int(os.Stdin.Fd())) }
	}
	if prompt == nil {
		prompt = promptStdin
	}
	if isTerminal() {
		pin, err := prompt(s.TokenLabel)
		if err != nil {
			return "", "", fmt.Errorf("hsm: read the token PIN from the terminal: %w", err)
		}
		if pin = strings.TrimSpace(pin); pin == "" {
			return "", "", errors.New("hsm: the token PIN typed at the prompt is empty")
		}
		return pin, "interactive prompt", nil
	}
	return "", "", fmt.Errorf("hsm: no user PIN for token %q: set the %s environment variable, "+
		"or hsm.pinFile to a file outside the data directory readable only by its owner (mode 0600 or 0400), "+
		"or pass a systemd credential named %q (LoadCredential=%s:/path, read from $CREDENTIALS_DIRECTORY), "+
		"or start qes on a terminal to be asked for it", s.TokenLabel, PINEnv, CredentialName, CredentialName)
}

// readPINFile reads a PIN file after checking that it lies outside the data
// directory and that neither group nor others can read it.
func readPINFile(path, dataDir string) (string, error) {
	if dataDir != "" {
		inside, err := within(path, dataDir)
		if err != nil {
			return "", err
		}
		if inside {
			return "", fmt.Errorf("hsm: PIN file %s is inside the data directory %s, where any backup or copy of the database carries it too: move it outside (for example /etc/qes/hsm.pin or a systemd credential)", path, dataDir)
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("hsm: PIN file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("hsm: PIN file %s is not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return "", fmt.Errorf("hsm: PIN file %s has mode %04o: group and others must not be able to read it; run chmod 600 %s", path, perm, path)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("hsm: read PIN file: %w", err)
	}
	pin := strings.TrimSpace(string(raw))
	if pin == "" {
		return "", fmt.Errorf("hsm: PIN file %s is empty", path)
	}
	return pin, nil
}

// within reports whether path lies inside dir, after resolving symbolic
// links so that a link from outside into the data directory is caught too.
func within(path, dir string) (bool, error) {
	p, err := resolve(path)
	if err != nil {
		return false, fmt.Errorf("hsm: PIN file %s: %w", path, err)
	}
	d, err := resolve(dir)
	if err != nil {
		return false, fmt.Errorf("hsm: data directory %s: %w", dir, err)
	}
	rel, err := filepath.Rel(d, p)
	if err != nil {
		return false, nil
	}
	return rel == "." || (rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))), nil
}

// resolve makes path absolute and follows symbolic links; a path that does
// not exist yet is only made absolute (reading it fails later anyway).
func resolve(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		return r, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	return abs, nil
}

func promptStdin(label string) (string, error) {
	fmt.Fprintf(os.Stderr, "HSM user PIN for token %q: ", label)
	b, err := term.ReadPassword(int(os.Stdin.Fd()))
	fmt.Fprintln(os.Stderr)
	return string(b), err
}
