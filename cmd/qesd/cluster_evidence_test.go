package main_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/qesproject/qes/device"
	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/internal/testutil/emrtdgen"
	"github.com/qesproject/qes/storage"
	"github.com/qesproject/qes/storage/postgres"
)

// Issue 11: enrolment works on any node. The app uploads the chip (with
// its portrait), the document photos and the selfie video to node 1, and
// completes the identification on node 2, which must decrypt node 1's
// portrait and video (evidence.store "store", the default on postgres)
// for the face match: with files in node 1's DIR it would not find them.
func TestClusterEvidenceAcrossNodes(t *testing.T) {
	cl := startCluster(t, 2, clusterOptions{jobEvery: time.Minute, statusSync: time.Second})
	n1, n2 := cl.nodes[0], cl.nodes[1]
	ctx := context.Background()
	now := time.Now().UTC()
	doc := emrtdgen.NewDocument(t, emrtdgen.Options{Now: now})

	// The operator trusts the document's state through node 1.
	dir := t.TempDir()
	var trust [][]string
	for i, der := range doc.Trust.CSCADERs {
		trust = append(trust, []string{"csca", "import", "--cert", writeFile(t, dir, fmt.Sprintf("csca%d.cer", i), der)})
	}
	for i, der := range doc.Trust.CRLDERs {
		trust = append(trust, []string{"csca", "crl", "import", writeFile(t, dir, fmt.Sprintf("csca%d.crl", i), der)})
	}
	for _, args := range trust {
		if out, err := exec.Command(testutil.Binary(t, "qesctl"), append([]string{"--data", n1.data}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("qesctl %v: %v\n%s", args, err, out)
		}
	}

	// A customer whose order waits for identification (the shop's part,
	// which has its own tests), written in the deployment's database.
	db, err := postgres.Open(ctx, cl.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const email, mobile, password, number = "cluster@example.org", "+393331230001", "Correct-Horse-9!", "55-00003-0000000001"
	hash, err := secret.Hash(password, secret.Fast)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateCustomer(ctx, &storage.Customer{ID: "clusterc1", Email: email, PasswordHash: hash, PasswordChangedAt: now,
		EmailVerified: true, Country: "IT", Lang: "en", CreatedAt: now}, nil); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateOrder(ctx, &storage.Order{Number: number, CustomerID: "clusterc1", State: "details_submitted", CreatedAt: now, UserID: "CL000001",
		Details: &storage.Details{Italian: true, TaxCode: doc.TaxCode, Mobile: mobile, DocCountry: "IT", SubmittedAt: now}}, nil); err != nil {
		t.Fatal(err)
	}

	a := &clusterApp{t: t, publicURL: n1.base(), outbox: cl.client(t, nil, 1)}
	a.login(n1, email, password)
	status, out := a.call(n1, "POST", "/api/v1/app/enrolments/"+number+"/identification", map[string]string{"nationality": "IT", "documentType": "PASSPORT"})
	if status != http.StatusCreated {
		t.Fatalf("start on node 1: %d %v", status, out)
	}
	challenge, _ := base64.StdEncoding.DecodeString(out["aaChallenge"].(string))
	base := "/api/v1/app/enrolments/" + number + "/identification/" + out["sessionID"].(string)
	steps := []struct {
		name        string
		method      string
		path, ctype string
		body        []byte
	}{
		{"photo front", "PUT", base + "/photo/front", "image/jpeg", testutil.PhotoJPEG(t)},
		{"photo back", "PUT", base + "/photo/back", "image/jpeg", testutil.PhotoJPEG(t)},
		{"chip", "POST", base + "/chip", "application/json", chipJSON(doc, challenge)},
		{"confirm", "POST", base + "/confirm", "application/json", []byte(`{"address":"Via Appia 10, 00179 Roma"}`)},
		{"video", "PUT", base + "/video", "video/mp4", testutil.VideoMP4(6)},
	}
	for _, st := range steps {
		if status, out := a.do(n1, st.method, st.path, st.ctype, st.body); status != http.StatusOK {
			t.Fatalf("%s on node 1: %d %v", st.name, status, out)
		}
	}
	if status, out := a.call(n2, "POST", base+"/complete", nil); status != http.StatusOK || out["state"] != "identified" {
		t.Fatalf("complete on node 2 (it reads node 1's portrait and video): %d %v", status, out)
	}
	o, err := db.Order(ctx, number)
	if err != nil || o.State != "identified" {
		t.Fatalf("order after node 2 completed: %+v, %v", o, err)
	}
	for _, n := range cl.nodes {
		if _, err := os.Stat(filepath.Join(n.data, "evidence")); !os.IsNotExist(err) {
			t.Fatalf("%s keeps evidence in its DIR (%v): it belongs in the database", n.name, err)
		}
	}
}

func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// clusterApp plays the enrolment app on any node: DPoP proofs name the
// deployment's public URL, whichever node the request goes to.
type clusterApp struct {
	t         *testing.T
	publicURL string
	outbox    *clusterClient // only for the shared outbox's codes
	key       *ecdsa.PrivateKey
	access    string
	jti       int
}

func (a *clusterApp) send(n *clusterNode, method, path, ctype string, body []byte, headers map[string]string) (int, map[string]any) {
	a.t.Helper()
	req, err := http.NewRequest(method, n.base()+path, bytes.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

func (a *clusterApp) login(n *clusterNode, email, password string) {
	a.t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		a.t.Fatal(err)
	}
	a.key = key
	raw, _ := json.Marshal(map[string]any{"email": email, "password": password})
	status, out := a.send(n, "POST", "/api/v1/app/login", "application/json", raw, nil)
	if status != http.StatusOK {
		a.t.Fatalf("app login: %d %v", status, out)
	}
	raw, _ = json.Marshal(map[string]any{"loginID": out["loginID"], "otp": a.outbox.lastOTP(),
		"device": map[string]any{"name": "Test phone", "platform": "android", "jwk": device.JWKOf(&key.PublicKey)}})
	status, out = a.send(n, "POST", "/api/v1/app/login/confirm", "application/json", raw, nil)
	if status != http.StatusOK || out["tokenType"] != "DPoP" {
		a.t.Fatalf("app login/confirm: %d %v", status, out)
	}
	a.access = out["accessToken"].(string)
}

func (a *clusterApp) do(n *clusterNode, method, path, ctype string, body []byte) (int, map[string]any) {
	a.t.Helper()
	a.jti++
	proof, err := device.SignProof(a.key, device.ProofRequest{Method: method, URL: a.publicURL + path, AccessToken: a.access,
		Body: body, HasBody: method != "GET", IssuedAt: time.Now(), ID: fmt.Sprintf("cluster-%d-%d", time.Now().UnixNano(), a.jti)})
	if err != nil {
		a.t.Fatal(err)
	}
	return a.send(n, method, path, ctype, body, map[string]string{"Authorization": "DPoP " + a.access, "DPoP": proof})
}

func (a *clusterApp) call(n *clusterNode, method, path string, body any) (int, map[string]any) {
	a.t.Helper()
	if body == nil {
		return a.do(n, method, path, "", nil)
	}
	raw, _ := json.Marshal(body)
	return a.do(n, method, path, "application/json", raw)
}

func chipJSON(doc *emrtdgen.Document, challenge []byte) []byte {
	files := map[string]string{}
	for name, data := range doc.Files {
		files[name] = base64.StdEncoding.EncodeToString(data)
	}
	raw, _ := json.Marshal(map[string]any{
		"access": map[string]string{"protocol": "PACE", "password": "MRZ", "documentNumber": doc.Typed.DocumentNumber,
			"dateOfBirth": doc.Typed.DateOfBirth, "dateOfExpiry": doc.Typed.DateOfExpiry},
		"files":                files,
		"activeAuthentication": map[string]string{"signature": base64.StdEncoding.EncodeToString(doc.Chip.InternalAuthenticate(challenge))},
	})
	return raw
}
