package secret

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

// hmacKey joins parts with a 0 byte, as hsm.MAC does.
type hmacKey []byte

func (k hmacKey) Sum(parts ...[]byte) ([]byte, error) {
	m := hmac.New(sha256.New, k)
	for i, p := range parts {
		if i > 0 {
			m.Write([]byte{0})
		}
		m.Write(p)
	}
	return m.Sum(nil), nil
}

// The keys stored for live sessions must not change with the refactoring
// that moved this here, and realms must never share keys or CSRF tokens.
func TestSessionKeysAreStableAndSeparate(t *testing.T) {
	k := hmacKey("key")
	want, _ := k.Sum([]byte("shop-session"), []byte("tok"))
	got, err := SessionKey(k, "shop", "tok")
	if err != nil || got != hex.EncodeToString(want) {
		t.Fatalf("SessionKey = %q, %v; want the hex MAC of shop-session", got, err)
	}
	seen := map[string]string{}
	for _, realm := range []string{"portal", "shop", "officer"} {
		key, _ := SessionKey(k, realm, "tok")
		csrf, _ := SessionCSRF(k, realm, "tok")
		for _, v := range []string{key, csrf} {
			if other, dup := seen[v]; dup {
				t.Fatalf("%s and %s share %q", realm, other, v)
			}
			seen[v] = realm
		}
		if strings.ContainsAny(csrf, "+/=") {
			t.Fatalf("CSRF token %q is not URL-safe base64 without padding", csrf)
		}
	}
}
