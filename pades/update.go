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
	}
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
	return u.buf.Bytes()
}

func (u *update) sortedNums() []int64 {
	nums := make([]int64, 0, len(u.offsets))
	for n := range u.offsets {
		nums = append(nums, n)
	}
	sort.Slice(nums, func(i, j int) bool { return nums[i] < nums[j] })
	return nums
}

// subsections groups sorted object numbers into runs of consecutive numbers.
func subsections(nums []int64) [][2]int64 {
	var out [][2]int64
	for i := 0; i < len(nums); {
		j := i
		for j+1 < len(nums) && nums[j+1] == nums[j]+1 {
			j++
		}
		out = append(out, [2]int64{nums[i], int64(j - i + 1)})
		i = j + 1
	}
	return out
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
	t.set("Prev", u.ch.prevXref)
	return t
}

func (u *update) writeXrefTable() {
	nums := u.sortedNums()
	u.buf.WriteString("xref\n")
	for _, sub := range subsections(nums) {
		fmt.Fprintf(&u.buf, "%d %d\n", sub[0], sub[1])
		for n := sub[0]; n < sub[0]+sub[1]; n++ {
			fmt.Fprintf(&u.buf, "%010d %05d n\r\n", u.ch.size+u.offsets[n], u.gens[n])
		}
	}
	u.buf.WriteString("trailer\n")
	writeObject(&u.buf, u.trailerDict())
	u.buf.WriteByte('\n')
}

// writeXrefStream writes an uncompressed xref stream; files that use xref
// streams must keep using them in their updates.
func (u *update) writeXrefStream(xrefOff int64) {
	self := u.alloc()
	u.offsets[self.num] = xrefOff
	u.gens[self.num] = 0
	nums := u.sortedNums()
	width := 4
	if u.ch.size+xrefOff > 0xFFFFFFFF {
		width = 8
	}
	var data []byte
	var index array
	for _, sub := range subsections(nums) {
		index = append(index, sub[0], sub[1])
		for n := sub[0]; n < sub[0]+sub[1]; n++ {
			data = append(data, 1)
			off := u.ch.size + u.offsets[n]
			for k := width - 1; k >= 0; k-- {
				data = append(data, byte(off>>(8*k)))
			}
			data = append(data, byte(u.gens[n]>>8), byte(u.gens[n]))
		}
	}
	t := u.trailerDict()
	t.set("Type", name("XRef"))
	t.set("Index", index)
	t.set("W", array{int64(1), int64(width), int64(2)})
	t.set("Length", int64(len(data)))
	// begin() would record the offset again; write the header by hand.
	fmt.Fprintf(&u.buf, "%d 0 obj\n", self.num)
	writeObject(&u.buf, t)
	u.buf.WriteString("\nstream\n")
	u.buf.Write(data)
	u.buf.WriteString("\nendstream\nendobj\n")
}
