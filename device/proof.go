package device

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/storage"
)

// Proof is what a request offers for its DPoP check: the DPoP header
// values, the method, and the absolute URL the server is reached at (its
// public URL and the request path; never the Host header).
type Proof struct {
	Headers []string
	Method  string
	URL     string
}

// proofClaims are the claims of a DPoP proof (RFC 9449 4.2) plus "bh",
// the base64url SHA-256 of the request body.
type proofClaims struct {
	jwt.RegisteredClaims
	HTM string `json:"htm"`
	HTU string `json:"htu"`
	ATH string `json:"ath,omitempty"`
	BH  string `json:"bh,omitempty"`
}

// maxProof bounds the header before any parsing.
const maxProof = 4096

func badProof(why string) error { return errs.M(errs.InvalidToken, msg.AppDPoPInvalid, why) }

func same(a, b string) bool {
	return len(a) == len(b) && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// normalURL is u without query and fragment, scheme and host in lower
// case (RFC 9449 4.3 step 9; RFC 3986 6.2.2.1).
func normalURL(u string) (string, bool) {
	p, err := url.Parse(u)
	if err != nil || p.Scheme == "" || p.Host == "" {
		return "", false
	}
	p.RawQuery, p.Fragment, p.RawFragment, p.ForceQuery = "", "", "", false
	p.Scheme, p.Host = strings.ToLower(p.Scheme), strings.ToLower(p.Host)
	return p.String(), true
}

// checkProof verifies p against dev's key: one DPoP header, a JWT with
// typ dpop+jwt, alg ES256 and the registered key as its jwk header, htm
// and htu of this request, iat inside the window, a jti never seen, and
// ath the hash of accessToken (when there is one). It records the jti.
func (s *Service) checkProof(ctx context.Context, p Proof, dev *storage.Device, accessToken string) (*proofClaims, error) {
	if len(p.Headers) != 1 || p.Headers[0] == "" {
		return nil, badProof("send exactly one DPoP header")
	}
	raw := p.Headers[0]
	if len(raw) > maxProof {
		return nil, badProof("too long")
	}
	var c proofClaims
	parser := jwt.NewParser(jwt.WithValidMethods([]string{"ES256"}), jwt.WithoutClaimsValidation())
	_, err := parser.ParseWithClaims(raw, &c, func(t *jwt.Token) (any, error) {
		if typ, _ := t.Header["typ"].(string); typ != "dpop+jwt" {
			return nil, badProof("typ must be dpop+jwt")
		}
		header, ok := t.Header["jwk"].(map[string]any)
		if !ok {
			return nil, badProof("the jwk header is missing")
		}
		rawJWK, err := json.Marshal(header)
		if err != nil {
			return nil, badProof("the jwk header is malformed")
		}
		pub, err := ParseJWK(rawJWK)
		if err != nil {
			return nil, badProof("the jwk header is not a public P-256 key")
		}
		if !same(pub.Thumbprint, dev.JKT) {
			return nil, badProof("signed by a key other than the device's")
		}
		return pub.Key, nil
	})
	if err != nil {
		var e *errs.Error
		if errors.As(err, &e) { // our own refusal, inside the library's wrapping
			return nil, e
		}
		return nil, badProof("the signature or the JWT is not valid")
	}
	if c.HTM != p.Method {
		return nil, badProof("htm is not the request's method")
	}
	htu, ok1 := normalURL(c.HTU)
	want, ok2 := normalURL(p.URL)
	if !ok1 || !ok2 || htu != want {
		return nil, badProof("htu is not the request's URL")
	}
	now := s.d.Now()
	if c.IssuedAt == nil {
		return nil, badProof("iat is missing")
	}
	if d := now.Sub(c.IssuedAt.Time); d > s.cfg.ProofWindow || d < -s.cfg.ProofWindow {
		return nil, badProof("iat is outside the accepted window")
	}
	if c.ID == "" || len(c.ID) > 128 {
		return nil, badProof("jti is missing or too long")
	}
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken))
		if !same(c.ATH, b64.EncodeToString(sum[:])) {
			return nil, badProof("ath is not the access token's hash")
		}
	}
	// Recorded last, so that a proof refused above does not use up its
	// jti; kept for twice the window, after which iat refuses it anyway.
	if err := s.d.Store.UseProofID(ctx, dev.JKT+"/"+c.ID, now, now.Add(2*s.cfg.ProofWindow+time.Second)); err != nil {
		if errs.Is(err, errs.Conflict) {
			return nil, errs.M(errs.InvalidToken, msg.AppDPoPReplayed)
		}
		return nil, err
	}
	return &c, nil
}
