// Package envelope makes the PIN/PUK/ERC envelope of enrolment 3/3: it
// draws the three codes, checks the applicant's passphrase and builds the
// one-page envelope PDF, encrypted at once (PDF 2.0, AES-256, standard
// security handler revision 6) with the passphrase as the user password.
// It is pure: no storage, no logging, no files. The caller keeps only the
// codes' argon2id hashes and the ciphertext; the plaintext codes and the
// passphrase are never logged, stored or written anywhere by this package.
//
// The PIN policy is sam.CheckPIN's, imported rather than restated, so that
// a PIN the envelope prints is always one the SAM accepts.
//
// Residual risk: revision 6 checks a password with a few dozen AES and
// SHA-2 operations, so whoever holds the encrypted envelope can try
// passphrases offline quickly, and a 6-character passphrase falls to such
// a search. The blocklist and the rules only remove the first guesses.
// What a stolen envelope then gives is bounded elsewhere: the PUK works
// only with the holder's account and an SMS code, the PIN only with the
// password and an OTP, and the ERC can only suspend the certificate.
package envelope

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/sam"
)

// Code lengths in digits (ENROLMENT.md §6.6).
const (
	PINDigits = 8
	PUKDigits = 10
	ERCDigits = 12
)

// Codes are the envelope's one-time secrets: the initial signing PIN, the
// PUK (first access and PIN unblock) and the emergency revocation code
// (ERC, emergency suspension). Go strings cannot be zeroed: hash them and
// drop them as soon as the envelope is built.
type Codes struct {
	PIN, PUK, ERC string
}

// GoString keeps the codes out of a %#v by mistake.
func (c Codes) GoString() string { return "envelope.Codes{REDACTED}" }

// String keeps the codes out of a %v or a log line by mistake.
func (c Codes) String() string { return "envelope.Codes{REDACTED}" }

// maxPINDraws bounds the redraws of a PIN the policy refuses; about 30 in
// 10^8 eight-digit PINs are refused, so reaching it means rnd is broken.
const maxPINDraws = 100

// Generate draws the three codes from rnd (crypto/rand when nil), every
// digit uniform over 0-9 by rejection sampling; a PIN the PIN policy
// refuses (one digit repeated, an ascending or descending run) is drawn
// again. The same reader bytes give the same codes, which the tests use.
func Generate(rnd io.Reader) (Codes, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	d := &digitSource{r: rnd}
	defer d.clear()
	var c Codes
	for i := 0; ; i++ {
		if i == maxPINDraws {
			return Codes{}, errs.Ef(errs.Internal, "envelope: %d PINs in a row failed the PIN policy; the random source is broken", maxPINDraws)
		}
		pin, err := d.digits(PINDigits)
		if err != nil {
			return Codes{}, err
		}
		if sam.CheckPIN(pin) == nil {
			c.PIN = pin
			break
		}
	}
	var err error
	if c.PUK, err = d.digits(PUKDigits); err != nil {
		return Codes{}, err
	}
	if c.ERC, err = d.digits(ERCDigits); err != nil {
		return Codes{}, err
	}
	return c, nil
}

// digitSource turns random bytes into uniform decimal digits: a byte
// below 250 (the largest multiple of 10 that fits) gives byte % 10, a byte
// of 250-255 is thrown away, so no digit is likelier than another.
type digitSource struct {
	r   io.Reader
	buf [64]byte
	pos int
	n   int
}

func (d *digitSource) digits(n int) (string, error) {
	out := make([]byte, 0, n)
	for len(out) < n {
		if d.pos == d.n {
			if _, err := io.ReadFull(d.r, d.buf[:]); err != nil {
				return "", errs.Internalf(err, "envelope: random digits")
			}
			d.pos, d.n = 0, len(d.buf)
		}
		b := d.buf[d.pos]
		d.pos++
		if b < 250 {
			out = append(out, '0'+b%10)
		}
	}
	s := string(out)
	clear(out)
	return s, nil
}

func (d *digitSource) clear() { clear(d.buf[:]) }

// checkDigits reports whether s is exactly n decimal digits.
func checkDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

var (
	_ fmt.Stringer   = Codes{}
	_ slog.LogValuer = Codes{}
	_ json.Marshaler = Codes{}
)

// LogValue keeps the codes out of slog's handlers, JSON ones included.
func (c Codes) LogValue() slog.Value { return slog.StringValue("REDACTED") }

// MarshalJSON refuses: plaintext codes never go into JSON (the outbox, an
// API answer, a stored record); keep their argon2id hashes instead.
func (c Codes) MarshalJSON() ([]byte, error) {
	return nil, errors.New("envelope: the plaintext codes are never serialised")
}
