package portal

import (
	"bytes"
	"encoding/base64"
	"html/template"
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
	scaled, err := barcode.Scale(code, 240, 240)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, scaled); err != nil {
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
