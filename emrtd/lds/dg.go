package lds

import (
	"bytes"
	"encoding/asn1"
	"encoding/binary"
	"strings"
	"time"
	"unicode/utf8"
)

// ParseDG1 reads DG1 (0x61 { 5F1F MRZ }) and parses its MRZ.
func ParseDG1(b []byte) (*MRZ, error) {
	t, err := ReadOne(b, TagDG1)
	if err != nil {
		return nil, err
	}
	in, err := ReadOne(t.Value, 0x5F1F)
	if err != nil {
		return nil, err
	}
	return ParseMRZ(string(in.Value))
}

// EncodeDG1 builds DG1 around an MRZ (lines concatenated or separated by
// newlines).
func EncodeDG1(mrz string) []byte {
	mrz = strings.ReplaceAll(mrz, "\n", "")
	return EncodeTLV(TagDG1, EncodeTLV(0x5F1F, []byte(mrz)))
}

// Image formats.
const (
	FormatJPEG = "jpeg"
	FormatJP2  = "jp2" // JPEG 2000, JP2 file or bare codestream
)

// Image is one portrait: its format by magic, dimensions as the ISO
// 19794-5 header declares them, and the encoded image.
type Image struct {
	Format        string
	Width, Height int
	Data          []byte
}

var (
	jpegMagic = []byte{0xFF, 0xD8, 0xFF}
	jp2Magic  = []byte{0x00, 0x00, 0x00, 0x0C, 'j', 'P', ' ', ' ', 0x0D, 0x0A, 0x87, 0x0A}
	j2kMagic  = []byte{0xFF, 0x4F, 0xFF, 0x51}
)

// ImageFormat names the format of an encoded image by its magic bytes, ""
// when it is neither JPEG nor JPEG 2000.
func ImageFormat(b []byte) string {
	switch {
	case bytes.HasPrefix(b, jpegMagic):
		return FormatJPEG
	case bytes.HasPrefix(b, jp2Magic), bytes.HasPrefix(b, j2kMagic):
		return FormatJP2
	}
	return ""
}

// ParseDG2 reads DG2 and returns its first portrait: 0x75 -> 7F61 (group
// template) -> 7F60 (biometric information template) -> 5F2E or 7F2E
// (biometric data block) holding an ISO/IEC 19794-5 facial record.
func ParseDG2(b []byte) (Image, error) {
	if len(b) > MaxDG2 {
		return Image{}, malformed("DG2 has %d bytes, at most %d accepted", len(b), MaxDG2)
	}
	t, err := ReadOne(b, TagDG2)
	if err != nil {
		return Image{}, err
	}
	group, err := ReadOne(t.Value, 0x7F61)
	if err != nil {
		return Image{}, err
	}
	items, err := ReadAll(group.Value)
	if err != nil {
		return Image{}, err
	}
	for _, it := range items {
		if it.Tag != 0x7F60 {
			continue // 02: number of instances
		}
		parts, err := ReadAll(it.Value)
		if err != nil {
			return Image{}, err
		}
		for _, p := range parts {
			if p.Tag == 0x5F2E || p.Tag == 0x7F2E {
				return parseFacialRecord(p.Value)
			}
		}
		return Image{}, malformed("DG2 biometric template without a data block")
	}
	return Image{}, malformed("DG2 without a biometric information template")
}

// The ISO/IEC 19794-5:2005 facial record: a 14-byte general header
// ("FAC\0", version, record length, number of faces), then per face a
// 20-byte facial information block, 8 bytes per feature point, a 12-byte
// image information block and the image.
const (
	facHeaderLen    = 14
	faceInfoLen     = 20
	featurePointLen = 8
	imageInfoLen    = 12
)

func parseFacialRecord(b []byte) (Image, error) {
	if len(b) < facHeaderLen || !bytes.HasPrefix(b, []byte("FAC\x00")) {
		return Image{}, malformed("DG2 data block is not an ISO/IEC 19794-5 facial record")
	}
	if binary.BigEndian.Uint16(b[12:14]) == 0 {
		return Image{}, malformed("DG2 facial record holds no face")
	}
	face := b[facHeaderLen:]
	if len(face) < faceInfoLen {
		return Image{}, malformed("DG2 facial information truncated")
	}
	blockLen := int(binary.BigEndian.Uint32(face[0:4]))
	points := int(binary.BigEndian.Uint16(face[4:6]))
	head := faceInfoLen + points*featurePointLen + imageInfoLen
	if blockLen < head || blockLen > len(face) {
		return Image{}, malformed("DG2 facial block length %d, %d bytes present", blockLen, len(face))
	}
	info := face[faceInfoLen+points*featurePointLen:]
	img := Image{
		Width:  int(binary.BigEndian.Uint16(info[2:4])),
		Height: int(binary.BigEndian.Uint16(info[4:6])),
		Data:   face[head:blockLen:blockLen],
	}
	// The header's image data type (0 JPEG, 1 JPEG 2000) is what the
	// issuer meant; the magic is what the bytes are. Trust the bytes.
	img.Format = ImageFormat(img.Data)
	if img.Format == "" {
		return Image{}, malformed("DG2 image is neither JPEG nor JPEG 2000")
	}
	return img, nil
}

// EncodeDG2 builds DG2 around one portrait in an ISO/IEC 19794-5 record.
func EncodeDG2(img Image) []byte {
	var imageType byte
	if img.Format == FormatJP2 {
		imageType = 1
	}
	blockLen := faceInfoLen + imageInfoLen + len(img.Data)
	rec := make([]byte, 0, facHeaderLen+blockLen)
	rec = append(rec, "FAC\x00010\x00"...)
	rec = binary.BigEndian.AppendUint32(rec, uint32(facHeaderLen+blockLen))
	rec = binary.BigEndian.AppendUint16(rec, 1)
	rec = binary.BigEndian.AppendUint32(rec, uint32(blockLen))
	rec = append(rec, 0, 0) // feature points
	rec = append(rec, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
	rec = append(rec, 1, imageType) // full frontal, data type
	rec = binary.BigEndian.AppendUint16(rec, uint16(img.Width))
	rec = binary.BigEndian.AppendUint16(rec, uint16(img.Height))
	rec = append(rec, 1, 2, 0, 0, 0, 0) // colour space sRGB, source: digital still
	rec = append(rec, img.Data...)
	// Biometric header template: ICAO header version, biometric type
	// "facial features", format owner/type of ISO/IEC JTC1 SC37.
	bht := EncodeTLV(0x80, []byte{1, 1})
	bht = AppendTLV(bht, 0x81, []byte{0x02})
	bht = AppendTLV(bht, 0x87, []byte{0x01, 0x01})
	bht = AppendTLV(bht, 0x88, []byte{0x00, 0x08})
	bit := EncodeTLV(0xA1, bht)
	bit = AppendTLV(bit, 0x5F2E, rec)
	group := EncodeTLV(0x02, []byte{1})
	group = AppendTLV(group, 0x7F60, bit)
	return EncodeTLV(TagDG2, EncodeTLV(0x7F61, group))
}

// DG11 is the additional personal detail(s) (Doc 9303-10 §4.7.11). Strings
// are as the chip holds them ('<' separates surname from given names in
// FullName).
type DG11 struct {
	FullName       string
	PersonalNumber string
	DateOfBirth    time.Time // zero when absent
	PlaceOfBirth   string
	Address        string
	Telephone      string
	Profession     string
	Title          string
}

// ParseDG11 reads DG11 (0x6B): the tag list 5C, then the fields present.
func ParseDG11(b []byte) (*DG11, error) {
	fields, err := readTemplate(b, TagDG11)
	if err != nil {
		return nil, err
	}
	d := &DG11{}
	for _, f := range fields {
		switch f.Tag {
		case 0x5F0E:
			d.FullName, err = text(f)
		case 0x5F10:
			d.PersonalNumber, err = text(f)
		case 0x5F11:
			d.PlaceOfBirth, err = text(f)
		case 0x5F42:
			d.Address, err = text(f)
		case 0x5F12:
			d.Telephone, err = text(f)
		case 0x5F13:
			d.Profession, err = text(f)
		case 0x5F14:
			d.Title, err = text(f)
		case 0x5F2B:
			d.DateOfBirth, err = parseFullDate(f.Value)
		}
		if err != nil {
			return nil, err
		}
	}
	return d, nil
}

// DG12 is the additional document detail(s) (Doc 9303-10 §4.7.12).
type DG12 struct {
	IssuingAuthority string
	DateOfIssue      time.Time // zero when absent
}

// ParseDG12 reads DG12 (0x6C).
func ParseDG12(b []byte) (*DG12, error) {
	fields, err := readTemplate(b, TagDG12)
	if err != nil {
		return nil, err
	}
	d := &DG12{}
	for _, f := range fields {
		switch f.Tag {
		case 0x5F19:
			d.IssuingAuthority, err = text(f)
		case 0x5F26:
			d.DateOfIssue, err = parseFullDate(f.Value)
		}
		if err != nil {
			return nil, err
		}
	}
	return d, nil
}

// readTemplate reads a DG11/DG12 template: its tag list (5C) must name the
// fields that follow.
func readTemplate(b []byte, tag uint32) ([]TLV, error) {
	t, err := ReadOne(b, tag)
	if err != nil {
		return nil, err
	}
	fields, err := ReadAll(t.Value)
	if err != nil {
		return nil, err
	}
	if len(fields) == 0 || fields[0].Tag != 0x5C {
		return nil, malformed("DG %X without its tag list", tag)
	}
	return fields[1:], nil
}

// text reads a DG11/DG12 string: UTF-8 (Doc 9303-10 allows it beyond the MRZ
// character set), without control characters.
func text(f TLV) (string, error) {
	if !utf8.Valid(f.Value) {
		return "", malformed("field %X is not UTF-8", f.Tag)
	}
	for _, r := range string(f.Value) {
		if r < 0x20 || r == 0x7F {
			return "", malformed("field %X holds a control character", f.Tag)
		}
	}
	return string(f.Value), nil
}

// Field is one field of a DG11 or DG12 for EncodeTemplate.
type Field struct {
	Tag   uint32
	Value []byte
}

// EncodeTemplate builds a DG11 or DG12 with its tag list.
func EncodeTemplate(tag uint32, fields ...Field) []byte {
	var list, body []byte
	for _, f := range fields {
		list = append(list, byte(f.Tag>>8), byte(f.Tag))
		body = AppendTLV(body, f.Tag, f.Value)
	}
	return EncodeTLV(tag, append(EncodeTLV(0x5C, list), body...))
}

// OIDs of DG14 that qes reads (Doc 9303-11 §9.2, BSI TR-03110).
var (
	OIDActiveAuthentication = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 5}
	OIDLDSSecurityObject    = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 1}
)

// SecurityInfo is one entry of DG14's SecurityInfos.
type SecurityInfo struct {
	Protocol     asn1.ObjectIdentifier
	RequiredData asn1.RawValue
	OptionalData asn1.RawValue `asn1:"optional"`
}

// DG14 holds the SecurityInfos; AASignatureAlgorithm is the algorithm of
// ActiveAuthenticationInfo (BSI TR-03111 ecdsa-plain-*), nil when absent.
type DG14 struct {
	Infos                []SecurityInfo
	AASignatureAlgorithm asn1.ObjectIdentifier
}

// ParseDG14 reads DG14 (0x6E { SET OF SecurityInfo }).
func ParseDG14(b []byte) (*DG14, error) {
	t, err := ReadOne(b, TagDG14)
	if err != nil {
		return nil, err
	}
	var infos []SecurityInfo
	rest, err := asn1.UnmarshalWithParams(t.Value, &infos, "set")
	if err != nil {
		return nil, malformed("DG14 SecurityInfos: %v", err)
	}
	if len(rest) != 0 {
		return nil, malformed("DG14: %d bytes after SecurityInfos", len(rest))
	}
	d := &DG14{Infos: infos}
	for _, in := range infos {
		if !in.Protocol.Equal(OIDActiveAuthentication) {
			continue
		}
		// ActiveAuthenticationInfo ::= SEQUENCE { protocol, version
		// INTEGER (1), signatureAlgorithm OBJECT IDENTIFIER }
		var version int
		if _, err := asn1.Unmarshal(in.RequiredData.FullBytes, &version); err != nil || version != 1 {
			return nil, malformed("DG14 ActiveAuthenticationInfo version")
		}
		var alg asn1.ObjectIdentifier
		if _, err := asn1.Unmarshal(in.OptionalData.FullBytes, &alg); err != nil {
			return nil, malformed("DG14 ActiveAuthenticationInfo signature algorithm: %v", err)
		}
		d.AASignatureAlgorithm = alg
	}
	return d, nil
}

// EncodeDG14AA builds a DG14 holding one ActiveAuthenticationInfo.
func EncodeDG14AA(signatureAlgorithm asn1.ObjectIdentifier) ([]byte, error) {
	info := struct {
		Protocol  asn1.ObjectIdentifier
		Version   int
		Algorithm asn1.ObjectIdentifier
	}{OIDActiveAuthentication, 1, signatureAlgorithm}
	der, err := asn1.MarshalWithParams([]any{info}, "set")
	if err != nil {
		return nil, err
	}
	return EncodeTLV(TagDG14, der), nil
}

// ParseDG15 reads DG15 (0x6F { SubjectPublicKeyInfo }) and returns the SPKI
// DER, checked to be one DER SEQUENCE.
func ParseDG15(b []byte) ([]byte, error) {
	t, err := ReadOne(b, TagDG15)
	if err != nil {
		return nil, err
	}
	var raw asn1.RawValue
	rest, err := asn1.Unmarshal(t.Value, &raw)
	if err != nil || len(rest) != 0 || raw.Tag != asn1.TagSequence || !raw.IsCompound {
		return nil, malformed("DG15 is not a SubjectPublicKeyInfo")
	}
	return t.Value, nil
}

// EncodeDG15 wraps an SPKI DER.
func EncodeDG15(spki []byte) []byte { return EncodeTLV(TagDG15, spki) }

// COM is EF.COM: LDS and Unicode versions and the data groups present.
type COM struct {
	LDSVersion     string
	UnicodeVersion string
	DataGroups     []int
}

var tagToDG = map[byte]int{0x61: 1, 0x75: 2, 0x63: 3, 0x76: 4, 0x65: 5, 0x66: 6, 0x67: 7, 0x68: 8,
	0x69: 9, 0x6A: 10, 0x6B: 11, 0x6C: 12, 0x6D: 13, 0x6E: 14, 0x6F: 15, 0x70: 16}

// ParseCOM reads EF.COM (0x60 { 5F01, 5F36, 5C }).
func ParseCOM(b []byte) (*COM, error) {
	t, err := ReadOne(b, TagCOM)
	if err != nil {
		return nil, err
	}
	fields, err := ReadAll(t.Value)
	if err != nil {
		return nil, err
	}
	c := &COM{}
	for _, f := range fields {
		switch f.Tag {
		case 0x5F01:
			c.LDSVersion = string(f.Value)
		case 0x5F36:
			c.UnicodeVersion = string(f.Value)
		case 0x5C:
			for _, tg := range f.Value {
				n, ok := tagToDG[tg]
				if !ok {
					return nil, malformed("EF.COM lists tag %X", tg)
				}
				c.DataGroups = append(c.DataGroups, n)
			}
		}
	}
	return c, nil
}

// EncodeCOM builds EF.COM for LDS 1.7 and Unicode 4.0.0.
func EncodeCOM(dgs []int) []byte {
	var list []byte
	for _, n := range dgs {
		for tg, m := range tagToDG {
			if m == n {
				list = append(list, tg)
			}
		}
	}
	body := EncodeTLV(0x5F01, []byte("0107"))
	body = AppendTLV(body, 0x5F36, []byte("040000"))
	body = AppendTLV(body, 0x5C, list)
	return EncodeTLV(TagCOM, body)
}
