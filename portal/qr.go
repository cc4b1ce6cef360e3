package portal

import (
	"bytes"
	"encoding/base64"
	"html/template"
	"image"
	"image/color"
	"image/png"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/qr"

	"github.com/qesproject/qes/otp"
)

// enrollView is an authenticator enrolment on a page: the QR code of the
// otpauth URI as an inline PNG (rendered here: no third-party service ever
// sees the seed), the seed for typing in, and the URI as a link for a
// phone's own browser.
type enrollView struct {
	QR     template.URL
	Secret string
	URI    template.URL
}

func newEnrollView(e otp.Enrollment) (*enrollView, error) {
	code, err := qr.Encode(e.URI, qr.M, qr.Auto)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, qrImage(code, qrTarget)); err != nil {
		return nil, err
	}
	// The values are ours (a PNG we drew, an otpauth URI we built), so they
	// may be used as URLs unfiltered.
	return &enrollView{
		QR:     template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())),
		Secret: e.Secret,
		URI:    template.URL(e.URI),
	}, nil
}

// qrTarget is about how many pixels wide the code is drawn.
const qrTarget = 240

// qrImage draws the code with whole pixels per module and the four-module
// quiet zone ISO/IEC 18004 asks for: scaling by a fraction makes modules of
// uneven width, which some readers (and phone cameras at an angle) fail on.
func qrImage(code barcode.Barcode, target int) image.Image {
	n := code.Bounds().Dx()
	const quiet = 4
	scale := max(1, target/(n+2*quiet))
	size := (n + 2*quiet) * scale
	img := image.NewGray(image.Rect(0, 0, size, size))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			if r, _, _, _ := code.At(x, y).RGBA(); r != 0 {
				continue
			}
			for dy := 0; dy < scale; dy++ {
				for dx := 0; dx < scale; dx++ {
					img.SetGray((x+quiet)*scale+dx, (y+quiet)*scale+dy, color.Gray{Y: 0})
				}
			}
		}
	}
	return img
}
