package face

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/qesproject/qes/emrtd"
	"github.com/qesproject/qes/internal/testutil/validator"
)

// portrait draws a w x h test card: gradients, so that a decoder that
// drops a channel or a row shows.
func portrait(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			m.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 128, 255})
		}
	}
	return m
}

func jpegOf(t testing.TB, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, portrait(w, h), &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// jp2Of encodes a portrait with opj_compress (same package as the decoder),
// as a JP2 file or a bare codestream (ext "jp2" or "j2k").
func jp2Of(t testing.TB, w, h int, ext string) []byte {
	t.Helper()
	bin := validator.Need(t, "opj_compress")
	dir := t.TempDir()
	var buf bytes.Buffer
	if err := png.Encode(&buf, portrait(w, h)); err != nil {
		t.Fatal(err)
	}
	in, out := filepath.Join(dir, "in.png"), filepath.Join(dir, "out."+ext)
	if err := os.WriteFile(in, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	// Rate 20: a lossy portrait of the size a chip holds.
	if b, err := exec.Command(bin, "-i", in, "-o", out, "-r", "20").CombinedOutput(); err != nil {
		t.Fatalf("opj_compress: %v: %s", err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func pngSize(t *testing.T, b []byte) (int, int) {
	t.Helper()
	m, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	return m.Bounds().Dx(), m.Bounds().Dy()
}

func TestToPNG(t *testing.T) {
	t.Parallel()
	validator.Need(t, Decoder)
	cases := []struct {
		name string
		img  emrtd.Image
		w, h int
	}{
		{"jpeg", emrtd.Image{Format: "jpeg", Data: jpegOf(t, 240, 320)}, 240, 320},
		{"jp2 file", emrtd.Image{Format: "jp2", Data: jp2Of(t, 413, 531, "jp2")}, 413, 531},
		{"j2k codestream", emrtd.Image{Format: "jp2", Data: jp2Of(t, 300, 400, "j2k")}, 300, 400},
	}
	for _, c := range cases {
		out, err := ToPNG(context.Background(), c.img)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if w, h := pngSize(t, out); w != c.w || h != c.h {
			t.Fatalf("%s: %dx%d, want %dx%d", c.name, w, h, c.w, c.h)
		}
	}
}

func TestToPNGRefuses(t *testing.T) {
	t.Parallel()
	validator.Need(t, Decoder)
	jp2 := jp2Of(t, 64, 64, "jp2")
	// Announce 5000x5000 in the SIZ marker: refused before the decoder runs.
	huge := bytes.Clone(jp2)
	i := bytes.Index(huge, j2kSOCSIZ)
	binary.BigEndian.PutUint32(huge[i+8:], 5000)
	binary.BigEndian.PutUint32(huge[i+12:], 5000)
	truncated := jp2[:len(jp2)/2]
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	cases := []struct {
		name string
		ctx  context.Context
		img  emrtd.Image
		want error // nil: any error
	}{
		{"too many JP2 pixels", context.Background(), emrtd.Image{Format: "jp2", Data: huge}, ErrTooLarge},
		{"too many JPEG pixels", context.Background(), emrtd.Image{Format: "jpeg", Data: jpegOf(t, 2100, 2000)}, ErrTooLarge},
		{"input too large", context.Background(), emrtd.Image{Format: "jpeg", Data: make([]byte, MaxInput+1)}, ErrTooLarge},
		{"unknown format", context.Background(), emrtd.Image{Format: "gif", Data: []byte("GIF89a")}, ErrUnsupported},
		{"not JPEG 2000", context.Background(), emrtd.Image{Format: "jp2", Data: []byte("GIF89a")}, ErrUnsupported},
		{"truncated JP2", context.Background(), emrtd.Image{Format: "jp2", Data: truncated}, nil},
		{"broken JPEG", context.Background(), emrtd.Image{Format: "jpeg", Data: []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 2}}, nil},
		{"cancelled", cancelled, emrtd.Image{Format: "jp2", Data: jp2}, context.Canceled},
	}
	for _, c := range cases {
		out, err := ToPNG(c.ctx, c.img)
		if err == nil {
			t.Errorf("%s: converted (%d bytes)", c.name, len(out))
			continue
		}
		if c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

func TestNoDecoder(t *testing.T) {
	// Not parallel: it changes Decoder.
	old := Decoder
	Decoder = "opj_decompress-not-installed"
	defer func() { Decoder = old }()
	_, err := ToPNG(context.Background(), emrtd.Image{Format: "jp2", Data: jp2Of(t, 64, 64, "jp2")})
	if !errors.Is(err, ErrNoJP2Decoder) {
		t.Fatalf("err = %v, want ErrNoJP2Decoder", err)
	}
}

// A CIE portrait (JPEG 2000, about 400x500) to PNG: what the officer's
// console pays per review.
func BenchmarkJP2ToPNG(b *testing.B) {
	validator.Need(b, Decoder)
	img := emrtd.Image{Format: "jp2", Data: jp2Of(b, 413, 531, "jp2")}
	b.SetBytes(int64(len(img.Data)))
	for b.Loop() {
		if _, err := ToPNG(context.Background(), img); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJPEGToPNG(b *testing.B) {
	img := emrtd.Image{Format: "jpeg", Data: jpegOf(b, 413, 531)}
	b.SetBytes(int64(len(img.Data)))
	for b.Loop() {
		if _, err := ToPNG(context.Background(), img); err != nil {
			b.Fatal(err)
		}
	}
}
