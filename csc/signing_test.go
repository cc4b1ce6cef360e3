package csc_test

import (
	"crypto"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/sam"
)

// Signatures made through signHash must verify with openssl against the
// chain credentials/info returns, and the chain must verify to our root.
func TestSignHashVerifiesWithOpenSSL(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Fatal("openssl is required (make test installs it)")
	}
	s := testutil.StartServer(t)
	pss256, _ := sam.PSSParams(crypto.SHA256, 32)
	pss512, _ := sam.PSSParams(crypto.SHA512, 190) // pyHanko asks for the maximum salt; 3072-bit allows 318
	pssMax2048, _ := sam.PSSParams(crypto.SHA256, 222)

	type alg struct {
		signAlgo, hashOID, params string
		hash                      crypto.Hash
		pkeyopts                  []string
	}
	tests := []struct {
		key  string
		algs []alg
	}{
		{"ec-p256", []alg{
			{sam.OIDECDSASHA256, "", "", crypto.SHA256, nil},
			{sam.OIDECDSASHA384, "", "", crypto.SHA384, nil},
			{sam.OIDECPublicKey, sam.OIDSHA512, "", crypto.SHA512, nil},
		}},
		{"ec-p384", []alg{
			{sam.OIDECDSASHA384, "", "", crypto.SHA384, nil},
			{sam.OIDECDSASHA512, "", "", crypto.SHA512, nil},
		}},
		{"rsa-2048", []alg{
			{sam.OIDSHA256WithRSA, "", "", crypto.SHA256, []string{"digest:sha256"}},
			{sam.OIDRSA, sam.OIDSHA384, "", crypto.SHA384, []string{"digest:sha384"}},
			{sam.OIDRSAPSS, "", pss256, crypto.SHA256, []string{"rsa_padding_mode:pss", "rsa_pss_saltlen:32", "digest:sha256"}},
			{sam.OIDRSAPSS, "", pssMax2048, crypto.SHA256, []string{"rsa_padding_mode:pss", "rsa_pss_saltlen:222", "digest:sha256"}},
		}},
		{"rsa-3072", []alg{
			{sam.OIDSHA512WithRSA, "", "", crypto.SHA512, []string{"digest:sha512"}},
			{sam.OIDRSAPSS, "", pss512, crypto.SHA512, []string{"rsa_padding_mode:pss", "rsa_pss_saltlen:190", "digest:sha512"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			f := newFlow(t, s, tt.key)
			dir := t.TempDir()
			pub, chainOK := chainFiles(t, f, dir)
			if !chainOK {
				t.Fatal("chain does not verify")
			}
			for i, a := range tt.algs {
				t.Run(fmt.Sprintf("%d-%s", i, a.signAlgo), func(t *testing.T) {
					hashes, raw := randomHashes(t, a.hash, 3)
					sad := f.authorize(3, hashes, sam.HashOID(a.hash))
					st, body := f.signHash(sad, hashes, a.signAlgo, a.hashOID, a.params)
					if st != http.StatusOK {
						t.Fatalf("signHash: %d %v", st, body)
					}
					sigs := body["signatures"].([]any)
					if len(sigs) != len(hashes) {
						t.Fatalf("%d signatures for %d hashes", len(sigs), len(hashes))
					}
					for j, sig := range sigs {
						der, err := base64.StdEncoding.DecodeString(sig.(string))
						if err != nil {
							t.Fatal(err)
						}
						if !opensslVerify(t, dir, pub, raw[j], der, a.pkeyopts) {
							t.Fatalf("openssl rejects signature %d", j)
						}
						// The same signature must not verify another digest: the check can fail.
						if opensslVerify(t, dir, pub, raw[(j+1)%len(raw)], der, a.pkeyopts) {
							t.Fatal("openssl accepted a signature for the wrong digest")
						}
					}
				})
			}
		})
	}
}

// chainFiles fetches the chain through credentials/info and checks it with
// openssl verify; it returns the signer's public key file.
func chainFiles(t *testing.T, f *flow, dir string) (string, bool) {
	t.Helper()
	st, body := f.post("credentials/info", map[string]any{"credentialID": f.h.CredentialID, "certificates": "chain", "certInfo": true})
	if st != http.StatusOK {
		t.Fatalf("credentials/info: %d %v", st, body)
	}
	certs := body["cert"].(map[string]any)["certificates"].([]any)
	if len(certs) != 3 {
		t.Fatalf("chain has %d certificates, want signer, issuing CA, root", len(certs))
	}
	names := []string{"leaf.pem", "issuing.pem", "root.pem"}
	for i, c := range certs {
		der, err := base64.StdEncoding.DecodeString(c.(string))
		if err != nil {
			t.Fatalf("certificate %d is not standard base64: %v", i, err)
		}
		writePEM(t, filepath.Join(dir, names[i]), "CERTIFICATE", der)
	}
	out, err := exec.Command("openssl", "verify", "-x509_strict", "-CAfile", filepath.Join(dir, "root.pem"),
		"-untrusted", filepath.Join(dir, "issuing.pem"), filepath.Join(dir, "leaf.pem")).CombinedOutput()
	pub := filepath.Join(dir, "pub.pem")
	if o, err := exec.Command("openssl", "x509", "-in", filepath.Join(dir, "leaf.pem"), "-pubkey", "-noout", "-out", pub).CombinedOutput(); err != nil {
		t.Fatalf("extract public key: %v %s", err, o)
	}
	if err != nil {
		t.Logf("openssl verify: %v %s", err, out)
	}
	return pub, err == nil && strings.Contains(string(out), "OK")
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

func opensslVerify(t *testing.T, dir, pub string, digest, sig []byte, opts []string) bool {
	t.Helper()
	d, sg := filepath.Join(dir, "digest.bin"), filepath.Join(dir, "sig.bin")
	if err := os.WriteFile(d, digest, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sg, sig, 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"pkeyutl", "-verify", "-pubin", "-inkey", pub, "-in", d, "-sigfile", sg}
	for _, o := range opts {
		args = append(args, "-pkeyopt", o)
	}
	out, err := exec.Command("openssl", args...).CombinedOutput()
	ok := err == nil && strings.Contains(string(out), "Signature Verified Successfully")
	if !ok && !strings.Contains(string(out), "Signature Verification Failure") {
		t.Fatalf("openssl pkeyutl could not run: %v %s", err, out)
	}
	return ok
}
