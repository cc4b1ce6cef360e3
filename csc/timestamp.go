package csc

import (
	"context"
	"crypto"
	"encoding/base64"
	"encoding/hex"
	"math/big"
	"net/http"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/sam"
)

// Timestamper issues RFC 3161 time-stamp tokens over a digest (tsa.TSA).
type Timestamper interface {
	// Timestamp issues a token for requester (for the TSA's log of tokens).
	Timestamp(ctx context.Context, requester string, h crypto.Hash, digest []byte, nonce *big.Int) ([]byte, error)
}

// maxNonceBytes matches what the TSA echoes into tokens.
const maxNonceBytes = 64

type timestampRequest struct {
	Hash             string `json:"hash" validate:"required,max=256"`
	HashAlgo         string `json:"hashAlgo" validate:"max=64"`
	HashAlgorithmOID string `json:"hashAlgorithmOID" validate:"max=64"`
	Nonce            string `json:"nonce" validate:"max=256"`
	ClientData       string `json:"clientData" validate:"max=2048"`
}

type timestampResponse struct {
	Timestamp string `json:"timestamp"`
}

// timestampInput is a checked signatures/timestamp request.
type timestampInput struct {
	hash   crypto.Hash
	digest []byte
	nonce  *big.Int
}

// parse applies the spec's checks in its order of error descriptions.
func (r *timestampRequest) parse() (*timestampInput, error) {
	oid := firstString(r.HashAlgo, r.HashAlgorithmOID)
	if oid == "" {
		return nil, missing("string", "hashAlgo")
	}
	digest, err := decodeB64(r.Hash)
	if err != nil {
		return nil, errs.M(errs.InvalidRequest, msg.InvalidBase64, "hash")
	}
	h, ok := sam.HashFromOID(oid)
	if !ok {
		return nil, errs.M(errs.InvalidRequest, msg.InvalidParam, "hashAlgo")
	}
	if len(digest) != h.Size() {
		return nil, errs.M(errs.InvalidRequest, msg.InvalidDigestLength)
	}
	in := &timestampInput{hash: h, digest: digest}
	if r.Nonce != "" {
		raw, err := hex.DecodeString(strings.TrimPrefix(strings.TrimPrefix(r.Nonce, "0x"), "0X"))
		if err != nil || len(raw) == 0 {
			return nil, errs.M(errs.InvalidRequest, msg.InvalidParam, "nonce")
		}
		in.nonce = new(big.Int).SetBytes(raw)
		if (in.nonce.BitLen()+7)/8 > maxNonceBytes {
			return nil, errs.M(errs.InvalidRequest, msg.NonceTooLong, maxNonceBytes)
		}
	}
	return in, nil
}

// decodeB64 accepts standard or URL-safe base64, padded or not (clients
// mix them, as in signHash).
func decodeB64(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if strings.ContainsAny(s, "-_") {
		return base64.RawURLEncoding.DecodeString(s)
	}
	return base64.RawStdEncoding.DecodeString(s)
}

// timestamp is CSC signatures/timestamp: an RFC 3161 token from the
// service's TSA over a client's digest. It needs an access token like the
// other signature methods; the anonymous RFC 3161 transport is /tsa.
func (a *API) timestamp(c *echo.Context) error {
	if a.cfg.Timestamps == nil {
		return notImplemented
	}
	var req timestampRequest
	if err := bind(c.Request(), &req, a.cfg.MaxBody); err != nil {
		return err
	}
	in, err := req.parse()
	if err != nil {
		return err
	}
	p := principal(c)
	token, err := a.cfg.Timestamps.Timestamp(c.Request().Context(), "holder:"+p.HolderID+" client:"+p.ClientID, in.hash, in.digest, in.nonce)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, timestampResponse{Timestamp: base64.StdEncoding.EncodeToString(token)})
}
