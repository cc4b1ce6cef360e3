// Package ec is the elliptic-curve arithmetic eMRTD verification needs and
// crypto/ecdsa does not offer: short-Weierstrass curves over prime fields in
// plain math/big, the NIST curves and the RFC 5639 brainpool r1 curves that
// CSCAs, Document Signers and chips use, explicit domain parameters matched
// against those curves, and ECDSA verification on all of them.
//
// The arithmetic is NOT constant time. Verification handles only public
// data, so that is harmless there; Sign exists for the test generators
// (internal/testutil/emrtdgen) and must never hold a key that matters.
package ec

import (
	"crypto/elliptic"
	"encoding/asn1"
	"math/big"
)

// Curve is y^2 = x^3 + A*x + B over GF(P) with base point (Gx, Gy) of prime
// order N and cofactor H.
type Curve struct {
	Name               string
	OID                asn1.ObjectIdentifier
	P, A, B, Gx, Gy, N *big.Int
	H                  int

	// std is the crypto/elliptic curve with the same parameters, used to
	// delegate NIST verification to crypto/ecdsa; nil for brainpool.
	std elliptic.Curve
}

// BitSize is the bit length of the field prime.
func (c *Curve) BitSize() int { return c.P.BitLen() }

// ByteSize is the length in bytes of one coordinate.
func (c *Curve) ByteSize() int { return (c.P.BitLen() + 7) / 8 }

func hexInt(s string) *big.Int {
	v, ok := new(big.Int).SetString(s, 16)
	if !ok {
		panic("ec: bad constant " + s)
	}
	return v
}

func nist(name string, oid asn1.ObjectIdentifier, std elliptic.Curve) *Curve {
	p := std.Params()
	// Every NIST prime curve has a = -3.
	a := new(big.Int).Sub(p.P, big.NewInt(3))
	return &Curve{Name: name, OID: oid, P: p.P, A: a, B: p.B, Gx: p.Gx, Gy: p.Gy, N: p.N, H: 1, std: std}
}

func brainpool(name string, arc int, p, a, b, gx, gy, n string) *Curve {
	return &Curve{Name: name, OID: asn1.ObjectIdentifier{1, 3, 36, 3, 3, 2, 8, 1, 1, arc},
		P: hexInt(p), A: hexInt(a), B: hexInt(b), Gx: hexInt(gx), Gy: hexInt(gy), N: hexInt(n), H: 1}
}

// The supported curves. The brainpool parameters are those of RFC 5639
// section 3 (checked against the RFC text; the tests check that G is on the
// curve and N*G is the point at infinity).
var (
	P224 = nist("P-224", asn1.ObjectIdentifier{1, 3, 132, 0, 33}, elliptic.P224())
	P256 = nist("P-256", asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}, elliptic.P256())
	P384 = nist("P-384", asn1.ObjectIdentifier{1, 3, 132, 0, 34}, elliptic.P384())
	P521 = nist("P-521", asn1.ObjectIdentifier{1, 3, 132, 0, 35}, elliptic.P521())

	BrainpoolP224r1 = brainpool("brainpoolP224r1", 5,
		"D7C134AA264366862A18302575D1D787B09F075797DA89F57EC8C0FF",
		"68A5E62CA9CE6C1C299803A6C1530B514E182AD8B0042A59CAD29F43",
		"2580F63CCFE44138870713B1A92369E33E2135D266DBB372386C400B",
		"0D9029AD2C7E5CF4340823B2A87DC68C9E4CE3174C1E6EFDEE12C07D",
		"58AA56F772C0726F24C6B89E4ECDAC24354B9E99CAA3F6D3761402CD",
		"D7C134AA264366862A18302575D0FB98D116BC4B6DDEBCA3A5A7939F")
	BrainpoolP256r1 = brainpool("brainpoolP256r1", 7,
		"A9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5377",
		"7D5A0975FC2C3057EEF67530417AFFE7FB8055C126DC5C6CE94A4B44F330B5D9",
		"26DC5C6CE94A4B44F330B5D9BBD77CBF958416295CF7E1CE6BCCDC18FF8C07B6",
		"8BD2AEB9CB7E57CB2C4B482FFC81B7AFB9DE27E1E3BD23C23A4453BD9ACE3262",
		"547EF835C3DAC4FD97F8461A14611DC9C27745132DED8E545C1D54C72F046997",
		"A9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A7")
	BrainpoolP320r1 = brainpool("brainpoolP320r1", 9,
		"D35E472036BC4FB7E13C785ED201E065F98FCFA6F6F40DEF4F92B9EC7893EC28FCD412B1F1B32E27",
		"3EE30B568FBAB0F883CCEBD46D3F3BB8A2A73513F5EB79DA66190EB085FFA9F492F375A97D860EB4",
		"520883949DFDBC42D3AD198640688A6FE13F41349554B49ACC31DCCD884539816F5EB4AC8FB1F1A6",
		"43BD7E9AFB53D8B85289BCC48EE5BFE6F20137D10A087EB6E7871E2A10A599C710AF8D0D39E20611",
		"14FDD05545EC1CC8AB4093247F77275E0743FFED117182EAA9C77877AAAC6AC7D35245D1692E8EE1",
		"D35E472036BC4FB7E13C785ED201E065F98FCFA5B68F12A32D482EC7EE8658E98691555B44C59311")
	BrainpoolP384r1 = brainpool("brainpoolP384r1", 11,
		"8CB91E82A3386D280F5D6F7E50E641DF152F7109ED5456B412B1DA197FB71123ACD3A729901D1A71874700133107EC53",
		"7BC382C63D8C150C3C72080ACE05AFA0C2BEA28E4FB22787139165EFBA91F90F8AA5814A503AD4EB04A8C7DD22CE2826",
		"04A8C7DD22CE28268B39B55416F0447C2FB77DE107DCD2A62E880EA53EEB62D57CB4390295DBC9943AB78696FA504C11",
		"1D1C64F068CF45FFA2A63A81B7C13F6B8847A3E77EF14FE3DB7FCAFE0CBD10E8E826E03436D646AAEF87B2E247D4AF1E",
		"8ABE1D7520F9C2A45CB1EB8E95CFD55262B70B29FEEC5864E19C054FF99129280E4646217791811142820341263C5315",
		"8CB91E82A3386D280F5D6F7E50E641DF152F7109ED5456B31F166E6CAC0425A7CF3AB6AF6B7FC3103B883202E9046565")
	BrainpoolP512r1 = brainpool("brainpoolP512r1", 13,
		"AADD9DB8DBE9C48B3FD4E6AE33C9FC07CB308DB3B3C9D20ED6639CCA703308717D4D9B009BC66842AECDA12AE6A380E62881FF2F2D82C68528AA6056583A48F3",
		"7830A3318B603B89E2327145AC234CC594CBDD8D3DF91610A83441CAEA9863BC2DED5D5AA8253AA10A2EF1C98B9AC8B57F1117A72BF2C7B9E7C1AC4D77FC94CA",
		"3DF91610A83441CAEA9863BC2DED5D5AA8253AA10A2EF1C98B9AC8B57F1117A72BF2C7B9E7C1AC4D77FC94CADC083E67984050B75EBAE5DD2809BD638016F723",
		"81AEE4BDD82ED9645A21322E9C4C6A9385ED9F70B5D916C1B43B62EEF4D0098EFF3B1F78E2D0D48D50D1687B93B97D5F7C6D5047406A5E688B352209BCB9F822",
		"7DDE385D566332ECC0EABFA9CF7822FDF209F70024A57B1AA000C55B881F8111B2DCDE494A5F485E5BCA4BD88A2763AED1CA2B2FA8F0540678CD1E0F3AD80892",
		"AADD9DB8DBE9C48B3FD4E6AE33C9FC07CB308DB3B3C9D20ED6639CCA70330870553E5C414CA92619418661197FAC10471DB1D381085DDADDB58796829CA90069")
)

// Curves lists every supported curve.
var Curves = []*Curve{P224, P256, P384, P521,
	BrainpoolP224r1, BrainpoolP256r1, BrainpoolP320r1, BrainpoolP384r1, BrainpoolP512r1}

// CurveByOID returns the named curve with this identifier, or nil.
func CurveByOID(oid asn1.ObjectIdentifier) *Curve {
	for _, c := range Curves {
		if c.OID.Equal(oid) {
			return c
		}
	}
	return nil
}

// CurveByName returns the curve called name ("P-256", "brainpoolP256r1"),
// or nil.
func CurveByName(name string) *Curve {
	for _, c := range Curves {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// MatchExplicit returns the known curve whose domain parameters are exactly
// these, or nil: explicit ECParameters are accepted only when they name,
// in effect, a curve qes knows, so that no one can slip in a weak curve.
// a and b are compared modulo p (some encoders write a = -3 as p-3, others
// could write it reduced).
func MatchExplicit(p, a, b, gx, gy, n *big.Int) *Curve {
	if p == nil || a == nil || b == nil || gx == nil || gy == nil || n == nil {
		return nil
	}
	for _, c := range Curves {
		if c.P.Cmp(p) != 0 || c.N.Cmp(n) != 0 || c.Gx.Cmp(gx) != 0 || c.Gy.Cmp(gy) != 0 {
			continue
		}
		if new(big.Int).Mod(a, p).Cmp(c.A) != 0 || new(big.Int).Mod(b, p).Cmp(c.B) != 0 {
			continue
		}
		return c
	}
	return nil
}
