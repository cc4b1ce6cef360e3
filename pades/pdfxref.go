package pades

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/qesproject/qes/internal/msg"
)

// xrefEntry locates an object: in the file (inStream false) at offset, or as
// the index-th object of object stream streamNum. Free entries are recorded
// too so that a newer section freeing an object hides older ones.
type xrefEntry struct {
	free      bool
	inStream  bool
	offset    int64 // file offset, or object stream number
	gen       int64
	index     int64 // index inside the object stream
	streamNum int64
}

// maxXrefSections bounds the /Prev chain against loops and absurd files.
const maxXrefSections = 10000

// readXref walks the cross-reference chain from startxref and fills
// d.entries (newest definition wins) and d.trailer (the newest trailer).
func (d *document) readXref(start int64) error {
	seen := map[int64]bool{}
	off := start
	first := true
	for n := 0; ; n++ {
		if n > maxXrefSections {
			return invalidPDF(msg.PAdESPDFTooManyXrefSections)
		}
		if seen[off] {
			return invalidPDF(msg.PAdESPDFXrefLoop)
		}
		seen[off] = true
		trailer, isStream, table, err := d.readXrefSection(off)
		if err != nil {
			return err
		}
		if first {
			d.trailer = trailer
			d.xrefIsStream = isStream
			first = false
		}
		// A hybrid file's table points at a stream with the entries that
		// only PDF 1.5 readers see; they take precedence over the table's
		// own (usually free) entries for the same objects, and over /Prev.
		if xs, ok := trailer.get("XRefStm").(int64); ok && !isStream {
			if !seen[xs] {
				seen[xs] = true
				if _, _, _, err := d.readXrefSection(xs); err != nil {
					return err
				}
			}
		}
		for _, te := range table {
			d.setEntry(te.num, te.e)
		}
		prev, ok := trailer.get("Prev").(int64)
		if !ok {
			if _, isReal := trailer.get("Prev").(real); isReal {
				return invalidPDF(msg.PAdESPDFPrevNotInteger)
			}
			return nil
		}
		off = prev
	}
}

func (d *document) setEntry(num int64, e xrefEntry) {
	if _, ok := d.entries[num]; ok {
		return // a newer section already defined this object
	}
	d.entries[num] = e
}

// tableEntry is one entry of a classic table, applied after the hybrid
// /XRefStm of the same section.
type tableEntry struct {
	num int64
	e   xrefEntry
}

// readXrefSection reads a classic table (whose entries it returns rather
// than records) or an xref stream (whose entries it records) at off.
func (d *document) readXrefSection(off int64) (*dict, bool, []tableEntry, error) {
	if off < 0 || off >= d.size {
		return nil, false, nil, invalidPDF(msg.PAdESPDFXrefOutsideFile, off)
	}
	s := newScanner(d.r, d.size, off)
	if s.expectKeyword("xref") {
		t, entries, err := d.readXrefTable(s)
		return t, false, entries, err
	}
	s.pos = off
	obj, err := d.readIndirectAt(off, -1)
	if err != nil {
		return nil, false, nil, invalidPDF(msg.PAdESPDFNoXrefAt, off, err)
	}
	st, ok := obj.(*stream)
	if !ok || st.dict.get("Type") != name("XRef") {
		return nil, false, nil, invalidPDF(msg.PAdESPDFNotXrefStream, off)
	}
	if err := d.readXrefStream(st); err != nil {
		return nil, false, nil, err
	}
	return st.dict, true, nil, nil
}

func (d *document) readXrefTable(s *scanner) (*dict, []tableEntry, error) {
	var out []tableEntry
	for {
		s.skipSpace()
		save := s.pos
		if s.expectKeyword("trailer") {
			t, err := s.object(0)
			if err != nil {
				return nil, nil, invalidPDF(msg.PAdESPDFTrailerUnreadable, err.Error())
			}
			td, ok := t.(*dict)
			if !ok {
				return nil, nil, invalidPDF(msg.PAdESPDFTrailerNotDictionary)
			}
			return td, out, nil
		}
		s.pos = save
		first, ok1 := s.integer()
		count, ok2 := s.integer()
		if !ok1 || !ok2 {
			return nil, nil, invalidPDF(msg.PAdESPDFXrefTableMalformed, s.pos)
		}
		// Each entry takes at least 18 bytes, which bounds count by the file size.
		if count > (d.size-s.pos)/18+1 {
			return nil, nil, invalidPDF(msg.PAdESPDFXrefSubsectionTooLong)
		}
		for i := int64(0); i < count; i++ {
			off, ok1 := s.integer()
			gen, ok2 := s.integer()
			s.skipSpace()
			kind := s.keyword()
			if !ok1 || !ok2 || (kind != "n" && kind != "f") {
				return nil, nil, invalidPDF(msg.PAdESPDFXrefEntryMalformed, s.pos)
			}
			num := first + i
			if num == 0 && kind == "n" && off == 0 {
				continue // tolerated oddity: entry 0 written as in use
			}
			out = append(out, tableEntry{num, xrefEntry{free: kind == "f", offset: off, gen: gen}})
		}
	}
}

func (d *document) readXrefStream(st *stream) error {
	wArr, ok := st.dict.get("W").(array)
	if !ok || len(wArr) != 3 {
		return invalidPDF(msg.PAdESPDFXrefStreamW)
	}
	var w [3]int
	row := 0
	for i, v := range wArr {
		n, ok := v.(int64)
		if !ok || n < 0 || n > 8 {
			return invalidPDF(msg.PAdESPDFXrefStreamW)
		}
		w[i] = int(n)
		row += int(n)
	}
	if row == 0 {
		return invalidPDF(msg.PAdESPDFXrefStreamW)
	}
	size, _ := st.dict.get("Size").(int64)
	index := []int64{0, size}
	declared := fmt.Sprintf("its /Size %d and /W [%d %d %d] declare", size, w[0], w[1], w[2])
	if ia, ok := st.dict.get("Index").(array); ok {
		index = index[:0]
		for _, v := range ia {
			n, ok := v.(int64)
			if !ok || n < 0 {
				return invalidPDF(msg.PAdESPDFXrefStreamIndex)
			}
			index = append(index, n)
		}
		if len(index)%2 != 0 {
			return invalidPDF(msg.PAdESPDFXrefStreamIndex)
		}
		declared = fmt.Sprintf("its /Index and /W [%d %d %d] declare", w[0], w[1], w[2])
	}
	// The data hold one row of sum(/W) bytes per entry: no more may be
	// decoded (a bomb is refused after that many bytes, not 256 MiB).
	var rows int64
	for i := 1; i < len(index); i += 2 {
		rows = min(rows+index[i], maxDecoded+1)
	}
	data, err := d.decodeStream(st, fmt.Sprintf("xref stream %d %d", st.num, st.gen), decodeBound{n: satMul(rows, int64(row)), why: declared})
	if err != nil {
		if errors.Is(err, errDecodeLimit) {
			return err
		}
		return invalidPDF(msg.PAdESPDFXrefStreamUnreadable, err.Error())
	}
	p := 0
	for i := 0; i+1 < len(index); i += 2 {
		first, count := index[i], index[i+1]
		if count > int64(len(data)/row)+1 {
			return invalidPDF(msg.PAdESPDFXrefStreamShort)
		}
		for j := int64(0); j < count; j++ {
			if p+row > len(data) {
				return invalidPDF(msg.PAdESPDFXrefStreamShort)
			}
			f := [3]int64{1, 0, 0} // type defaults to 1 when its width is 0
			for k := 0; k < 3; k++ {
				if w[k] == 0 {
					continue
				}
				var v int64
				for _, b := range data[p : p+w[k]] {
					v = v<<8 | int64(b)
				}
				f[k] = v
				p += w[k]
			}
			num := first + j
			switch f[0] {
			case 0:
				d.setEntry(num, xrefEntry{free: true})
			case 1:
				d.setEntry(num, xrefEntry{offset: f[1], gen: f[2]})
			case 2:
				d.setEntry(num, xrefEntry{inStream: true, streamNum: f[1], index: f[2]})
			default:
				// Unknown types are to be treated as null references.
			}
		}
	}
	return nil
}

// findStartxref reads the offset after the last "startxref" in the file tail.
func findStartxref(r io.ReaderAt, size int64) (int64, error) {
	n := int64(2048)
	if n > size {
		n = size
	}
	tail := make([]byte, n)
	if _, err := r.ReadAt(tail, size-n); err != nil && err != io.EOF {
		return 0, err
	}
	i := bytes.LastIndex(tail, []byte("startxref"))
	if i < 0 {
		return 0, invalidPDF(msg.PAdESPDFNoStartxref)
	}
	rest := bytes.TrimLeft(tail[i+len("startxref"):], " \t\r\n\f\x00")
	j := 0
	for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
		j++
	}
	off, err := strconv.ParseInt(string(rest[:j]), 10, 64)
	if err != nil {
		return 0, invalidPDF(msg.PAdESPDFStartxrefNoOffset)
	}
	return off, nil
}
