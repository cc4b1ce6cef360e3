package secret

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"strings"

	"github.com/qesproject/qes/internal/errs"
)

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewID returns a random, URL-safe identifier with 80 bits of entropy
// (holders' credentials, grants, OAuth clients): unguessable, short enough
// to read out.
func NewID() (string, error) {
	b := make([]byte, 10)
	if _, err := rand.Read(b); err != nil {
		return "", errs.Internalf(err, "random identifier")
	}
	return strings.ToLower(idEncoding.EncodeToString(b)), nil
}

// NewToken returns 32 random bytes, base64url: for SADs, refresh tokens,
// client secrets, codes and request URIs, which are stored only as MACs
// or are single-use.
func NewToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", errs.Internalf(err, "random token")
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
