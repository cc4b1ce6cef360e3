package pki_test

import (
	"bytes"
	"testing"

	"github.com/qesproject/qes/emrtd/pki"
	"github.com/qesproject/qes/internal/testutil/emrtdgen"
)

// A synthetic state renews its CSCA with a link certificate (cA=false, as
// Italy did) and publishes a master list signed by a signer found by SKI:
// the list verifies, the link verifies with the old CSCA, a DSC of the new
// CSCA with the new one.
func TestSyntheticMasterListAndLink(t *testing.T) {
	fixed := func(f func() *emrtdgen.Key) func(int) *emrtdgen.Key { return func(int) *emrtdgen.Key { return f() } }
	profiles := map[string]func(slot int) *emrtdgen.Key{
		"RSA-PSS-2048":             emrtdgen.KeyRSAPSS2048Slot,
		"brainpoolP256r1-explicit": fixed(emrtdgen.KeyBrainpoolP256r1Explicit),
		"brainpoolP384r1-explicit": fixed(emrtdgen.KeyBrainpoolP384r1Explicit),
		"P-256":                    fixed(emrtdgen.KeyP256),
	}
	for name, keyAt := range profiles {
		t.Run(name, func(t *testing.T) {
			slot := 0
			newKey := func() *emrtdgen.Key { slot++; return keyAt(slot) }
			oldCSCA := emrtdgen.NewCSCA("IT", "CSCA old", newKey(), t0.AddDate(-5, 0, 0), t0.AddDate(5, 0, 0))
			newCSCA := emrtdgen.NewCSCA("IT", "CSCA new", newKey(), t0.AddDate(-1, 0, 0), t0.AddDate(9, 0, 0))
			link := emrtdgen.NewLink(oldCSCA, newCSCA, false)
			if link.Cert.IsCA || !link.Cert.BasicConstraintsValid || !link.Cert.IssuedBy(oldCSCA.Cert) {
				t.Fatal("link certificate fields")
			}
			if err := link.Cert.CheckSignatureFrom(oldCSCA.Cert); err != nil {
				t.Fatalf("link with the old CSCA: %v", err)
			}
			if err := link.Cert.CheckSignatureFrom(newCSCA.Cert); err == nil {
				t.Fatal("the link verifies with the new CSCA's key")
			}
			dsc := emrtdgen.NewDSC(newCSCA, newKey(), "DS", t0.AddDate(0, -1, 0), t0.AddDate(0, 3, 0))
			if err := dsc.Cert.CheckSignatureFrom(newCSCA.Cert); err != nil {
				t.Fatal(err)
			}
			// The link carries the new CSCA's key: it verifies the DSC too.
			if err := dsc.Cert.CheckSignatureFrom(link.Cert); err != nil {
				t.Fatalf("DSC with the link's key: %v", err)
			}

			signer := emrtdgen.NewMasterListSigner(oldCSCA, newKey(), t0.AddDate(0, -1, 0), t0.AddDate(1, 0, 0))
			raw := emrtdgen.BuildMasterList(signer, oldCSCA, [][]byte{oldCSCA.DER, newCSCA.DER, link.DER, []byte("\x30\x03\x02\x01\x00")})
			ml, err := pki.VerifyMasterList(raw, []*pki.Certificate{oldCSCA.Cert}, t0)
			if err != nil {
				t.Fatal(err)
			}
			if len(ml.Certificates) != 3 || ml.Skipped != 1 || !bytes.Equal(ml.Signer.Raw, signer.DER) {
				t.Fatalf("%d certificates, %d skipped", len(ml.Certificates), ml.Skipped)
			}
			if _, err := pki.VerifyMasterList(raw, []*pki.Certificate{newCSCA.Cert}, t0); err == nil {
				t.Fatal("verifies with a CSCA that did not issue the signer")
			}
			if _, err := pki.VerifyMasterList(raw, []*pki.Certificate{oldCSCA.Cert}, t0.AddDate(2, 0, 0)); err == nil {
				t.Fatal("verifies after the signer expired")
			}
			// A SOD is not a master list.
			sod := emrtdgen.SignSOD(signer.Cert, signer.Key, ldsOID, eContent, signer.Key.Hash)
			if _, err := pki.VerifyMasterList(sod, []*pki.Certificate{oldCSCA.Cert}, t0); err == nil {
				t.Fatal("a SOD passes as a master list")
			}
		})
	}
}
