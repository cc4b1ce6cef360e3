package testutil

import (
	"net/http"
	"strings"
	"testing"
)

// The checker must accept what the contract says and refuse the rest; each
// case is one way an answer or a request can depart from openapi.yaml.
func TestCheckContract(t *testing.T) {
	const (
		infoV2 = `{"specs":"2.0.0.2","name":"qes","logo":"http://x/logo.png","region":"IT","lang":"en-US","description":"d",
			"authType":["basic"],"methods":["auth/login"],"signAlgorithms":{"algos":["1.2.840.10045.4.3.2"],"algoParams":[]},
			"supportedHashTypes":["2.16.840.1.101.3.4.2.1"],"signature_formats":{"formats":[],"envelope_properties":[]},
			"conformance_levels":[],"asynchronousOperationMode":false,"validationInfo":false}`
		problem   = `{"error":"invalid_request","error_description":"x"}`
		notImpl   = `{"error":"invalid_request","error_description":"The method is not implemented by this service"}`
		notAllow  = `{"error":"invalid_request","error_description":"Method not allowed: CSC methods are called with POST"}`
		signHash  = `{"credentialID":"c","SAD":"s","hashes":["AAAA"],"signAlgo":"1.2.840.10045.4.3.2"}`
		signature = `{"signatures":["MEUCIQ=="]}`
	)
	json := http.Header{"Content-Type": {"application/json"}, "Cache-Control": {"no-store"}}
	with := func(h http.Header, kv ...string) http.Header {
		h = h.Clone()
		for i := 0; i < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return h
	}
	bearer := http.Header{"Authorization": {"Bearer t"}, "Content-Type": {"application/json"}}
	tests := []struct {
		name       string
		method     string
		path       string
		reqHeader  http.Header
		reqBody    string
		status     int
		header     http.Header
		body       string
		wantErrHas string // "" means the answer matches
	}{
		{"info ok", "POST", "/csc/v2/info", nil, "{}", 200, json, infoV2, ""},
		{"info missing member", "POST", "/csc/v2/info", nil, "{}", 200, json, strings.Replace(infoV2, `"methods":["auth/login"],`, "", 1), "methods"},
		{"v2 member in a v1 answer", "POST", "/csc/v1/info", nil, "{}", 200, json, infoV2, "doesn't match"},
		{"undocumented status", "POST", "/csc/v2/info", nil, "{}", 418, json, problem, "status is not supported"},
		{"no Cache-Control", "POST", "/csc/v2/info", nil, "{}", 400, http.Header{"Content-Type": {"application/json"}}, problem, "Cache-Control"},
		{"problem as text", "POST", "/csc/v2/info", nil, "{}", 400, with(json, "Content-Type", "text/plain"), problem, "Content-Type"},
		{"error code outside the status's list", "POST", "/csc/v2/info", nil, "{}", 400, json, `{"error":"invalid_token"}`, "doesn't match"},
		{"401 with challenge", "POST", "/csc/v2/credentials/list", nil, "{}", 401, with(json, "WWW-Authenticate", `Bearer realm="qes"`), `{"error":"invalid_token"}`, ""},
		{"401 without challenge", "POST", "/csc/v2/credentials/list", nil, "{}", 401, json, `{"error":"invalid_token"}`, "WWW-Authenticate"},
		{"signHash ok", "POST", "/csc/v2/signatures/signHash", bearer, signHash, 200, json, signature, ""},
		{"2xx for a request without signAlgo", "POST", "/csc/v2/signatures/signHash", bearer, strings.Replace(signHash, `,"signAlgo":"1.2.840.10045.4.3.2"`, "", 1), 200, json, signature, "signAlgo"},
		{"2xx for a request without a token", "POST", "/csc/v2/signatures/signHash", http.Header{"Content-Type": {"application/json"}}, signHash, 200, json, signature, "bearer"},
		{"2xx for a request without hashes", "POST", "/csc/v1/signatures/signHash", bearer, `{"credentialID":"c","SAD":"s","signAlgo":"1.2.840.10045.4.3.2"}`, 200, json, signature, "anyOf"},
		{"400 for a bad request is not checked against the request schema", "POST", "/csc/v2/signatures/signHash", bearer, `{}`, 400, json, problem, ""},
		{"GET on a CSC method", "GET", "/csc/v2/info", nil, "", 405, with(json, "Allow", "POST"), notAllow, ""},
		{"405 without Allow", "GET", "/csc/v2/info", nil, "", 405, json, notAllow, "Allow"},
		{"HEAD on a CSC method", "HEAD", "/csc/v2/info", nil, "", 405, nil, "", ""},
		{"unknown CSC method", "POST", "/csc/v1/signatures/signDoc", nil, "{}", 501, json, notImpl, ""},
		{"unknown CSC method served", "POST", "/csc/v1/signatures/signDoc", nil, "{}", 200, json, "{}", "status is not supported"},
		{"route not in the document", "GET", "/nope", nil, "", 404, nil, "404 page not found\n", "not in openapi.yaml"},
		{"certificate", "GET", "/ca/root.crt", nil, "", 200, http.Header{"Content-Type": {"application/pkix-cert"}, "Cache-Control": {"public, max-age=86400"}}, "\x30\x82", ""},
		{"certificate as JSON", "GET", "/ca/root.crt", nil, "", 200, with(json, "Cache-Control", "public, max-age=86400"), "{}", "Content-Type"},
		{"HEAD on a certificate", "HEAD", "/ca/root.crt", nil, "", 200, nil, "", ""},
		{"HEAD with an undocumented status", "HEAD", "/ca/root.crt", nil, "", 404, nil, "", "not documented"},
		{"POST on a certificate", "POST", "/ca/root.crt", nil, "", 405, http.Header{"Content-Type": {"text/plain; charset=utf-8"}, "Allow": {"GET, HEAD"}}, "Method Not Allowed\n", ""},
		{"healthz", "GET", "/healthz", nil, "", 200, http.Header{"Content-Type": {"text/plain"}}, "ok\n", ""},
		{"healthz says something else", "GET", "/healthz", nil, "", 200, http.Header{"Content-Type": {"text/plain"}}, "degraded\n", "doesn't match"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, "http://127.0.0.1:1"+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.reqHeader {
				req.Header[k] = v
			}
			resp := &http.Response{StatusCode: tc.status, Header: tc.header}
			if resp.Header == nil {
				resp.Header = http.Header{}
			}
			err = CheckContract(req, []byte(tc.reqBody), resp, []byte(tc.body))
			switch {
			case tc.wantErrHas == "" && err != nil:
				t.Fatalf("unexpected mismatch: %v", err)
			case tc.wantErrHas != "" && err == nil:
				t.Fatalf("mismatch not found, want one mentioning %q", tc.wantErrHas)
			case tc.wantErrHas != "" && !strings.Contains(err.Error(), tc.wantErrHas):
				t.Fatalf("mismatch %q does not mention %q", err, tc.wantErrHas)
			}
		})
	}
}

func BenchmarkCheckContract(b *testing.B) {
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:1/csc/v2/signatures/signHash", nil)
	req.Header.Set("Authorization", "Bearer t")
	req.Header.Set("Content-Type", "application/json")
	reqBody := []byte(`{"credentialID":"c","SAD":"s","hashes":["AAAA"],"signAlgo":"1.2.840.10045.4.3.2"}`)
	resp := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}, "Cache-Control": {"no-store"}}}
	body := []byte(`{"signatures":["MEUCIQ=="]}`)
	if err := CheckContract(req, reqBody, resp, body); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := CheckContract(req, reqBody, resp, body); err != nil {
			b.Fatal(err)
		}
	}
}
