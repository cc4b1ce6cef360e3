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
type jacobian struct{ x, y, z big.Int }

// arith does the field and point arithmetic of one computation in place,
// on its own scratch values: math/big allocation, not multiplication,
// dominated the first version's cost. Not safe for concurrent use.
type arith struct {
	c                                  *Curve
	prod, quo                          big.Int
	xx, yy, yyyy, zz, s, m, t, u1, u2  big.Int
	s1, s2, h, r, hh, hhh, v, z1z1, z2 big.Int
}

// mul is z = x*y mod p. Every operand is reduced and non-negative, so the
// truncated QuoRem is the modulus, and it reuses the quotient's memory.
func (a *arith) mul(z, x, y *big.Int) { a.prod.Mul(x, y); a.quo.QuoRem(&a.prod, a.c.P, z) }

func (a *arith) sub(z, x, y *big.Int) {
	z.Sub(x, y)
	if z.Sign() < 0 {
		z.Add(z, a.c.P)
	}
}

// lsh is z = x * 2^n mod p.
func (a *arith) lsh(z, x *big.Int, n uint) { a.prod.Lsh(x, n); a.quo.QuoRem(&a.prod, a.c.P, z) }

func (a *arith) setInfinity(p *jacobian) { p.x.SetInt64(1); p.y.SetInt64(1); p.z.SetInt64(0) }

// double sets dst = 2p (dst may be p): dbl-2007-bl for general a.
func (a *arith) double(dst, p *jacobian) {
	if p.z.Sign() == 0 || p.y.Sign() == 0 {
		a.setInfinity(dst)
		return
	}
	a.mul(&a.xx, &p.x, &p.x)
	a.mul(&a.yy, &p.y, &p.y)
	a.mul(&a.yyyy, &a.yy, &a.yy)
	a.mul(&a.zz, &p.z, &p.z)
	a.mul(&a.s, &p.x, &a.yy)
	a.lsh(&a.s, &a.s, 2) // S = 4*X*YY
	a.mul(&a.t, &a.zz, &a.zz)
	a.mul(&a.t, &a.t, a.c.A)
	a.m.Lsh(&a.xx, 1)
	a.m.Add(&a.m, &a.xx)
	a.m.Add(&a.m, &a.t)
	a.prod.Set(&a.m)
	a.quo.QuoRem(&a.prod, a.c.P, &a.m) // M = 3*XX + a*ZZ^2
	// Z3 = 2*Y*Z first: Y is overwritten below.
	a.mul(&a.t, &p.y, &p.z)
	a.lsh(&dst.z, &a.t, 1)
	a.mul(&a.t, &a.m, &a.m)
	a.lsh(&a.u1, &a.s, 1)
	a.sub(&dst.x, &a.t, &a.u1) // X3 = M^2 - 2S
	a.sub(&a.t, &a.s, &dst.x)
	a.mul(&a.t, &a.t, &a.m)
	a.lsh(&a.u1, &a.yyyy, 3)
	a.sub(&dst.y, &a.t, &a.u1) // Y3 = M*(S-X3) - 8*YYYY
}

// add sets dst = p + q (dst may be p, not q): add-2007-bl.
func (a *arith) add(dst, p, q *jacobian) {
	if p.z.Sign() == 0 {
		dst.x.Set(&q.x)
		dst.y.Set(&q.y)
		dst.z.Set(&q.z)
		return
	}
	if q.z.Sign() == 0 {
		if dst != p {
			dst.x.Set(&p.x)
			dst.y.Set(&p.y)
			dst.z.Set(&p.z)
		}
		return
	}
	a.mul(&a.z1z1, &p.z, &p.z)
	a.mul(&a.z2, &q.z, &q.z)
	a.mul(&a.u1, &p.x, &a.z2)
	a.mul(&a.u2, &q.x, &a.z1z1)
	a.mul(&a.t, &q.z, &a.z2)
	a.mul(&a.s1, &p.y, &a.t)
	a.mul(&a.t, &p.z, &a.z1z1)
	a.mul(&a.s2, &q.y, &a.t)
	if a.u1.Cmp(&a.u2) == 0 {
		if a.s1.Cmp(&a.s2) == 0 {
			a.double(dst, p)
		} else {
			a.setInfinity(dst)
		}
		return
	}
	a.sub(&a.h, &a.u2, &a.u1)
	a.sub(&a.r, &a.s2, &a.s1)
	a.mul(&a.hh, &a.h, &a.h)
	a.mul(&a.hhh, &a.hh, &a.h)
	a.mul(&a.v, &a.u1, &a.hh)
	// Z3 = Z1*Z2*H before Z1 is overwritten.
	a.mul(&a.t, &p.z, &q.z)
	a.mul(&dst.z, &a.t, &a.h)
	a.mul(&a.t, &a.r, &a.r)
	a.sub(&a.t, &a.t, &a.hhh)
	a.lsh(&a.u2, &a.v, 1)
	a.sub(&dst.x, &a.t, &a.u2) // X3 = R^2 - H^3 - 2*U1*H^2
	a.sub(&a.t, &a.v, &dst.x)
	a.mul(&a.t, &a.t, &a.r)
	a.mul(&a.u2, &a.s1, &a.hhh)
	a.sub(&dst.y, &a.t, &a.u2) // Y3 = R*(U1*H^2 - X3) - S1*H^3
}

func (a *arith) toAffine(p *jacobian) (x, y *big.Int, ok bool) {
	if p.z.Sign() == 0 {
		return nil, nil, false
	}
	zinv := new(big.Int).ModInverse(&p.z, a.c.P)
	a.mul(&a.t, zinv, zinv)
	x = new(big.Int)
	a.mul(x, &p.x, &a.t)
	a.mul(&a.t, &a.t, zinv)
	y = new(big.Int)
	a.mul(y, &p.y, &a.t)
	return x, y, true
}

// combinedMult is k1*(x1,y1) + k2*(x2,y2) by Shamir's trick: one pass of
// doublings instead of two. Not constant time.
func (c *Curve) combinedMult(x1, y1, k1, x2, y2, k2 *big.Int) (x, y *big.Int, ok bool) {
	a := &arith{c: c}
	var p1, p2, p12, acc jacobian
	p1.x.Set(x1)
	p1.y.Set(y1)
	p1.z.SetInt64(1)
	p2.x.Set(x2)
	p2.y.Set(y2)
	p2.z.SetInt64(1)
	a.add(&p12, &p1, &p2)
	a.setInfinity(&acc)
	n := max(k1.BitLen(), k2.BitLen())
	for i := n - 1; i >= 0; i-- {
		a.double(&acc, &acc)
		switch b1, b2 := k1.Bit(i), k2.Bit(i); {
		case b1 == 1 && b2 == 1:
			a.add(&acc, &acc, &p12)
		case b1 == 1:
			a.add(&acc, &acc, &p1)
		case b2 == 1:
			a.add(&acc, &acc, &p2)
		}
	}
	return a.toAffine(&acc)
}

// ScalarMult is k*(x, y); ok is false for the point at infinity.
func (c *Curve) ScalarMult(x, y, k *big.Int) (rx, ry *big.Int, ok bool) {
	return c.combinedMult(x, y, k, x, y, new(big.Int))
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
	x, _, ok := c.combinedMult(c.Gx, c.Gy, u1, pub.X, pub.Y, u2)
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
