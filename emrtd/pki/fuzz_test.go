package pki_test

import (
	"crypto"
	"testing"
	"time"

	"github.com/qesproject/qes/emrtd/ec"
	"github.com/qesproject/qes/emrtd/pki"
	"github.com/qesproject/qes/internal/testutil/emrtdgen"
	"github.com/qesproject/qes/internal/testutil/heapprobe"
)

// The parsers never panic; whatever parses has fields that are views of
// the input, so nothing grows beyond it.

func FuzzParseCertificate(f *testing.F) {
	f.Add(testdata(f, "de-csca07.cer"))
	sd, err := pki.ParseSignedData(testdata(f, "at-sod.bin"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sd.Certificates[0].Raw)
	csca := emrtdgen.NewCSCA("IT", "fuzz", emrtdgen.NewECKey(ec.BrainpoolP256r1, true, crypto.SHA256), time.Now(), time.Now().AddDate(1, 0, 0))
	f.Add(csca.DER)
	f.Fuzz(func(t *testing.T, der []byte) {
		c, err := pki.ParseCertificate(der)
		if err != nil {
			return
		}
		if len(c.Raw) != len(der) || len(c.RawTBS) > len(der) || len(c.Signature) > len(der) {
			t.Fatal("fields larger than the input")
		}
		_ = c.CheckSignatureFrom(c)
		_ = c.Country()
	})
}

func FuzzParseSignedData(f *testing.F) {
	f.Add(testdata(f, "at-sod.bin"))
	key := emrtdgen.NewECKey(ec.P256, false, crypto.SHA256)
	csca := emrtdgen.NewCSCA("IT", "fuzz", key, time.Now(), time.Now().AddDate(1, 0, 0))
	f.Add(emrtdgen.SignedData(csca.Cert, key, pki.OIDContentTypeCscaMasterList, emrtdgen.CscaMasterList([][]byte{csca.DER}), crypto.SHA256,
		emrtdgen.SignedDataOptions{BySKI: true}))
	f.Fuzz(func(t *testing.T, der []byte) {
		sd, err := pki.ParseSignedData(der)
		if err != nil {
			return
		}
		if len(sd.Certificates)+sd.CertificatesSkipped+len(sd.SignerInfos) > len(der)/2 {
			t.Fatal("more entries than the input can hold")
		}
		for i := range sd.SignerInfos {
			si := &sd.SignerInfos[i]
			c, err := si.FindCertificate(sd.Certificates)
			if err == nil {
				_ = si.Verify(c, sd.EContentType, sd.EContent)
			}
		}
		_, _ = pki.VerifyMasterList(der, sd.Certificates, time.Now())
	})
}

func FuzzParseCRL(f *testing.F) {
	csca := emrtdgen.NewCSCA("IT", "fuzz", emrtdgen.NewRSAKey(2048, true, crypto.SHA256), time.Now(), time.Now().AddDate(1, 0, 0))
	f.Add(emrtdgen.NewCRL(csca, time.Now(), time.Now().AddDate(0, 1, 0), 1))
	f.Add(emrtdgen.NewCRL(csca, time.Now(), time.Time{}, 2, csca.Cert.SerialNumber))
	f.Fuzz(func(t *testing.T, der []byte) {
		crl, err := pki.ParseCRL(der)
		if err != nil {
			return
		}
		if crl.RevokedCount() > len(der)/4 {
			t.Fatal("more revoked entries than the input can hold")
		}
		_ = crl.CheckSignatureFrom(csca.Cert)
		_ = crl.IsRevoked(csca.Cert.SerialNumber)
	})
}

// Verifying the 902 KB German master list allocates a bounded multiple of
// its size (measured: about 3.6 times, for 587 certificates' names, keys,
// serials and the hashing; 5.4 under -race): every raw field is a view
// of the input.
func TestParseMemoryBound(t *testing.T) {
	raw := testdata(t, "de.ml")
	anchor := germanAnchor(t)
	var err error
	_, allocated := heapprobe.Measure(func() {
		_, err = pki.VerifyMasterList(raw, []*pki.Certificate{anchor}, mlTime)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("VerifyMasterList on %d bytes allocated %d bytes", len(raw), allocated)
	if allocated > uint64(8*len(raw)) {
		t.Fatalf("allocated %d bytes for a %d-byte master list", allocated, len(raw))
	}
}
