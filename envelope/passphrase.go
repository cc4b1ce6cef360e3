package envelope

import (
	_ "embed"
	"strings"
	"unicode/utf8"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/pdfgen"
)

// Passphrase bounds, in characters after SASLprep. The seed asks for at
// least 6; the configuration may ask for more, never for less. The upper
// bound keeps the work bounded; the PDF keeps 127 bytes of UTF-8 in any
// case (ISO 32000-2 §7.6.4.3.3).
const (
	DefaultMinPassphrase = 6
	MaxPassphrase        = 128
)

//go:embed common.txt
var commonText string

// common is the blocklist, lower case.
var common = func() map[string]bool {
	m := make(map[string]bool)
	for _, line := range strings.Split(commonText, "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			m[strings.ToLower(line)] = true
		}
	}
	return m
}()

// CheckPassphrase applies the passphrase rules: after SASLprep (the form
// the PDF keeps) at least min characters (DefaultMinPassphrase when min is
// below it) and at most MaxPassphrase, not one character repeated, not a
// plain run of consecutive characters (abcdef, 987654) and not on the
// embedded list of common passwords (compared case-insensitively).
func CheckPassphrase(p string, min int) error {
	prepared, err := prepare(p)
	if err != nil {
		return err
	}
	defer clear(prepared)
	return checkPrepared(prepared, min)
}

// prepare bounds the input before any work, then applies SASLprep.
func prepare(p string) ([]byte, error) {
	if len(p) > 4*MaxPassphrase {
		return nil, errs.M(errs.InvalidRequest, msg.PassphraseLong, MaxPassphrase)
	}
	prepared, err := pdfgen.PreparePassword(p)
	if err != nil {
		return nil, errs.M(errs.InvalidRequest, msg.PassphraseCharacters)
	}
	return prepared, nil
}

func checkPrepared(p []byte, min int) error {
	if min < DefaultMinPassphrase {
		min = DefaultMinPassphrase
	}
	n := utf8.RuneCount(p)
	if n < min {
		return errs.M(errs.InvalidRequest, msg.PassphraseShort, min)
	}
	if n > MaxPassphrase {
		return errs.M(errs.InvalidRequest, msg.PassphraseLong, MaxPassphrase)
	}
	runes := []rune(string(p))
	defer clear(runes)
	same, up, down := true, true, true
	for i := 1; i < len(runes); i++ {
		d := runes[i] - runes[i-1]
		same = same && d == 0
		up = up && d == 1
		down = down && d == -1
	}
	if same {
		return errs.M(errs.InvalidRequest, msg.PassphraseOneChar)
	}
	if up || down || common[strings.ToLower(string(p))] {
		return errs.M(errs.InvalidRequest, msg.PassphraseCommon)
	}
	return nil
}
