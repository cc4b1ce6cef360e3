package pades

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/hex"
	"os/exec"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/testutil/pdfcheck"
	"github.com/qesproject/qes/internal/testutil/testpki"
)

func TestCAdESDetachedOverDigest(t *testing.T) {
	data := []byte("a document signed by its digest only (CSC documentDigests)\n")
	sum := sha256.Sum256(data)
	for _, kind := range []string{"p256", "rsa"} {
		pki := newPKI(t, kind)
		for _, level := range []Level{LevelBB, LevelBT, LevelBLT, LevelBLTA} {
			t.Run(kind+"/"+level.String(), func(t *testing.T) {
				der, vi, err := SignDigest(context.Background(), pki.signerKey, pki.chain(), sum[:], CAdESOptions{
					Level: level, Timestamper: &testTSA{pki: pki}, Revocation: &testRevocation{pki: pki},
				})
				if err != nil {
					t.Fatal(err)
				}
				if ok, out := pdfcheck.OpensslCMSVerify(t, der, data, pki.root); !ok {
					t.Fatalf("openssl cms -verify failed:\n%s", out)
				}
				oids := strings.Join(pdfcheck.SignedAttrTypes(t, der), " ")
				for _, want := range []string{"1.2.840.113549.1.9.5", "1.2.840.113549.1.9.16.2.47", "1.2.840.113549.1.9.4"} {
					if !strings.Contains(oids, want) {
						t.Fatalf("CAdES signed attribute %s missing: %s", want, oids)
					}
				}
				token, digest := signatureTimestamp(t, der)
				if (token != nil) != (level >= LevelBT) {
					t.Fatalf("signature time-stamp present = %v at %s", token != nil, level)
				}
				if token != nil {
					if ok, out := pdfcheck.OpensslTSVerify(t, token, nil, hex.EncodeToString(digest), pki.root, pki.ca); !ok {
						t.Fatalf("openssl ts -verify failed:\n%s", out)
					}
				}
				if level >= LevelBLT {
					sd := pdfcheck.ParseSignedData(t, der)
					if sd.Version != 5 || len(sd.CRLs.Bytes) == 0 {
						t.Fatalf("B-LT SignedData: version %d, %d bytes of crls; want v5 with revocation data", sd.Version, len(sd.CRLs.Bytes))
					}
					if len(vi.Certificates) < 4 || len(vi.OCSPs) < 3 || len(vi.CRLs) < 2 {
						t.Fatalf("validation info: %d certificates, %d OCSP, %d CRL", len(vi.Certificates), len(vi.OCSPs), len(vi.CRLs))
					}
					var certs []asn1.RawValue
					for rest := sd.Certificates.Bytes; len(rest) > 0; {
						var c asn1.RawValue
						if rest, err = asn1.Unmarshal(rest, &c); err != nil {
							t.Fatal(err)
						}
						certs = append(certs, c)
					}
					if len(certs) != len(vi.Certificates) {
						t.Fatalf("SignedData has %d certificates, validation info %d", len(certs), len(vi.Certificates))
					}
				}
			})
		}
	}
}

func TestCAdESRejects(t *testing.T) {
	pki := newPKI(t, "p256")
	_, _, err := SignDigest(context.Background(), pki.signerKey, pki.chain(), []byte("short"), CAdESOptions{})
	assertInvalidRequest(t, err, "digest has 5 bytes")
	for _, content := range [][]byte{nil, {}} {
		_, err = PrepareCAdESContent(context.Background(), pki.chain(), content, true, CAdESOptions{})
		assertInvalidRequest(t, err, "empty")
	}
	_, err = PrepareCAdESContent(context.Background(), pki.chain(), []byte("x"), true, CAdESOptions{Level: LevelBLTA})
	assertInvalidRequest(t, err, "B-LTA")
}

// TestCAdESAttachedParts signs a file enveloping (the .p7m) with an RSA
// key at every level: the parts join into a CMS openssl verifies and
// whose content is the file, and the content part is the caller's slice,
// not a copy.
func TestCAdESAttachedParts(t *testing.T) {
	pki := newPKI(t, "rsa")
	content := []byte("un file qualsiasi, non un PDF\n")
	for _, level := range []Level{LevelBB, LevelBT, LevelBLT, LevelBLTA} {
		t.Run(level.String(), func(t *testing.T) {
			p, err := PrepareCAdESContent(context.Background(), pki.chain(), content, true, CAdESOptions{
				Level: level, Timestamper: &testTSA{pki: pki}, Revocation: &testRevocation{pki: pki}})
			if err != nil {
				t.Fatal(err)
			}
			sig, err := pki.signerKey.Sign(rand.Reader, p.Digest(), p.alg.signerOpts())
			if err != nil {
				t.Fatal(err)
			}
			parts, _, err := p.FinishParts(context.Background(), sig)
			if err != nil {
				t.Fatal(err)
			}
			if len(parts.Content) == 0 || &parts.Content[0] != &content[0] {
				t.Fatal("the content part is not the caller's slice")
			}
			der := parts.Bytes()
			if err := pdfcheck.StrictDER(der); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", pdfcheck.WriteTemp(t, "s.p7m", der),
				"-CAfile", pdfcheck.WriteTemp(t, "root.pem", testpki.PEM(pki.root)), "-purpose", "any").CombinedOutput()
			if err != nil || !strings.Contains(string(out), string(content)) || !strings.Contains(string(out), "Verification successful") {
				t.Fatalf("openssl cms -verify of the .p7m: %v\n%s", err, out)
			}
		})
	}
}
