package app_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	xocsp "golang.org/x/crypto/ocsp"

	"github.com/qesproject/qes/ca"
	"github.com/qesproject/qes/internal/testutil"
)

// TestOpenSSLSeesEveryRegisterChange drives the register through
// good -> hold -> good -> revoked and checks, with openssl as the
// independent client, the OCSP answer, both CRLs' signatures and a
// CRL-checked path validation after each step.
func TestOpenSSLSeesEveryRegisterChange(t *testing.T) {
	t.Parallel()
	needOpenSSL(t)
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	leaf := holderLeaf(t, s, h.CredentialID)
	f := newPKIFiles(t, s, leaf)
	ctx := context.Background()

	checkCRLSignatures := func(t *testing.T) {
		t.Helper()
		for _, name := range []string{"issuing", "root"} {
			path, _ := f.crlFile(t, s, name)
			out, err := openssl(t, "crl", "-in", path, "-CAfile", f.chain, "-noout")
			if err != nil || !strings.Contains(out, "verify OK") {
				t.Fatalf("openssl crl -verify (%s): %v\n%s", name, err, out)
			}
		}
	}
	steps := []struct {
		name       string
		change     func() error
		ocspWant   []string
		verifyGood bool
	}{
		{"fresh", func() error { return nil }, []string{"leaf.pem: good"}, true},
		{"suspended", func() error { _, err := s.App.CA.Suspend(ctx, leaf.SerialNumber); return err },
			[]string{"leaf.pem: revoked", "Reason: certificateHold"}, false},
		{"reactivated", func() error { _, err := s.App.CA.Reactivate(ctx, leaf.SerialNumber); return err },
			[]string{"leaf.pem: good"}, true},
		{"revoked", func() error {
			_, err := s.App.CA.Revoke(ctx, leaf.SerialNumber, ca.ReasonKeyCompromise)
			return err
		}, []string{"leaf.pem: revoked", "Reason: keyCompromise"}, false},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if err := st.change(); err != nil {
				t.Fatal(err)
			}
			out := f.ocspStatus(t, s)
			for _, want := range st.ocspWant {
				if !strings.Contains(out, want) {
					t.Errorf("openssl ocsp output lacks %q:\n%s", want, out)
				}
			}
			checkCRLSignatures(t)
			out, err := f.verifyWithCRLs(t, s)
			if st.verifyGood && (err != nil || !strings.Contains(out, "leaf.pem: OK")) {
				t.Errorf("openssl verify -crl_check_all should pass: %v\n%s", err, out)
			}
			if !st.verifyGood && (err == nil || !strings.Contains(out, "certificate revoked")) {
				t.Errorf("openssl verify -crl_check_all should find the certificate revoked: %v\n%s", err, out)
			}
		})
	}
}

// TestOCSPGetSurvivesSlashes sends GET requests whose base64 contains "/"
// runs (which http.ServeMux would clean and redirect) and POSTs, and
// checks the signed answers with x/crypto/ocsp.
func TestOCSPGetSurvivesSlashes(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	leaf := holderLeaf(t, s, h.CredentialID)
	issuing := s.App.Authorities.IssuingChain[0]
	der, err := xocsp.CreateRequest(leaf, issuing, &xocsp.RequestOptions{Hash: crypto.SHA256})
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.StdEncoding.EncodeToString(der)
	for _, tc := range []struct {
		name string
		req  func() (*http.Response, error)
	}{
		{"GET", func() (*http.Response, error) { return http.Get(s.URL + "/ocsp/" + b64) }},
		{"POST", func() (*http.Response, error) {
			return http.Post(s.URL+"/ocsp", "application/ocsp-request", bytes.NewReader(der))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := tc.req()
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body bytes.Buffer
			_, _ = body.ReadFrom(resp.Body)
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/ocsp-response" {
				t.Fatalf("status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			r, err := xocsp.ParseResponseForCert(body.Bytes(), leaf, issuing)
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != xocsp.Good || r.SerialNumber.Cmp(leaf.SerialNumber) != 0 {
				t.Fatalf("status %d for serial %x", r.Status, r.SerialNumber)
			}
		})
	}
	// Serials of a look-alike certificate until the request's base64 has
	// "//": http.ServeMux would redirect that path to a cleaned one.
	for i := int64(1); ; i++ {
		d, err := xocsp.CreateRequest(&x509.Certificate{SerialNumber: big.NewInt(i)}, issuing, nil)
		if err != nil {
			t.Fatal(err)
		}
		e := base64.StdEncoding.EncodeToString(d)
		if !strings.Contains(e, "//") {
			continue
		}
		r, err := xocsp.ParseResponse(fetch(t, s.URL+"/ocsp/"+e), issuing)
		if err != nil {
			t.Fatalf("GET with // in the path: %v", err)
		}
		if r.Status != xocsp.Unknown || r.SerialNumber.Int64() != i {
			t.Fatalf("GET with //: status %d serial %v, want unknown %d", r.Status, r.SerialNumber, i)
		}
		break
	}
}

// TestCRLsPersistAcrossRestart: a restart serves the CRL already issued
// (same number, same bytes) rather than issuing another.
func TestCRLsPersistAcrossRestart(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	before := map[string][]byte{}
	for _, name := range []string{"issuing", "root"} {
		before[name] = fetch(t, s.URL+"/crl/"+name+".crl")
	}
	s2 := s.Restart(t)
	for name, der := range before {
		if after := fetch(t, s2.URL+"/crl/"+name+".crl"); !bytes.Equal(after, der) {
			t.Errorf("%s CRL changed across a restart", name)
		}
	}
}

// TestCRLsRefreshDaily: with nothing changing, the lifecycle job re-issues
// both CRLs once they are a day old, with higher numbers.
func TestCRLsRefreshDaily(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	ctx := context.Background()
	parse := func(name string) *x509.RevocationList {
		crl, err := x509.ParseRevocationList(fetch(t, s.URL+"/crl/"+name+".crl"))
		if err != nil {
			t.Fatal(err)
		}
		return crl
	}
	old := map[string]*x509.RevocationList{"issuing": parse("issuing"), "root": parse("root")}
	s.Clock.Advance(time.Hour)
	if err := s.App.RunLifecycleJobs(ctx); err != nil {
		t.Fatal(err)
	}
	for name, crl := range old {
		if parse(name).Number.Cmp(crl.Number) != 0 {
			t.Errorf("%s CRL re-issued after an hour without changes", name)
		}
	}
	s.Clock.Advance(24 * time.Hour)
	if err := s.App.RunLifecycleJobs(ctx); err != nil {
		t.Fatal(err)
	}
	for name, crl := range old {
		now := parse(name)
		if now.Number.Cmp(crl.Number) <= 0 || !now.ThisUpdate.After(crl.ThisUpdate) {
			t.Errorf("%s CRL not re-issued after 25 hours: number %v -> %v", name, crl.Number, now.Number)
		}
		if !now.NextUpdate.After(s.Clock.Now()) {
			t.Errorf("%s CRL nextUpdate %v is not in the future", name, now.NextUpdate)
		}
	}
}

// TestRevocationSource checks the in-process source PAdES B-LT uses.
func TestRevocationSource(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	leaf := holderLeaf(t, s, h.CredentialID)
	auth := s.App.Authorities
	issuing := auth.IssuingChain[0]
	src := s.App.Revocation()
	ctx := context.Background()

	for _, tc := range []struct {
		name        string
		cert, iss   *x509.Certificate
		wantOCSP    bool
		wantCRLFrom *x509.Certificate // CRL signer, nil for none
	}{
		{"holder", leaf, issuing, true, nil},
		{"TSA", auth.TSACert, issuing, true, nil},
		{"OCSP responder (nocheck)", auth.OCSPCert, issuing, false, issuing},
		{"issuing CA", issuing, auth.Root, false, auth.Root},
		{"root", auth.Root, auth.Root, false, nil},
		{"wrong issuer", leaf, auth.Root, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, err := src.OCSP(ctx, tc.cert, tc.iss)
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantOCSP != (o != nil) {
				t.Fatalf("OCSP response present = %v, want %v", o != nil, tc.wantOCSP)
			}
			if o != nil {
				r, err := xocsp.ParseResponseForCert(o, tc.cert, tc.iss)
				if err != nil {
					t.Fatal(err)
				}
				if r.Status != xocsp.Good {
					t.Fatalf("OCSP status %d, want good", r.Status)
				}
				if r.ThisUpdate.Before(s.Clock.Now().Add(-time.Second)) {
					t.Errorf("in-process OCSP response dated %v, want signed now", r.ThisUpdate)
				}
			}
			c, err := src.CRL(ctx, tc.cert, tc.iss)
			if err != nil {
				t.Fatal(err)
			}
			if (tc.wantCRLFrom != nil) != (c != nil) {
				t.Fatalf("CRL present = %v, want %v", c != nil, tc.wantCRLFrom != nil)
			}
			if c != nil {
				crl, err := x509.ParseRevocationList(c)
				if err != nil {
					t.Fatal(err)
				}
				if err := crl.CheckSignatureFrom(tc.wantCRLFrom); err != nil {
					t.Fatalf("CRL not signed by %s: %v", tc.wantCRLFrom.Subject, err)
				}
			}
		})
	}
}
