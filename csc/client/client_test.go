package client

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestNewPicksVersionAndBase(t *testing.T) {
	tests := []struct {
		in, base string
		version  int
	}{
		{"https://rssp.example/csc/v1", "https://rssp.example/csc/v1", 1},
		{"https://rssp.example/csc/v2/", "https://rssp.example/csc/v2", 2},
		{"https://rssp.example/api/v1", "https://rssp.example/api/v1", 1},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080/csc/v2", 2},
	}
	for _, tt := range tests {
		c, err := New(tt.in, nil)
		if err != nil || c.BaseURL() != tt.base || c.Version() != tt.version {
			t.Errorf("New(%q) = %v %d, %v; want %s %d", tt.in, c.BaseURL(), c.Version(), err, tt.base, tt.version)
		}
	}
	for _, bad := range []string{"ftp://x/csc/v2", "not a url", "https:///csc/v2"} {
		if _, err := New(bad, nil); err == nil {
			t.Errorf("New(%q) accepted", bad)
		}
	}
}

// fakeCSC records request bodies per method and answers from a table.
func fakeCSC(t *testing.T, answers map[string]string) (*httptest.Server, map[string]map[string]any) {
	seen := map[string]map[string]any{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		method := r.URL.Path[len("/csc/vN/"):]
		seen[method] = body
		ans, ok := answers[method]
		if !ok {
			w.WriteHeader(http.StatusBadRequest)
			ans = `{"error":"invalid_request","error_description":"Invalid parameter SAD"}`
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(ans))
	}))
	t.Cleanup(srv.Close)
	return srv, seen
}

func TestVersionsSpeakTheirOwnNames(t *testing.T) {
	answers := map[string]string{
		"credentials/authorize": `{"SAD":"s","expiresIn":"300"}`,
		"signatures/signHash":   `{"signatures":["AQI="]}`,
	}
	for _, v := range []string{"v1", "v2"} {
		srv, seen := fakeCSC(t, answers)
		c, err := New(srv.URL+"/csc/"+v, nil)
		if err != nil {
			t.Fatal(err)
		}
		sad, exp, err := c.Authorize(context.Background(), Authorization{CredentialID: "c", NumSignatures: 1, Hashes: [][]byte{{1}}, HashOID: "2.16.840.1.101.3.4.2.1", PIN: "1", OTP: "2"})
		if err != nil || sad != "s" || exp != 300 {
			t.Fatalf("%s authorize: %q %d %v", v, sad, exp, err)
		}
		a := seen["credentials/authorize"]
		if v == "v1" && (a["hash"] == nil || a["PIN"] != "1" || a["OTP"] != "2" || a["authData"] != nil) {
			t.Fatalf("v1 authorize body %v", a)
		}
		if v == "v2" && (a["hashes"] == nil || a["hashAlgorithmOID"] == nil || a["authData"] == nil || a["PIN"] != nil) {
			t.Fatalf("v2 authorize body %v", a)
		}
		sigs, err := c.SignHash(context.Background(), SignRequest{CredentialID: "c", SAD: "s", Hashes: [][]byte{{1}}, SignAlgo: "1.2.840.10045.4.3.2"})
		if err != nil || len(sigs) != 1 || sigs[0][1] != 2 {
			t.Fatalf("%s signHash: %v %v", v, sigs, err)
		}
		if s := seen["signatures/signHash"]; (v == "v1") != (s["hash"] != nil) || (v == "v2") != (s["hashes"] != nil) {
			t.Fatalf("%s signHash body %v", v, s)
		}
	}
}

func TestErrorsCarryTheCSCProblem(t *testing.T) {
	srv, _ := fakeCSC(t, map[string]string{"signatures/signHash": `{"signatures":[]}`})
	c, _ := New(srv.URL+"/csc/v1", nil)
	_, _, err := c.Authorize(context.Background(), Authorization{CredentialID: "c", NumSignatures: 1})
	var e *Error
	if !errors.As(err, &e) || e.Status != 400 || e.Code != "invalid_request" || e.Description != "Invalid parameter SAD" {
		t.Fatalf("err = %#v", err)
	}
	// One signature per hash, or the answer is refused.
	if _, err := c.SignHash(context.Background(), SignRequest{Hashes: [][]byte{{1}}}); err == nil {
		t.Fatal("a signHash answer without signatures was accepted")
	}
}
