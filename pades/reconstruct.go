package pades

import (
	"bytes"
	"errors"
	"io"
	"sort"
	"strconv"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// headerSearch is how far into the file "%PDF-" may start. Acrobat, pdf.js
// and qpdf all look within the first 1024 bytes; bytes before the header
// (mail gateways, some generators) are not part of the PDF and every offset
// in the file is counted from the header.
const headerSearch = 1024

// Limits of the reconstruction, so that no input makes it loop or allocate
// without bound: object numbers above maxObjectNumber (the PDF 1.7 Annex C
// implementation limit) are not taken as object headers, and a file with
// more than maxObjects distinct objects is refused.
const (
	maxObjectNumber = 8388607
	maxObjects      = 1 << 20
	// reconstructChunk is how much of the file the scan reads at a time.
	reconstructChunk = 1 << 20
	// maxTrailerLen bounds how far a "trailer" dictionary is parsed, and
	// maxTrailers how many candidates (the last ones) are kept.
	maxTrailerLen = 4096
	maxTrailers   = 64
)

// findHeader returns the offset of "%PDF-" within the first headerSearch
// bytes.
func findHeader(r io.ReaderAt, size int64) (int64, error) {
	if size <= 0 {
		return 0, errs.M(errs.InvalidRequest, msg.PAdESEmptyPDF)
	}
	head := make([]byte, min(size, headerSearch))
	if n, err := r.ReadAt(head, 0); n < len(head) && err != nil && err != io.EOF {
		return 0, errs.Internalf(err, "read PDF header")
	}
	i := bytes.Index(head, []byte("%PDF-"))
	if i < 0 {
		return 0, errs.M(errs.InvalidRequest, msg.PAdESNotPDF, headerSearch)
	}
	return int64(i), nil
}

// readXrefOrRepair reads the cross-reference chain from startxref and checks
// that it describes the file. If it does not (no startxref, a section that
// cannot be read, entries that point at the wrong place, no usable /Root),
// the object map is rebuilt by scanning the file, as viewers do.
func (d *document) readXrefOrRepair() error {
	err := d.readXrefChain()
	if err == nil {
		return nil
	}
	if errs.KindOf(err) != errs.InvalidRequest {
		return err
	}
	if errors.Is(err, errEncrypted) || errors.Is(err, errDecodeLimit) {
		return err
	}
	return d.reconstruct(pdfReason(err))
}

var errEncrypted = errs.M(errs.InvalidRequest, msg.PAdESEncryptedPDF)

func (d *document) readXrefChain() error {
	start, err := findStartxref(d.r, d.size)
	if err != nil {
		return err
	}
	d.startxref = start
	if err := d.readXref(start); err != nil {
		return err
	}
	if d.trailer.get("Encrypt") != nil {
		return errEncrypted
	}
	if _, ok := d.trailer.get("Root").(ref); !ok {
		return invalidPDF(msg.PAdESPDFNoRootReference)
	}
	if err := d.checkEntries(); err != nil {
		return err
	}
	if _, _, err := d.catalog(); err != nil {
		return err
	}
	return nil
}

// checkEntries verifies that every in-use entry points at the header of the
// object it names, and every compressed entry at an object stream entry, so
// that a table with shifted or stale offsets is repaired up front instead of
// failing (or reading the wrong object) later.
func (d *document) checkEntries() error {
	var buf [64]byte
	for num, e := range d.entries {
		if e.free {
			continue
		}
		if e.inStream {
			se, ok := d.entries[e.streamNum]
			if !ok || se.free || se.inStream {
				return invalidPDF(msg.PAdESPDFObjectStreamMissing, num, e.streamNum)
			}
			continue
		}
		if e.offset < 0 || e.offset >= d.size {
			return invalidPDF(msg.PAdESPDFObjectOffsetOutside, num, e.offset)
		}
		n, _ := d.r.ReadAt(buf[:], e.offset)
		gotNum, gotGen, ok := parseObjHeader(buf[:n])
		if !ok || gotNum != num || gotGen != e.gen {
			return invalidPDF(msg.PAdESPDFObjectNotAtOffset, num, e.offset)
		}
	}
	return nil
}

// parseObjHeader reads "num gen obj" at the start of b (leading white space
// allowed).
func parseObjHeader(b []byte) (num, gen int64, ok bool) {
	i := 0
	for i < len(b) && isWhite(b[i]) {
		i++
	}
	num, i, ok = digits(b, i)
	if !ok || i >= len(b) || !isWhite(b[i]) {
		return 0, 0, false
	}
	for i < len(b) && isWhite(b[i]) {
		i++
	}
	gen, i, ok = digits(b, i)
	if !ok || i >= len(b) || !isWhite(b[i]) {
		return 0, 0, false
	}
	for i < len(b) && isWhite(b[i]) {
		i++
	}
	if !bytes.HasPrefix(b[i:], []byte("obj")) {
		return 0, 0, false
	}
	if j := i + 3; j < len(b) && !isWhite(b[j]) && !isDelimiter(b[j]) {
		return 0, 0, false
	}
	return num, gen, true
}

// digits parses at most 10 decimal digits at b[i:].
func digits(b []byte, i int) (int64, int, bool) {
	start := i
	var v int64
	for i < len(b) && b[i] >= '0' && b[i] <= '9' && i-start < 10 {
		v = v*10 + int64(b[i]-'0')
		i++
	}
	return v, i, i > start
}

// found is one object header met by the scan.
type found struct {
	pos int64 // where the definition lies in the file; the latest wins
	gen int64
}

// reconstruct rebuilds d.entries and d.trailer by scanning the whole file
// for "num gen obj" headers (the latest definition of a number wins, as in
// an incremental update), adding the members of object streams, and taking
// /Root, /Info and /ID from the last trailer or xref stream whose /Root is a
// catalog, else from the last object of /Type /Catalog. Like pdf.js's
// XRef.indexObjects and qpdf's reconstruct_xref, it never trusts /Length:
// a stream's data is scanned too, and a header in it can only shadow an
// object defined earlier in the file.
func (d *document) reconstruct(reason any) error {
	objs, trailers, err := d.scanObjects()
	if err != nil {
		return err
	}
	d.entries = make(map[int64]xrefEntry, len(objs))
	d.objStms = map[int64]*objStm{}
	d.cache = map[int64]object{}
	d.resolving = map[int64]bool{}
	for num, f := range objs {
		d.entries[num] = xrefEntry{offset: f.pos, gen: f.gen}
	}

	// Classify the objects: xref streams stand for trailers, object streams
	// contribute their members, catalogs are candidates for /Root.
	nums := make([]int64, 0, len(objs))
	for num := range objs {
		nums = append(nums, num)
	}
	sort.Slice(nums, func(i, j int) bool { return objs[nums[i]].pos < objs[nums[j]].pos })
	var catalogs []int64
	compressed := map[int64]found{}
	s := newScanner(d.r, d.size, 0)
	for k, num := range nums {
		// An object ends where the next one starts: parsing no further
		// keeps the scan linear even when headers hide inside strings.
		end := d.size
		if k+1 < len(nums) {
			end = objs[nums[k+1]].pos
		}
		dct := d.objectDict(s, objs[num].pos, end)
		if dct == nil {
			continue
		}
		switch dct.get("Type") {
		case name("XRef"):
			trailers = append(trailers, trailerAt{pos: objs[num].pos, dict: dct})
		case name("Catalog"):
			catalogs = append(catalogs, num)
		case name("ObjStm"):
			// Object streams draw from the document's budget of decoded
			// bytes like every decode, so that many small compressed bombs
			// cannot make the scan run for minutes: past it, the file is
			// refused.
			ost, err := d.loadObjStm(num)
			if errors.Is(err, errDecodeLimit) {
				return err
			}
			if err != nil {
				continue // a damaged object stream contributes nothing
			}
			delete(d.objStms, num) // only its member list is needed now
			for i, m := range ost.nums {
				if m <= 0 || m > maxObjectNumber || m == num {
					continue
				}
				// A member stands where its object stream stands in the file.
				if f, ok := objs[m]; ok && f.pos > objs[num].pos {
					continue
				}
				if c, ok := compressed[m]; ok && c.pos > objs[num].pos {
					continue
				}
				compressed[m] = found{pos: objs[num].pos}
				d.entries[m] = xrefEntry{inStream: true, streamNum: num, index: int64(i)}
			}
		}
	}
	if len(d.entries) > maxObjects {
		return invalidPDF(msg.PAdESPDFRepairTooManyObjects, reason, maxObjects)
	}
	d.objStms = map[int64]*objStm{}
	d.cache = map[int64]object{}
	sort.SliceStable(trailers, func(i, j int) bool { return trailers[i].pos < trailers[j].pos })
	for _, t := range trailers {
		if t.dict.get("Encrypt") != nil {
			return errEncrypted
		}
	}

	isCatalog := func(o object) bool {
		r, ok := o.(ref)
		if !ok {
			return false
		}
		// As pdf.js does, a candidate counts only if its page tree root is
		// a dictionary: a stale or stray catalog is worse than none.
		c, err := d.resolveDict(r)
		if err != nil || c == nil {
			return false
		}
		pages, err := d.resolveDict(c.get("Pages"))
		return err == nil && pages != nil
	}
	tr := newDict()
	for i := len(trailers) - 1; i >= 0; i-- {
		if t := trailers[i].dict; isCatalog(t.get("Root")) {
			tr.set("Root", t.get("Root"))
			if info, ok := t.get("Info").(ref); ok {
				if v, err := d.resolveDict(info); err == nil && v != nil {
					tr.set("Info", info)
				}
			}
			if id, ok := t.get("ID").(array); ok {
				tr.set("ID", id)
			}
			break
		}
	}
	if tr.get("Root") == nil {
		for i := len(catalogs) - 1; i >= 0; i-- {
			r := ref{num: catalogs[i], gen: d.entries[catalogs[i]].gen}
			if isCatalog(r) {
				tr.set("Root", r)
				break
			}
		}
	}
	if d.limitErr != nil {
		return d.limitErr // a candidate's object stream was too much to decode
	}
	if tr.get("Root") == nil {
		return invalidPDF(msg.PAdESPDFRepairNoCatalog, reason)
	}
	var size int64
	for num := range d.entries {
		size = max(size, num+1)
	}
	tr.set("Size", size)
	d.trailer = tr
	d.xrefIsStream = len(compressed) > 0
	for _, t := range trailers {
		if t.dict.get("Type") == name("XRef") {
			d.xrefIsStream = true
		}
	}
	d.repaired = true
	d.repairReason = reason
	d.startxref = 0
	return nil
}

type trailerAt struct {
	pos  int64
	dict *dict
}

// objectDict parses the dictionary of the object whose header is at pos,
// or returns nil; it reads no byte at or after end.
func (d *document) objectDict(s *scanner, pos, end int64) *dict {
	s.pos = pos
	s.size = end
	if _, ok := s.integer(); !ok {
		return nil
	}
	if _, ok := s.integer(); !ok {
		return nil
	}
	if !s.expectKeyword("obj") {
		return nil
	}
	v, err := s.object(0)
	if err != nil {
		return nil
	}
	dct, _ := v.(*dict)
	return dct
}

// scanObjects reads the file in chunks and records every "num gen obj"
// header that starts a line or follows white space or a delimiter, and the
// dictionary after every "trailer" keyword. Each chunk is read with some
// bytes of the neighbouring chunks so a header across a boundary is seen
// whole, and taken only by the chunk it starts in.
func (d *document) scanObjects() (map[int64]found, []trailerAt, error) {
	objs := map[int64]found{}
	var trailers []trailerAt
	encrypted := false
	const overlap = 64 // longer than any header "num gen obj" we accept
	buf := make([]byte, reconstructChunk+2*overlap)
	ts := newScanner(d.r, d.size, 0)
	for base := int64(0); base < d.size; base += reconstructChunk {
		rs := max(0, base-overlap)
		n, err := d.r.ReadAt(buf[:min(int64(len(buf)), d.size-rs)], rs)
		if n == 0 && err != nil && err != io.EOF {
			return nil, nil, errs.Internalf(err, "read PDF")
		}
		chunk := buf[:n]
		lo, hi := int(base-rs), int(base-rs)+reconstructChunk // this chunk's own part
		for i := lo; ; {
			j := bytes.Index(chunk[i:], []byte("obj"))
			if j < 0 {
				break
			}
			at := i + j
			i = at + 3
			start, num, gen, ok := headerBefore(chunk, at, rs == 0)
			if !ok || start < lo {
				continue
			}
			if start >= hi {
				break
			}
			if num <= 0 || num > maxObjectNumber || gen > 65535 {
				continue
			}
			objs[num] = found{pos: rs + int64(start), gen: gen}
			if len(objs) > maxObjects {
				return nil, nil, invalidPDF(msg.PAdESPDFTooManyObjects, maxObjects)
			}
		}
		for i := lo; i < min(hi, len(chunk)); {
			j := bytes.Index(chunk[i:], []byte("trailer"))
			if j < 0 || i+j >= hi {
				break
			}
			at := i + j
			i = at + 7
			// A trailer dictionary is small and ends before the next
			// "trailer": bounding the parse keeps the scan linear.
			end := rs + int64(at) + maxTrailerLen
			if k := bytes.Index(chunk[i:], []byte("trailer")); k >= 0 {
				end = min(end, rs+int64(i+k))
			}
			ts.pos, ts.size = rs+int64(i), min(d.size, end)
			v, err := ts.object(0)
			t, ok := v.(*dict)
			if err != nil || !ok {
				continue
			}
			if t.get("Encrypt") != nil {
				encrypted = true
			}
			if t.get("Root") == nil {
				continue
			}
			// Only the last trailers matter; keeping a few bounds memory.
			if len(trailers) == maxTrailers {
				trailers = append(trailers[:0], trailers[1:]...)
			}
			trailers = append(trailers, trailerAt{pos: rs + int64(at), dict: t})
		}
	}
	if encrypted {
		return nil, nil, errEncrypted
	}
	return objs, trailers, nil
}

// headerBefore checks that "obj" at chunk[at:] closes a "num gen obj"
// header: a keyword on its own, preceded by two integers and white space,
// the first integer starting the data or following white space or a
// delimiter.
// atFileStart says chunk[0] is the first byte of the file, so a header may
// start there.
func headerBefore(chunk []byte, at int, atFileStart bool) (start int, num, gen int64, ok bool) {
	if e := at + 3; e < len(chunk) && !isWhite(chunk[e]) && !isDelimiter(chunk[e]) {
		return 0, 0, 0, false
	}
	i := at
	back := func() (int64, bool) {
		// white space, then up to 10 digits
		ws := i
		for i > 0 && isWhite(chunk[i-1]) && ws-i < 32 {
			i--
		}
		if i == ws {
			return 0, false
		}
		end := i
		for i > 0 && chunk[i-1] >= '0' && chunk[i-1] <= '9' && end-i < 10 {
			i--
		}
		if i == end {
			return 0, false
		}
		v, err := strconv.ParseInt(string(chunk[i:end]), 10, 64)
		return v, err == nil
	}
	gen, ok = back()
	if !ok {
		return 0, 0, 0, false
	}
	num, ok = back()
	if !ok {
		return 0, 0, 0, false
	}
	if i == 0 && !atFileStart {
		return 0, 0, 0, false
	}
	if i > 0 && !isWhite(chunk[i-1]) && !isDelimiter(chunk[i-1]) {
		return 0, 0, 0, false
	}
	return i, num, gen, true
}
