package tsa

import (
	"bytes"
	"context"
	"crypto"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/errs"
)

// newLoopbackServer serves h on 127.0.0.1 explicitly, as the services do.
func newLoopbackServer(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

func TestHandler(t *testing.T) {
	p := newTestPKI(t, "P-256")
	srv := newLoopbackServer(t, newTestTSA(t, p).Handler())
	valid := validQuery().encode(t)
	cases := []struct {
		name        string
		method      string
		contentType string
		body        []byte
		status      int
		replyType   string // expected Content-Type; "" means a plain-text error
		text        string
	}{
		{"granted", http.MethodPost, "application/timestamp-query", valid, http.StatusOK, contentTypeReply, ""},
		{"media type parameters", http.MethodPost, "application/timestamp-query; charset=binary", valid, http.StatusOK, contentTypeReply, ""},
		{"rejection is still 200", http.MethodPost, "application/timestamp-query", []byte("junk"), http.StatusOK, contentTypeReply, ""},
		{"GET", http.MethodGet, "", nil, http.StatusMethodNotAllowed, "", "must use POST"},
		{"wrong content type", http.MethodPost, "application/json", valid, http.StatusUnsupportedMediaType, "", "application/timestamp-query"},
		{"no content type", http.MethodPost, "", valid, http.StatusUnsupportedMediaType, "", "application/timestamp-query"},
		{"oversized", http.MethodPost, "application/timestamp-query", make([]byte, MaxRequestBytes+1), http.StatusRequestEntityTooLarge, "", "exceeds"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, srv.URL+"/tsa", bytes.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status {
				t.Fatalf("HTTP %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			if tc.replyType != "" {
				if got := resp.Header.Get("Content-Type"); got != tc.replyType {
					t.Fatalf("Content-Type %q, want %q", got, tc.replyType)
				}
				if _, err := ParseResponse(body); err != nil {
					t.Fatalf("body is not a TimeStampResp: %v", err)
				}
				return
			}
			if !strings.Contains(string(body), tc.text) {
				t.Fatalf("error text %q does not contain %q", body, tc.text)
			}
		})
	}
}

func TestClientAgainstHandler(t *testing.T) {
	for _, key := range []string{"P-256", "RSA-2048"} {
		t.Run(key, func(t *testing.T) {
			p := newTestPKI(t, key)
			srv := newLoopbackServer(t, newTestTSA(t, p).Handler())
			client := &Client{URL: srv.URL + "/tsa", HTTP: srv.Client()}
			digest := sum384("contract.pdf")
			token, err := client.Timestamp(context.Background(), crypto.SHA384, digest)
			if err != nil {
				t.Fatalf("Timestamp: %v", err)
			}
			info, err := ParseToken(token)
			if err != nil {
				t.Fatal(err)
			}
			if info.Hash != crypto.SHA384 || !bytes.Equal(info.Digest, digest) || info.Nonce == nil {
				t.Fatalf("token info %+v does not match the request", info)
			}
			if !containsCert(token, p.tsa.Raw) {
				t.Fatal("the client sets certReq but the token has no TSA certificate")
			}
		})
	}
}

// TestClientDetectsBadAnswers puts hostile or broken TSAs behind the client.
func TestClientDetectsBadAnswers(t *testing.T) {
	p := newTestPKI(t, "P-256")
	tsa := newTestTSA(t, p)
	// replayed answers a fixed earlier request: valid token, wrong nonce and imprint.
	replay, err := tsa.Respond(context.Background(), "test", validQuery().encode(t))
	if err != nil {
		t.Fatal(err)
	}
	rejecting, err := tsa.Respond(context.Background(), "test", []byte("junk"))
	if err != nil {
		t.Fatal(err)
	}
	reply := func(status int, contentType string, body []byte) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", contentType)
			w.WriteHeader(status)
			_, _ = w.Write(body)
		}
	}
	// sameImprint echoes imprint but drops the nonce from the request.
	sameImprintNoNonce := func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req, err := parseRequest(body)
		if err != nil {
			t.Error(err)
			return
		}
		token, err := tsa.issue(r.Context(), tstParams{imprint: req.imprint, certReq: true}, req.hash, "test")
		if err != nil {
			t.Error(err)
			return
		}
		resp, _ := encodeResponse(token, nil)
		reply(http.StatusOK, contentTypeReply, resp)(w, r)
	}
	cases := []struct {
		name    string
		handler http.HandlerFunc
		want    string
	}{
		{"replayed token", reply(http.StatusOK, contentTypeReply, replay), "another message imprint"},
		{"nonce dropped", sameImprintNoNonce, "does not echo the request nonce"},
		{"rejection", reply(http.StatusOK, contentTypeReply, rejecting), "refused the request"},
		{"server error", reply(http.StatusBadGateway, "text/plain", []byte("upstream down")), "HTTP 502"},
		{"wrong media type", reply(http.StatusOK, "text/html", replay), "Content-Type"},
		{"garbage", reply(http.StatusOK, contentTypeReply, []byte("garbage")), "undecodable response"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newLoopbackServer(t, tc.handler)
			client := &Client{URL: srv.URL, HTTP: srv.Client()}
			_, err := client.Timestamp(context.Background(), crypto.SHA256, sum256("doc"))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			if errs.KindOf(err) != errs.Unavailable {
				t.Errorf("kind %v, want Unavailable (the TSA failed, not the caller)", errs.KindOf(err))
			}
		})
	}
}

func TestClientRefusesWeakHashBeforeSending(t *testing.T) {
	client := &Client{URL: "http://127.0.0.1:1/unused"}
	_, err := client.Timestamp(context.Background(), crypto.SHA1, make([]byte, 20))
	if errs.KindOf(err) != errs.InvalidRequest {
		t.Fatalf("error %v, want InvalidRequest", err)
	}
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
