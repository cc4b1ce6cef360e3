package pades

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
)

// streamData returns the decoded data of a stream the reader must understand
// itself (xref and object streams). Only FlateDecode with PNG predictors is
// supported: that is what PDF writers use for these streams.
func (d *document) streamData(st *stream, limit int64) ([]byte, error) {
	if st.length > limit {
		return nil, fmt.Errorf("stream of %d bytes is too large", st.length)
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
			out, err := inflate(data, limit)
			if err != nil {
				return nil, err
			}
			var p *dict
			if i < len(params) {
				p = params[i]
			}
			if data, err = unpredict(out, p); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("unsupported filter /%s", f)
		}
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

func inflate(data []byte, limit int64) ([]byte, error) {
	zr, err := zlib.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("flate: %w", err)
	}
	defer zr.Close()
	var out bytes.Buffer
	n, err := io.Copy(&out, io.LimitReader(zr, limit+1))
	// Many writers leave the checksum off or truncate; keep what inflated.
	if err != nil && err != io.ErrUnexpectedEOF && out.Len() == 0 {
		return nil, fmt.Errorf("flate: %w", err)
	}
	if n > limit {
		return nil, fmt.Errorf("stream inflates to more than %d bytes", limit)
	}
	return out.Bytes(), nil
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
		return nil, fmt.Errorf("invalid predictor parameters")
	}
	bpp := int((colors*bpc + 7) / 8)
	rowLen := int((cols*colors*bpc + 7) / 8)
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
