package pades

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"

	"github.com/qesproject/qes/internal/errs"
)

// Decoding limits (issue 17). A few hundred bytes of deflate data can
// inflate to gigabytes, so no decode may run until the data stops: each is
// bounded before it starts by what the stream's own dictionary declares
// (see decodeBound), and all decodes of one document draw from one budget.
const (
	// decodeBudgetFactor and decodeBudgetFloor set a document's budget of
	// decoded bytes: decodeBudgetFactor times the file size, at least
	// decodeBudgetFloor. Only xref and object streams are decoded, and
	// these deflate a few times at most, so an honest file stays far below.
	decodeBudgetFactor = 8
	decodeBudgetFloor  = 16 << 20
	// maxDecoded caps one stream whatever its dictionary declares.
	maxDecoded = 256 << 20
	// maxObjStmMember is how many bytes one member of an object stream may
	// take on average: members are dictionaries and arrays, not streams.
	maxObjStmMember = 256 << 10
)

// errDecodeLimit marks a refusal for a decoding bound. Such a file is not
// damaged but hostile (or absurd): it is refused, never repaired, since
// rebuilding it would only decode the same data again.
var errDecodeLimit = errors.New("refused by a decoding bound")

func decodeLimitError(detail string) error {
	return &errs.Error{Kind: errs.InvalidRequest, Detail: "invalid PDF: " + detail, Err: errDecodeLimit}
}

// decodeBound is what a stream may decode to: at most n bytes, as its
// dictionary declares (why says how, for the error).
type decodeBound struct {
	n   int64
	why string
}

// satMul multiplies non-negative a and b, saturating at maxDecoded+1 so that
// declared sizes cannot overflow.
func satMul(a, b int64) int64 {
	if a <= 0 || b <= 0 {
		return 0
	}
	if a > (maxDecoded+1)/b {
		return maxDecoded + 1
	}
	return a * b
}

// streamData returns the decoded data of a stream, at most limit bytes (for
// tests and callers without a declared size).
func (d *document) streamData(st *stream, limit int64) ([]byte, error) {
	return d.decodeStream(st, "stream", decodeBound{n: limit, why: "the reader allows"})
}

// decodeStream returns the decoded data of a stream the reader must
// understand itself (xref and object streams). Only FlateDecode with PNG
// predictors is supported: that is what PDF writers use for these streams.
// The data may not exceed b, the stream's /DL, maxDecoded or what is left of
// the document's budget; inflating stops as soon as the smallest of these
// is passed, and every decoded byte is charged to the budget.
func (d *document) decodeStream(st *stream, what string, b decodeBound) ([]byte, error) {
	if st.length > d.size {
		return nil, fmt.Errorf("stream of %d bytes is larger than the file", st.length)
	}
	if b.n > maxDecoded {
		b = decodeBound{n: maxDecoded, why: fmt.Sprintf("qes decodes at most (its declared size is %d bytes or more)", b.n)}
	}
	if dl, ok := st.dict.get("DL").(int64); ok && dl >= 0 && dl < b.n {
		b = decodeBound{n: dl, why: "its /DL declares"}
	}
	limit, byBudget := b.n, false
	if left := d.budget - d.decoded; left < limit {
		limit, byBudget = max(left, 0), true
	}
	refuse := func() error {
		if d.limitErr == nil {
			if byBudget {
				d.limitErr = decodeLimitError(fmt.Sprintf("%s inflates past what is left of this document's budget: decoded stream data exceed this document's budget of %d bytes (%d times the file size, at least %d)", what, d.budget, decodeBudgetFactor, decodeBudgetFloor))
			} else {
				d.limitErr = decodeLimitError(fmt.Sprintf("%s inflates to more than the %d bytes %s", what, b.n, b.why))
			}
		}
		return d.limitErr
	}
	raw := make([]byte, st.length)
	if _, err := d.r.ReadAt(raw, st.offset); err != nil && !(err == io.EOF && st.length == 0) {
		return nil, fmt.Errorf("read stream: %w", err)
	}
	filters, params := streamFilters(st.dict)
	data := raw
	for i, f := range filters {
		switch f {
		case "FlateDecode", "Fl":
			var p *dict
			if i < len(params) {
				p = params[i]
			}
			// What this stage may inflate to: a PNG predictor adds one
			// byte per row, and an inner layer of a doubly compressed
			// stream may be a little larger than its content.
			stage := limit
			if i < len(filters)-1 {
				stage = limit + limit/64 + 1024
			} else if rowLen, ok := predictorRow(p); ok {
				stage = satMul((limit+rowLen-1)/rowLen, rowLen+1)
			}
			if left := d.budget - d.decoded; stage > left {
				stage, byBudget = max(left, 0), true
			}
			out, over, err := inflateBounded(data, stage)
			d.decoded += int64(len(out))
			if over {
				return nil, refuse()
			}
			if err != nil {
				return nil, err
			}
			if data, err = unpredict(out, p); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("unsupported filter /%s", f)
		}
	}
	if int64(len(data)) > limit {
		return nil, refuse()
	}
	return data, nil
}

func streamFilters(d *dict) ([]name, []*dict) {
	var fs []name
	var ps []*dict
	switch f := d.get("Filter").(type) {
	case name:
		fs = []name{f}
	case array:
		for _, e := range f {
			if n, ok := e.(name); ok {
				fs = append(fs, n)
			}
		}
	}
	switch p := d.get("DecodeParms").(type) {
	case *dict:
		ps = []*dict{p}
	case array:
		for _, e := range p {
			pd, _ := e.(*dict)
			ps = append(ps, pd)
		}
	}
	return fs, ps
}

// inflateBounded inflates data into a buffer of at most limit+1 bytes; over
// reports that the data go on past limit (out then holds what was read).
// The buffer starts small and doubles, so an honest stream whose dictionary
// overstates its size costs what it holds, not what it declares.
func inflateBounded(data []byte, limit int64) (out []byte, over bool, err error) {
	zr, err := zlib.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, false, fmt.Errorf("flate: %w", err)
	}
	defer zr.Close()
	capacity := min(limit+1, max(4*int64(len(data)), 4096))
	buf := make([]byte, 0, capacity)
	for {
		if int64(len(buf)) == capacity {
			if capacity > limit {
				return buf, true, nil
			}
			capacity = min(2*capacity, limit+1)
			buf = append(make([]byte, 0, capacity), buf...)
		}
		n, rerr := zr.Read(buf[len(buf):capacity])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > limit {
			return buf, true, nil // even if the data end here
		}
		if rerr == io.EOF {
			return buf, false, nil
		}
		if rerr != nil {
			// Many writers leave the checksum off or truncate; keep what
			// inflated.
			if rerr != io.ErrUnexpectedEOF && len(buf) == 0 {
				return nil, false, fmt.Errorf("flate: %w", rerr)
			}
			return buf, false, nil
		}
	}
}

// predictorRow returns the row length of a PNG predictor, if p sets one.
func predictorRow(p *dict) (int64, bool) {
	pred, _ := p.get("Predictor").(int64)
	if pred < 10 {
		return 0, false
	}
	rowLen, _, err := pngParams(p)
	return rowLen, err == nil
}

// pngParams reads a PNG predictor's Columns, Colors and BitsPerComponent
// (with the PDF defaults), bounds them, and returns the row length and the
// bytes per pixel in bytes.
func pngParams(p *dict) (rowLen, bpp int64, err error) {
	cols, ok := p.get("Columns").(int64)
	if !ok {
		cols = 1
	}
	colors, ok := p.get("Colors").(int64)
	if !ok {
		colors = 1
	}
	bpc, ok := p.get("BitsPerComponent").(int64)
	if !ok {
		bpc = 8
	}
	if cols < 1 || cols > 1<<20 || colors < 1 || colors > 32 || bpc < 1 || bpc > 16 {
		return 0, 0, fmt.Errorf("invalid predictor parameters")
	}
	return (cols*colors*bpc + 7) / 8, (colors*bpc + 7) / 8, nil
}

// unpredict reverses a PNG predictor (Predictor >= 10); TIFF predictor 2 is
// not used for xref streams and is refused.
func unpredict(data []byte, p *dict) ([]byte, error) {
	pred, _ := p.get("Predictor").(int64)
	if pred <= 1 {
		return data, nil
	}
	if pred < 10 {
		return nil, fmt.Errorf("unsupported predictor %d", pred)
	}
	row, pixel, err := pngParams(p)
	if err != nil {
		return nil, err
	}
	bpp, rowLen := int(pixel), int(row)
	out := make([]byte, 0, len(data))
	prev := make([]byte, rowLen)
	cur := make([]byte, rowLen)
	for i := 0; i+1 <= len(data); i += rowLen + 1 {
		end := i + 1 + rowLen
		if end > len(data) {
			break // a short final row is dropped, as readers do
		}
		ft := data[i]
		copy(cur, data[i+1:end])
		for j := 0; j < rowLen; j++ {
			var left, up, upLeft byte
			if j >= bpp {
				left = cur[j-bpp]
				upLeft = prev[j-bpp]
			}
			up = prev[j]
			switch ft {
			case 0:
			case 1:
				cur[j] += left
			case 2:
				cur[j] += up
			case 3:
				cur[j] += byte((int(left) + int(up)) / 2)
			case 4:
				cur[j] += paeth(left, up, upLeft)
			default:
				return nil, fmt.Errorf("invalid PNG predictor row type %d", ft)
			}
		}
		out = append(out, cur...)
		prev, cur = cur, prev
	}
	return out, nil
}

func paeth(a, b, c byte) byte {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := abs(p-int(a)), abs(p-int(b)), abs(p-int(c))
	switch {
	case pa <= pb && pa <= pc:
		return a
	case pb <= pc:
		return b
	}
	return c
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
