package pki_test

import (
	"bytes"
	"crypto"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/qesproject/qes/emrtd/ec"
	"github.com/qesproject/qes/emrtd/pki"
	"github.com/qesproject/qes/internal/testutil/emrtdgen"
	"github.com/qesproject/qes/internal/testutil/validator"
)

var (
	t0        = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	ldsOID    = pki.OIDContentTypeLDSSecurityObject
	eContent  = []byte("\x30\x03\x02\x01\x00 an LDSSecurityObject stand-in")
	hashNames = map[crypto.Hash]string{crypto.SHA1: "SHA1", crypto.SHA224: "SHA224", crypto.SHA256: "SHA256", crypto.SHA384: "SHA384", crypto.SHA512: "SHA512"}
)

type keyCase struct {
	name string
	key  func() *emrtdgen.Key
	// named: openssl can check it (explicit parameters are left to our own
	// verifier; openssl 3 refuses some of them by policy).
	named bool
}

func keyCases() []keyCase {
	var cases []keyCase
	hashFor := func(c *ec.Curve) crypto.Hash {
		switch {
		case c.BitSize() > 384:
			return crypto.SHA512
		case c.BitSize() > 256:
			return crypto.SHA384
		}
		return crypto.SHA256
	}
	for _, c := range ec.Curves {
		for _, explicit := range []bool{false, true} {
			h := hashFor(c)
			cases = append(cases, keyCase{fmt.Sprintf("%s/explicit=%v/%s", c.Name, explicit, hashNames[h]),
				func() *emrtdgen.Key { return emrtdgen.NewECKey(c, explicit, h) }, !explicit})
		}
	}
	// Every hash on one NIST and one brainpool curve.
	for _, c := range []*ec.Curve{ec.P256, ec.BrainpoolP256r1} {
		for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA224, crypto.SHA384, crypto.SHA512} {
			cases = append(cases, keyCase{fmt.Sprintf("%s/%s", c.Name, hashNames[h]),
				func() *emrtdgen.Key { return emrtdgen.NewECKey(c, false, h) }, true})
		}
	}
	for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA224, crypto.SHA256, crypto.SHA384, crypto.SHA512} {
		cases = append(cases, keyCase{"RSA-2048/PKCS1/" + hashNames[h], func() *emrtdgen.Key { return emrtdgen.NewRSAKey(2048, false, h) }, true})
	}
	for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA256, crypto.SHA384, crypto.SHA512} {
		cases = append(cases, keyCase{"RSA-2048/PSS/" + hashNames[h], func() *emrtdgen.Key { return emrtdgen.NewRSAKey(2048, true, h) }, true})
	}
	return cases
}

// Every key family round trips: CSCA -> DSC -> SOD, parsed and verified
// by emrtd/pki; every tampering is refused; openssl agrees where it can.
func TestSyntheticRoundTrip(t *testing.T) {
	for _, kc := range keyCases() {
		t.Run(kc.name, func(t *testing.T) {
			key := kc.key()
			csca := emrtdgen.NewCSCA("IT", "CSCA "+kc.name, key, t0.AddDate(-1, 0, 0), t0.AddDate(10, 0, 0))
			dsc := emrtdgen.NewDSC(csca, key, "DS "+kc.name, t0.AddDate(0, -1, 0), t0.AddDate(0, 3, 0))
			if err := csca.Cert.CheckSignatureFrom(csca.Cert); err != nil {
				t.Fatalf("self-signed CSCA: %v", err)
			}
			if err := dsc.Cert.CheckSignatureFrom(csca.Cert); err != nil {
				t.Fatalf("DSC from CSCA: %v", err)
			}
			if !dsc.Cert.IssuedBy(csca.Cert) || csca.Cert.Country() != "IT" || !csca.Cert.IsCA || dsc.Cert.IsCA || dsc.Cert.BasicConstraintsValid {
				t.Fatal("names, country or basic constraints are wrong")
			}
			pub, err := pki.ParsePublicKey(key.SPKI())
			if err != nil {
				t.Fatal(err)
			}
			if c, ok := pub.(*ec.PublicKey); ok && (c.X.Cmp(key.EC.X) != 0 || c.Curve != key.EC.Curve) {
				t.Fatal("EC key does not round trip")
			}
			sod := emrtdgen.SignSOD(dsc.Cert, key, ldsOID, eContent, key.Hash)
			verifySOD(t, sod, eContent, nil)

			// Tampering with the signature, the content or the attributes.
			bad := bytes.Clone(sod)
			bad[len(bad)-3] ^= 0x01 // inside the signature value
			verifySOD(t, bad, eContent, "signature")
			verifySOD(t, sod, append(bytes.Clone(eContent), 0), "messageDigest")
			verifySOD(t, emrtdgen.SignedData(dsc.Cert, key, ldsOID, eContent, key.Hash,
				emrtdgen.SignedDataOptions{ContentTypeAttr: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}}), eContent, "contentType")
			verifySOD(t, emrtdgen.SignedData(dsc.Cert, key, ldsOID, eContent, key.Hash,
				emrtdgen.SignedDataOptions{MessageDigest: make([]byte, key.Hash.Size())}), eContent, "messageDigest")
			// A SOD signed by another key under the same DSC.
			other := emrtdgen.NewRSAKey(2048, false, crypto.SHA256)
			if key.RSA != nil {
				other = emrtdgen.NewECKey(ec.P256, false, crypto.SHA256)
			}
			verifySOD(t, emrtdgen.SignSOD(dsc.Cert, &emrtdgen.Key{RSA: other.RSA, EC: other.EC, PSS: key.PSS, Hash: key.Hash}, ldsOID, eContent, key.Hash), eContent, "signature")
			// The DSC does not verify with a stranger's CSCA.
			stranger := emrtdgen.NewCSCA("IT", "CSCA "+kc.name, other, t0, t0.AddDate(1, 0, 0))
			if err := dsc.Cert.CheckSignatureFrom(stranger.Cert); err == nil {
				t.Fatal("DSC verifies with another CSCA's key")
			}

			// CRL: signed by the CSCA, lists the DSC.
			crlDER := emrtdgen.NewCRL(csca, t0.AddDate(0, 0, -1), t0.AddDate(0, 0, 30), 7, dsc.Cert.SerialNumber, big.NewInt(99))
			crl, err := pki.ParseCRL(crlDER)
			if err != nil {
				t.Fatal(err)
			}
			if err := crl.CheckSignatureFrom(csca.Cert); err != nil {
				t.Fatal(err)
			}
			if !crl.IssuedBy(csca.Cert) || !crl.IsRevoked(dsc.Cert.SerialNumber) || crl.IsRevoked(csca.Cert.SerialNumber) ||
				!crl.FreshAt(t0) || crl.FreshAt(t0.AddDate(0, 2, 0)) || crl.Number.Int64() != 7 || crl.RevokedCount() != 2 {
				t.Fatal("CRL fields are wrong")
			}
			crlDER[len(crlDER)-2] ^= 1
			if crl, err := pki.ParseCRL(crlDER); err == nil && crl.CheckSignatureFrom(csca.Cert) == nil {
				t.Fatal("tampered CRL verifies")
			}

			if kc.named {
				opensslVerify(t, sod, csca.DER)
			}
		})
	}
}

// verifySOD parses and verifies sod against content; wantErr, when not
// nil, is a word the refusal must contain.
func verifySOD(t *testing.T, sod, content []byte, wantErr any) {
	t.Helper()
	err := func() error {
		sd, err := pki.ParseSignedData(sod)
		if err != nil {
			return err
		}
		if !sd.EContentType.Equal(ldsOID) || len(sd.SignerInfos) != 1 || len(sd.Certificates) != 1 || sd.SignerInfos[0].SigningTime.IsZero() {
			return fmt.Errorf("structure: %+v", sd)
		}
		si := &sd.SignerInfos[0]
		dsc, err := si.FindCertificate(sd.Certificates)
		if err != nil {
			return err
		}
		return si.Verify(dsc, sd.EContentType, content)
	}()
	switch {
	case wantErr == nil && err != nil:
		t.Fatalf("refused: %v", err)
	case wantErr != nil && err == nil:
		t.Fatalf("accepted, want a refusal about %v", wantErr)
	case wantErr != nil && !bytes.Contains([]byte(err.Error()), []byte(wantErr.(string))):
		t.Fatalf("refused with %q, want it to be about %v", err, wantErr)
	}
}

// opensslVerify has openssl check the SOD's signature and the DSC's chain
// to the CSCA: an independent implementation of the same checks.
func opensslVerify(t *testing.T, sod, cscaDER []byte) {
	t.Helper()
	bin := validator.Need(t, "openssl")
	dir := t.TempDir()
	sodPath, caPath := filepath.Join(dir, "sod.der"), filepath.Join(dir, "csca.pem")
	if err := os.WriteFile(sodPath, sod, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(caPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cscaDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "cms", "-verify", "-inform", "DER", "-in", sodPath, "-binary", "-CAfile", caPath,
		"-purpose", "any", "-attime", fmt.Sprint(t0.Unix()), "-out", filepath.Join(dir, "content")).CombinedOutput()
	if err != nil {
		t.Fatalf("openssl cms -verify refuses the SOD: %v\n%s", err, out)
	}
	got, err := os.ReadFile(filepath.Join(dir, "content"))
	if err != nil || !bytes.Equal(got, eContent) {
		t.Fatalf("openssl extracted another content: %q %v", got, err)
	}
}
