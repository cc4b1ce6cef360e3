package ec

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"math/big"
	"testing"
)

// The domain parameters are typed in: a typo would make every brainpool
// key fail or, worse, verify on another curve. G on the curve and N*G = O
// catch any typo in P, A, B, Gx, Gy or N.
func TestCurveParameters(t *testing.T) {
	for _, c := range Curves {
		t.Run(c.Name, func(t *testing.T) {
			if !c.IsOnCurve(c.Gx, c.Gy) {
				t.Fatal("G is not on the curve")
			}
			if !c.N.ProbablyPrime(20) || !c.P.ProbablyPrime(20) {
				t.Fatal("P or N is not prime")
			}
			if _, _, ok := c.ScalarBaseMult(c.N); ok {
				t.Fatal("N*G is not the point at infinity")
			}
			if x, y, ok := c.ScalarBaseMult(new(big.Int).Sub(c.N, big.NewInt(1))); !ok || x.Cmp(c.Gx) != 0 || new(big.Int).Add(y, c.Gy).Cmp(c.P) != 0 {
				t.Fatal("(N-1)*G is not -G")
			}
			if CurveByOID(c.OID) != c || CurveByName(c.Name) != c {
				t.Fatal("lookup")
			}
			if MatchExplicit(c.P, c.A, c.B, c.Gx, c.Gy, c.N) != c {
				t.Fatal("explicit parameters do not match")
			}
			if MatchExplicit(c.P, c.A, new(big.Int).Add(c.B, big.NewInt(1)), c.Gx, c.Gy, c.N) != nil {
				t.Fatal("a changed B still matches")
			}
		})
	}
}

func TestSignVerify(t *testing.T) {
	digest := sha256.Sum256([]byte("eMRTD"))
	for _, c := range Curves {
		t.Run(c.Name, func(t *testing.T) {
			priv, err := GenerateKey(c, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			r, s, err := Sign(rand.Reader, priv, digest[:])
			if err != nil {
				t.Fatal(err)
			}
			if !Verify(&priv.PublicKey, digest[:], r, s) || !verifyGeneric(&priv.PublicKey, digest[:], r, s) {
				t.Fatal("own signature refused")
			}
			bad := digest
			bad[0] ^= 1
			if Verify(&priv.PublicKey, bad[:], r, s) || verifyGeneric(&priv.PublicKey, bad[:], r, s) {
				t.Fatal("signature over another digest accepted")
			}
			if Verify(&priv.PublicKey, digest[:], s, r) {
				t.Fatal("swapped r and s accepted")
			}
			x, y, err := Unmarshal(c, priv.PublicKey.Bytes())
			if err != nil || x.Cmp(priv.X) != 0 || y.Cmp(priv.Y) != 0 {
				t.Fatal("uncompressed round trip", err)
			}
			comp := append([]byte{2 | byte(priv.Y.Bit(0))}, priv.X.FillBytes(make([]byte, c.ByteSize()))...)
			x, y, err = Unmarshal(c, comp)
			if err != nil || x.Cmp(priv.X) != 0 || y.Cmp(priv.Y) != 0 {
				t.Fatal("compressed round trip", err)
			}
			off := priv.PublicKey.Bytes()
			off[len(off)-1] ^= 1
			if _, _, err := Unmarshal(c, off); err == nil {
				t.Fatal("point off the curve accepted")
			}
		})
	}
}

// The generic arithmetic agrees with crypto/ecdsa on the NIST curves, both
// ways: its verifier accepts Go's signatures and Go accepts its signatures.
func TestGenericAgreesWithCryptoECDSA(t *testing.T) {
	digest := sha256.Sum256([]byte("cross-check"))
	for _, c := range []*Curve{P224, P256, P384, P521} {
		key, err := ecdsa.GenerateKey(c.std, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		r, s, err := ecdsa.Sign(rand.Reader, key, digest[:])
		if err != nil {
			t.Fatal(err)
		}
		pub := &PublicKey{Curve: c, X: key.X, Y: key.Y}
		if !verifyGeneric(pub, digest[:], r, s) {
			t.Fatalf("%s: generic verifier refuses crypto/ecdsa's signature", c.Name)
		}
		priv := &PrivateKey{PublicKey: *pub, D: key.D}
		r, s, err = Sign(rand.Reader, priv, digest[:])
		if err != nil {
			t.Fatal(err)
		}
		if !ecdsa.Verify(&key.PublicKey, digest[:], r, s) {
			t.Fatalf("%s: crypto/ecdsa refuses the generic signer", c.Name)
		}
	}
}
