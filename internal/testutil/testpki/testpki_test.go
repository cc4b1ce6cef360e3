package testpki

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"os"
	"testing"

	"github.com/qesproject/qes/internal/oids"
)

func TestHierarchyVerifies(t *testing.T) {
	for _, kind := range []string{P256, P384, RSA2048} {
		t.Run(kind, func(t *testing.T) {
			root := NewRoot(t, pkix.Name{CommonName: "root"}, Key(t, kind))
			ca := root.SubCA(t, pkix.Name{CommonName: "issuing"}, Key(t, P256), true)
			tsa := ca.Issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "tsa"}, KeyUsage: x509.KeyUsageDigitalSignature,
				ExtraExtensions: []pkix.Extension{TimeStamping(t)}}, Key(t, P256).Public())
			roots, inter := x509.NewCertPool(), x509.NewCertPool()
			roots.AddCert(root.Cert)
			inter.AddCert(ca.Cert)
			if _, err := tsa.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}}); err != nil {
				t.Fatalf("TSA certificate does not verify: %v", err)
			}
			if !ca.Cert.MaxPathLenZero || !ca.Cert.IsCA || tsa.SerialNumber.Sign() <= 0 {
				t.Fatalf("issuing CA pathLenZero %v IsCA %v, TSA serial %v", ca.Cert.MaxPathLenZero, ca.Cert.IsCA, tsa.SerialNumber)
			}
			var eku *pkix.Extension
			for i, e := range tsa.Extensions {
				if e.Id.Equal(oids.ExtKeyUsage) {
					eku = &tsa.Extensions[i]
				}
			}
			if eku == nil || !eku.Critical {
				t.Fatal("the TSA certificate's extendedKeyUsage must be critical")
			}
		})
	}
}

func TestKeys(t *testing.T) {
	if Key(t, P256) == Key(t, P256) {
		t.Error("two ECDSA keys are the same key")
	}
	if Key(t, RSA2048) != Key(t, RSA2048) {
		t.Error("RSA keys of one size are not reused")
	}
	if SlotKey(t, RSA2048, "root") != SlotKey(t, RSA2048, "root") {
		t.Error("a slot must give the same key each time")
	}
	if SlotKey(t, RSA2048, "root") == SlotKey(t, RSA2048, "issuing") {
		t.Error("two slots share a key: a CA would certify its own key")
	}
}

func TestWritePEM(t *testing.T) {
	root := NewRoot(t, pkix.Name{CommonName: "root"}, Key(t, P256))
	data, err := os.ReadFile(WritePEM(t, "root.pem", root.Cert, root.Cert))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for block, rest := pem.Decode(data); block != nil; block, rest = pem.Decode(rest) {
		if block.Type != "CERTIFICATE" || string(block.Bytes) != string(root.Cert.Raw) {
			t.Fatalf("block %d: %s", n, block.Type)
		}
		n++
	}
	if n != 2 {
		t.Fatalf("%d PEM blocks, want 2", n)
	}
}
