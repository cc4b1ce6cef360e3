package secret

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"fmt"
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

// RandomFrom returns n characters drawn uniformly from alphabet (at most
// 256 distinct bytes): PINs, demo passwords, identifiers people type.
func RandomFrom(alphabet string, n int) (string, error) {
	if len(alphabet) == 0 || len(alphabet) > 256 {
		return "", errs.Internalf(fmt.Errorf("alphabet of %d characters", len(alphabet)), "random")
	}
	// Rejection sampling: bytes at or above the largest multiple of the
	// alphabet's size are drawn again, so that no character is favoured.
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, n+8)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			return "", errs.Internalf(err, "random")
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out), nil
}
