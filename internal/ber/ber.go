// Package ber turns a BER encoding into DER, within bounds, for the CMS
// files older signing tools write: indefinite lengths (openssl cms
// -stream, many Italian .p7m tools), constructed OCTET STRINGs and other
// constructed strings (the content in chunks), and lengths in more octets
// than needed. Readers that take DER only (verify's, internal/cms's) read
// the result.
//
// It does not reorder the elements of a SET OF: signed attributes are
// hashed as DER by the signer (RFC 5652 5.4), so a conforming signer's are
// already in order, and a signer whose set was not would have hashed it as
// it is; reordering it would break that signature, not mend it.
//
// Bounds: nesting depth (MaxDepth), the number of elements (MaxElements)
// and the size of the result (the caller's max). The parser recurses only
// as deep as the input nests, which MaxDepth bounds, and never copies a
// subtree more than once: lengths are computed first, then the result is
// written once into one buffer.
package ber

import (
	"errors"
	"fmt"
)

const (
	// MaxDepth bounds the nesting of constructed elements. A CMS
	// SignedData with certificates nests about 15 deep; a .p7m inside a
	// .p7m is read from its content octets, one level at a time.
	MaxDepth = 64
	// MaxElements bounds the elements of one encoding (a 64 MiB content
	// in 1000-byte chunks is 65536 of them).
	MaxElements = 1 << 20
)

// Errors: the input is not BER, or exceeds a bound.
var (
	ErrMalformed = errors.New("ber: malformed encoding")
	ErrTooDeep   = fmt.Errorf("ber: nested more than %d deep", MaxDepth)
	ErrTooLarge  = errors.New("ber: too large")
)

// node is one element: its identifier octets as given, and either its
// primitive contents or its children (first, then next siblings). Offsets
// into the input, not slices, keep a node at 32 bytes: MaxElements of them
// are 32 MiB.
type node struct {
	start       int32 // identifier octets at in[start:start+identLen]
	body        int32 // primitive contents at in[body:body+bodyLen]
	bodyLen     int32
	first, next int32 // -1: none
	length      int32 // of the DER contents
	identLen    uint8
	constructed bool
	flatten     bool // a constructed string, written as one primitive
	bitString   bool
}

func (p *parser) ident(n *node) []byte    { return p.in[n.start : int(n.start)+int(n.identLen)] }
func (p *parser) contents(n *node) []byte { return p.in[n.body : n.body+n.bodyLen] }

type parser struct {
	in     []byte
	nodes  []node
	ber    bool // something was not DER
	maxOut int
}

// ToDER returns in as DER and whether it was not DER already; in is
// returned itself (not a copy) when it was. in must be exactly one
// element; the result must not exceed maxOut bytes, nor either 1 GiB
// (offsets are 32-bit).
func ToDER(in []byte, maxOut int) (out []byte, wasBER bool, err error) {
	out, n, wasBER, err := FirstToDER(in, maxOut)
	if err == nil && n != len(in) {
		return nil, false, fmt.Errorf("%w: %d bytes after the element", ErrMalformed, len(in)-n)
	}
	return out, wasBER, err
}

// FirstToDER is ToDER for the first element of in, which may be followed
// by other bytes (a PDF signature's /Contents is zero-padded): it also
// returns how many bytes of in the element took.
func FirstToDER(in []byte, maxOut int) (out []byte, n int, wasBER bool, err error) {
	const limit = 1<<30 - 1
	maxOut = min(maxOut, limit)
	if len(in) > limit {
		return nil, 0, false, ErrTooLarge
	}
	p := &parser{in: in, maxOut: maxOut}
	root, pos, err := p.element(0, 0)
	if err != nil {
		return nil, 0, false, err
	}
	if !p.ber {
		return in[:pos], pos, false, nil
	}
	size, err := p.measure(root, 0)
	if err != nil {
		return nil, 0, false, err
	}
	if size > maxOut {
		return nil, 0, false, ErrTooLarge
	}
	out = make([]byte, 0, size)
	out = p.write(out, root)
	return out, pos, true, nil
}

// element reads the element at pos and returns its node and the position
// after it.
func (p *parser) element(pos, depth int) (int32, int, error) {
	if depth > MaxDepth {
		return 0, 0, ErrTooDeep
	}
	if len(p.nodes) >= MaxElements {
		return 0, 0, ErrTooLarge
	}
	in := p.in
	start := pos
	if pos >= len(in) {
		return 0, 0, ErrMalformed
	}
	b0 := in[pos]
	pos++
	if b0 == 0 {
		return 0, 0, fmt.Errorf("%w: end-of-contents outside an indefinite length", ErrMalformed)
	}
	if b0&0x1f == 0x1f { // high tag number form
		for n := 0; ; n++ {
			if pos >= len(in) || n == 4 || (n == 0 && in[pos] == 0x80) {
				return 0, 0, ErrMalformed
			}
			c := in[pos]
			pos++
			if c&0x80 == 0 {
				break
			}
		}
	}
	identLen := pos - start
	constructed := b0&0x20 != 0
	if pos >= len(in) {
		return 0, 0, ErrMalformed
	}
	l0 := in[pos]
	pos++
	indefinite := false
	length := 0
	switch {
	case l0 == 0x80:
		if !constructed {
			return 0, 0, fmt.Errorf("%w: indefinite length of a primitive", ErrMalformed)
		}
		indefinite, p.ber = true, true
	case l0 < 0x80:
		length = int(l0)
	case l0 == 0xff:
		return 0, 0, ErrMalformed
	default:
		n := int(l0 & 0x7f)
		if n > 4 || pos+n > len(in) {
			return 0, 0, ErrMalformed
		}
		for _, c := range in[pos : pos+n] {
			length = length<<8 | int(c)
		}
		pos += n
		if length < 0x80 || (n > 1 && in[pos-n] == 0) {
			p.ber = true // more length octets than DER allows
		}
	}
	if !indefinite && length > len(in)-pos {
		return 0, 0, fmt.Errorf("%w: length past the end", ErrMalformed)
	}
	idx := int32(len(p.nodes))
	p.nodes = append(p.nodes, node{start: int32(start), identLen: uint8(identLen), first: -1, next: -1, constructed: constructed})
	if !constructed {
		p.nodes[idx].body, p.nodes[idx].bodyLen = int32(pos), int32(length)
		return idx, pos + length, nil
	}
	// A universal string type sent in segments becomes one primitive.
	if b0&0xc0 == 0 && isString(b0&0x1f) {
		p.nodes[idx].flatten, p.nodes[idx].bitString = true, b0&0x1f == 3
		p.ber = true
	}
	end := pos + length
	last := int32(-1)
	for {
		if indefinite {
			if pos+1 < len(in) && in[pos] == 0 && in[pos+1] == 0 {
				pos += 2
				break
			}
		} else if pos == end {
			break
		}
		if pos >= len(in) || (!indefinite && pos > end) {
			return 0, 0, ErrMalformed
		}
		child, next, err := p.element(pos, depth+1)
		if err != nil {
			return 0, 0, err
		}
		if !indefinite && next > end {
			return 0, 0, ErrMalformed
		}
		if p.nodes[idx].flatten && (in[p.nodes[child].start]&^0x20 != b0&^0x20) {
			return 0, 0, fmt.Errorf("%w: a segment of another type in a constructed string", ErrMalformed)
		}
		if last < 0 {
			p.nodes[idx].first = child
		} else {
			p.nodes[last].next = child
		}
		last, pos = child, next
	}
	return idx, pos, nil
}

// isString: the universal types X.690 8.21 and 8.6/8.7 let a BER encoder
// send in segments.
func isString(tag byte) bool {
	switch tag {
	case 3, 4, 12, 18, 19, 20, 21, 22, 25, 26, 27, 28, 30:
		return true
	}
	return false
}

// measure computes the DER contents length of every node under i and
// returns i's whole DER size.
func (p *parser) measure(i int32, depth int) (int, error) {
	n := &p.nodes[i]
	switch {
	case n.flatten:
		var segs [][]byte
		p.segments(i, &segs)
		total := 0
		for k, s := range segs {
			if n.bitString {
				// Each segment starts with its unused-bits octet; only the
				// last may leave bits unused.
				if len(s) == 0 || (k < len(segs)-1 && s[0] != 0) {
					return 0, fmt.Errorf("%w: a BIT STRING segment", ErrMalformed)
				}
				total += len(s) - 1
			} else {
				total += len(s)
			}
		}
		if n.bitString {
			total++
		}
		n.length = int32(total)
	case n.constructed:
		total := 0
		for c := n.first; c >= 0; c = p.nodes[c].next {
			s, err := p.measure(c, depth+1)
			if err != nil {
				return 0, err
			}
			total += s
			if total > p.maxOut {
				return 0, ErrTooLarge
			}
		}
		n.length = int32(total)
	default:
		n.length = n.bodyLen
	}
	return int(n.identLen) + lengthSize(int(n.length)) + int(n.length), nil
}

// segments collects the primitive segments of a constructed string, in
// order.
func (p *parser) segments(i int32, into *[][]byte) {
	for c := p.nodes[i].first; c >= 0; c = p.nodes[c].next {
		if p.nodes[c].constructed {
			p.segments(c, into)
		} else {
			*into = append(*into, p.contents(&p.nodes[c]))
		}
	}
}

func lengthSize(l int) int {
	n := 1
	if l >= 0x80 {
		for ; l > 0; l >>= 8 {
			n++
		}
	}
	return n
}

func appendLength(out []byte, l int) []byte {
	if l < 0x80 {
		return append(out, byte(l))
	}
	n := lengthSize(l) - 1
	out = append(out, 0x80|byte(n))
	for k := n - 1; k >= 0; k-- {
		out = append(out, byte(l>>(8*k)))
	}
	return out
}

// write appends node i in DER.
func (p *parser) write(out []byte, i int32) []byte {
	n := &p.nodes[i]
	if n.flatten {
		out = append(out, p.in[n.start]&^0x20) // primitive form
		out = appendLength(out, int(n.length))
		var segs [][]byte
		p.segments(i, &segs)
		if n.bitString {
			unused := byte(0)
			if len(segs) > 0 {
				unused = segs[len(segs)-1][0]
			}
			out = append(out, unused)
			for _, s := range segs {
				out = append(out, s[1:]...)
			}
			return out
		}
		for _, s := range segs {
			out = append(out, s...)
		}
		return out
	}
	out = append(out, p.ident(n)...)
	out = appendLength(out, int(n.length))
	if !n.constructed {
		return append(out, p.contents(n)...)
	}
	for c := n.first; c >= 0; c = p.nodes[c].next {
		out = p.write(out, c)
	}
	return out
}
