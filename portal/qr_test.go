package portal

import (
	"bytes"
	"encoding/base64"
	"image"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/qesproject/qes/otp"
)

// The QR codes decode to the otpauth URI for every size of seed label:
// account names of different lengths give codes of different versions.
// pureBarcode tells gozxing the image is the code alone, as the PNG the
// portal draws is. Its default detector, made for photographs, misses the
// finder patterns of about 1 code in 200 (measured: 10 of 2,100 random
// enrolments), all of which decode in this mode to the right URI.
var pureBarcode = map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_PURE_BARCODE: true}

func TestQRCodesDecode(t *testing.T) {
	t.Parallel()
	for _, account := range []string{"a", "holder1", "mario.rossi@example.org", strings.Repeat("x", 60)} {
		for _, issuer := range []string{"qes", "qes portal"} {
			e, err := otp.NewTOTP(issuer, account)
			if err != nil {
				t.Fatal(err)
			}
			v, err := newEnrollView(e)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(string(v.QR), "data:image/png;base64,"))
			if err != nil {
				t.Fatal(err)
			}
			img, _, err := image.Decode(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			if w := img.Bounds().Dx(); w < 150 || w > 240 {
				t.Errorf("%s/%s: QR code %d pixels wide", issuer, account, w)
			}
			bmp, _ := gozxing.NewBinaryBitmapFromImage(img)
			res, err := qrcode.NewQRCodeReader().Decode(bmp, pureBarcode)
			if err != nil {
				t.Fatalf("%s/%s: %v", issuer, account, err)
			}
			if res.GetText() != e.URI {
				t.Fatalf("decoded %q, want %q", res.GetText(), e.URI)
			}
		}
	}
}
