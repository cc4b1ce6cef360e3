package identity

import (
	"bytes"
	"encoding/binary"
	"math"
	"net/http"
	"time"
)

// IsJPEG reports whether data is a JPEG image by its content (SOI marker
// and a following marker), whatever the client called it.
func IsJPEG(data []byte) bool {
	return len(data) > 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF && http.DetectContentType(data) == "image/jpeg"
}

// Video is what the container's header says about a video.
type Video struct {
	MediaType string // "video/webm", "video/mp4" or "video/quicktime"
	// Duration as the container declares it; zero when it declares none
	// (a WebM written live by MediaRecorder often has no Duration).
	Duration time.Duration
}

// SniffVideo reads the container type and the declared duration from the
// bytes; ok is false for anything but WebM and ISO BMFF (MP4, QuickTime).
func SniffVideo(data []byte) (v Video, ok bool) {
	if len(data) >= 4 && bytes.Equal(data[:4], []byte{0x1A, 0x45, 0xDF, 0xA3}) {
		return sniffWebM(data)
	}
	if len(data) >= 12 && string(data[4:8]) == "ftyp" {
		return sniffBMFF(data)
	}
	return Video{}, false
}

// --- ISO BMFF (ISO/IEC 14496-12): ftyp, then moov/mvhd for the duration.

// box reads the box header at data[off:]: its type, the offset of its
// payload and of its end. ok is false for a malformed header.
func box(data []byte, off int) (typ string, payload, end int, ok bool) {
	if off+8 > len(data) {
		return "", 0, 0, false
	}
	size := uint64(binary.BigEndian.Uint32(data[off:]))
	typ = string(data[off+4 : off+8])
	payload = off + 8
	switch size {
	case 0: // to the end of the file
		size = uint64(len(data) - off)
	case 1: // 64-bit size follows
		if off+16 > len(data) {
			return "", 0, 0, false
		}
		size = binary.BigEndian.Uint64(data[off+8:])
		payload = off + 16
	}
	if size < uint64(payload-off) || size > uint64(len(data)-off) {
		return "", 0, 0, false
	}
	return typ, payload, off + int(size), true
}

func sniffBMFF(data []byte) (Video, bool) {
	_, payload, _, ok := box(data, 0)
	if !ok || payload+4 > len(data) {
		return Video{}, false
	}
	v := Video{MediaType: "video/mp4"}
	if string(data[payload:payload+4]) == "qt  " {
		v.MediaType = "video/quicktime"
	}
	for off := 0; off < len(data); {
		typ, p, end, ok := box(data, off)
		if !ok {
			break // a truncated tail: the type is known, the duration is not
		}
		if typ == "moov" {
			for in := p; in < end; {
				t, q, e, ok := box(data[:end], in)
				if !ok {
					break
				}
				if t == "mvhd" {
					v.Duration = mvhdDuration(data[q:e])
					return v, true
				}
				in = e
			}
			return v, true
		}
		off = end
	}
	return v, true
}

// mvhdDuration reads a movie header box's duration (version 0 or 1).
func mvhdDuration(b []byte) time.Duration {
	if len(b) < 4 {
		return 0
	}
	var scale, dur uint64
	switch b[0] {
	case 0:
		if len(b) < 20 {
			return 0
		}
		scale, dur = uint64(binary.BigEndian.Uint32(b[12:])), uint64(binary.BigEndian.Uint32(b[16:]))
	case 1:
		if len(b) < 32 {
			return 0
		}
		scale, dur = uint64(binary.BigEndian.Uint32(b[20:])), binary.BigEndian.Uint64(b[24:])
	default:
		return 0
	}
	return scaled(float64(dur), float64(time.Second)/float64(scale), scale != 0 && dur != math.MaxUint64 && dur != math.MaxUint32)
}

// scaled is ticks*unit as a Duration, or 0 when unknown or absurd (beyond
// a day, which no check needs to tell apart from "too long").
func scaled(ticks, unit float64, known bool) time.Duration {
	d := ticks * unit
	if !known || math.IsNaN(d) || d <= 0 {
		return 0
	}
	if d > float64(24*time.Hour) {
		return 24 * time.Hour
	}
	return time.Duration(d)
}

// --- WebM (Matroska/EBML): the EBML header's DocType, then
// Segment/Info's TimecodeScale and Duration.

const (
	ebmlDocType       = 0x4282
	ebmlSegment       = 0x18538067
	ebmlInfo          = 0x1549A966
	ebmlTimecodeScale = 0x2AD7B1
	ebmlDuration      = 0x4489
)

// vint reads an EBML variable-length integer at data[off:]; keepMarker
// keeps the length marker (element IDs) or strips it (sizes). unknown is
// an all-ones size ("unknown size", used for live-written segments).
func vint(data []byte, off int, keepMarker bool) (val uint64, n int, unknown, ok bool) {
	if off >= len(data) || data[off] == 0 {
		return 0, 0, false, false
	}
	first := data[off]
	n = 1
	for mask := byte(0x80); first&mask == 0; mask >>= 1 {
		n++
	}
	if n > 8 || off+n > len(data) {
		return 0, 0, false, false
	}
	val = uint64(first)
	if !keepMarker {
		val &= uint64(0xFF >> n)
	}
	allOnes := val == uint64(0xFF>>n)
	for i := 1; i < n; i++ {
		val = val<<8 | uint64(data[off+i])
		allOnes = allOnes && data[off+i] == 0xFF
	}
	return val, n, !keepMarker && allOnes, true
}

// element reads an element header: its ID, the offset of its data and of
// its end (the end of data for an unknown size).
func element(data []byte, off int) (id uint64, start, end int, ok bool) {
	id, n, _, ok := vint(data, off, true)
	if !ok {
		return 0, 0, 0, false
	}
	size, m, unknown, ok := vint(data, off+n, false)
	if !ok {
		return 0, 0, 0, false
	}
	start = off + n + m
	if unknown || size > uint64(len(data)-start) {
		if !unknown {
			return 0, 0, 0, false
		}
		return id, start, len(data), true
	}
	return id, start, start + int(size), true
}

func sniffWebM(data []byte) (Video, bool) {
	_, start, end, ok := element(data, 0)
	if !ok {
		return Video{}, false
	}
	docType := ""
	for off := start; off < end; {
		id, s, e, ok := element(data[:end], off)
		if !ok {
			return Video{}, false
		}
		if id == ebmlDocType {
			docType = string(data[s:e])
		}
		off = e
	}
	if docType != "webm" {
		return Video{}, false
	}
	v := Video{MediaType: "video/webm"}
	_, segStart, segEnd, ok := element(data, end)
	if !ok {
		return v, true
	}
	for off := segStart; off < segEnd; {
		id, s, e, ok := element(data[:segEnd], off)
		if !ok {
			break
		}
		if id == ebmlInfo {
			scale, dur, has := uint64(1_000_000), 0.0, false
			for in := s; in < e; {
				cid, cs, ce, ok := element(data[:e], in)
				if !ok {
					break
				}
				switch cid {
				case ebmlTimecodeScale:
					if ce-cs >= 1 && ce-cs <= 8 {
						scale = 0
						for _, b := range data[cs:ce] {
							scale = scale<<8 | uint64(b)
						}
					}
				case ebmlDuration:
					switch ce - cs {
					case 4:
						dur, has = float64(math.Float32frombits(binary.BigEndian.Uint32(data[cs:]))), true
					case 8:
						dur, has = math.Float64frombits(binary.BigEndian.Uint64(data[cs:])), true
					}
				}
				in = ce
			}
			v.Duration = scaled(dur, float64(scale), has && scale != 0)
			return v, true
		}
		if id == 0x1F43B675 { // the first Cluster: Info comes before it or not at all
			break
		}
		off = e
	}
	return v, true
}
