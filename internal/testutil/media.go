package testutil

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"testing"
)

// PhotoJPEG is a small JPEG, as a document photo the enrolment app sends.
func PhotoJPEG(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 40))
	for x := range 64 {
		img.Set(x, x%40, color.RGBA{R: uint8(x * 4), A: 255})
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// VideoMP4 is the head of an MP4 file declaring seconds of video (ftyp,
// moov/mvhd, then some mdat): what identity's sniffer reads of a selfie.
func VideoMP4(seconds uint32) []byte {
	box := func(typ string, payload []byte) []byte {
		return append(append(binary.BigEndian.AppendUint32(nil, uint32(8+len(payload))), typ...), payload...)
	}
	mvhd := append([]byte{0, 0, 0, 0}, make([]byte, 8)...)
	mvhd = binary.BigEndian.AppendUint32(mvhd, 1000)
	mvhd = binary.BigEndian.AppendUint32(mvhd, seconds*1000)
	mvhd = append(mvhd, make([]byte, 80)...)
	out := append(box("ftyp", []byte("isom\x00\x00\x02\x00")), box("moov", box("mvhd", mvhd))...)
	return append(out, box("mdat", bytes.Repeat([]byte{0x5A}, 4096))...)
}
