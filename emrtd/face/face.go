// Package face turns the portrait of a chip's DG2 into a PNG for the
// registration officer's console: browsers show JPEG but not JPEG 2000, and
// the CIE stores JPEG 2000. JPEG is decoded in Go; JPEG 2000 by
// opj_decompress (Debian libopenjp2-tools), a separate process in a private
// temporary directory, so that a decoder bug in C cannot touch qes's memory.
//
// The portrait came from an applicant's phone: input size, pixel count
// (read from the header before decoding), output size and time are bounded.
package face

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/qesproject/qes/emrtd"
)

// Bounds of one conversion.
const (
	// MaxInput is DG2's cap: a portrait cannot be larger than the file
	// that holds it.
	MaxInput = 200 << 10
	// MaxPixels bounds the decoded image: ICAO portraits are about
	// 480x640; 4 megapixels is generous and keeps the decoded RGBA under
	// 16 MB.
	MaxPixels = 4_000_000
	// MaxOutput bounds the PNG read back from the decoder.
	MaxOutput = 24 << 20
	// DefaultTimeout applies when ctx has no deadline of its own.
	DefaultTimeout = 10 * time.Second
)

// Errors callers can tell apart.
var (
	ErrTooLarge     = errors.New("face: portrait too large")
	ErrUnsupported  = errors.New("face: portrait format not supported")
	ErrNoJP2Decoder = errors.New("face: JPEG 2000 decoder opj_decompress not installed (Debian package libopenjp2-tools)")
)

// Decoder is the opj_decompress binary; tests may point it elsewhere.
var Decoder = "opj_decompress"

// ToPNG returns the portrait as a PNG.
func ToPNG(ctx context.Context, img emrtd.Image) ([]byte, error) {
	if len(img.Data) > MaxInput {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, len(img.Data), MaxInput)
	}
	switch img.Format {
	case "jpeg":
		return jpegToPNG(img.Data)
	case "jp2":
		return jp2ToPNG(ctx, img.Data)
	}
	return nil, fmt.Errorf("%w: %q", ErrUnsupported, img.Format)
}

func checkPixels(w, h int) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("%w: dimensions %dx%d", ErrUnsupported, w, h)
	}
	if w > MaxPixels/h {
		return fmt.Errorf("%w: %dx%d pixels, at most %d", ErrTooLarge, w, h, MaxPixels)
	}
	return nil
}

func jpegToPNG(data []byte) ([]byte, error) {
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("face: reading the JPEG header: %w", err)
	}
	if err := checkPixels(cfg.Width, cfg.Height); err != nil {
		return nil, err
	}
	m, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("face: decoding the JPEG: %w", err)
	}
	// The PNG encoder reads a YCbCr image pixel by pixel through
	// interfaces (a quarter of a million allocations for a portrait);
	// draw converts it in one pass.
	rgba := image.NewRGBA(m.Bounds())
	draw.Draw(rgba, rgba.Bounds(), m, m.Bounds().Min, draw.Src)
	return encodePNG(rgba)
}

func encodePNG(m image.Image) ([]byte, error) {
	var buf bytes.Buffer
	// A preview for a console, thrown away at decision time (ENROLMENT.md
	// §1.5): speed matters more than the last percent of size.
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, m); err != nil {
		return nil, fmt.Errorf("face: encoding the PNG: %w", err)
	}
	return buf.Bytes(), nil
}

var (
	jp2Signature = []byte{0x00, 0x00, 0x00, 0x0C, 'j', 'P', ' ', ' ', 0x0D, 0x0A, 0x87, 0x0A}
	j2kSOCSIZ    = []byte{0xFF, 0x4F, 0xFF, 0x51}
)

// jp2Dimensions reads the image size from the codestream's SIZ marker
// segment (ISO/IEC 15444-1 A.5.1), which a JP2 file's codestream box holds
// as well: width Xsiz-XOsiz, height Ysiz-YOsiz. It bounds the decoder's
// work before the decoder runs.
func jp2Dimensions(data []byte) (w, h int, codestream bool, err error) {
	switch {
	case bytes.HasPrefix(data, j2kSOCSIZ):
		codestream = true
	case bytes.HasPrefix(data, jp2Signature):
	default:
		return 0, 0, false, fmt.Errorf("%w: not a JPEG 2000 file", ErrUnsupported)
	}
	i := bytes.Index(data, j2kSOCSIZ)
	// SOC, SIZ, Lsiz(2) Rsiz(2) Xsiz(4) Ysiz(4) XOsiz(4) YOsiz(4).
	if i < 0 || len(data)-i < 4+20 {
		return 0, 0, false, fmt.Errorf("%w: JPEG 2000 without a size marker", ErrUnsupported)
	}
	s := data[i+4:]
	x, y := binary.BigEndian.Uint32(s[4:8]), binary.BigEndian.Uint32(s[8:12])
	xo, yo := binary.BigEndian.Uint32(s[12:16]), binary.BigEndian.Uint32(s[16:20])
	if xo >= x || yo >= y || x-xo > 1<<16 || y-yo > 1<<16 {
		return 0, 0, false, fmt.Errorf("%w: JPEG 2000 size %dx%d offset %dx%d", ErrUnsupported, x, y, xo, yo)
	}
	return int(x - xo), int(y - yo), codestream, nil
}

func jp2ToPNG(ctx context.Context, data []byte) ([]byte, error) {
	w, h, codestream, err := jp2Dimensions(data)
	if err != nil {
		return nil, err
	}
	if err := checkPixels(w, h); err != nil {
		return nil, err
	}
	bin, err := exec.LookPath(Decoder)
	if err != nil {
		return nil, ErrNoJP2Decoder
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultTimeout)
		defer cancel()
	}
	dir, err := os.MkdirTemp("", "qes-face-")
	if err != nil {
		return nil, fmt.Errorf("face: temporary directory: %w", err)
	}
	defer os.RemoveAll(dir)
	// opj_decompress picks the input format by the file's extension.
	in := filepath.Join(dir, "portrait.jp2")
	if codestream {
		in = filepath.Join(dir, "portrait.j2k")
	}
	out := filepath.Join(dir, "portrait.png")
	if err := os.WriteFile(in, data, 0o600); err != nil {
		return nil, fmt.Errorf("face: writing the portrait: %w", err)
	}
	cmd := exec.CommandContext(ctx, bin, "-quiet", "-i", in, "-o", out)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	var stderr limitedBuffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("face: decoding the JPEG 2000 took too long: %w", ctx.Err())
		}
		return nil, fmt.Errorf("face: opj_decompress failed: %w: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	st, err := os.Stat(out)
	if err != nil {
		return nil, fmt.Errorf("face: opj_decompress wrote no PNG: %w: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	if st.Size() > MaxOutput {
		return nil, fmt.Errorf("%w: PNG of %d bytes", ErrTooLarge, st.Size())
	}
	pngData, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("face: reading the PNG: %w", err)
	}
	// The decoder's output is checked like any other input before it goes
	// to a browser: a PNG, of the size the header announced.
	cfg, err := png.DecodeConfig(bytes.NewReader(pngData))
	if err != nil {
		return nil, fmt.Errorf("face: opj_decompress wrote no valid PNG: %w", err)
	}
	if cfg.Width != w || cfg.Height != h {
		return nil, fmt.Errorf("face: opj_decompress wrote %dx%d, the header says %dx%d", cfg.Width, cfg.Height, w, h)
	}
	return pngData, nil
}

// limitedBuffer keeps the first 4 KB of a decoder's messages.
type limitedBuffer struct{ bytes.Buffer }

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := 4096 - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
