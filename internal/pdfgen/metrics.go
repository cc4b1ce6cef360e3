package pdfgen

import "golang.org/x/text/unicode/norm"

// The advance widths (in thousandths of the size) of Helvetica and
// Helvetica-Bold for the printable ASCII characters 0x20-0x7E, from the
// fonts' Adobe metrics; Courier's are all 600. They only decide where a
// line wraps, so a letter outside ASCII takes its base letter's width and
// a symbol a plausible one.
var helvetica = [95]int{
	278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space - /
	556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0 - ?
	1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // @ - O
	667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // P - _
	333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // ` - o
	556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // p - ~
}

var helveticaBold = [95]int{
	278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
	556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
	975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
	667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
	333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
	611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
}

// symbolWidths are the widths (Helvetica; Bold is close enough to wrap)
// of the WinAnsi symbols a text may use.
var symbolWidths = map[byte]int{
	0x80: 556, 0x85: 1000, 0x91: 222, 0x92: 222, 0x93: 333, 0x94: 333, 0x95: 350,
	0x96: 556, 0x97: 1000, 0xA0: 278, 0xA7: 556, 0xAB: 556, 0xB0: 400, 0xBB: 556,
}

func glyphWidth(font Font, c byte) int {
	if font == Mono {
		return 600
	}
	table := &helvetica
	if font == Bold {
		table = &helveticaBold
	}
	if c >= 0x20 && c <= 0x7E {
		return table[c-0x20]
	}
	if w, ok := symbolWidths[c]; ok {
		return w
	}
	if c >= 0xC0 {
		if base := norm.NFD.String(string(rune(c))); base[0] < 0x80 && base[0] >= 0x20 {
			return table[base[0]-0x20]
		}
	}
	return 556
}
