package verify

// A PDF object reader of this package's own (not pades's, which wrote what
// is read here): objects, cross-reference tables and streams (/W, /Index,
// /Prev chains, hybrid /XRefStm), object streams, FlateDecode with PNG and
// TIFF predictors. PDFs from other tools keep the catalog, the AcroForm and
// the DSS in object streams behind cross-reference streams and compress the
// DSS's streams: without this reader their revocation values would not be
// found. Everything a crafted file can multiply is bounded: nesting depth,
// /Prev chain length, objects per object stream, bytes decompressed per
// stream (size and ratio) and in all. A bound crossed is an error the
// caller reports as "not valid", never a panic.

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

const (
	maxPDFDepth      = 32       // nesting of arrays and dictionaries
	maxPDFXrefChain  = 64       // cross-reference sections followed through /Prev and /XRefStm
	maxPDFObjStm     = 100000   // objects in one object stream
	maxPDFObjNum     = 10000000 // object numbers read from a cross-reference stream
	maxPDFInflate    = 16 << 20 // bytes one stream decompresses to
	maxPDFInflateAll = MaxInput // bytes all the streams of one check decompress to
	maxPDFRatio      = 200      // decompressed / compressed bytes, past a 1 MiB floor
	maxPDFRefChain   = 16       // references followed to reach a value
	maxPDFRevisions  = 64       // revisions read
	maxPDFXrefItems  = 2000000  // cross-reference entries read in all
	maxPDFDSSValues  = 1000     // certificates, OCSP responses or CRLs in a DSS
)

// ErrPDFStructure: the PDF's objects could not be read within the bounds.
var ErrPDFStructure = errors.New("PDF structure")

func pdfErr(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrPDFStructure, fmt.Sprintf(format, a...))
}

// pdfBoundError is a bound crossed: never passed over, unlike a damaged
// older cross-reference section.
type pdfBoundError struct{ msg string }

func (e pdfBoundError) Error() string        { return ErrPDFStructure.Error() + ": " + e.msg }
func (e pdfBoundError) Is(target error) bool { return target == ErrPDFStructure }

func pdfBound(format string, a ...any) error { return pdfBoundError{fmt.Sprintf(format, a...)} }

type (
	pdfName   string
	pdfString []byte
	pdfArray  []any
	pdfDict   map[pdfName]any
	pdfRef    struct{ num, gen int }
	pdfStream struct {
		dict pdfDict
		raw  []byte // the bytes between stream and endstream, still filtered
	}
)

// pdfLexer reads PDF tokens and objects from b.
type pdfLexer struct {
	b   []byte
	pos int
}

func isPDFSpace(c byte) bool {
	return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' '
}

func isPDFDelim(c byte) bool {
	return bytes.IndexByte([]byte("()<>[]{}/%"), c) >= 0
}

func (l *pdfLexer) skipSpace() {
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		if isPDFSpace(c) {
			l.pos++
		} else if c == '%' {
			for l.pos < len(l.b) && l.b[l.pos] != '\n' && l.b[l.pos] != '\r' {
				l.pos++
			}
		} else {
			return
		}
	}
}

// regular reads a run of regular characters (a number or keyword).
func (l *pdfLexer) regular() []byte {
	start := l.pos
	for l.pos < len(l.b) && !isPDFSpace(l.b[l.pos]) && !isPDFDelim(l.b[l.pos]) {
		l.pos++
	}
	return l.b[start:l.pos]
}

// keyword reads the next keyword or number without consuming on mismatch.
func (l *pdfLexer) peekRegular() []byte {
	save := l.pos
	l.skipSpace()
	w := l.regular()
	l.pos = save
	return w
}

// object reads one direct object; "N G R" is a reference.
func (l *pdfLexer) object(depth int) (any, error) {
	if depth > maxPDFDepth {
		return nil, pdfErr("objects nested more than %d deep", maxPDFDepth)
	}
	l.skipSpace()
	if l.pos >= len(l.b) {
		return nil, pdfErr("unexpected end of data")
	}
	switch c := l.b[l.pos]; c {
	case '/':
		l.pos++
		return pdfName(l.name()), nil
	case '(':
		return l.literal()
	case '<':
		if l.pos+1 < len(l.b) && l.b[l.pos+1] == '<' {
			l.pos += 2
			return l.dict(depth)
		}
		return l.hexString()
	case '[':
		l.pos++
		var a pdfArray
		for {
			l.skipSpace()
			if l.pos >= len(l.b) {
				return nil, pdfErr("unterminated array")
			}
			if l.b[l.pos] == ']' {
				l.pos++
				return a, nil
			}
			o, err := l.object(depth + 1)
			if err != nil {
				return nil, err
			}
			a = append(a, o)
		}
	case ')', '>', ']', '{', '}':
		return nil, pdfErr("unexpected %q at %d", c, l.pos)
	}
	w := l.regular()
	switch string(w) {
	case "":
		return nil, pdfErr("unexpected %q at %d", l.b[l.pos], l.pos)
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "null":
		return nil, nil
	}
	if n, err := strconv.ParseInt(string(w), 10, 64); err == nil {
		// "N G R"?
		save := l.pos
		l.skipSpace()
		g := l.regular()
		if gen, err := strconv.Atoi(string(g)); err == nil && len(g) > 0 && g[0] != '+' && g[0] != '-' {
			l.skipSpace()
			if r := l.regular(); string(r) == "R" && n >= 0 && n <= maxPDFObjNum && gen >= 0 && gen <= 65535 {
				return pdfRef{int(n), gen}, nil
			}
		}
		l.pos = save
		return n, nil
	}
	if f, err := strconv.ParseFloat(string(w), 64); err == nil {
		return f, nil
	}
	return pdfKeyword(w), nil
}

// pdfKeyword is a bare word in an object's place (obj, endobj, stream...).
type pdfKeyword string

func (l *pdfLexer) name() string {
	var out []byte
	for l.pos < len(l.b) && !isPDFSpace(l.b[l.pos]) && !isPDFDelim(l.b[l.pos]) {
		c := l.b[l.pos]
		if c == '#' && l.pos+2 < len(l.b) {
			if v, err := strconv.ParseUint(string(l.b[l.pos+1:l.pos+3]), 16, 8); err == nil {
				out = append(out, byte(v))
				l.pos += 3
				continue
			}
		}
		out = append(out, c)
		l.pos++
	}
	return string(out)
}

func (l *pdfLexer) literal() (any, error) {
	l.pos++ // (
	var out []byte
	nest := 1
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		l.pos++
		switch c {
		case '(':
			nest++
		case ')':
			nest--
			if nest == 0 {
				return pdfString(out), nil
			}
		case '\\':
			if l.pos >= len(l.b) {
				continue
			}
			e := l.b[l.pos]
			l.pos++
			switch e {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				if l.pos < len(l.b) && l.b[l.pos] == '\n' {
					l.pos++
				}
				continue
			case '\n':
				continue
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for i := 0; i < 2 && l.pos < len(l.b) && l.b[l.pos] >= '0' && l.b[l.pos] <= '7'; i++ {
						v = v*8 + int(l.b[l.pos]-'0')
						l.pos++
					}
					c = byte(v)
				} else {
					c = e
				}
			}
		}
		out = append(out, c)
	}
	return nil, pdfErr("unterminated string")
}

func (l *pdfLexer) hexString() (any, error) {
	l.pos++ // <
	var out []byte
	hi := -1
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		l.pos++
		var v int
		switch {
		case c == '>':
			if hi >= 0 {
				out = append(out, byte(hi<<4))
			}
			return pdfString(out), nil
		case isPDFSpace(c):
			continue
		case c >= '0' && c <= '9':
			v = int(c - '0')
		case c >= 'a' && c <= 'f':
			v = int(c-'a') + 10
		case c >= 'A' && c <= 'F':
			v = int(c-'A') + 10
		default:
			return nil, pdfErr("bad hex string")
		}
		if hi < 0 {
			hi = v
		} else {
			out = append(out, byte(hi<<4|v))
			hi = -1
		}
	}
	return nil, pdfErr("unterminated hex string")
}

func (l *pdfLexer) dict(depth int) (any, error) {
	d := pdfDict{}
	for {
		l.skipSpace()
		if l.pos+1 < len(l.b) && l.b[l.pos] == '>' && l.b[l.pos+1] == '>' {
			l.pos += 2
			return d, nil
		}
		if l.pos >= len(l.b) || l.b[l.pos] != '/' {
			return nil, pdfErr("dictionary key expected at %d", l.pos)
		}
		l.pos++
		k := pdfName(l.name())
		v, err := l.object(depth + 1)
		if err != nil {
			return nil, err
		}
		if _, kw := v.(pdfKeyword); kw {
			return nil, pdfErr("keyword as a dictionary value at %d", l.pos)
		}
		d[k] = v
	}
}

// pdfXref is where an object is: in the file at off, or the idx-th object of
// object stream stm.
type pdfXref struct {
	inStm bool
	free  bool
	gen   uint16
	off   int32 // file offset, or the object stream's number
	idx   int32
}

// pdfSection is one cross-reference section (a table with its trailer, or
// a stream) and, for a hybrid file's table, the /XRefStm stream beside it.
type pdfSection struct {
	entries map[int]pdfXref
	trailer pdfDict
	end     int // the last byte read, so a shorter revision does not take it
	stm     *pdfSection
}

// entry looks num up in the section; a hybrid file's stream fills what
// its table leaves out or marks free (the objects only PDF 1.5 readers see).
func (s *pdfSection) entry(num int) (pdfXref, bool) {
	e, ok := s.entries[num]
	if (!ok || e.free) && s.stm != nil {
		if e2, ok2 := s.stm.entries[num]; ok2 && !e2.free {
			return e2, true
		}
	}
	return e, ok
}

// pdfBudget is what one check may spend on reading a PDF, whatever its
// revisions: bytes decompressed and cross-reference entries. It also keeps
// the sections read, which the revisions of one file share.
type pdfBudget struct {
	inflate  int
	entries  int
	sections map[int]*pdfSection
	failed   map[int]error        // sections that did not read, by offset
	stms     map[int32]*pdfObjStm // object streams by file offset
}

// pdfDoc is one revision of a PDF: the bytes up to its %%EOF, its
// cross-reference sections (newest first) and trailer, and the budget of
// the check.
type pdfDoc struct {
	b        []byte
	sections []*pdfSection
	trailer  pdfDict
	budget   *pdfBudget
	cache    map[int]any
	busy     map[int]bool
	cur      *pdfSection // the section being read
	shift    int         // bytes before %PDF- (a mail gateway's header lines)
}

// at adjusts a file offset for bytes before the header: offsets count from
// %PDF-, as readers take them, unless the object is where the offset says.
func (d *pdfDoc) at(off int) int {
	if d.shift == 0 || off < 0 || off+d.shift >= len(d.b) || d.looksLikeSection(off) {
		return off
	}
	if d.looksLikeSection(off + d.shift) {
		return off + d.shift
	}
	return off
}

// looksLikeSection says whether "N G obj" or "xref" starts at off.
func (d *pdfDoc) looksLikeSection(off int) bool {
	if off < 0 || off >= len(d.b) {
		return false
	}
	l := &pdfLexer{b: d.b, pos: off}
	l.skipSpace()
	if bytes.HasPrefix(d.b[l.pos:], []byte("xref")) {
		return true
	}
	if _, err := strconv.Atoi(string(l.regular())); err != nil {
		return false
	}
	l.skipSpace()
	if _, err := strconv.Atoi(string(l.regular())); err != nil {
		return false
	}
	l.skipSpace()
	return string(l.regular()) == "obj"
}

// entry is where object num of this revision is: the newest section
// that names it decides.
func (d *pdfDoc) entry(num int) (pdfXref, bool) {
	for _, s := range d.sections {
		if e, ok := s.entry(num); ok {
			return e, true
		}
	}
	return pdfXref{}, false
}

type pdfObjStm struct {
	data []byte
	offs map[int]int // object number -> offset in data
}

// newPDFBudget is the budget of one check.
func newPDFBudget() *pdfBudget {
	return &pdfBudget{inflate: maxPDFInflateAll, entries: maxPDFXrefItems, sections: map[int]*pdfSection{}, failed: map[int]error{}, stms: map[int32]*pdfObjStm{}}
}

// startxref finds the offset after the last "startxref" of b.
func startxref(b []byte) (int, error) {
	i := bytes.LastIndex(b, []byte("startxref"))
	if i < 0 {
		return 0, pdfErr("no startxref")
	}
	l := &pdfLexer{b: b, pos: i + len("startxref")}
	l.skipSpace()
	n, err := strconv.Atoi(string(l.regular()))
	if err != nil || n < 0 || n >= len(b) {
		return 0, pdfErr("startxref %q out of the file", b[i:min(len(b), i+30)])
	}
	return n, nil
}

// openPDF reads the revision ending at the end of b.
func openPDF(b []byte, budget *pdfBudget) (*pdfDoc, error) {
	d := &pdfDoc{b: b, budget: budget, cache: map[int]any{}, busy: map[int]bool{}}
	d.shift = max(0, bytes.Index(b[:min(len(b), 1024)], []byte("%PDF-")))
	off, err := startxref(b)
	if err != nil {
		return nil, err
	}
	seen := map[int]bool{}
	queue := []int{off}
	for len(queue) > 0 {
		off := queue[0]
		queue = queue[1:]
		if seen[off] {
			continue
		}
		if len(seen) >= maxPDFXrefChain {
			return nil, pdfBound("more than %d cross-reference sections", maxPDFXrefChain)
		}
		seen[off] = true
		sec, err := d.section(off)
		var bound pdfBoundError
		if err != nil && d.trailer != nil && !errors.As(err, &bound) {
			// An older section that does not read (damaged, where other
			// readers reconstruct) ends the chain: the newer sections
			// name what the revision holds.
			break
		}
		if err != nil {
			return nil, err
		}
		tr := sec.trailer
		if d.trailer == nil {
			d.trailer = tr
		}
		// A hybrid file's /XRefStm holds the objects its table leaves out:
		// it belongs to the table's revision.
		if x, ok := tr["XRefStm"].(int64); ok && x >= 0 && x < int64(len(b)) && sec.stm == nil && !seen[int(x)] {
			seen[int(x)] = true
			stm, err := d.section(int(x))
			if err != nil {
				return nil, err
			}
			if sec.entries != nil && stm.trailer["Type"] == pdfName("XRef") {
				sec.stm = stm
			}
		}
		d.sections = append(d.sections, sec)
		if p, ok := tr["Prev"].(int64); ok && p >= 0 && p < int64(len(b)) {
			queue = append(queue, int(p))
		}
	}
	if _, ok := d.trailer["Root"].(pdfRef); !ok {
		return nil, pdfErr("the trailer has no /Root")
	}
	return d, nil
}

// section reads the cross-reference section at off, or takes it from
// the sections another revision of the file read.
func (d *pdfDoc) section(off int) (*pdfSection, error) {
	if s, ok := d.budget.sections[off]; ok && s.end <= len(d.b) {
		return s, nil
	}
	if err, ok := d.budget.failed[off]; ok {
		return nil, err // read once: a bomb there is not decompressed again
	}
	s := &pdfSection{entries: map[int]pdfXref{}}
	d.cur = s
	defer func() { d.cur = nil }()
	var err error
	s.trailer, s.end, err = d.readXrefSection(off)
	if err != nil {
		d.budget.failed[off] = err
		return nil, err
	}
	d.budget.sections[off] = s
	return s, nil
}

// setXref records an entry unless the section already has one.
func (d *pdfDoc) setXref(num int, e pdfXref) error {
	if _, ok := d.cur.entries[num]; !ok {
		if d.budget.entries--; d.budget.entries < 0 {
			return pdfBound("more than %d cross-reference entries", maxPDFXrefItems)
		}
		d.cur.entries[num] = e
	}
	return nil
}

func (d *pdfDoc) readXrefSection(off int) (pdfDict, int, error) {
	off = d.at(off)
	l := &pdfLexer{b: d.b, pos: off}
	l.skipSpace()
	if bytes.HasPrefix(d.b[l.pos:], []byte("xref")) {
		l.pos += 4
		tr, err := d.readXrefTable(l)
		return tr, l.pos, err
	}
	num, o, err := d.indirectAt(off)
	if err != nil {
		return nil, 0, err
	}
	s, ok := o.(*pdfStream)
	if !ok || s.dict["Type"] != pdfName("XRef") {
		return nil, 0, pdfErr("object %d at %d is not a cross-reference stream", num, off)
	}
	// s.raw is a slice of d.b: where it ends is where the section ends.
	end := cap(d.b) - cap(s.raw) + len(s.raw)
	return s.dict, end, d.readXrefStream(s)
}

func (d *pdfDoc) readXrefTable(l *pdfLexer) (pdfDict, error) {
	for {
		l.skipSpace()
		if bytes.HasPrefix(d.b[l.pos:], []byte("trailer")) {
			l.pos += len("trailer")
			o, err := l.object(0)
			if err != nil {
				return nil, err
			}
			tr, ok := o.(pdfDict)
			if !ok {
				return nil, pdfErr("trailer is not a dictionary")
			}
			return tr, nil
		}
		start, err1 := strconv.Atoi(string(l.regular()))
		l.skipSpace()
		count, err2 := strconv.Atoi(string(l.regular()))
		if err1 != nil || err2 != nil || start < 0 || count < 0 || start > maxPDFObjNum || count > maxPDFObjNum || count*18 > len(d.b)-l.pos {
			return nil, pdfErr("bad cross-reference subsection at %d", l.pos)
		}
		for i := 0; i < count; i++ {
			l.skipSpace()
			o, err1 := strconv.Atoi(string(l.regular()))
			l.skipSpace()
			g, err2 := strconv.Atoi(string(l.regular()))
			l.skipSpace()
			k := string(l.regular())
			if err1 != nil || err2 != nil || (k != "n" && k != "f") {
				return nil, pdfErr("bad cross-reference entry at %d", l.pos)
			}
			if o < 0 || o > math.MaxInt32 || g < 0 || g > 65535 {
				return nil, pdfErr("bad cross-reference entry at %d", l.pos)
			}
			if err := d.setXref(start+i, pdfXref{off: int32(o), gen: uint16(g), free: k == "f"}); err != nil {
				return nil, err
			}
		}
	}
}

func (d *pdfDoc) readXrefStream(s *pdfStream) error {
	data, err := d.decode(s)
	if err != nil {
		return err
	}
	w, ok := s.dict["W"].(pdfArray)
	if !ok || len(w) != 3 {
		return pdfErr("cross-reference stream without /W [a b c]")
	}
	var ws [3]int
	for i, x := range w {
		n, ok := x.(int64)
		if !ok || n < 0 || n > 8 {
			return pdfErr("cross-reference stream /W %v", w)
		}
		ws[i] = int(n)
	}
	row := ws[0] + ws[1] + ws[2]
	if row == 0 {
		return pdfErr("cross-reference stream /W all zero")
	}
	size, _ := s.dict["Size"].(int64)
	index := pdfArray{int64(0), size}
	if ix, ok := s.dict["Index"].(pdfArray); ok {
		index = ix
	}
	if len(index)%2 != 0 {
		return pdfErr("cross-reference stream /Index of odd length")
	}
	// Fields wider than 4 bytes must still hold values that fit.
	field := func(b []byte) int64 {
		var v int64
		for _, c := range b {
			v = v<<8 | int64(c)
		}
		if v > math.MaxInt32 || v < 0 {
			return -1
		}
		return v
	}
	pos := 0
	for i := 0; i < len(index); i += 2 {
		start, ok1 := index[i].(int64)
		count, ok2 := index[i+1].(int64)
		if !ok1 || !ok2 || start < 0 || count < 0 || start > maxPDFObjNum || count > maxPDFObjNum {
			return pdfErr("cross-reference stream /Index %v", index)
		}
		for j := 0; j < int(count); j++ {
			if pos+row > len(data) {
				return pdfErr("cross-reference stream shorter than its /Index")
			}
			r := data[pos : pos+row]
			pos += row
			typ := int64(1)
			if ws[0] > 0 {
				typ = field(r[:ws[0]])
			}
			a, b := field(r[ws[0]:ws[0]+ws[1]]), field(r[ws[0]+ws[1]:])
			if a < 0 || b < 0 {
				return pdfErr("cross-reference stream entry out of range")
			}
			num := int(start) + j
			var err error
			switch typ {
			case 0:
				err = d.setXref(num, pdfXref{free: true})
			case 1:
				err = d.setXref(num, pdfXref{off: int32(a), gen: uint16(min(b, 65535))})
			case 2:
				err = d.setXref(num, pdfXref{inStm: true, off: int32(a), idx: int32(b)})
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// indirectAt reads "N G obj ... endobj" at off (a stream with its data).
func (d *pdfDoc) indirectAt(off int) (int, any, error) {
	off = d.at(off)
	if off < 0 || off >= len(d.b) {
		return 0, nil, pdfErr("object offset %d outside the file", off)
	}
	l := &pdfLexer{b: d.b, pos: off}
	l.skipSpace()
	num, err := strconv.Atoi(string(l.regular()))
	l.skipSpace()
	_, err2 := strconv.Atoi(string(l.regular()))
	l.skipSpace()
	if err != nil || err2 != nil || string(l.regular()) != "obj" {
		return 0, nil, pdfErr("no object at offset %d", off)
	}
	o, err := l.object(0)
	if err != nil {
		return num, nil, err
	}
	dict, ok := o.(pdfDict)
	if !ok || string(l.peekRegular()) != "stream" {
		return num, o, nil
	}
	l.skipSpace()
	l.pos += len("stream")
	if l.pos < len(d.b) && d.b[l.pos] == '\r' {
		l.pos++
	}
	if l.pos < len(d.b) && d.b[l.pos] == '\n' {
		l.pos++
	}
	start := l.pos
	n := -1
	switch v := dict["Length"].(type) {
	case int64:
		n = int(v)
	case pdfRef:
		// Resolved without the object cache's recursion guard on this
		// object: a /Length pointing back at its own stream is refused.
		if v.num != num {
			if x, err := d.resolve(v); err == nil {
				if i, ok := x.(int64); ok {
					n = int(i)
				}
			}
		}
	}
	if n < 0 || n > len(d.b)-start || !bytes.Contains(d.b[start+n:min(len(d.b), start+n+32)], []byte("endstream")) {
		// A wrong /Length: the data ends at the next endstream.
		e := bytes.Index(d.b[start:], []byte("endstream"))
		if e < 0 {
			return num, nil, pdfErr("stream of object %d without endstream", num)
		}
		n = e
		for n > 0 && (d.b[start+n-1] == '\n' || d.b[start+n-1] == '\r') {
			n--
		}
	}
	return num, &pdfStream{dict: dict, raw: d.b[start : start+n]}, nil
}

// object returns object num of this revision (nil if absent or free).
func (d *pdfDoc) object(num int) (any, error) {
	if o, ok := d.cache[num]; ok {
		return o, nil
	}
	e, ok := d.entry(num)
	if !ok || e.free {
		return nil, nil
	}
	if d.busy[num] {
		return nil, pdfErr("object %d refers to itself", num)
	}
	d.busy[num] = true
	defer delete(d.busy, num)
	var o any
	var err error
	if e.inStm {
		o, err = d.fromObjStm(int(e.off), num, int(e.idx))
	} else {
		var got int
		got, o, err = d.indirectAt(int(e.off))
		if err == nil && got != num {
			err = pdfErr("the cross-reference puts object %d at %d, which holds object %d", num, e.off, got)
		}
	}
	if err != nil {
		return nil, err
	}
	d.cache[num] = o
	return o, nil
}

func (d *pdfDoc) fromObjStm(stmNum, num, idx int) (any, error) {
	// An object stream is decoded once for all the revisions that share
	// it: its file offset names it.
	se, ok := d.entry(stmNum)
	if !ok || se.inStm || se.free {
		return nil, pdfErr("object %d is in object stream %d, which is not in the file", num, stmNum)
	}
	st, ok := d.budget.stms[se.off]
	if !ok {
		o, err := d.object(stmNum)
		if err != nil {
			return nil, err
		}
		s, ok := o.(*pdfStream)
		if !ok || s.dict["Type"] != pdfName("ObjStm") {
			return nil, pdfErr("object %d is not an object stream", stmNum)
		}
		n, _ := s.dict["N"].(int64)
		first, _ := s.dict["First"].(int64)
		if n < 0 || n > maxPDFObjStm || first < 0 {
			return nil, pdfErr("object stream %d: /N %d /First %d", stmNum, n, first)
		}
		data, err := d.decode(s)
		if err != nil {
			return nil, err
		}
		if int(first) > len(data) {
			return nil, pdfErr("object stream %d: /First past its data", stmNum)
		}
		st = &pdfObjStm{data: data[first:], offs: map[int]int{}}
		l := &pdfLexer{b: data[:first]}
		for i := 0; i < int(n); i++ {
			l.skipSpace()
			on, err1 := strconv.Atoi(string(l.regular()))
			l.skipSpace()
			oo, err2 := strconv.Atoi(string(l.regular()))
			if err1 != nil || err2 != nil || oo < 0 || oo >= len(st.data) {
				return nil, pdfErr("object stream %d: bad header entry %d", stmNum, i)
			}
			st.offs[on] = oo
		}
		d.budget.stms[se.off] = st
	}
	off, ok := st.offs[num]
	if !ok {
		return nil, pdfErr("object %d is not in object stream %d", num, stmNum)
	}
	l := &pdfLexer{b: st.data, pos: off}
	o, err := l.object(0)
	if err != nil {
		return nil, err
	}
	if _, kw := o.(pdfKeyword); kw {
		return nil, pdfErr("object %d in object stream %d is a keyword", num, stmNum)
	}
	return o, nil
}

// resolve follows references to a value (a direct value is returned as is).
func (d *pdfDoc) resolve(o any) (any, error) {
	for i := 0; i < maxPDFRefChain; i++ {
		r, ok := o.(pdfRef)
		if !ok {
			return o, nil
		}
		var err error
		if o, err = d.object(r.num); err != nil {
			return nil, err
		}
	}
	return nil, pdfErr("references chained more than %d deep", maxPDFRefChain)
}

// dictOf resolves o to a dictionary (a stream's dictionary too); nil if it
// is none.
func (d *pdfDoc) dictOf(o any) pdfDict {
	v, err := d.resolve(o)
	if err != nil {
		return nil
	}
	switch x := v.(type) {
	case pdfDict:
		return x
	case *pdfStream:
		return x.dict
	}
	return nil
}

func (d *pdfDoc) arrayOf(o any) pdfArray {
	v, _ := d.resolve(o)
	a, _ := v.(pdfArray)
	return a
}

func (d *pdfDoc) catalog() pdfDict { return d.dictOf(d.trailer["Root"]) }

// streamData decodes the stream o resolves to.
func (d *pdfDoc) streamData(o any) ([]byte, error) {
	v, err := d.resolve(o)
	if err != nil {
		return nil, err
	}
	s, ok := v.(*pdfStream)
	if !ok {
		return nil, pdfErr("not a stream")
	}
	return d.decode(s)
}

// decode applies a stream's filters: none, or FlateDecode (once or more)
// with its predictor. Other filters are not used by the streams read here.
func (d *pdfDoc) decode(s *pdfStream) ([]byte, error) {
	filters := pdfArray{}
	switch f := s.dict["Filter"].(type) {
	case nil:
	case pdfName:
		filters = pdfArray{f}
	case pdfArray:
		filters = f
	case pdfRef:
		return nil, pdfErr("an indirect /Filter")
	}
	parms := pdfArray{}
	switch p := s.dict["DecodeParms"].(type) {
	case pdfDict:
		parms = pdfArray{p}
	case pdfArray:
		parms = p
	}
	data := s.raw
	if len(filters) > 4 {
		return nil, pdfErr("more than 4 filters on one stream")
	}
	for i, f := range filters {
		if f != pdfName("FlateDecode") && f != pdfName("Fl") {
			return nil, pdfErr("filter %v is not read", f)
		}
		var err error
		if data, err = d.inflate(data); err != nil {
			return nil, err
		}
		if i < len(parms) {
			if p, ok := parms[i].(pdfDict); ok {
				if data, err = unpredict(data, p); err != nil {
					return nil, err
				}
			}
		}
	}
	return data, nil
}

// inflate decompresses zlib data within the per-stream and overall bounds.
func (d *pdfDoc) inflate(raw []byte) ([]byte, error) {
	if d.budget.inflate <= 0 {
		return nil, pdfBound("the streams decompress to more than %d bytes in all: refused as a decompression bomb", maxPDFInflateAll)
	}
	limit := min(maxPDFInflate, max(1<<20, maxPDFRatio*len(raw)), d.budget.inflate)
	zr, err := zlib.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, pdfErr("FlateDecode: %v", err)
	}
	// Read in chunks, joined only once the stream proved within its
	// limit: a bomb costs at most the limit (a growing buffer would cost
	// twice that, doubling past it for the one byte that proves the bomb).
	var chunks [][]byte
	total := 0
	for err == nil && total <= limit {
		chunk := make([]byte, min(max(4<<10, 4*len(raw), total/2), 1<<20, limit+1-total))
		var n int
		n, err = io.ReadFull(zr, chunk)
		chunks = append(chunks, chunk[:n])
		total += n
	}
	d.budget.inflate -= total
	if total > limit {
		return nil, pdfBound("a stream decompresses to more than %d bytes (%d compressed): refused as a decompression bomb", limit, len(raw))
	}
	// io.ErrUnexpectedEOF is a short last chunk, or a missing checksum or
	// truncated tail, common in the wild: what was decompressed is kept;
	// corrupt data is an error.
	if err != nil && err != io.EOF && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, pdfErr("FlateDecode: %v", err)
	}
	out := make([]byte, 0, total)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return out, nil
}

// unpredict undoes a PNG (10-15) or TIFF (2) predictor.
func unpredict(data []byte, p pdfDict) ([]byte, error) {
	pred, _ := p["Predictor"].(int64)
	if pred <= 1 {
		return data, nil
	}
	colors, bpc, columns := int64(1), int64(8), int64(1)
	if v, ok := p["Colors"].(int64); ok {
		colors = v
	}
	if v, ok := p["BitsPerComponent"].(int64); ok {
		bpc = v
	}
	if v, ok := p["Columns"].(int64); ok {
		columns = v
	}
	if colors < 1 || colors > 32 || (bpc != 1 && bpc != 2 && bpc != 4 && bpc != 8 && bpc != 16) || columns < 1 || columns > 1<<20 {
		return nil, pdfErr("predictor parameters %v", p)
	}
	bpp := int(max(1, colors*bpc/8))
	rowLen := int((colors*bpc*columns + 7) / 8)
	if pred == 2 {
		if bpc != 8 {
			return nil, pdfErr("TIFF predictor with %d bits per component is not read", bpc)
		}
		out := bytes.Clone(data)
		for r := 0; r+rowLen <= len(out); r += rowLen {
			for i := bpp; i < rowLen; i++ {
				out[r+i] += out[r+i-bpp]
			}
		}
		return out, nil
	}
	if pred < 10 || pred > 15 {
		return nil, pdfErr("predictor %d", pred)
	}
	out := make([]byte, 0, len(data))
	prev := make([]byte, rowLen)
	for r := 0; r < len(data); r += rowLen + 1 {
		if r+1 > len(data) {
			break
		}
		typ := data[r]
		row := make([]byte, rowLen)
		copy(row, data[r+1:min(len(data), r+1+rowLen)])
		for i := range row {
			var left, up, upLeft int
			if i >= bpp {
				left = int(row[i-bpp])
				upLeft = int(prev[i-bpp])
			}
			up = int(prev[i])
			switch typ {
			case 0:
			case 1:
				row[i] += byte(left)
			case 2:
				row[i] += byte(up)
			case 3:
				row[i] += byte((left + up) / 2)
			case 4:
				pa, pb, pc := abs(up-upLeft), abs(left-upLeft), abs(left+up-2*upLeft)
				switch {
				case pa <= pb && pa <= pc:
					row[i] += byte(left)
				case pb <= pc:
					row[i] += byte(up)
				default:
					row[i] += byte(upLeft)
				}
			default:
				return nil, pdfErr("PNG predictor row type %d", typ)
			}
		}
		out = append(out, row...)
		prev = row
	}
	return out, nil
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// pdfEqual compares two values as written: references by number, streams
// by dictionary and raw bytes.
func pdfEqual(a, b any, depth int) bool {
	if depth > maxPDFDepth {
		return false
	}
	switch x := a.(type) {
	case pdfDict:
		y, ok := b.(pdfDict)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !pdfEqual(v, w, depth+1) {
				return false
			}
		}
		return true
	case pdfArray:
		y, ok := b.(pdfArray)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !pdfEqual(x[i], y[i], depth+1) {
				return false
			}
		}
		return true
	case pdfString:
		y, ok := b.(pdfString)
		return ok && bytes.Equal(x, y)
	case *pdfStream:
		y, ok := b.(*pdfStream)
		return ok && bytes.Equal(x.raw, y.raw) && pdfEqual(x.dict, y.dict, depth+1)
	case float64:
		switch y := b.(type) {
		case float64:
			return x == y
		case int64:
			return x == float64(y)
		}
		return false
	case int64:
		switch y := b.(type) {
		case int64:
			return x == y
		case float64:
			return float64(x) == y
		}
		return false
	}
	return a == b
}

// pdfRevisionEnds lists the ends of the revisions of pdf (just past each
// %%EOF and its end of line), in order.
func pdfRevisionEnds(pdf []byte) []int {
	var ends []int
	for off := 0; ; {
		i := bytes.Index(pdf[off:], []byte("%%EOF"))
		if i < 0 {
			break
		}
		end := off + i + 5
		// One end of line belongs to the revision (a signature's
		// ByteRange ends after it); a blank line after is the next one's.
		if bytes.HasPrefix(pdf[end:], []byte("\r\n")) {
			end += 2
		} else if end < len(pdf) && (pdf[end] == '\r' || pdf[end] == '\n') {
			end++
		}
		ends = append(ends, end)
		off = end
		if len(ends) > 4*maxPDFRevisions {
			break
		}
	}
	return ends
}

// pdfRevisions opens revisions on demand, each once, under one budget.
type pdfRevisions struct {
	pdf    []byte
	budget *pdfBudget
	docs   map[int]*pdfDoc
	errs   map[int]error
}

func newPDFRevisions(pdf []byte) *pdfRevisions {
	return &pdfRevisions{pdf: pdf, budget: newPDFBudget(), docs: map[int]*pdfDoc{}, errs: map[int]error{}}
}

func (rv *pdfRevisions) at(end int) (*pdfDoc, error) {
	if d, ok := rv.docs[end]; ok {
		return d, nil
	}
	if err, ok := rv.errs[end]; ok {
		return nil, err
	}
	d, err := openPDF(rv.pdf[:end], rv.budget)
	if err != nil {
		rv.errs[end] = err
		return nil, err
	}
	rv.docs[end] = d
	return d, nil
}

// dssState is what a revision's DSS holds, to tell when a later revision
// adds to it.
func dssState(d *pdfDoc) string {
	cat := d.catalog()
	if cat == nil {
		return ""
	}
	dss := d.dictOf(cat["DSS"])
	if dss == nil {
		return ""
	}
	var b strings.Builder
	for _, k := range []pdfName{"Certs", "OCSPs", "CRLs", "VRI"} {
		fmt.Fprintf(&b, "%s=%v;", k, d.resolveOnce(dss[k]))
	}
	return b.String()
}

func (d *pdfDoc) resolveOnce(o any) any {
	v, err := d.resolve(o)
	if err != nil {
		return nil
	}
	if s, ok := v.(*pdfStream); ok {
		return s.dict
	}
	return v
}

// dssStreams returns the decoded streams of the final revision's DSS:
// certificates, OCSP responses and CRLs (each list bounded).
func dssStreams(d *pdfDoc) (certs, ocsps, crls [][]byte, err error) {
	cat := d.catalog()
	if cat == nil {
		return nil, nil, nil, nil
	}
	dss := d.dictOf(cat["DSS"])
	if dss == nil {
		return nil, nil, nil, nil
	}
	get := func(k pdfName) ([][]byte, error) {
		var out [][]byte
		arr := d.arrayOf(dss[k])
		if len(arr) > maxPDFDSSValues {
			return nil, pdfErr("the DSS's /%s has %d entries, more than %d", k, len(arr), maxPDFDSSValues)
		}
		for _, x := range arr {
			b, err := d.streamData(x)
			if err != nil {
				return nil, fmt.Errorf("the DSS's /%s: %w", k, err)
			}
			out = append(out, b)
		}
		return out, nil
	}
	if certs, err = get("Certs"); err != nil {
		return
	}
	if ocsps, err = get("OCSPs"); err != nil {
		return
	}
	crls, err = get("CRLs")
	return
}
