package app

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
)

// logoPNG is the 128x128 logo info points to: drawn, not shipped, so the
// repository carries no binary asset.
var logoPNG = func() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 128, 128))
	blue := color.RGBA{0x1f, 0x4e, 0x9c, 0xff}
	white := color.RGBA{0xff, 0xff, 0xff, 0xff}
	for y := 0; y < 128; y++ {
		for x := 0; x < 128; x++ {
			c := blue
			// a white ring with a tail: a stylised "q"
			dx, dy := x-60, y-58
			r2 := dx*dx + dy*dy
			if (r2 >= 26*26 && r2 <= 36*36) || (x >= 84 && x <= 94 && y >= 58 && y <= 110) {
				c = white
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}()
