package pades

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
)

// chain is what successive incremental updates need to know about the file
// they are appended to.
type chain struct {
	size       int64 // bytes already in the file
	prevXref   int64 // offset of the newest cross-reference section
	nextNum    int64 // first unused object number
	xrefStream bool  // write xref streams (the original uses them)
	root       ref
	info       object // /Info from the trailer, if any
	id         object // /ID from the trailer, if any
	// shift is the number of bytes before the header: size and every
	// offset above count from the header, the /ByteRange from byte 0.
	shift int64
	// full, for a file whose cross-reference data was rebuilt, holds every
	// object of the original: the next update lists them all and has no
	// /Prev, so the result no longer depends on the damaged table.
	full map[int64]xrefEntry
}

func chainOf(d *document) chain {
	return chain{
		size:       d.size,
		prevXref:   d.startxref,
		nextNum:    d.nextObjectNumber(),
		xrefStream: d.xrefIsStream,
		root:       d.trailer.get("Root").(ref),
		info:       d.trailer.get("Info"),
		id:         d.trailer.get("ID"),
		shift:      d.shift,
		full:       fullIfRepaired(d),
	}
}

// byteRangeFromFileStart chooses what /ByteRange offsets count from in a
// file with bytes before its header: byte 0 of the file (true) or the
// header (false). See the README (PAdES: which PDFs qes signs).
const byteRangeFromFileStart = true

// byteRangeOrigin is the file offset /ByteRange 0 stands for.
func (c *chain) byteRangeOrigin() int64 {
	if byteRangeFromFileStart {
		return 0
	}
	return c.shift
}

// byteRangeBase is where the next update starts, in /ByteRange terms.
func (c *chain) byteRangeBase() int64 { return c.size + c.shift - c.byteRangeOrigin() }

func fullIfRepaired(d *document) map[int64]xrefEntry {
	if !d.repaired {
		return nil
	}
	return d.entries
}

// update builds one incremental update in memory. Updates hold only the new
// and changed objects, never the original content, so they stay small.
type update struct {
	ch      *chain
	buf     bytes.Buffer
	offsets map[int64]int64 // object number -> offset inside buf
	gens    map[int64]int64
}

func newUpdate(ch *chain) *update {
	u := &update{ch: ch, offsets: map[int64]int64{}, gens: map[int64]int64{}}
	// Start on a fresh line even when the file does not end with EOL.
	u.buf.WriteByte('\n')
	return u
}

// alloc reserves a new object number.
func (u *update) alloc() ref {
	r := ref{num: u.ch.nextNum}
	u.ch.nextNum++
	return r
}

func (u *update) begin(r ref) {
	u.offsets[r.num] = int64(u.buf.Len())
	u.gens[r.num] = r.gen
	u.buf.WriteString(strconv.FormatInt(r.num, 10))
	u.buf.WriteByte(' ')
	u.buf.WriteString(strconv.FormatInt(r.gen, 10))
	u.buf.WriteString(" obj\n")
}

// put writes (or overrides) object r.
func (u *update) put(r ref, o object) {
	u.begin(r)
	writeObject(&u.buf, o)
	u.buf.WriteString("\nendobj\n")
}

// putStream writes a stream object with data stored as given (d must carry
// any /Filter the data needs; /Length is set here).
func (u *update) putStream(r ref, d *dict, data []byte) {
	d = d.clone()
	d.set("Length", int64(len(data)))
	u.begin(r)
	writeObject(&u.buf, d)
	u.buf.WriteString("\nstream\n")
	u.buf.Write(data)
	u.buf.WriteString("\nendstream\nendobj\n")
}

// finish appends the cross-reference section and trailer and advances the
// chain past this update. It returns the complete update bytes.
func (u *update) finish() []byte {
	xrefOff := int64(u.buf.Len())
	if u.ch.xrefStream {
		u.writeXrefStream(xrefOff)
	} else {
		u.writeXrefTable()
	}
	u.buf.WriteString("startxref\n")
	u.buf.WriteString(strconv.FormatInt(u.ch.size+xrefOff, 10))
	u.buf.WriteString("\n%%EOF\n")
	u.ch.prevXref = u.ch.size + xrefOff
	u.ch.size += int64(u.buf.Len())
	u.ch.full = nil // later updates chain to this complete section
	return u.buf.Bytes()
}

func (u *update) trailerDict() *dict {
	t := newDict()
	t.set("Size", u.ch.nextNum)
	t.set("Root", u.ch.root)
	if u.ch.info != nil {
		t.set("Info", u.ch.info)
	}
	if u.ch.id != nil {
		t.set("ID", u.ch.id)
	}
	if u.ch.full == nil {
		t.set("Prev", u.ch.prevXref)
	}
	return t
}

// xrefRow is one cross-reference entry as written: kind 0 free, 1 at a
// file offset, 2 inside an object stream.
type xrefRow struct {
	num        int64
	kind       int
	off, field int64 // offset and generation, or stream number and index
}

// rows lists the entries of this update's section in object number order:
// its own objects and, after a repair, every object of the original.
func (u *update) rows() []xrefRow {
	byNum := map[int64]xrefRow{}
	for num, e := range u.ch.full {
		switch {
		case e.free:
		case e.inStream:
			byNum[num] = xrefRow{num: num, kind: 2, off: e.streamNum, field: e.index}
		default:
			byNum[num] = xrefRow{num: num, kind: 1, off: e.offset, field: e.gen}
		}
	}
	for num, off := range u.offsets {
		byNum[num] = xrefRow{num: num, kind: 1, off: u.ch.size + off, field: u.gens[num]}
	}
	if u.ch.full != nil {
		// A complete section starts with the head of the free list.
		byNum[0] = xrefRow{num: 0, kind: 0, field: 65535}
	}
	out := make([]xrefRow, 0, len(byNum))
	for _, r := range byNum {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].num < out[j].num })
	return out
}

// subsections groups rows into runs of consecutive object numbers.
func subsections(rows []xrefRow) [][]xrefRow {
	var out [][]xrefRow
	for i := 0; i < len(rows); {
		j := i
		for j+1 < len(rows) && rows[j+1].num == rows[j].num+1 {
			j++
		}
		out = append(out, rows[i:j+1])
		i = j + 1
	}
	return out
}

func (u *update) writeXrefTable() {
	u.buf.WriteString("xref\n")
	for _, sub := range subsections(u.rows()) {
		fmt.Fprintf(&u.buf, "%d %d\n", sub[0].num, len(sub))
		for _, r := range sub {
			kind := byte('n')
			if r.kind == 0 {
				kind = 'f'
			}
			fmt.Fprintf(&u.buf, "%010d %05d %c\r\n", r.off, r.field, kind)
		}
	}
	u.buf.WriteString("trailer\n")
	writeObject(&u.buf, u.trailerDict())
	u.buf.WriteByte('\n')
}

// byteWidth is how many bytes the largest of vs needs (at least 1).
func byteWidth(vs ...int64) int {
	w := 1
	for _, v := range vs {
		for w < 8 && v>>(8*w) != 0 {
			w++
		}
	}
	return w
}

// writeXrefStream writes an uncompressed xref stream; files that use xref
// streams must keep using them in their updates.
func (u *update) writeXrefStream(xrefOff int64) {
	self := u.alloc()
	u.offsets[self.num] = xrefOff
	u.gens[self.num] = 0
	rows := u.rows()
	w2, w3 := 4, 2
	for _, r := range rows {
		w2 = max(w2, byteWidth(r.off))
		w3 = max(w3, byteWidth(r.field))
	}
	var data []byte
	var index array
	for _, sub := range subsections(rows) {
		index = append(index, sub[0].num, int64(len(sub)))
		for _, r := range sub {
			data = append(data, byte(r.kind))
			for k := w2 - 1; k >= 0; k-- {
				data = append(data, byte(r.off>>(8*k)))
			}
			for k := w3 - 1; k >= 0; k-- {
				data = append(data, byte(r.field>>(8*k)))
			}
		}
	}
	t := u.trailerDict()
	t.set("Type", name("XRef"))
	t.set("Index", index)
	t.set("W", array{int64(1), int64(w2), int64(w3)})
	t.set("Length", int64(len(data)))
	// begin() would record the offset again; write the header by hand.
	fmt.Fprintf(&u.buf, "%d 0 obj\n", self.num)
	writeObject(&u.buf, t)
	u.buf.WriteString("\nstream\n")
	u.buf.Write(data)
	u.buf.WriteString("\nendstream\nendobj\n")
}
