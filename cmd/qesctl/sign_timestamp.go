package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"fmt"
	"math/big"

	"github.com/qesproject/qes/csc/client"
	"github.com/qesproject/qes/sam"
	"github.com/qesproject/qes/tsa"
)

// cscTimestamper gets time-stamps from the CSC server's
// signatures/timestamp, with a random nonce it checks in the token.
type cscTimestamper struct{ c *client.Client }

func (t cscTimestamper) Timestamp(ctx context.Context, h crypto.Hash, digest []byte) ([]byte, error) {
	nonce, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		return nil, err
	}
	token, err := t.c.Timestamp(ctx, sam.HashOID(h), digest, nonce)
	if err != nil {
		return nil, err
	}
	info, err := tsa.ParseToken(token)
	if err != nil {
		return nil, fmt.Errorf("signatures/timestamp sent an undecodable token: %w", err)
	}
	if info.Hash != h || !bytes.Equal(info.Digest, digest) {
		return nil, fmt.Errorf("signatures/timestamp sent a token over another digest")
	}
	if info.Nonce == nil || info.Nonce.Cmp(nonce) != 0 {
		return nil, fmt.Errorf("signatures/timestamp sent a token without our nonce")
	}
	return token, nil
}
