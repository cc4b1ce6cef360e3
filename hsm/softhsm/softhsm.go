// Package softhsm prepares a private SoftHSM2 token under a data directory,
// so that the embedded default never touches the system token directory.
// Production deployments point qes at any PKCS#11 module instead.
package softhsm

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// ModuleCandidates are where Debian, Ubuntu and source builds put the module.
var ModuleCandidates = []string{
	"/usr/lib/softhsm/libsofthsm2.so",
	"/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
	"/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
	"/usr/local/lib/softhsm/libsofthsm2.so",
}

// FindModule returns the first SoftHSM2 module found on this machine.
func FindModule() (string, error) {
	for _, p := range ModuleCandidates {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errs.M(errs.Unavailable,
		msg.SoftHSMNotInstalled)
}

// Token describes a SoftHSM2 token living under Dir.
type Token struct {
	Dir   string // holds softhsm2.conf and tokens/
	Label string
	// SOPIN is the security officer PIN, used only by Ensure to initialise
	// a new token. Empty means a random one that exists only for that
	// moment: a running service never needs the SO PIN, and a PIN that was
	// never stored cannot be stolen.
	SOPIN string
	PIN   string
}

// ConfPath is the SoftHSM2 configuration file of the token directory.
func (t Token) ConfPath() string { return filepath.Join(t.Dir, "softhsm2.conf") }

// Activate points this process's SoftHSM2 at the token directory. It must run
// before the module is first loaded: SoftHSM2 reads SOFTHSM2_CONF once, at
// C_Initialize.
func (t Token) Activate() error {
	if err := t.writeConf(); err != nil {
		return err
	}
	return os.Setenv("SOFTHSM2_CONF", t.ConfPath())
}

func (t Token) writeConf() error {
	tokens := filepath.Join(t.Dir, "tokens")
	if err := os.MkdirAll(tokens, 0o700); err != nil {
		return errs.Internalf(err, "softhsm: create token directory")
	}
	conf := fmt.Sprintf("directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n", tokens)
	// Several processes share one token directory (nodes of a cluster):
	// one starting must never truncate the file under another's
	// C_Initialize, so an unchanged file is left alone and a new one
	// replaces the old by rename.
	if old, err := os.ReadFile(t.ConfPath()); err == nil && string(old) == conf {
		return nil
	}
	tmp, err := os.CreateTemp(t.Dir, ".softhsm2.conf.*")
	if err != nil {
		return errs.Internalf(err, "softhsm: write %s", t.ConfPath())
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(conf); err != nil {
		_ = tmp.Close()
		return errs.Internalf(err, "softhsm: write %s", t.ConfPath())
	}
	if err := tmp.Close(); err != nil {
		return errs.Internalf(err, "softhsm: write %s", t.ConfPath())
	}
	if err := os.Rename(tmp.Name(), t.ConfPath()); err != nil {
		return errs.Internalf(err, "softhsm: write %s", t.ConfPath())
	}
	return nil
}

// Ensure initialises the token unless it already exists, and reports whether
// it created it. Re-running is safe: an existing token and its keys are kept.
func (t Token) Ensure(ctx context.Context) (created bool, err error) {
	if err := t.writeConf(); err != nil {
		return false, err
	}
	exists, err := t.exists(ctx)
	if err != nil || exists {
		return false, err
	}
	soPIN := t.SOPIN
	if soPIN == "" {
		if soPIN, err = RandomPIN(); err != nil {
			return false, err
		}
	}
	out, err := t.util(ctx, "--init-token", "--free", "--label", t.Label, "--so-pin", soPIN, "--pin", t.PIN)
	if err != nil {
		return false, errs.Internalf(fmt.Errorf("%w: %s", err, bytes.TrimSpace(out)), "softhsm: initialise token %q", t.Label)
	}
	return true, nil
}

// RandomPIN is 16 random decimal digits (about 53 bits), which every
// PKCS#11 token accepts as a PIN.
func RandomPIN() (string, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Exp(big.NewInt(10), big.NewInt(16), nil))
	if err != nil {
		return "", errs.Internalf(err, "random PIN")
	}
	return fmt.Sprintf("%016d", n), nil
}

// Exists reports whether the token has been initialised.
func (t Token) Exists(ctx context.Context) (bool, error) {
	if err := t.writeConf(); err != nil {
		return false, err
	}
	return t.exists(ctx)
}

func (t Token) exists(ctx context.Context) (bool, error) {
	out, err := t.util(ctx, "--show-slots")
	if err != nil {
		return false, errs.Internalf(fmt.Errorf("%w: %s", err, bytes.TrimSpace(out)), "softhsm: list slots")
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if label, ok := strings.CutPrefix(line, "Label:"); ok && strings.TrimSpace(label) == t.Label {
			return true, nil
		}
	}
	return false, nil
}

func (t Token) util(ctx context.Context, args ...string) ([]byte, error) {
	bin, err := exec.LookPath("softhsm2-util")
	if err != nil {
		return nil, errs.M(errs.Unavailable, msg.SoftHSMUtilNotFound)
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "SOFTHSM2_CONF="+t.ConfPath())
	return cmd.CombinedOutput()
}
