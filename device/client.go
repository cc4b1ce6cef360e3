package device

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// ProofRequest is what the app signs into one DPoP proof. It is the app's
// side of the protocol, kept here so that the tests and a reference client
// build proofs exactly as the server checks them.
type ProofRequest struct {
	Method, URL string
	AccessToken string // "" at the token endpoint
	// Body is hashed into "bh" when HasBody (every POST and PUT).
	Body     []byte
	HasBody  bool
	IssuedAt time.Time
	ID       string // jti
}

// SignProof signs r with the device key.
func SignProof(key *ecdsa.PrivateKey, r ProofRequest) (string, error) {
	c := proofClaims{HTM: r.Method, HTU: r.URL}
	c.IssuedAt = jwt.NewNumericDate(r.IssuedAt)
	c.ID = r.ID
	if r.AccessToken != "" {
		sum := sha256.Sum256([]byte(r.AccessToken))
		c.ATH = b64.EncodeToString(sum[:])
	}
	if r.HasBody {
		sum := sha256.Sum256(r.Body)
		c.BH = b64.EncodeToString(sum[:])
	}
	t := jwt.NewWithClaims(jwt.SigningMethodES256, c)
	t.Header["typ"] = "dpop+jwt"
	t.Header["jwk"] = JWKOf(&key.PublicKey)
	return t.SignedString(key)
}
