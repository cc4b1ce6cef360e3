package pades

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// document is a parsed view of an existing PDF: its cross-reference entries,
// newest trailer, and a cache of the few objects an update needs.
type document struct {
	r            io.ReaderAt
	size         int64
	entries      map[int64]xrefEntry
	trailer      *dict
	xrefIsStream bool
	startxref    int64
	objStms      map[int64]*objStm
	cache        map[int64]object
	resolving    map[int64]bool
	// shift is the number of bytes before "%PDF-"; r and size above are
	// already the file from the header on, as every reader counts offsets.
	shift int64
	// repaired is set when the cross-reference data was unusable and
	// entries come from scanning the file (see reconstruct.go): the next
	// update must then carry a complete cross-reference section.
	repaired bool
	// repairReason says why the table was not used, for logs and errors.
	repairReason any
	// budget is how many bytes all stream decodes of this document may
	// produce together (see decodeBudgetFactor), decoded how many they
	// have, and limitErr the first refusal for a decoding bound: it is
	// kept so that a caller that swallows the error cannot carry on.
	budget, decoded int64
	limitErr        error
}

type objStm struct {
	data    []byte
	offsets []int64 // offset of object i relative to data
	nums    []int64
}

// invalidPDF refuses a document qes cannot read: "invalid PDF: " and the
// reason, a catalogue message of its own, so that both are said in the
// reader's language.
func invalidPDF(reason msg.ID, args ...any) error {
	return errs.M(errs.InvalidRequest, msg.PAdESInvalidPDF, msg.Message{ID: reason, Args: args})
}

// pdfReason is what a refusal of the document says is wrong with it, as the
// argument of another message: the reason invalidPDF was given, else the
// plain detail.
func pdfReason(err error) any {
	if id, args, ok := errs.MessageOf(err); ok && id == msg.PAdESInvalidPDF && len(args) == 1 {
		return args[0]
	}
	return strings.TrimPrefix(errs.DetailOf(err), "invalid PDF: ")
}

// openDocument checks the header, reads the cross-reference chain and
// rejects encrypted documents.
func openDocument(r io.ReaderAt, size int64) (*document, error) {
	if size <= 0 {
		return nil, errs.M(errs.InvalidRequest, msg.PAdESEmptyPDF)
	}
	shift, err := findHeader(r, size)
	if err != nil {
		return nil, err
	}
	// From here on the document is the file from its header: offsets in
	// the cross-reference data, in startxref and in the update we append
	// are all counted from "%PDF-", as qpdf, pdf.js and poppler read them.
	if shift > 0 {
		r = io.NewSectionReader(r, shift, size-shift)
		size -= shift
	}
	d := &document{
		r: r, size: size, shift: shift,
		entries: map[int64]xrefEntry{}, objStms: map[int64]*objStm{},
		cache: map[int64]object{}, resolving: map[int64]bool{},
		budget: max(decodeBudgetFloor, decodeBudgetFactor*size),
	}
	if err := d.readXrefOrRepair(); err != nil {
		return nil, err
	}
	if d.trailer.get("Encrypt") != nil {
		return nil, errs.M(errs.InvalidRequest, msg.PAdESEncryptedPDF)
	}
	return d, nil
}

// readIndirectAt parses "num gen obj ... endobj" at off. wantNum < 0 accepts
// any object number.
func (d *document) readIndirectAt(off, wantNum int64) (object, error) {
	if off < 0 || off >= d.size {
		return nil, fmt.Errorf("offset %d is outside the file", off)
	}
	s := newScanner(d.r, d.size, off)
	num, ok1 := s.integer()
	gen, ok2 := s.integer()
	if !ok1 || !ok2 || !s.expectKeyword("obj") {
		return nil, fmt.Errorf("no \"obj\" header at offset %d", off)
	}
	if wantNum >= 0 && num != wantNum {
		return nil, fmt.Errorf("offset %d holds object %d, not %d", off, num, wantNum)
	}
	v, err := s.object(0)
	if err != nil {
		return nil, err
	}
	dct, isDict := v.(*dict)
	if !isDict {
		return v, nil
	}
	save := s.pos
	if !s.expectKeyword("stream") {
		s.pos = save
		return v, nil
	}
	// The keyword is followed by CRLF or LF (a lone CR is tolerated).
	if c, ok := s.peek(); ok && c == '\r' {
		s.pos++
	}
	if c, ok := s.peek(); ok && c == '\n' {
		s.pos++
	}
	dataStart := s.pos
	length, err := d.streamLength(dct)
	if err != nil {
		return nil, err
	}
	if length < 0 || dataStart+length > d.size {
		return nil, fmt.Errorf("stream at offset %d runs past the end of the file", off)
	}
	return &stream{dict: dct, offset: dataStart, length: length, num: num, gen: gen}, nil
}

func (d *document) streamLength(dct *dict) (int64, error) {
	switch l := dct.get("Length").(type) {
	case int64:
		return l, nil
	case ref:
		v, err := d.resolve(l)
		if err != nil {
			return 0, err
		}
		if n, ok := v.(int64); ok {
			return n, nil
		}
	}
	return 0, fmt.Errorf("stream has no valid /Length")
}

// resolve follows a reference (or returns o itself if it is not one).
func (d *document) resolve(o object) (object, error) {
	r, ok := o.(ref)
	if !ok {
		return o, nil
	}
	if v, ok := d.cache[r.num]; ok {
		return v, nil
	}
	if d.resolving[r.num] {
		return nil, invalidPDF(msg.PAdESPDFObjectLoop, r.num)
	}
	d.resolving[r.num] = true
	defer delete(d.resolving, r.num)
	e, ok := d.entries[r.num]
	if !ok || e.free {
		return nil, nil // a missing object is null
	}
	var v object
	var err error
	if e.inStream {
		v, err = d.objectFromStream(r.num, e)
	} else {
		v, err = d.readIndirectAt(e.offset, r.num)
	}
	if err != nil {
		if errors.Is(err, errDecodeLimit) {
			return nil, err // already names the stream and the bound
		}
		if d.repaired {
			return nil, invalidPDF(msg.PAdESPDFObjectDamaged, r.num, d.repairReason, err)
		}
		return nil, invalidPDF(msg.PAdESPDFObjectUnreadable, r.num, err)
	}
	d.cache[r.num] = v
	return v, nil
}

// resolveDict resolves o and returns it as a dictionary, or nil.
func (d *document) resolveDict(o object) (*dict, error) { return resolveDictWith(d.resolve, o) }

func (d *document) resolveArray(o object) (array, error) { return resolveArrayWith(d.resolve, o) }

// resolveDictWith resolves o with resolve (the document's objects, or an
// editor's overlay over them) and returns it as a dictionary (a stream's
// own dictionary), or nil when it is neither.
func resolveDictWith(resolve func(object) (object, error), o object) (*dict, error) {
	v, err := resolve(o)
	if err != nil {
		return nil, err
	}
	switch t := v.(type) {
	case *dict:
		return t, nil
	case *stream:
		return t.dict, nil
	}
	return nil, nil
}

// resolveArrayWith resolves o with resolve and returns it as an array, or nil.
func resolveArrayWith(resolve func(object) (object, error), o object) (array, error) {
	v, err := resolve(o)
	if err != nil {
		return nil, err
	}
	a, _ := v.(array)
	return a, nil
}

func (d *document) objectFromStream(num int64, e xrefEntry) (object, error) {
	ost, err := d.loadObjStm(e.streamNum)
	if err != nil {
		return nil, err
	}
	if e.index < 0 || e.index >= int64(len(ost.offsets)) {
		return nil, fmt.Errorf("object stream %d has no index %d", e.streamNum, e.index)
	}
	if ost.nums[e.index] != num {
		return nil, fmt.Errorf("object stream %d holds object %d at index %d, not %d", e.streamNum, ost.nums[e.index], e.index, num)
	}
	s := newScanner(bytes.NewReader(ost.data), int64(len(ost.data)), ost.offsets[e.index])
	return s.object(0)
}

func (d *document) loadObjStm(num int64) (*objStm, error) {
	if ost, ok := d.objStms[num]; ok {
		return ost, nil
	}
	e, ok := d.entries[num]
	if !ok || e.free || e.inStream {
		return nil, fmt.Errorf("object stream %d is not in the file", num)
	}
	v, err := d.readIndirectAt(e.offset, num)
	if err != nil {
		return nil, err
	}
	st, ok := v.(*stream)
	if !ok || st.dict.get("Type") != name("ObjStm") {
		return nil, fmt.Errorf("object %d is not an object stream", num)
	}
	n, ok1 := st.dict.get("N").(int64)
	first, ok2 := st.dict.get("First").(int64)
	if !ok1 || !ok2 || n < 0 || first < 0 {
		return nil, fmt.Errorf("object stream %d lacks /N or /First", num)
	}
	// The header takes /First bytes and each of the /N members at most
	// maxObjStmMember on average.
	data, err := d.decodeStream(st, fmt.Sprintf("object stream %d %d", num, st.gen), decodeBound{
		n:   min(first, maxDecoded+1) + satMul(n, maxObjStmMember),
		why: fmt.Sprintf("its /N %d and /First %d allow (%d bytes a member)", n, first, maxObjStmMember),
	})
	if err != nil {
		return nil, err
	}
	if first > int64(len(data)) || n > int64(len(data))/2+1 {
		return nil, fmt.Errorf("object stream %d is shorter than its header says", num)
	}
	ost := &objStm{data: data}
	s := newScanner(bytes.NewReader(data[:first]), first, 0)
	for i := int64(0); i < n; i++ {
		objNum, ok1 := s.integer()
		off, ok2 := s.integer()
		if !ok1 || !ok2 || first+off > int64(len(data)) {
			return nil, fmt.Errorf("object stream %d has a malformed header", num)
		}
		ost.nums = append(ost.nums, objNum)
		ost.offsets = append(ost.offsets, first+off)
	}
	d.objStms[num] = ost
	return ost, nil
}

// catalog returns the document catalog and its reference.
func (d *document) catalog() (*dict, ref, error) {
	root := d.trailer.get("Root").(ref)
	cat, err := d.resolveDict(root)
	if err != nil {
		return nil, root, err
	}
	if cat == nil {
		return nil, root, invalidPDF(msg.PAdESPDFNoCatalog)
	}
	return cat, root, nil
}

// nextObjectNumber is the first object number free for new objects.
func (d *document) nextObjectNumber() int64 {
	next, _ := d.trailer.get("Size").(int64)
	for num := range d.entries {
		if num >= next {
			next = num + 1
		}
	}
	if next < 1 {
		next = 1
	}
	return next
}
