package device

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

var b64 = base64.RawURLEncoding

// jwk is the subset of RFC 7517 a device key may use: a public P-256 key.
type jwk struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
	D   string `json:"d,omitempty"`
}

// PublicKey is a device's key as registered: the key, its RFC 7638
// thumbprint, and its canonical JWK (the thumbprint's input).
type PublicKey struct {
	Key        *ecdsa.PublicKey
	Thumbprint string
	Canonical  []byte
}

func badJWK(why string) error { return errs.M(errs.InvalidRequest, msg.AppJWKInvalid, why) }

// ParseJWK reads a public P-256 JWK. It refuses a private key (a "d"
// member: the private half must never leave the device), another curve,
// a point off the curve and a non-canonical coordinate encoding, so that
// one key has exactly one thumbprint.
func ParseJWK(raw []byte) (*PublicKey, error) {
	if len(raw) == 0 || len(raw) > 1024 {
		return nil, badJWK("missing or too long")
	}
	var k jwk
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&k); err != nil {
		return nil, badJWK("not a JSON object")
	}
	if k.D != "" {
		return nil, badJWK("it holds a private key")
	}
	if k.Kty != "EC" || k.Crv != "P-256" {
		return nil, badJWK("kty must be EC and crv P-256")
	}
	x, errX := b64.DecodeString(k.X)
	y, errY := b64.DecodeString(k.Y)
	if errX != nil || errY != nil || len(x) != 32 || len(y) != 32 || b64.EncodeToString(x) != k.X || b64.EncodeToString(y) != k.Y {
		return nil, badJWK("x and y must be 32-byte base64url values")
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
	if err != nil {
		return nil, badJWK("the point is not on the curve")
	}
	// RFC 7638 3.2: the required members in lexicographic order, no
	// whitespace.
	canonical := []byte(`{"crv":"P-256","kty":"EC","x":"` + k.X + `","y":"` + k.Y + `"}`)
	sum := sha256.Sum256(canonical)
	return &PublicKey{Key: pub, Thumbprint: b64.EncodeToString(sum[:]), Canonical: canonical}, nil
}

// JWKOf is the public JWK of key (the app's side; tests use it).
func JWKOf(key *ecdsa.PublicKey) map[string]string {
	raw, _ := key.Bytes()
	return map[string]string{"kty": "EC", "crv": "P-256", "x": b64.EncodeToString(raw[1:33]), "y": b64.EncodeToString(raw[33:65])}
}
