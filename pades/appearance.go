package pades

import (
	"bytes"
	"fmt"
	"strings"
)

// Appearance makes the signature visible on a page. The zero Rect is not
// allowed: an invisible signature is requested with a nil *Appearance.
type Appearance struct {
	// Page is 1-based.
	Page int
	// Rect is the widget rectangle in PDF user units (1/72 inch from the
	// page's lower-left corner): lower-left x, lower-left y, upper-right x,
	// upper-right y.
	Rect [4]float64
	// Lines replaces the default text (signer name, date, reason, location).
	Lines []string
}

// helveticaWidths are the standard Type1 Helvetica advance widths (1/1000 em)
// for the printable ASCII range 32..126.
var helveticaWidths = [95]int{
	278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
	556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
	1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
	667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
	333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
	556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
}

// winAnsi encodes s for a WinAnsiEncoding font; characters outside it
// become '?' rather than garbage.
func winAnsi(s string) []byte {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		switch {
		case r >= 0x20 && r < 0x7F:
			out = append(out, byte(r))
		case r >= 0xA0 && r <= 0xFF:
			out = append(out, byte(r))
		case r == '€':
			out = append(out, 0x80)
		case r == '–':
			out = append(out, 0x96)
		case r == '—':
			out = append(out, 0x97)
		case r == '‘':
			out = append(out, 0x91)
		case r == '’':
			out = append(out, 0x92)
		case r == '“':
			out = append(out, 0x93)
		case r == '”':
			out = append(out, 0x94)
		default:
			out = append(out, '?')
		}
	}
	return out
}

// textWidth measures WinAnsi text in 1/1000 em; Latin-1 letters use the
// width of an average lower-case letter.
func textWidth(b []byte) int {
	w := 0
	for _, c := range b {
		if c >= 32 && c <= 126 {
			w += helveticaWidths[c-32]
		} else {
			w += 556
		}
	}
	return w
}

// appearanceStream builds the normal appearance of the widget: a thin frame
// and the text lines in Helvetica, sized to fit the box.
func appearanceStream(width, height float64, lines []string) (*dict, []byte) {
	const pad = 2.0
	var enc [][]byte
	maxW := 1
	for _, l := range lines {
		b := winAnsi(l)
		enc = append(enc, b)
		if w := textWidth(b); w > maxW {
			maxW = w
		}
	}
	size := 10.0
	if n := float64(len(enc)); n > 0 {
		size = min(size, (height-2*pad)/(n*1.2))
	}
	size = min(size, (width-2*pad)*1000/float64(maxW))
	size = max(size, 1)
	var c bytes.Buffer
	fmt.Fprintf(&c, "q 0.5 w 0.2 0.2 0.2 RG 0.25 0.25 %s %s re S Q\n", formatReal(width-0.5), formatReal(height-0.5))
	if len(enc) > 0 {
		leading := size * 1.2
		y := height - pad - size
		fmt.Fprintf(&c, "BT /F1 %s Tf %s TL 0 g %s %s Td\n", formatReal(round2(size)), formatReal(round2(leading)), formatReal(pad), formatReal(round2(y)))
		for i, b := range enc {
			if i > 0 {
				c.WriteString("T* ")
			}
			writeString(&c, pdfString(b))
			c.WriteString(" Tj\n")
		}
		c.WriteString("ET\n")
	}
	font := newDict().
		set("Type", name("Font")).
		set("Subtype", name("Type1")).
		set("BaseFont", name("Helvetica")).
		set("Encoding", name("WinAnsiEncoding"))
	d := newDict().
		set("Type", name("XObject")).
		set("Subtype", name("Form")).
		set("BBox", array{real(0), real(0), real(round2(width)), real(round2(height))}).
		set("Resources", newDict().set("Font", newDict().set("F1", font)))
	return d, c.Bytes()
}

func round2(f float64) float64 {
	return float64(int64(f*100+0.5)) / 100
}

// defaultLines is the text shown when the caller gives none.
func defaultLines(signerName, date, reason, location string) []string {
	lines := []string{"Digitally signed by " + signerName, "Date: " + date}
	if strings.TrimSpace(reason) != "" {
		lines = append(lines, "Reason: "+reason)
	}
	if strings.TrimSpace(location) != "" {
		lines = append(lines, "Location: "+location)
	}
	return lines
}
