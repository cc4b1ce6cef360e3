package appapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"testing"
	"time"

	"github.com/qesproject/qes/emrtd"
	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/internal/testutil/emrtdgen"
	"github.com/qesproject/qes/operator"
)

// trustDocument makes qesd trust the document's issuing state the way an
// operator does (qesctl csca import --cert, qesctl csca crl import): the
// chip step verifies against that store and nothing else.
func trustDocument(t *testing.T, s *testutil.Server, doc *emrtdgen.Document) {
	t.Helper()
	ctx := context.Background()
	for _, der := range doc.Trust.CSCADERs {
		if _, err := s.App.Operator.ImportCSCA(ctx, operator.CSCAImportRequest{Certificate: der}); err != nil {
			t.Fatalf("import CSCA: %v", err)
		}
	}
	for _, der := range doc.Trust.CRLDERs {
		if _, err := s.App.Operator.ImportCSCACRL(ctx, operator.CRLImportRequest{CRL: der}); err != nil {
			t.Fatalf("import CRL: %v", err)
		}
	}
}

// identify plays the app from login to "identified" for doc; it returns
// the app's session and the order.
func identify(t *testing.T, s *testutil.Server, doc *emrtdgen.Document, documentType string) (*app, string) {
	t.Helper()
	email, mobile, number := seed(t, s, doc.TaxCode)
	a := login(t, s, email, mobile)
	identifyOrder(t, s, a, doc, number, documentType)
	return a, number
}

// identifyOrder plays the app on a logged-in device from the start of the
// identification of order number to "identified" with doc.
func identifyOrder(t *testing.T, s *testutil.Server, a *app, doc *emrtdgen.Document, number, documentType string) {
	t.Helper()
	status, out := a.call("POST", prefix+"/enrolments/"+number+"/identification", map[string]string{"nationality": "IT", "documentType": documentType})
	if status != 201 {
		t.Fatalf("start: %d %v", status, out)
	}
	challenge, _ := base64.StdEncoding.DecodeString(out["aaChallenge"].(string))
	sid := out["sessionID"].(string)
	base := prefix + "/enrolments/" + number + "/identification/" + sid
	for _, side := range []string{"front", "back"} {
		if status, out := a.upload(base+"/photo/"+side, "image/jpeg", testutil.PhotoJPEG(t)); status != 200 {
			t.Fatalf("photo %s: %d %v", side, status, out)
		}
	}
	status, out = a.call("POST", base+"/chip", chipBody(doc, challenge, ""))
	if status != 200 {
		t.Fatalf("chip: %d %v", status, out)
	}
	checks := out["checks"].(map[string]any)
	for check, want := range map[string]string{"passiveAuthentication": "ok", "csca": "ok", "crl": "ok", "dgHashes": "ok",
		"activeAuthentication": "verified", "documentValid": "ok", "mrzMatchesInput": "ok", "taxCodeConsistent": "ok"} {
		if checks[check] != want {
			t.Errorf("%s = %v, want %s (%v)", check, checks[check], want, checks)
		}
	}
	if status, out := a.call("POST", base+"/confirm", map[string]string{"address": "Via Appia 10, 00179 Roma"}); status != 200 {
		t.Fatalf("confirm: %d %v", status, out)
	}
	if status, out := a.upload(base+"/video", "video/mp4", testutil.VideoMP4(6)); status != 200 {
		t.Fatalf("video: %d %v", status, out)
	}
	if status, out := a.call("POST", base+"/complete", nil); status != 200 || out["state"] != "identified" {
		t.Fatalf("complete: %d %v", status, out)
	}
	// The officer sees the chip's portrait as a PNG, whatever the chip
	// stores; the original stays the evidence.
	sess, err := s.App.Identity.Session(context.Background(), customerOf(t, s, number), number, sid)
	if err != nil || sess.Chip == nil || sess.Chip.FacePNG == nil {
		t.Fatalf("no portrait for the console: %+v, %v", sess, err)
	}
	png, err := s.App.Evidence.Open(context.Background(), sess.Chip.FacePNG.SHA256)
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("console portrait: %.8q, %v", png, err)
	}
	original, err := s.App.Evidence.Open(context.Background(), sess.Chip.Face.SHA256)
	if err != nil || !bytes.Equal(original, doc.Face.Data) {
		t.Fatalf("the chip's portrait is not kept as it came: %v", err)
	}
}

// Enrolment 2/3 end to end against a real qesd whose trust store was
// filled like an operator fills it: a CIE under an RSA-PSS CSCA with RSA
// Active Authentication and a passport under a brainpool CSCA with explicit
// parameters and EC Active Authentication both reach "identified"; every
// check that fails is refused over HTTP with its own code, and costs an
// attempt.
func TestIdentityProofingEndToEnd(t *testing.T) {
	t.Parallel()
	now := time.Now().UTC()
	s := testutil.StartServer(t)

	// Every document gets a CSCA of its own name: a CRL belongs to its
	// issuer's name, so documents sharing one would share one CRL.
	csca := func(name string, key *emrtdgen.Key) *emrtdgen.Issued {
		return emrtdgen.NewCSCA("IT", "CSCA "+name, key, now.AddDate(-5, 0, 0), now.AddDate(10, 0, 0))
	}
	// The CIE's portrait is JPEG 2000, as on real cards.
	cie := emrtdgen.NewDocument(t, emrtdgen.Options{Kind: emrtdgen.CIE, Now: now, CSCA: csca("CIE", emrtdgen.KeyRSAPSS2048()), FaceJP2: true})
	passport := emrtdgen.NewDocument(t, emrtdgen.Options{Kind: emrtdgen.Passport, Now: now, CSCA: csca("passport", emrtdgen.KeyBrainpoolP384r1Explicit())})
	if cie.CSCA.Cert.SignatureAlgorithm.String() != "RSASSA-PSS" || passport.CSCA.Key.EC == nil || !passport.CSCA.Key.Explicit {
		t.Fatalf("the documents are not the ones this test means: CIE CSCA %s, passport CSCA %+v",
			cie.CSCA.Cert.SignatureAlgorithm, passport.CSCA.Key)
	}
	trustDocument(t, s, cie)
	trustDocument(t, s, passport)
	identify(t, s, cie, "CIE")
	identify(t, s, passport, "PASSPORT")

	// One document per refusal; each is refused with its code. The
	// untrusted one's issuing state is never imported.
	type tamper struct {
		name string
		doc  *emrtdgen.Document
		// body changes the request the app sends; taxCode, when set, is
		// the details form's tax code.
		body    func(map[string]any, []byte)
		taxCode string
		// chosen, when set, is the document type the applicant picks
		// instead of the document's own.
		chosen string
		want   emrtd.Code
	}
	var seenNames []string
	doc := func(o emrtdgen.Options, trusted bool) *emrtdgen.Document {
		o.Now = now
		o.CSCA = csca(fmt.Sprintf("case %d", len(seenNames)), emrtdgen.KeyRSAPSS2048())
		seenNames = append(seenNames, o.CSCA.Cert.Subject.String())
		d := emrtdgen.NewDocument(t, o)
		if trusted {
			trustDocument(t, s, d)
		}
		return d
	}
	files := func(b map[string]any) map[string]string { return b["files"].(map[string]string) }
	expired := emrtdgen.DefaultHolder(emrtdgen.Passport)
	expired.DateOfExpiry = now.AddDate(0, 0, -2)
	cases := []tamper{
		{name: "SOD not CMS", doc: passport, body: func(b map[string]any, _ []byte) {
			files(b)["SOD"] = base64.StdEncoding.EncodeToString([]byte{0x77, 0x03, 0x30, 0x01, 0x00})
		}, want: emrtd.SODMalformed},
		{name: "SOD signature", doc: passport, body: flipLast("SOD"), want: emrtd.SODSignatureInvalid},
		{name: "untrusted state", doc: doc(emrtdgen.Options{}, false), want: emrtd.CSCAUntrusted},
		{name: "document signer expired", doc: doc(emrtdgen.Options{DSCNotBefore: now.AddDate(-3, 0, 0), DSCNotAfter: now.AddDate(0, 0, -1)}, true), want: emrtd.DSCExpired},
		{name: "document signer revoked", doc: doc(emrtdgen.Options{Kind: emrtdgen.CIE, RevokeDSC: true}, true), want: emrtd.DSCRevoked},
		{name: "stale CRL", doc: doc(emrtdgen.Options{CRLThisUpdate: now.AddDate(0, -2, 0), CRLNextUpdate: now.AddDate(0, 0, -1)}, true), want: emrtd.CRLStale},
		{name: "DG2 changed", doc: cie, body: flipLast("DG2"), want: emrtd.DGHashMismatch},
		{name: "DG13 injected", doc: cie, body: func(b map[string]any, _ []byte) {
			files(b)["DG13"] = base64.StdEncoding.EncodeToString([]byte{0x6D, 0x03, 0x5F, 0x01, 0x00})
		}, want: emrtd.DGNotInSOD},
		{name: "DG2 withheld", doc: cie, body: func(b map[string]any, _ []byte) { delete(files(b), "DG2") }, want: emrtd.DGRequired},
		{name: "document expired", doc: doc(emrtdgen.Options{Holder: &expired}, true), want: emrtd.DocumentExpired},
		{name: "MRZ check digit", doc: doc(emrtdgen.Options{Kind: emrtdgen.CIE, CorruptDigit: emrtdgen.DigitDateOfBirth}, true), want: emrtd.MRZCheckDigit},
		{name: "typed number", doc: passport, body: func(b map[string]any, _ []byte) {
			b["access"].(map[string]string)["documentNumber"] = "YA0000000"
		}, want: emrtd.MRZMismatch},
		{name: "a CIE in a passport session", doc: cie, chosen: "PASSPORT", want: emrtd.MRZMismatch},
		{name: "someone else's tax code", doc: passport, taxCode: "BNCGNN75C12F205K", want: emrtd.TaxCodeMismatch},
		{name: "replayed AA answer", doc: cie, body: func(b map[string]any, challenge []byte) {
			other := append([]byte{}, challenge...)
			other[0] ^= 0xFF
			b["activeAuthentication"] = map[string]string{"signature": base64.StdEncoding.EncodeToString(cie.Chip.InternalAuthenticate(other))}
		}, want: emrtd.ActiveAuthenticationFailed},
	}
	seen := map[emrtd.Code]bool{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			taxCode := c.doc.TaxCode
			if c.taxCode != "" {
				taxCode = c.taxCode
			}
			email, mobile, number := seed(t, s, taxCode)
			a := login(t, s, email, mobile)
			documentType := "PASSPORT"
			if c.doc.Kind == emrtdgen.CIE {
				documentType = "CIE"
			}
			if c.chosen != "" {
				documentType = c.chosen
			}
			status, out := a.call("POST", prefix+"/enrolments/"+number+"/identification", map[string]string{"nationality": "IT", "documentType": documentType})
			if status != 201 {
				t.Fatalf("start: %d %v", status, out)
			}
			sid := out["sessionID"].(string)
			challenge, _ := base64.StdEncoding.DecodeString(out["aaChallenge"].(string))
			body := chipBody(c.doc, challenge, "")
			if c.body != nil {
				c.body(body, challenge)
			}
			status, out = a.call("POST", prefix+"/enrolments/"+number+"/identification/"+sid+"/chip", body)
			if status != 422 || out["error"] != string(c.want) || out["attemptsLeft"] != float64(2) {
				t.Fatalf("%d %v, want 422 %s with 2 attempts left", status, out, c.want)
			}
			seen[c.want] = true
			// The refused attempt is kept as evidence with its code.
			sess, err := s.App.Identity.Session(context.Background(), customerOf(t, s, number), number, sid)
			if err != nil || len(sess.Attempts) != 1 || sess.Attempts[0].Code != string(c.want) || len(sess.Attempts[0].Files) == 0 {
				t.Fatalf("attempt evidence %+v, %v", sess, err)
			}
		})
	}
	for _, code := range emrtd.Codes {
		if !seen[code] {
			t.Errorf("no end-to-end case is refused with %s", code)
		}
	}
}

func flipLast(name string) func(map[string]any, []byte) {
	return func(b map[string]any, _ []byte) {
		files := b["files"].(map[string]string)
		raw, _ := base64.StdEncoding.DecodeString(files[name])
		raw[len(raw)-1] ^= 1
		files[name] = base64.StdEncoding.EncodeToString(raw)
	}
}
