package identity_test

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"
	"time"

	"github.com/qesproject/qes/identity"
)

// mp4 builds an ISO BMFF file: ftyp with brand, moov/mvhd (version 0 or
// 1) declaring ticks at scale, then padding as mdat.
func mp4(brand string, version byte, scale uint32, ticks uint64, pad int) []byte {
	boxOf := func(typ string, payload []byte) []byte {
		b := binary.BigEndian.AppendUint32(nil, uint32(8+len(payload)))
		return append(append(b, typ...), payload...)
	}
	ftyp := boxOf("ftyp", append([]byte(brand), 0, 0, 0, 0))
	var mvhd []byte
	if version == 0 {
		mvhd = append([]byte{0, 0, 0, 0}, make([]byte, 8)...)
		mvhd = binary.BigEndian.AppendUint32(mvhd, scale)
		mvhd = binary.BigEndian.AppendUint32(mvhd, uint32(ticks))
	} else {
		mvhd = append([]byte{1, 0, 0, 0}, make([]byte, 16)...)
		mvhd = binary.BigEndian.AppendUint32(mvhd, scale)
		mvhd = binary.BigEndian.AppendUint64(mvhd, ticks)
	}
	mvhd = append(mvhd, make([]byte, 80)...)
	out := append(ftyp, boxOf("moov", boxOf("mvhd", mvhd))...)
	return append(out, boxOf("mdat", make([]byte, pad))...)
}

// webm builds an EBML header with docType, then a Segment of unknown size
// (as MediaRecorder writes it) whose Info declares durationMS at the
// default 1 ms timecode scale (when durationMS >= 0).
func webm(docType string, durationMS float64) []byte {
	el := func(id []byte, payload []byte) []byte {
		return append(append(append([]byte{}, id...), 0x80|byte(len(payload))), payload...) // sizes < 127 only
	}
	head := el([]byte{0x1A, 0x45, 0xDF, 0xA3}, el([]byte{0x42, 0x82}, []byte(docType)))
	var info []byte
	info = append(info, el([]byte{0x2A, 0xD7, 0xB1}, []byte{0x0F, 0x42, 0x40})...) // 1 000 000 ns
	if durationMS >= 0 {
		info = append(info, el([]byte{0x44, 0x89}, binary.BigEndian.AppendUint64(nil, math.Float64bits(durationMS)))...)
	}
	seg := append([]byte{0x18, 0x53, 0x80, 0x67, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, el([]byte{0x15, 0x49, 0xA9, 0x66}, info)...)
	seg = append(seg, 0x1F, 0x43, 0xB6, 0x75, 0x81, 0x00) // an empty cluster
	return append(head, seg...)
}

var (
	jpegBytes = append([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0}, bytes.Repeat([]byte{0x42}, 200)...)
	pngBytes  = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{0}, 100)...)
)

func TestIsJPEG(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		data []byte
		want bool
	}{
		{"jpeg", jpegBytes, true},
		{"png called jpeg", pngBytes, false},
		{"text", []byte("this is not a photo"), false},
		{"soi only", []byte{0xFF, 0xD8}, false},
		{"empty", nil, false},
	} {
		if got := identity.IsJPEG(c.data); got != c.want {
			t.Errorf("%s: IsJPEG = %v", c.name, got)
		}
	}
}

func TestSniffVideo(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name     string
		data     []byte
		ok       bool
		typ      string
		duration time.Duration
	}{
		{"mp4 v0", mp4("isom", 0, 1000, 12_500, 64), true, "video/mp4", 12500 * time.Millisecond},
		{"mp4 v1", mp4("mp42", 1, 600, 6000, 64), true, "video/mp4", 10 * time.Second},
		{"quicktime", mp4("qt  ", 0, 600, 1800, 64), true, "video/quicktime", 3 * time.Second},
		{"mp4 scale zero", mp4("isom", 0, 0, 100, 0), true, "video/mp4", 0},
		{"mp4 truncated after ftyp", mp4("isom", 0, 1000, 5000, 64)[:30], true, "video/mp4", 0},
		{"webm with duration", webm("webm", 8000), true, "video/webm", 8 * time.Second},
		{"webm without duration", webm("webm", -1), true, "video/webm", 0},
		{"matroska is not webm", webm("matroska", 8000), false, "", 0},
		{"text called video", []byte("hello, I am a video, trust me"), false, "", 0},
		{"jpeg called video", jpegBytes, false, "", 0},
		{"ftyp with a lying size", append([]byte{0xFF, 0xFF, 0xFF, 0xFF}, []byte("ftypisom0000")...), false, "", 0},
		{"empty", nil, false, "", 0},
	} {
		v, ok := identity.SniffVideo(c.data)
		if ok != c.ok || v.MediaType != c.typ || v.Duration != c.duration {
			t.Errorf("%s: SniffVideo = %+v, %v; want %s %v, %v", c.name, v, ok, c.typ, c.duration, c.ok)
		}
	}
}

func FuzzSniffVideo(f *testing.F) {
	f.Add(mp4("isom", 0, 1000, 5000, 8))
	f.Add(webm("webm", 5000))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, ok := identity.SniffVideo(data)
		if ok && v.Duration < 0 {
			t.Fatalf("negative duration %v", v.Duration)
		}
	})
}
