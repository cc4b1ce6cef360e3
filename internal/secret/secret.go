// Package secret hashes low-entropy secrets (password, PIN, PUK, emergency
// code) with argon2id and compares them in constant time. Hashes are PHC
// strings, so parameters can be raised later without invalidating old hashes.
// It also draws the random identifiers and tokens qes hands out.
package secret

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"

	"github.com/qesproject/qes/internal/errs"
)

// Params are argon2id cost parameters.
type Params struct {
	Time    uint32 `json:"time"`
	Memory  uint32 `json:"memoryKiB"`
	Threads uint8  `json:"threads"`
}

// Default follows the OWASP password storage recommendation for argon2id
// (m=46 MiB, t=1, p=1) and costs about 40-60 ms on this class of machine.
var Default = Params{Time: 1, Memory: 46 * 1024, Threads: 1}

// Fast is for tests only: real argon2id, tiny cost.
var Fast = Params{Time: 1, Memory: 1024, Threads: 1}

const (
	saltLen = 16
	keyLen  = 32
)

var b64 = base64.RawStdEncoding

// Hash returns the PHC string of s.
func Hash(s string, p Params) (string, error) {
	if p.Time == 0 || p.Memory < 8 || p.Threads == 0 {
		return "", errs.E(errs.Internal, "secret: invalid argon2id parameters")
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", errs.Internalf(err, "secret: salt")
	}
	key := argon2.IDKey([]byte(s), salt, p.Time, p.Memory, p.Threads, keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify reports whether s matches the PHC string h. A malformed h is an
// error, never a match.
func Verify(s, h string) (bool, error) {
	parts := strings.Split(h, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errs.E(errs.Internal, "secret: not an argon2id hash")
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false, errs.E(errs.Internal, "secret: unsupported argon2 version")
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil || p.Time == 0 || p.Threads == 0 {
		return false, errs.E(errs.Internal, "secret: malformed argon2id parameters")
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, errs.E(errs.Internal, "secret: malformed salt")
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, errs.E(errs.Internal, "secret: malformed hash")
	}
	got := argon2.IDKey([]byte(s), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// Dummy is a valid hash of a random value. Checking a password against it
// for an unknown user costs the same time as for a known one, so response
// time does not reveal which user IDs exist.
func Dummy(p Params) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h, _ := Hash(string(b), p)
	return h
}
