package pdfcheck

import "fmt"

// StrictDER walks der as a sequence of TLVs (recursing into constructed
// ones) and reports what DER forbids and BER allows: indefinite lengths,
// lengths in more octets than needed, constructed OCTET STRINGs and BIT
// STRINGs, and, at the top, trailing bytes. AgID asks CAdES in DER; this
// walk is written apart from every encoder qes has.
func StrictDER(der []byte) error {
	n, err := derElement(der, 0)
	if err != nil {
		return err
	}
	if n != len(der) {
		return fmt.Errorf("%d trailing bytes after the outer element", len(der)-n)
	}
	return nil
}

// derElement checks the element at the start of b and returns its length.
func derElement(b []byte, depth int) (int, error) {
	if depth > 64 {
		return 0, fmt.Errorf("nesting deeper than 64")
	}
	if len(b) < 2 {
		return 0, fmt.Errorf("truncated header")
	}
	tag := b[0]
	if tag&0x1f == 0x1f {
		return 0, fmt.Errorf("multi-byte tag 0x%02x (none is used in CMS)", tag)
	}
	constructed := tag&0x20 != 0
	if constructed && (tag == 0x24 || tag == 0x23) {
		return 0, fmt.Errorf("constructed string 0x%02x", tag)
	}
	l := int(b[1])
	off := 2
	switch {
	case l == 0x80:
		return 0, fmt.Errorf("indefinite length (tag 0x%02x)", tag)
	case l > 0x80:
		k := l & 0x7f
		if k > 4 || len(b) < 2+k {
			return 0, fmt.Errorf("length of %d octets", k)
		}
		if b[2] == 0 {
			return 0, fmt.Errorf("length with a leading zero octet (tag 0x%02x)", tag)
		}
		l = 0
		for _, c := range b[2 : 2+k] {
			l = l<<8 | int(c)
		}
		if l < 0x80 {
			return 0, fmt.Errorf("long form for length %d (tag 0x%02x)", l, tag)
		}
		off += k
	}
	if len(b)-off < l {
		return 0, fmt.Errorf("element of %d bytes, %d left (tag 0x%02x)", l, len(b)-off, tag)
	}
	if constructed {
		body := b[off : off+l]
		for len(body) > 0 {
			n, err := derElement(body, depth+1)
			if err != nil {
				return 0, err
			}
			body = body[n:]
		}
	}
	return off + l, nil
}
