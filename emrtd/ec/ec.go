package ec

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"io"
	"math/big"
)

// PublicKey is a point of Curve, checked to lie on it when made by
// NewPublicKey or Unmarshal.
type PublicKey struct {
	Curve *Curve
	X, Y  *big.Int
}

// PrivateKey is for the test generators only: see the package comment.
type PrivateKey struct {
	PublicKey
	D *big.Int
}

// IsOnCurve reports whether (x, y) is a point of c (not the point at
// infinity, which has no affine coordinates).
func (c *Curve) IsOnCurve(x, y *big.Int) bool {
	if x == nil || y == nil || x.Sign() < 0 || y.Sign() < 0 || x.Cmp(c.P) >= 0 || y.Cmp(c.P) >= 0 {
		return false
	}
	lhs := new(big.Int).Mul(y, y)
	lhs.Mod(lhs, c.P)
	return lhs.Cmp(c.rhs(x)) == 0
}

// rhs is x^3 + a*x + b mod p.
func (c *Curve) rhs(x *big.Int) *big.Int {
	r := new(big.Int).Mul(x, x)
	r.Add(r, c.A)
	r.Mul(r, x)
	r.Add(r, c.B)
	return r.Mod(r, c.P)
}

// NewPublicKey refuses a point that is not on the curve: an invalid point
// is the classic way to make a verifier compute on a weaker curve.
func NewPublicKey(c *Curve, x, y *big.Int) (*PublicKey, error) {
	if c == nil {
		return nil, errors.New("ec: no curve")
	}
	if !c.IsOnCurve(x, y) {
		return nil, fmt.Errorf("ec: point is not on %s", c.Name)
	}
	return &PublicKey{Curve: c, X: new(big.Int).Set(x), Y: new(big.Int).Set(y)}, nil
}

// Check reports whether pub is a usable public key (on its curve).
func (pub *PublicKey) Check() error {
	if pub == nil || pub.Curve == nil {
		return errors.New("ec: no key")
	}
	if !pub.Curve.IsOnCurve(pub.X, pub.Y) {
		return fmt.Errorf("ec: point is not on %s", pub.Curve.Name)
	}
	return nil
}

// Unmarshal decodes an uncompressed (04 || X || Y) or compressed (02/03 ||
// X) point of c (SEC 1 section 2.3.4) and checks it is on the curve.
func Unmarshal(c *Curve, data []byte) (x, y *big.Int, err error) {
	size := c.ByteSize()
	switch {
	case len(data) == 1+2*size && data[0] == 4:
		x = new(big.Int).SetBytes(data[1 : 1+size])
		y = new(big.Int).SetBytes(data[1+size:])
	case len(data) == 1+size && (data[0] == 2 || data[0] == 3):
		x = new(big.Int).SetBytes(data[1:])
		if x.Cmp(c.P) >= 0 {
			return nil, nil, fmt.Errorf("ec: x out of range for %s", c.Name)
		}
		y = new(big.Int).ModSqrt(c.rhs(x), c.P)
		if y == nil {
			return nil, nil, fmt.Errorf("ec: compressed point is not on %s", c.Name)
		}
		if y.Bit(0) != uint(data[0]&1) {
			y.Sub(c.P, y)
		}
	default:
		return nil, nil, fmt.Errorf("ec: point encoding of %d bytes does not fit %s", len(data), c.Name)
	}
	if !c.IsOnCurve(x, y) {
		return nil, nil, fmt.Errorf("ec: point is not on %s", c.Name)
	}
	return x, y, nil
}

// Marshal encodes (x, y) uncompressed.
func Marshal(c *Curve, x, y *big.Int) []byte {
	size := c.ByteSize()
	out := make([]byte, 1+2*size)
	out[0] = 4
	x.FillBytes(out[1 : 1+size])
	y.FillBytes(out[1+size:])
	return out
}

// Bytes is the uncompressed encoding of pub.
func (pub *PublicKey) Bytes() []byte { return Marshal(pub.Curve, pub.X, pub.Y) }

// jacobian is (X/Z^2, Y/Z^3); Z = 0 is the point at infinity.
type jacobian struct{ x, y, z *big.Int }

func (c *Curve) affineToJacobian(x, y *big.Int) jacobian {
	return jacobian{new(big.Int).Set(x), new(big.Int).Set(y), big.NewInt(1)}
}

func (c *Curve) infinity() jacobian { return jacobian{big.NewInt(1), big.NewInt(1), new(big.Int)} }

func (c *Curve) toAffine(p jacobian) (x, y *big.Int, ok bool) {
	if p.z.Sign() == 0 {
		return nil, nil, false
	}
	zinv := new(big.Int).ModInverse(p.z, c.P)
	zinv2 := new(big.Int).Mul(zinv, zinv)
	zinv2.Mod(zinv2, c.P)
	x = new(big.Int).Mul(p.x, zinv2)
	x.Mod(x, c.P)
	zinv2.Mul(zinv2, zinv)
	y = new(big.Int).Mul(p.y, zinv2)
	y.Mod(y, c.P)
	return x, y, true
}

func (c *Curve) double(p jacobian) jacobian {
	if p.z.Sign() == 0 || p.y.Sign() == 0 {
		return c.infinity()
	}
	P := c.P
	mod := func(v *big.Int) *big.Int { return v.Mod(v, P) }
	xx := mod(new(big.Int).Mul(p.x, p.x))
	yy := mod(new(big.Int).Mul(p.y, p.y))
	yyyy := mod(new(big.Int).Mul(yy, yy))
	zz := mod(new(big.Int).Mul(p.z, p.z))
	s := mod(new(big.Int).Lsh(mod(new(big.Int).Mul(p.x, yy)), 2))
	m := new(big.Int).Mul(xx, big.NewInt(3))
	azzzz := mod(new(big.Int).Mul(zz, zz))
	azzzz.Mul(azzzz, c.A)
	m = mod(m.Add(m, azzzz))
	x3 := new(big.Int).Mul(m, m)
	x3.Sub(x3, new(big.Int).Lsh(s, 1))
	mod(x3)
	y3 := new(big.Int).Sub(s, x3)
	y3.Mul(y3, m)
	y3.Sub(y3, new(big.Int).Lsh(yyyy, 3))
	mod(y3)
	z3 := new(big.Int).Mul(p.y, p.z)
	z3 = mod(z3.Lsh(z3, 1))
	return jacobian{x3, y3, z3}
}

func (c *Curve) add(p, q jacobian) jacobian {
	if p.z.Sign() == 0 {
		return q
	}
	if q.z.Sign() == 0 {
		return p
	}
	P := c.P
	mod := func(v *big.Int) *big.Int { return v.Mod(v, P) }
	z1z1 := mod(new(big.Int).Mul(p.z, p.z))
	z2z2 := mod(new(big.Int).Mul(q.z, q.z))
	u1 := mod(new(big.Int).Mul(p.x, z2z2))
	u2 := mod(new(big.Int).Mul(q.x, z1z1))
	s1 := mod(new(big.Int).Mul(p.y, mod(new(big.Int).Mul(q.z, z2z2))))
	s2 := mod(new(big.Int).Mul(q.y, mod(new(big.Int).Mul(p.z, z1z1))))
	if u1.Cmp(u2) == 0 {
		if s1.Cmp(s2) == 0 {
			return c.double(p)
		}
		return c.infinity()
	}
	h := mod(new(big.Int).Sub(u2, u1))
	r := mod(new(big.Int).Sub(s2, s1))
	hh := mod(new(big.Int).Mul(h, h))
	hhh := mod(new(big.Int).Mul(hh, h))
	v := mod(new(big.Int).Mul(u1, hh))
	x3 := new(big.Int).Mul(r, r)
	x3.Sub(x3, hhh)
	x3.Sub(x3, new(big.Int).Lsh(v, 1))
	mod(x3)
	y3 := new(big.Int).Sub(v, x3)
	y3.Mul(y3, r)
	y3.Sub(y3, new(big.Int).Mul(s1, hhh))
	mod(y3)
	z3 := mod(new(big.Int).Mul(p.z, q.z))
	z3 = mod(z3.Mul(z3, h))
	return jacobian{x3, y3, z3}
}

// combinedMult is k1*(x1,y1) + k2*(x2,y2) by Shamir's trick: one pass of
// doublings instead of two. Not constant time.
func (c *Curve) combinedMult(x1, y1, k1, x2, y2, k2 *big.Int) jacobian {
	p1 := c.affineToJacobian(x1, y1)
	p2 := c.affineToJacobian(x2, y2)
	p12 := c.add(p1, p2)
	acc := c.infinity()
	n := max(k1.BitLen(), k2.BitLen())
	for i := n - 1; i >= 0; i-- {
		acc = c.double(acc)
		switch b1, b2 := k1.Bit(i), k2.Bit(i); {
		case b1 == 1 && b2 == 1:
			acc = c.add(acc, p12)
		case b1 == 1:
			acc = c.add(acc, p1)
		case b2 == 1:
			acc = c.add(acc, p2)
		}
	}
	return acc
}

// ScalarMult is k*(x, y); ok is false for the point at infinity.
func (c *Curve) ScalarMult(x, y, k *big.Int) (rx, ry *big.Int, ok bool) {
	return c.toAffine(c.combinedMult(x, y, k, x, y, new(big.Int)))
}

// ScalarBaseMult is k*G.
func (c *Curve) ScalarBaseMult(k *big.Int) (rx, ry *big.Int, ok bool) {
	return c.ScalarMult(c.Gx, c.Gy, k)
}

// hashToInt is the leftmost N-bit-length bits of the digest (SEC 1
// section 4.1.3 step 5; the same rule for digests longer and shorter
// than the order).
func hashToInt(digest []byte, c *Curve) *big.Int {
	orderBits := c.N.BitLen()
	orderBytes := (orderBits + 7) / 8
	if len(digest) > orderBytes {
		digest = digest[:orderBytes]
	}
	e := new(big.Int).SetBytes(digest)
	if excess := len(digest)*8 - orderBits; excess > 0 {
		e.Rsh(e, uint(excess))
	}
	return e
}

// Verify reports whether (r, s) is a valid ECDSA signature of digest by
// pub. The NIST curves go through crypto/ecdsa (faster and reviewed); the
// brainpool curves through this package's arithmetic.
func Verify(pub *PublicKey, digest []byte, r, s *big.Int) bool {
	if pub == nil || pub.Check() != nil || r == nil || s == nil {
		return false
	}
	c := pub.Curve
	if r.Sign() <= 0 || s.Sign() <= 0 || r.Cmp(c.N) >= 0 || s.Cmp(c.N) >= 0 {
		return false
	}
	if c.std != nil {
		return ecdsa.Verify(&ecdsa.PublicKey{Curve: c.std, X: pub.X, Y: pub.Y}, digest, r, s)
	}
	return verifyGeneric(pub, digest, r, s)
}

func verifyGeneric(pub *PublicKey, digest []byte, r, s *big.Int) bool {
	c := pub.Curve
	e := hashToInt(digest, c)
	w := new(big.Int).ModInverse(s, c.N)
	if w == nil {
		return false
	}
	u1 := new(big.Int).Mul(e, w)
	u1.Mod(u1, c.N)
	u2 := new(big.Int).Mul(r, w)
	u2.Mod(u2, c.N)
	x, _, ok := c.toAffine(c.combinedMult(c.Gx, c.Gy, u1, pub.X, pub.Y, u2))
	if !ok {
		return false
	}
	x.Mod(x, c.N)
	return x.Cmp(r) == 0
}

// GenerateKey makes a key pair on c. For the test generators only: the
// arithmetic is not constant time.
func GenerateKey(c *Curve, rand io.Reader) (*PrivateKey, error) {
	d, err := randScalar(c, rand)
	if err != nil {
		return nil, err
	}
	x, y, ok := c.ScalarBaseMult(d)
	if !ok {
		return nil, errors.New("ec: degenerate key")
	}
	return &PrivateKey{PublicKey: PublicKey{Curve: c, X: x, Y: y}, D: d}, nil
}

func randScalar(c *Curve, rand io.Reader) (*big.Int, error) {
	buf := make([]byte, (c.N.BitLen()+7)/8+8)
	for {
		if _, err := io.ReadFull(rand, buf); err != nil {
			return nil, fmt.Errorf("ec: reading randomness: %w", err)
		}
		k := new(big.Int).SetBytes(buf)
		k.Mod(k, new(big.Int).Sub(c.N, big.NewInt(1)))
		k.Add(k, big.NewInt(1))
		if k.Sign() > 0 {
			return k, nil
		}
	}
}

// Sign is ECDSA over digest with a random nonce. For the test generators
// only: NOT constant time, so it leaks the key through timing.
func Sign(rand io.Reader, priv *PrivateKey, digest []byte) (r, s *big.Int, err error) {
	c := priv.Curve
	e := hashToInt(digest, c)
	for {
		k, err := randScalar(c, rand)
		if err != nil {
			return nil, nil, err
		}
		x, _, ok := c.ScalarBaseMult(k)
		if !ok {
			continue
		}
		r = new(big.Int).Mod(x, c.N)
		if r.Sign() == 0 {
			continue
		}
		kinv := new(big.Int).ModInverse(k, c.N)
		s = new(big.Int).Mul(r, priv.D)
		s.Add(s, e)
		s.Mul(s, kinv)
		s.Mod(s, c.N)
		if s.Sign() != 0 {
			return r, s, nil
		}
	}
}
