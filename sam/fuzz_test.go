package sam

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"testing"

	"github.com/qesproject/qes/internal/errs"
)

func FuzzResolveSignAlgo(f *testing.F) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		f.Fatal(err)
	}
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pss, _ := PSSParams(0x5, 32) // crypto.SHA256
	for _, seed := range [][3]string{
		{OIDRSAPSS, "", pss}, {OIDRSAPSS, OIDSHA512, pss}, {OIDRSA, OIDSHA384, ""}, {OIDECPublicKey, "", ""},
		{OIDECDSASHA256, "1.3.14.3.2.26", ""}, {"1.2", "", "MAA="}, {OIDRSAPSS, "", "!!!"},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	f.Fuzz(func(t *testing.T, algo, hashOID, params string) {
		for _, pub := range []any{&rsaKey.PublicKey, &ecKey.PublicKey} {
			p, err := ResolveSignAlgo(pub, algo, hashOID, params)
			if err != nil {
				if errs.KindOf(err) != errs.InvalidRequest {
					t.Fatalf("%v: kind %v", err, errs.KindOf(err))
				}
				continue
			}
			if p.Hash == 0 || p.Opts == nil || p.Opts.HashFunc() != p.Hash {
				t.Fatalf("accepted %q/%q/%q without a usable hash: %+v", algo, hashOID, params, p)
			}
		}
	})
}

func FuzzNormalizeHashes(f *testing.F) {
	f.Add("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "")
	f.Add("47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU", OIDSHA256)
	f.Add("AAAA", OIDSHA512)
	f.Fuzz(func(t *testing.T, h, oid string) {
		out, gotOID, err := normalizeHashes([]string{h, h}, oid)
		if err != nil {
			if errs.KindOf(err) != errs.InvalidRequest {
				t.Fatalf("kind %v", errs.KindOf(err))
			}
			return
		}
		hash, ok := HashFromOID(gotOID)
		if !ok || len(out) != 2 || out[0] != out[1] {
			t.Fatalf("normalized %q/%q to %v %q", h, oid, out, gotOID)
		}
		raw, err := decodeDigest(out[0])
		if err != nil || len(raw) != hash.Size() {
			t.Fatalf("normalized digest %q does not decode to %d bytes", out[0], hash.Size())
		}
	})
}
