package tsa

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"fmt"
	"io"
	"math/big"
	"mime"
	"net/http"
	"strings"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// maxResponseBytes bounds what the client reads from a TSA: a token with a
// long RSA chain is a few KiB, so 1 MiB is generous.
const maxResponseBytes = 1 << 20

// defaultHTTPClient is used when Client.HTTP is nil; unlike
// http.DefaultClient it cannot hang forever on a stalled TSA.
var defaultHTTPClient = &http.Client{Timeout: 30 * time.Second}

// Client obtains time-stamp tokens from an RFC 3161 TSA over HTTP. It
// checks the answer matches the request (status, imprint, nonce) but not
// the token's signature and chain, which the validator checks against its
// trust anchors.
type Client struct {
	URL  string       // the TSA endpoint, e.g. https://tsa.example/tsa
	HTTP *http.Client // nil means a client with a 30 s timeout
}

// Timestamp asks the TSA for a token over digest (computed with h), with a
// random nonce and certReq set, and returns the DER TimeStampToken.
func (c *Client) Timestamp(ctx context.Context, h crypto.Hash, digest []byte) ([]byte, error) {
	imprint, err := encodeImprint(h, digest)
	if err != nil {
		return nil, err
	}
	nonce, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		return nil, errs.Internalf(err, "tsa client: draw nonce")
	}
	query, err := encodeQuery(imprint, nonce)
	if err != nil {
		return nil, err
	}
	body, err := c.post(ctx, query)
	if err != nil {
		return nil, err
	}
	resp, err := ParseResponse(body)
	if err != nil {
		return nil, errs.WrapM(err, errs.Unavailable, msg.TSAUndecodableResponse)
	}
	if resp.Status != statusGranted && resp.Status != statusGrantedWithMods {
		return nil, errs.M(errs.Unavailable, msg.TSARefused, resp.Status, resp.Failure, resp.Text)
	}
	if resp.Token == nil {
		return nil, errs.M(errs.Unavailable, msg.TSAGrantedNoToken)
	}
	info, err := ParseToken(resp.Token)
	if err != nil {
		return nil, errs.WrapM(err, errs.Unavailable, msg.TSAUndecodableToken)
	}
	if info.Hash != h || !bytes.Equal(info.Digest, digest) {
		return nil, errs.M(errs.Unavailable, msg.TSAWrongImprint)
	}
	if info.Nonce == nil || info.Nonce.Cmp(nonce) != 0 {
		return nil, errs.M(errs.Unavailable, msg.TSAWrongNonce)
	}
	return resp.Token, nil
}

// encodeQuery writes TimeStampReq { version 1, messageImprint, nonce, certReq TRUE }.
func encodeQuery(imprint []byte, nonce *big.Int) ([]byte, error) {
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(1)
		b.AddBytes(imprint)
		b.AddASN1BigInt(nonce)
		b.AddASN1Boolean(true)
	})
	query, err := b.Bytes()
	if err != nil {
		return nil, errs.Internalf(err, "tsa client: encode request")
	}
	return query, nil
}

func (c *Client) post(ctx context.Context, query []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(query))
	if err != nil {
		return nil, errs.WrapM(err, errs.InvalidRequest, msg.TSAInvalidURL)
	}
	req.Header.Set("Content-Type", contentTypeQuery)
	req.Header.Set("Accept", contentTypeReply)
	hc := c.HTTP
	if hc == nil {
		hc = defaultHTTPClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, errs.WrapM(err, errs.Unavailable, msg.TSAUnreachable)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return nil, errs.WrapM(err, errs.Unavailable, msg.TSAResponseUnreadable)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, errs.M(errs.Unavailable, msg.TSAHTTPStatus, resp.StatusCode, snippet(body))
	}
	if mediaType, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err != nil || mediaType != contentTypeReply {
		return nil, errs.M(errs.Unavailable, msg.TSAContentType, resp.Header.Get("Content-Type"), contentTypeReply)
	}
	if len(body) > maxResponseBytes {
		return nil, errs.M(errs.Unavailable, msg.TSAResponseTooLarge, maxResponseBytes)
	}
	return body, nil
}

// snippet keeps error messages short and printable.
func snippet(body []byte) string {
	s := strings.ToValidUTF8(string(body), "?")
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return fmt.Sprintf("%q", strings.TrimSpace(s))
}
