package client

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// Credential is what credentials/info says about a signing credential.
type Credential struct {
	ID          string
	Description string
	KeyStatus   string
	KeyAlgos    []string // OIDs, in the server's order
	// Chain is the signer certificate followed by its issuers.
	Chain     []*x509.Certificate
	CertState string
	Multisign int
	SCAL      string
}

// flexInt reads a JSON number or a numeric string (some servers quote).
type flexInt int

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("not an integer: %s", b)
	}
	*f = flexInt(n)
	return nil
}

// CredentialInfo calls credentials/info asking for the whole chain.
func (c *Client) CredentialInfo(ctx context.Context, credentialID string) (*Credential, error) {
	var out struct {
		Description string `json:"description"`
		Key         struct {
			Status string   `json:"status"`
			Algo   []string `json:"algo"`
		} `json:"key"`
		Cert struct {
			Status       string   `json:"status"`
			Certificates []string `json:"certificates"`
		} `json:"cert"`
		Multisign flexInt         `json:"multisign"`
		SCAL      json.RawMessage `json:"SCAL"`
	}
	in := map[string]any{"credentialID": credentialID, "certificates": "chain", "certInfo": true}
	if err := c.call(ctx, "credentials/info", in, &out, nil); err != nil {
		return nil, err
	}
	cred := &Credential{ID: credentialID, Description: out.Description, KeyStatus: out.Key.Status, KeyAlgos: out.Key.Algo,
		CertState: out.Cert.Status, Multisign: int(out.Multisign), SCAL: strings.Trim(string(out.SCAL), `"`)}
	for i, b64 := range out.Cert.Certificates {
		der, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return nil, fmt.Errorf("credentials/info: certificate %d is not base64", i)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("credentials/info: certificate %d: %w", i, err)
		}
		cred.Chain = append(cred.Chain, cert)
	}
	if len(cred.Chain) == 0 {
		return nil, fmt.Errorf("credentials/info: the server sent no certificate for credential %s", credentialID)
	}
	if cred.Multisign < 1 {
		cred.Multisign = 1
	}
	return cred, nil
}

// SendOTP asks the server to send the holder an OTP for the credential
// (v1 credentials/sendOTP, v2 credentials/getChallenge).
func (c *Client) SendOTP(ctx context.Context, credentialID string) error {
	if c.version == 1 {
		return c.call(ctx, "credentials/sendOTP", map[string]any{"credentialID": credentialID}, nil, nil)
	}
	return c.call(ctx, "credentials/getChallenge", map[string]any{"credentialID": credentialID, "authObjectID": "OTP"}, nil, nil)
}

// Authorization asks for a SAD.
type Authorization struct {
	CredentialID  string
	NumSignatures int
	Hashes        [][]byte // raw digests
	HashOID       string
	PIN, OTP      string
	Description   string
}

// Authorize calls credentials/authorize and returns the SAD and its
// lifetime in seconds.
func (c *Client) Authorize(ctx context.Context, a Authorization) (string, int, error) {
	in := map[string]any{"credentialID": a.CredentialID, "numSignatures": a.NumSignatures}
	if a.Description != "" {
		in["description"] = a.Description
	}
	hashes := b64All(a.Hashes)
	if c.version == 1 {
		in["hash"] = hashes
		if a.PIN != "" {
			in["PIN"] = a.PIN
		}
		if a.OTP != "" {
			in["OTP"] = a.OTP
		}
	} else {
		in["hashes"], in["hashAlgorithmOID"] = hashes, a.HashOID
		var authData []map[string]string
		if a.PIN != "" {
			authData = append(authData, map[string]string{"id": "PIN", "value": a.PIN})
		}
		if a.OTP != "" {
			authData = append(authData, map[string]string{"id": "OTP", "value": a.OTP})
		}
		in["authData"] = authData
	}
	var out struct {
		SAD       string  `json:"SAD"`
		ExpiresIn flexInt `json:"expiresIn"`
	}
	if err := c.call(ctx, "credentials/authorize", in, &out, nil); err != nil {
		return "", 0, err
	}
	if out.SAD == "" {
		return "", 0, fmt.Errorf("credentials/authorize: no SAD in the answer")
	}
	return out.SAD, int(out.ExpiresIn), nil
}

// SignRequest is a signatures/signHash call.
type SignRequest struct {
	CredentialID   string
	SAD            string
	Hashes         [][]byte
	HashOID        string
	SignAlgo       string
	SignAlgoParams []byte // DER, for RSASSA-PSS
}

// SignHash calls signatures/signHash and returns one signature per hash,
// in order.
func (c *Client) SignHash(ctx context.Context, r SignRequest) ([][]byte, error) {
	in := map[string]any{"credentialID": r.CredentialID, "SAD": r.SAD, "signAlgo": r.SignAlgo}
	if len(r.SignAlgoParams) > 0 {
		in["signAlgoParams"] = base64.StdEncoding.EncodeToString(r.SignAlgoParams)
	}
	if c.version == 1 {
		in["hash"], in["hashAlgo"] = b64All(r.Hashes), r.HashOID
	} else {
		in["hashes"], in["hashAlgorithmOID"] = b64All(r.Hashes), r.HashOID
	}
	var out struct {
		Signatures []string `json:"signatures"`
	}
	if err := c.call(ctx, "signatures/signHash", in, &out, nil); err != nil {
		return nil, err
	}
	if len(out.Signatures) != len(r.Hashes) {
		return nil, fmt.Errorf("signatures/signHash: %d signatures for %d hashes", len(out.Signatures), len(r.Hashes))
	}
	sigs := make([][]byte, len(out.Signatures))
	for i, s := range out.Signatures {
		var err error
		if sigs[i], err = base64.StdEncoding.DecodeString(s); err != nil {
			return nil, fmt.Errorf("signatures/signHash: signature %d is not base64", i)
		}
	}
	return sigs, nil
}

// Timestamp calls signatures/timestamp for digest (hash algorithm hashOID)
// with nonce (nil: none) and returns the DER time-stamp token.
func (c *Client) Timestamp(ctx context.Context, hashOID string, digest []byte, nonce *big.Int) ([]byte, error) {
	in := map[string]any{"hash": base64.StdEncoding.EncodeToString(digest), "hashAlgo": hashOID}
	if nonce != nil {
		in["nonce"] = hex.EncodeToString(nonce.Bytes())
	}
	var out struct {
		Timestamp string `json:"timestamp"`
	}
	if err := c.call(ctx, "signatures/timestamp", in, &out, nil); err != nil {
		return nil, err
	}
	tok, err := base64.StdEncoding.DecodeString(out.Timestamp)
	if err != nil || len(tok) == 0 {
		return nil, fmt.Errorf("signatures/timestamp: the token is not base64")
	}
	return tok, nil
}

func b64All(raw [][]byte) []string {
	out := make([]string, len(raw))
	for i, r := range raw {
		out[i] = base64.StdEncoding.EncodeToString(r)
	}
	return out
}
