package csc_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"net/http"
	"regexp"
	"testing"

	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/sam"
)

// What real clients send and read (../shared/CSC-INTEROP.md), replayed
// against a real server.

func TestInfoPerVersion(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	st, v2 := s.Post(t, "/csc/v2/info", "", nil)
	if st != 200 || v2["specs"] != "2.0.0.2" {
		t.Fatalf("v2 info: %d %v", st, v2)
	}
	for _, k := range []string{"name", "logo", "region", "lang", "description", "authType", "methods", "signAlgorithms", "supportedHashTypes", "signature_formats", "conformance_levels"} {
		if v2[k] == nil {
			t.Errorf("v2 info lacks %s", k)
		}
	}
	algos := v2["signAlgorithms"].(map[string]any)["algos"].([]any)
	if len(algos) < 8 {
		t.Errorf("signAlgorithms.algos = %v", algos)
	}
	st, v1 := s.Post(t, "/csc/v1/info", "", map[string]any{"lang": "en-US"})
	if st != 200 || v1["specs"] != "1.0.4.0" || v1["signAlgorithms"] != nil {
		t.Fatalf("v1 info: %d %v", st, v1)
	}
	// The logo URL info gives works.
	resp, err := http.Get(v2["logo"].(string))
	if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("logo: %v %v", err, resp)
	}
	resp.Body.Close()
}

// pyHanko speaks v1 names under /csc/v2: credentials/info with
// certificates "chain", then authorize with hash[] and PIN/OTP, then signHash
// with hash[] and hashAlgo, expecting one DER signature per hash in order.
func TestPyHankoStyleClient(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	f := newFlow(t, s, "ec-p256")
	st, info := f.post("credentials/info", map[string]any{"credentialID": f.h.CredentialID, "certificates": "chain", "certInfo": false})
	if st != 200 {
		t.Fatalf("info: %d %v", st, info)
	}
	if info["SCAL"] != "2" || info["multisign"].(float64) != 100 {
		t.Fatalf("SCAL/multisign: %v", info)
	}
	algos := info["key"].(map[string]any)["algo"].([]any)
	want := map[string]bool{sam.OIDECDSASHA256: true, sam.OIDECDSASHA384: true, sam.OIDECDSASHA512: true}
	for _, a := range algos {
		delete(want, a.(string))
	}
	if len(want) != 0 {
		t.Fatalf("key.algo %v lacks combined OIDs %v", algos, want)
	}
	certs := info["cert"].(map[string]any)["certificates"].([]any)
	leafDER, _ := base64.StdEncoding.DecodeString(certs[0].(string))
	leaf, err := x509.ParseCertificate(leafDER)
	if err != nil {
		t.Fatal(err)
	}
	// v2 answers in v2 names.
	if info["auth"] == nil || info["authMode"] != nil {
		t.Fatalf("v2 credentials/info must use auth{}, not authMode: %v", info)
	}

	d1, d2 := sha256.Sum256([]byte("one")), sha256.Sum256([]byte("two"))
	hashes := []string{base64.StdEncoding.EncodeToString(d1[:]), base64.StdEncoding.EncodeToString(d2[:])}
	st, body := f.post("credentials/authorize", map[string]any{"credentialID": f.h.CredentialID, "numSignatures": 2, "hash": hashes,
		"PIN": f.h.PIN, "OTP": f.otp(), "description": "pyHanko signing two documents", "clientData": "x"})
	if st != 200 {
		t.Fatalf("authorize (v1 names): %d %v", st, body)
	}
	st, body = f.post("signatures/signHash", map[string]any{"credentialID": f.h.CredentialID, "SAD": body["SAD"], "hash": hashes,
		"hashAlgo": sam.OIDSHA256, "signAlgo": sam.OIDECDSASHA256})
	if st != 200 {
		t.Fatalf("signHash (v1 names): %d %v", st, body)
	}
	sigs := body["signatures"].([]any)
	for i, d := range [][]byte{d1[:], d2[:]} {
		sig, _ := base64.StdEncoding.DecodeString(sigs[i].(string))
		if !ecdsa.VerifyASN1(leaf.PublicKey.(*ecdsa.PublicKey), d, sig) {
			t.Fatalf("signature %d is not a DER ECDSA signature of hash %d", i, i)
		}
	}
}

// Laverca (v1): Basic login, list with maxResults/pageToken, reads authMode,
// SCAL and multisign; v1 credentials/info uses authMode + PIN/OTP objects.
func TestLavercaStyleClient(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	f := newFlow(t, s, "rsa-2048")
	f.v = "v1"
	f.tok = s.Login(t, "v1", f.h.ID, f.h.Password)
	for i := 0; i < 2; i++ { // three credentials in all
		if _, err := s.App.Credentials.CreateCredential(t.Context(), sam.NewCredential{HolderID: f.h.ID, PIN: "246813"}); err != nil {
			t.Fatal(err)
		}
	}
	var all []any
	page := ""
	for n := 0; n < 4; n++ {
		req := map[string]any{"maxResults": 2}
		if page != "" {
			req["pageToken"] = page
		}
		st, body := f.post("credentials/list", req)
		if st != 200 {
			t.Fatalf("list: %d %v", st, body)
		}
		all = append(all, body["credentialIDs"].([]any)...)
		next, _ := body["nextPageToken"].(string)
		if next == "" {
			break
		}
		page = next
	}
	if len(all) != 3 {
		t.Fatalf("paged list returned %d credentials, want 3", len(all))
	}
	st, info := f.post("credentials/info", map[string]any{"credentialID": f.h.CredentialID, "certInfo": true})
	if st != 200 || info["authMode"] != "explicit" || info["PIN"] == nil || info["OTP"] == nil || info["auth"] != nil {
		t.Fatalf("v1 info: %d %v", st, info)
	}
	if info["OTP"].(map[string]any)["type"] != "online" || info["SCAL"] != "2" {
		t.Fatalf("v1 OTP object: %v", info)
	}
	cert := info["cert"].(map[string]any)
	dateRE := regexp.MustCompile(`^\d{14}Z$`)
	if !dateRE.MatchString(cert["validFrom"].(string)) || !dateRE.MatchString(cert["validTo"].(string)) {
		t.Fatalf("validFrom/validTo must be YYYYMMDDHHmmssZ: %v", cert)
	}
	if len(cert["certificates"].([]any)) != 1 {
		t.Fatal(`certificates defaults to "single"`)
	}
	key := info["key"].(map[string]any)
	if key["len"].(float64) != 2048 || key["algo"].([]any)[0] != sam.OIDSHA256WithRSA {
		t.Fatalf("key: %v", key)
	}
}

// pdfsign's CSC signer signs with key.algo[0] as signAlgo and also sends
// hashAlgo; key.algo[0] must therefore be a combined OID usable as is.
func TestKeyAlgoFirstIsUsableAsIs(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	for _, key := range []string{"ec-p256", "ec-p384", "rsa-2048"} {
		t.Run(key, func(t *testing.T) {
			f := newFlow(t, s, key).with(t)
			_, info := f.post("credentials/info", map[string]any{"credentialID": f.h.CredentialID})
			first := info["key"].(map[string]any)["algo"].([]any)[0].(string)
			hashOID := map[string]string{sam.OIDECDSASHA256: sam.OIDSHA256, sam.OIDECDSASHA384: sam.OIDSHA384, sam.OIDSHA256WithRSA: sam.OIDSHA256}[first]
			if hashOID == "" {
				t.Fatalf("key.algo[0] = %s is not a combined OID", first)
			}
			h, _ := sam.HashFromOID(hashOID)
			hashes, _ := randomHashes(t, h, 1)
			sad := f.authorize(1, hashes, hashOID)
			st, body := f.post("signatures/signHash", map[string]any{"credentialID": f.h.CredentialID, "SAD": sad, "hash": hashes, "hashAlgo": hashOID, "signAlgo": first})
			if st != 200 {
				t.Fatalf("signHash with key.algo[0]: %d %v", st, body)
			}
		})
	}
}

func TestListReportsCredentialInfo(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	f := newFlow(t, s, "ec-p384")
	st, body := f.post("credentials/list", map[string]any{"credentialInfo": true, "certificates": "chain", "certInfo": true, "authInfo": true, "onlyValid": true})
	if st != 200 || body["onlyValid"] != true {
		t.Fatalf("list: %d %v", st, body)
	}
	infos := body["credentialInfos"].([]any)
	if len(infos) != 1 {
		t.Fatalf("credentialInfos: %v", infos)
	}
	ci := infos[0].(map[string]any)
	if ci["credentialID"] != f.h.CredentialID || ci["key"].(map[string]any)["curve"] != sam.OIDCurveP384 {
		t.Fatalf("credentialInfo: %v", ci)
	}
	cert := ci["cert"].(map[string]any)
	if cert["status"] != "valid" || len(cert["certificates"].([]any)) != 3 || cert["subjectDN"] == nil || cert["serialNumber"] == nil {
		t.Fatalf("cert: %v", cert)
	}
	auth := ci["auth"].(map[string]any)
	if auth["mode"] != "explicit" || auth["expression"] != "PIN AND OTP" || len(auth["objects"].([]any)) != 2 {
		t.Fatalf("auth: %v", auth)
	}
	_ = crypto.SHA256
}
