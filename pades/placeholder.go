package pades

import (
	"encoding/hex"
	"fmt"
	"strconv"
)

// byteRangeWidth is the space reserved for "[0 b c d]": four 20-digit
// numbers always fit, so the array can be filled in without moving bytes.
const byteRangeWidth = 1 + 4*21 + 1

// placeholder locates, inside one update, the /ByteRange array to fill in
// and the /Contents hex string (from '<' to '>') to leave out of the digest.
type placeholder struct {
	brPos int
	ltPos int
	gtPos int
}

// putSignature writes a signature dictionary whose /ByteRange and /Contents
// are placeholders reserving room for contentsLen bytes of DER.
func (u *update) putSignature(r ref, d *dict, contentsLen int) placeholder {
	u.begin(r)
	writeObject(&u.buf, d)
	u.buf.Truncate(u.buf.Len() - 2) // reopen the dictionary before ">>"
	u.buf.WriteString("/ByteRange ")
	var ph placeholder
	ph.brPos = u.buf.Len()
	for i := 0; i < byteRangeWidth; i++ {
		u.buf.WriteByte(' ')
	}
	u.buf.WriteString("/Contents ")
	ph.ltPos = u.buf.Len()
	u.buf.WriteByte('<')
	for i := 0; i < 2*contentsLen; i++ {
		u.buf.WriteByte('0')
	}
	ph.gtPos = u.buf.Len()
	u.buf.WriteString(">>>\nendobj\n")
	return ph
}

// revision is one finished update holding a signature placeholder; base is
// the file offset where the update starts.
type revision struct {
	data []byte
	base int64
	ph   placeholder
}

// fillByteRange writes the final /ByteRange now that the update's length is
// known: everything from the start of the file to the end of this update,
// except the /Contents string.
func (rv *revision) fillByteRange() {
	b := rv.base + int64(rv.ph.ltPos)
	c := rv.base + int64(rv.ph.gtPos) + 1
	end := rv.base + int64(len(rv.data))
	s := "[0 " + strconv.FormatInt(b, 10) + " " + strconv.FormatInt(c, 10) + " " + strconv.FormatInt(end-c, 10) + "]"
	copy(rv.data[rv.ph.brPos:rv.ph.brPos+byteRangeWidth], s)
}

// before and after are the update's bytes covered by the digest.
func (rv *revision) before() []byte { return rv.data[:rv.ph.ltPos] }
func (rv *revision) after() []byte  { return rv.data[rv.ph.gtPos+1:] }

// capacity is the number of DER bytes the placeholder holds.
func (rv *revision) capacity() int { return (rv.ph.gtPos - rv.ph.ltPos - 1) / 2 }

// embed copies the update and writes der into its /Contents (zero padded).
func (rv *revision) embed(der []byte) ([]byte, error) {
	if len(der) > rv.capacity() {
		return nil, fmt.Errorf("signature of %d bytes does not fit the %d bytes reserved", len(der), rv.capacity())
	}
	out := append([]byte(nil), rv.data...)
	hex.Encode(out[rv.ph.ltPos+1:], der)
	return out, nil
}
