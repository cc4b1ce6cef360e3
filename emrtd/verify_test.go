package emrtd_test

import (
	"context"
	"crypto"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/emrtd"
	"github.com/qesproject/qes/emrtd/ec"
	"github.com/qesproject/qes/emrtd/lds"
	"github.com/qesproject/qes/emrtd/pki"
	"github.com/qesproject/qes/internal/testutil/emrtdgen"
	"github.com/qesproject/qes/internal/testutil/validator"
)

func newDoc(t testing.TB, o emrtdgen.Options) *emrtdgen.Document {
	t.Helper()
	return emrtdgen.NewDocument(t, o)
}

func verify(t *testing.T, in emrtd.Input) (*emrtd.Report, *emrtd.Error) {
	t.Helper()
	r, err := emrtd.Verify(context.Background(), in)
	if err == nil {
		return r, nil
	}
	var e *emrtd.Error
	if !errors.As(err, &e) {
		t.Fatalf("Verify returned %v, not an *emrtd.Error", err)
	}
	if r != nil {
		t.Fatal("Verify returned a report and an error")
	}
	return nil, e
}

// The CIE: TD1, RSA-PSS CSCA and DSC, RSA Active Authentication, JPEG 2000
// portrait, tax code in DG11. (TestVerifyPasses covers a CIE with a JPEG
// portrait where opj_compress is missing.)
func TestVerifyCIE(t *testing.T) {
	t.Parallel()
	validator.Need(t, "opj_compress")
	o := emrtdgen.Options{Kind: emrtdgen.CIE, FaceJP2: true}
	d := newDoc(t, o)
	r, e := verify(t, d.Input(emrtdgen.Challenge))
	if e != nil {
		t.Fatalf("CIE refused: %v", e)
	}
	want := emrtd.Document{
		DocumentCode: "C<", IssuingState: "ITA", IssuingCountry: "IT", DocumentNumber: "CA00000AA",
		Surname: "DANGELO", GivenNames: "MARIA ROSA", Nationality: "ITA", DateOfBirth: "1980-01-01", Sex: "F",
		DateOfExpiry: "2031-01-01", TaxCode: "DNGMRS80A41H501N", FullName: "D'ANGELO<<MARIA<ROSA",
		PlaceOfBirth: "ROMA (RM)", Address: "VIA DEL CORSO 1 00186 ROMA (RM)", IssuingAuthority: "COMUNE DI ROMA",
		DateOfIssue: "2021-01-04", MRZ: strings.TrimSpace(emrtdgen.MRZ(emrtdgen.CIE, d.Holder, "")),
		ExpiresAt: time.Date(2031, 1, 1, 23, 59, 59, 999999999, time.UTC),
	}
	if r.Document != want {
		t.Errorf("Document:\n got %+v\nwant %+v", r.Document, want)
	}
	checks := emrtd.Checks{PassiveAuthentication: "ok", CSCA: "ok", CRL: "ok", DGHashes: "ok", ActiveAuthentication: "verified",
		DocumentValid: "ok", MRZMatchesInput: "ok", TaxCodeConsistent: "ok"}
	if r.Checks != checks {
		t.Errorf("Checks = %+v", r.Checks)
	}
	if r.HashAlgorithm != "SHA-256" || !strings.Contains(strings.ToLower(r.SignatureAlgorithm), "pss") {
		t.Errorf("algorithms %q, %q", r.HashAlgorithm, r.SignatureAlgorithm)
	}
	if r.DSC.Serial == "" || r.DSC.SHA256 == "" || !strings.Contains(r.CSCA.Subject, "CSCA IT") || r.CRLNextUpdate.IsZero() {
		t.Errorf("DSC %+v CSCA %+v CRL %v..%v", r.DSC, r.CSCA, r.CRLThisUpdate, r.CRLNextUpdate)
	}
	if r.Face.Format != d.Face.Format || !slices.Equal(r.Face.Data, d.Face.Data) {
		t.Errorf("Face %s of %d bytes, want %s of %d", r.Face.Format, len(r.Face.Data), d.Face.Format, len(d.Face.Data))
	}
	if got := d.Trust.LookedUp(); !slices.Equal(got, []string{"IT"}) {
		t.Errorf("trust asked for %v", got)
	}
}

// The passport: TD3, brainpool CSCA and DSC with explicit domain
// parameters, EC Active Authentication named in DG14, JPEG portrait.
func TestVerifyPassport(t *testing.T) {
	t.Parallel()
	d := newDoc(t, emrtdgen.Options{Kind: emrtdgen.Passport})
	r, e := verify(t, d.Input(emrtdgen.Challenge))
	if e != nil {
		t.Fatalf("passport refused: %v", e)
	}
	if r.Document.DocumentCode != "P<" || r.Document.DocumentNumber != "YA1234567" || r.Document.Surname != "ROSSI" ||
		r.Document.DateOfBirth != "1980-01-01" || r.Document.DateOfExpiry != "2031-06-30" || r.Document.TaxCode != "RSSMRA80A01H501U" {
		t.Errorf("Document = %+v", r.Document)
	}
	if r.Checks.ActiveAuthentication != "verified" || r.Checks.TaxCodeConsistent != "ok" || r.Face.Format != "jpeg" {
		t.Errorf("Checks = %+v, face %s", r.Checks, r.Face.Format)
	}
	if !strings.Contains(strings.ToLower(r.SignatureAlgorithm), "ecdsa") {
		t.Errorf("signature algorithm %q", r.SignatureAlgorithm)
	}
}

// Further shapes that must pass: no DG15 (clonable chip), no tax code to
// compare, a German passport ("D"), a link certificate between CSCA keys,
// a TD1 long document number, SHA-512, a CRL listing another DSC.
func TestVerifyPasses(t *testing.T) {
	t.Parallel()
	german := emrtdgen.DefaultHolder(emrtdgen.Passport)
	german.IssuingState, german.Nationality, german.Surname, german.GivenNames, german.TaxCode = "D", "D", "MUSTERMANN", "ERIKA", ""
	long := emrtdgen.DefaultHolder(emrtdgen.CIE)
	long.DocumentNumber = "CA00000AA123"
	cases := []struct {
		name  string
		o     emrtdgen.Options
		edit  func(*emrtd.Input)
		check func(*testing.T, *emrtd.Report)
	}{
		{"no DG15", emrtdgen.Options{Kind: emrtdgen.Passport, NoAA: true}, func(in *emrtd.Input) { in.AASignature = nil },
			func(t *testing.T, r *emrtd.Report) {
				if r.Checks.ActiveAuthentication != "not_supported" {
					t.Errorf("ActiveAuthentication = %q", r.Checks.ActiveAuthentication)
				}
			}},
		{"no tax code given", emrtdgen.Options{Kind: emrtdgen.CIE, NoDG11: true}, func(in *emrtd.Input) { in.TaxCode = "" },
			func(t *testing.T, r *emrtd.Report) {
				if r.Checks.TaxCodeConsistent != "not_applicable" || r.Document.TaxCode != "" {
					t.Errorf("TaxCodeConsistent = %q, TaxCode %q", r.Checks.TaxCodeConsistent, r.Document.TaxCode)
				}
			}},
		{"tax code without DG11", emrtdgen.Options{Kind: emrtdgen.CIE, NoDG11: true, NoDG12: true}, nil,
			func(t *testing.T, r *emrtd.Report) {
				if r.Checks.TaxCodeConsistent != "ok" {
					t.Errorf("TaxCodeConsistent = %q", r.Checks.TaxCodeConsistent)
				}
			}},
		{"German D", emrtdgen.Options{Kind: emrtdgen.Passport, Holder: &german}, func(in *emrtd.Input) { in.TaxCode = "" },
			func(t *testing.T, r *emrtd.Report) {
				if r.Document.IssuingState != "D" || r.Document.IssuingCountry != "DE" {
					t.Errorf("issuing %q -> %q", r.Document.IssuingState, r.Document.IssuingCountry)
				}
			}},
		{"link certificate", emrtdgen.Options{Kind: emrtdgen.CIE, Link: true}, nil, nil},
		{"long document number", emrtdgen.Options{Kind: emrtdgen.CIE, Holder: &long}, nil,
			func(t *testing.T, r *emrtd.Report) {
				if r.Document.DocumentNumber != "CA00000AA123" {
					t.Errorf("DocumentNumber = %q", r.Document.DocumentNumber)
				}
			}},
		{"SHA-512", emrtdgen.Options{Kind: emrtdgen.Passport, Hash: crypto.SHA512, DSCKey: emrtdgen.NewECKey(ec.P384, false, crypto.SHA512)}, nil,
			func(t *testing.T, r *emrtd.Report) {
				if r.HashAlgorithm != "SHA-512" {
					t.Errorf("HashAlgorithm = %q", r.HashAlgorithm)
				}
			}},
		{"typed in lower case with spaces", emrtdgen.Options{Kind: emrtdgen.CIE}, func(in *emrtd.Input) {
			in.Typed.DocumentNumber = "ca 00000 aa"
		}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			d := newDoc(t, c.o)
			in := d.Input(emrtdgen.Challenge)
			if c.edit != nil {
				c.edit(&in)
			}
			r, e := verify(t, in)
			if e != nil {
				t.Fatalf("refused: %v", e)
			}
			if c.check != nil {
				c.check(t, r)
			}
		})
	}
}

// One tampered reading per code: each must fail with exactly that code.
func TestVerifyRefuses(t *testing.T) {
	t.Parallel()
	now := emrtdgen.DefaultNow
	expired := emrtdgen.DefaultHolder(emrtdgen.Passport)
	expired.DateOfExpiry = now.AddDate(0, 0, -1)
	cases := []struct {
		name string
		o    emrtdgen.Options
		edit func(*emrtd.Input, *emrtdgen.Document)
		want emrtd.Code
	}{
		{"SOD truncated", emrtdgen.Options{}, func(in *emrtd.Input, _ *emrtdgen.Document) {
			in.Files["SOD"] = in.Files["SOD"][:len(in.Files["SOD"])-10]
		}, emrtd.SODMalformed},
		{"SOD missing", emrtdgen.Options{}, func(in *emrtd.Input, _ *emrtdgen.Document) { delete(in.Files, "SOD") }, emrtd.SODMalformed},
		{"DG3 offered", emrtdgen.Options{}, func(in *emrtd.Input, _ *emrtdgen.Document) { in.Files["DG3"] = []byte{0x63, 0} }, emrtd.SODMalformed},
		{"DG2 too large", emrtdgen.Options{}, func(in *emrtd.Input, _ *emrtdgen.Document) { in.Files["DG2"] = make([]byte, lds.MaxDG2+1) }, emrtd.SODMalformed},
		{"DG2 missing", emrtdgen.Options{}, func(in *emrtd.Input, _ *emrtdgen.Document) { delete(in.Files, "DG2") }, emrtd.DGRequired},
		{"DG1 missing", emrtdgen.Options{Kind: emrtdgen.CIE}, func(in *emrtd.Input, _ *emrtdgen.Document) { delete(in.Files, "DG1") }, emrtd.DGRequired},
		{"SOD signature", emrtdgen.Options{}, func(in *emrtd.Input, _ *emrtdgen.Document) {
			sod := in.Files["SOD"]
			sod[len(sod)-1] ^= 0x01
		}, emrtd.SODSignatureInvalid},
		{"SOD signed by another key", emrtdgen.Options{Kind: emrtdgen.CIE}, func(in *emrtd.Input, d *emrtdgen.Document) {
			other := emrtdgen.NewDSC(d.CSCA, emrtdgen.NewRSAKey(2048, true, crypto.SHA256), "DS", d.Now.AddDate(-1, 0, 0), d.Now.AddDate(1, 0, 0))
			wrongKey := emrtdgen.NewECKey(ec.P256, false, crypto.SHA256)
			in.Files["SOD"] = emrtdgen.SignedData(other.Cert, wrongKey, lds.OIDLDSSecurityObject, lsoOf(t, in.Files["SOD"]), crypto.SHA256, emrtdgen.SignedDataOptions{})
		}, emrtd.SODSignatureInvalid},
		{"DG1 changed", emrtdgen.Options{}, func(in *emrtd.Input, d *emrtdgen.Document) {
			h := d.Holder
			h.Surname = "BIANCHI"
			in.Files["DG1"] = emrtdgen.DG1(d.Kind, h, "")
		}, emrtd.DGHashMismatch},
		{"DG15 swapped for a cloner's key", emrtdgen.Options{Kind: emrtdgen.CIE}, func(in *emrtd.Input, _ *emrtdgen.Document) {
			k := emrtdgen.NewAAKeyRSA(1024)
			in.Files["DG15"] = emrtdgen.DG15(emrtdgen.NewRSAKey(2048, false, crypto.SHA256).SPKI())
			in.AASignature = k.Sign(in.Challenge)
		}, emrtd.DGHashMismatch},
		{"DG13 injected", emrtdgen.Options{}, func(in *emrtd.Input, _ *emrtdgen.Document) { in.Files["DG13"] = []byte{0x6D, 0x01, 0x00} }, emrtd.DGNotInSOD},
		{"other CSCA", emrtdgen.Options{}, func(in *emrtd.Input, d *emrtdgen.Document) {
			other := emrtdgen.NewCSCA("IT", "CSCA IT", emrtdgen.NewECKey(ec.P256, false, crypto.SHA256), d.Now.AddDate(-1, 0, 0), d.Now.AddDate(5, 0, 0))
			in.Trust = &emrtdgen.Trust{Country: "IT", CSCADERs: [][]byte{other.DER}, CRLDERs: d.Trust.CRLDERs}
		}, emrtd.CSCAUntrusted},
		{"CSCA of another state", emrtdgen.Options{}, func(in *emrtd.Input, d *emrtdgen.Document) {
			in.Trust = &emrtdgen.Trust{Country: "AT", CSCADERs: d.Trust.CSCADERs, CRLDERs: d.Trust.CRLDERs}
		}, emrtd.CSCAUntrusted},
		{"DSC expired", emrtdgen.Options{DSCNotBefore: now.AddDate(-3, 0, 0), DSCNotAfter: now.AddDate(0, 0, -1)}, nil, emrtd.DSCExpired},
		{"DSC not yet valid", emrtdgen.Options{Kind: emrtdgen.CIE, DSCNotBefore: now.Add(time.Hour), DSCNotAfter: now.AddDate(1, 0, 0)}, nil, emrtd.DSCExpired},
		{"DSC revoked", emrtdgen.Options{RevokeDSC: true}, nil, emrtd.DSCRevoked},
		{"CRL stale", emrtdgen.Options{CRLThisUpdate: now.AddDate(0, -2, 0), CRLNextUpdate: now.AddDate(0, 0, -1)}, nil, emrtd.CRLStale},
		{"no CRL", emrtdgen.Options{}, func(in *emrtd.Input, d *emrtdgen.Document) {
			in.Trust = &emrtdgen.Trust{Country: "IT", CSCADERs: d.Trust.CSCADERs}
		}, emrtd.CRLStale},
		{"CRL of another CSCA", emrtdgen.Options{}, func(in *emrtd.Input, d *emrtdgen.Document) {
			other := emrtdgen.NewCSCA("IT", "CSCA IT", emrtdgen.NewECKey(ec.P256, false, crypto.SHA256), d.Now.AddDate(-1, 0, 0), d.Now.AddDate(5, 0, 0))
			in.Trust = &emrtdgen.Trust{Country: "IT", CSCADERs: d.Trust.CSCADERs,
				CRLDERs: [][]byte{emrtdgen.NewCRL(other, d.Now.AddDate(0, 0, -1), d.Now.AddDate(0, 0, 10), 2)}}
		}, emrtd.CRLStale},
		{"document expired", emrtdgen.Options{Holder: &expired}, nil, emrtd.DocumentExpired},
		{"document number digit", emrtdgen.Options{Kind: emrtdgen.CIE, CorruptDigit: emrtdgen.DigitDocumentNumber}, nil, emrtd.MRZCheckDigit},
		{"birth date digit", emrtdgen.Options{CorruptDigit: emrtdgen.DigitDateOfBirth}, nil, emrtd.MRZCheckDigit},
		{"expiry digit", emrtdgen.Options{Kind: emrtdgen.CIE, CorruptDigit: emrtdgen.DigitDateOfExpiry}, nil, emrtd.MRZCheckDigit},
		{"composite digit", emrtdgen.Options{CorruptDigit: emrtdgen.DigitComposite}, nil, emrtd.MRZCheckDigit},
		{"typed number", emrtdgen.Options{}, func(in *emrtd.Input, _ *emrtdgen.Document) { in.Typed.DocumentNumber = "YA1234568" }, emrtd.MRZMismatch},
		{"a CIE where a passport was chosen", emrtdgen.Options{Kind: emrtdgen.CIE}, func(in *emrtd.Input, _ *emrtdgen.Document) { in.Typed.DocumentCodes = "P" }, emrtd.MRZMismatch},
		{"a passport where an identity card was chosen", emrtdgen.Options{}, func(in *emrtd.Input, _ *emrtdgen.Document) { in.Typed.DocumentCodes = "ACI" }, emrtd.MRZMismatch},
		{"typed birth", emrtdgen.Options{Kind: emrtdgen.CIE}, func(in *emrtd.Input, _ *emrtdgen.Document) { in.Typed.DateOfBirth = "800102" }, emrtd.MRZMismatch},
		{"typed expiry", emrtdgen.Options{}, func(in *emrtd.Input, _ *emrtdgen.Document) { in.Typed.DateOfExpiry = "310629" }, emrtd.MRZMismatch},
		{"tax code of another person", emrtdgen.Options{Kind: emrtdgen.CIE, NoDG11: true}, func(in *emrtd.Input, _ *emrtdgen.Document) {
			in.TaxCode = "RSSMRA80A01H501U"
		}, emrtd.TaxCodeMismatch},
		{"tax code not DG11's", emrtdgen.Options{}, func(in *emrtd.Input, _ *emrtdgen.Document) {
			in.TaxCode = "RSSMRA80A01H5LMX" // same person, omocodic variant: not the code issued
		}, emrtd.TaxCodeMismatch},
		{"AA answer to another challenge", emrtdgen.Options{}, func(in *emrtd.Input, d *emrtdgen.Document) {
			in.AASignature = d.Chip.InternalAuthenticate([]byte("replayed"))
		}, emrtd.ActiveAuthenticationFailed},
		{"RSA AA answer to another challenge", emrtdgen.Options{Kind: emrtdgen.CIE}, func(in *emrtd.Input, d *emrtdgen.Document) {
			in.AASignature = d.Chip.InternalAuthenticate([]byte("replayed"))
		}, emrtd.ActiveAuthenticationFailed},
		{"AA answer missing", emrtdgen.Options{}, func(in *emrtd.Input, _ *emrtdgen.Document) { in.AASignature = nil }, emrtd.ActiveAuthenticationFailed},
		{"AA challenge not 8 bytes", emrtdgen.Options{}, func(in *emrtd.Input, d *emrtdgen.Document) {
			in.Challenge = []byte("1234567")
			in.AASignature = d.Chip.InternalAuthenticate(in.Challenge)
		}, emrtd.ActiveAuthenticationFailed},
	}
	seen := map[emrtd.Code]bool{}
	for _, c := range cases {
		seen[c.want] = true
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			d := newDoc(t, c.o)
			in := d.Input(emrtdgen.Challenge)
			if c.edit != nil {
				c.edit(&in, d)
			}
			_, e := verify(t, in)
			if e == nil {
				t.Fatalf("accepted, want %s", c.want)
			}
			if e.Code != c.want {
				t.Fatalf("refused with %v, want %s", e, c.want)
			}
			if e.Detail == "" {
				t.Fatal("no detail")
			}
		})
	}
	for _, code := range emrtd.Codes {
		if !seen[code] {
			t.Errorf("no tamper case for %s", code)
		}
	}
}

// lsoOf digs the LDSSecurityObject back out of a generated SOD.
func lsoOf(t *testing.T, sod []byte) []byte {
	t.Helper()
	sd, err := pki.ParseSignedData(sod)
	if err != nil {
		t.Fatal(err)
	}
	return sd.EContent
}

// A trust store that cannot be read is qes's failure, not the document's.
func TestVerifyTrustError(t *testing.T) {
	t.Parallel()
	d := newDoc(t, emrtdgen.Options{})
	in := d.Input(emrtdgen.Challenge)
	boom := errors.New("disk on fire")
	in.Trust = &emrtdgen.Trust{Country: "IT", Err: boom}
	_, err := emrtd.Verify(context.Background(), in)
	var e *emrtd.Error
	if !errors.Is(err, boom) || errors.As(err, &e) {
		t.Fatalf("err = %v, want the trust store's error", err)
	}
	for name, edit := range map[string]func(*emrtd.Input){
		"no trust": func(in *emrtd.Input) { in.Trust = nil },
		"no time":  func(in *emrtd.Input) { in.Now = time.Time{} },
	} {
		in := d.Input(emrtdgen.Challenge)
		edit(&in)
		if _, err := emrtd.Verify(context.Background(), in); err == nil || errors.As(err, &e) {
			t.Errorf("%s: err = %v, want the caller's error", name, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := emrtd.Verify(ctx, d.Input(emrtdgen.Challenge)); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

func benchVerify(b *testing.B, o emrtdgen.Options) {
	d := emrtdgen.NewDocument(b, o)
	in := d.Input(emrtdgen.Challenge)
	ctx := context.Background()
	for b.Loop() {
		if _, err := emrtd.Verify(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}

// A CIE: RSA-PSS 2048 CSCA and DSC, RSA 1024 Active Authentication.
func BenchmarkVerifyCIE(b *testing.B) { benchVerify(b, emrtdgen.Options{Kind: emrtdgen.CIE}) }

// A passport: brainpoolP384r1 CSCA, brainpoolP256r1 DSC (explicit
// parameters) and Active Authentication, in math/big.
func BenchmarkVerifyPassport(b *testing.B) {
	benchVerify(b, emrtdgen.Options{Kind: emrtdgen.Passport})
}

// FuzzVerify mutates one file of a valid CIE reading: whatever the bytes,
// Verify returns a report or an error, never panics, and a report only
// when the files are the ones the issuer signed.
func FuzzVerify(f *testing.F) {
	d := emrtdgen.NewDocument(f, emrtdgen.Options{Kind: emrtdgen.CIE})
	names := []string{"SOD", "DG1", "DG2", "DG11", "DG12", "DG15", "COM"}
	for i, name := range names {
		f.Add(uint8(i), d.Files[name])
	}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		name := names[int(which)%len(names)]
		in := d.Input(emrtdgen.Challenge)
		in.Files[name] = data
		r, err := emrtd.Verify(context.Background(), in)
		if err == nil && name != "COM" && !slices.Equal(data, d.Files[name]) {
			t.Fatalf("%s changed and still verified: %+v", name, r.Checks)
		}
	})
}

// A real Austrian passport's SOD (emrtd/lds/testdata) with data groups that
// are not its own: the structure parses and the real Document Signer's
// signature verifies, so the refusal is the data groups' hashes.
func TestVerifyRealSOD(t *testing.T) {
	t.Parallel()
	sod, err := os.ReadFile("lds/testdata/at-sod.bin")
	if err != nil {
		t.Fatal(err)
	}
	d := newDoc(t, emrtdgen.Options{NoAA: true})
	in := d.Input(nil)
	in.Files = map[string][]byte{"SOD": sod, "DG1": d.Files["DG1"], "DG2": d.Files["DG2"]}
	_, e := verify(t, in)
	if e == nil || e.Code != emrtd.DGHashMismatch || !strings.Contains(e.Detail, "DG1") {
		t.Fatalf("Verify = %v, want dg_hash_mismatch on DG1", e)
	}
}
