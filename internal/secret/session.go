package secret

import (
	"encoding/base64"
	"encoding/hex"
)

// Keyed is a MAC under a key the caller never holds (the HSM's MAC key,
// hsm.MAC).
type Keyed interface {
	Sum(parts ...[]byte) ([]byte, error)
}

// SessionKey is the store key of a browser session: the hex MAC of the
// browser's token under realm ("portal", "shop", "officer"), so that a
// copy of the database holds no usable token and realms never collide.
func SessionKey(m Keyed, realm, token string) (string, error) {
	sum, err := m.Sum([]byte(realm+"-session"), []byte(token))
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(sum), nil
}

// SessionCSRF is the token the session's forms repeat, derived from the
// browser's token so that it needs no storage of its own.
func SessionCSRF(m Keyed, realm, token string) (string, error) {
	sum, err := m.Sum([]byte(realm+"-csrf"), []byte(token))
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(sum), nil
}
