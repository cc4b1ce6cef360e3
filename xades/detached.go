package xades

import (
	"strings"
	"unicode/utf8"
)

// MaxDocumentName bounds a detached signature's document name, in bytes:
// the longest file name common file systems take.
const MaxDocumentName = 255

// ValidDocumentName says whether name can be a detached signature's
// document name: 1 to MaxDocumentName bytes of UTF-8, a base name (no "/"
// or "\", not "." or ".."), no control character. The name becomes a
// relative URI that a verifier resolves beside the signature, so a path
// would let a signature point its verifier at another directory's file.
func ValidDocumentName(name string) bool {
	if name == "" || len(name) > MaxDocumentName || name == "." || name == ".." || !utf8.ValidString(name) {
		return false
	}
	for _, r := range name {
		if r == '/' || r == '\\' || r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return false
		}
	}
	return true
}

// DocumentURI is the relative URI of a detached signature's data
// reference: name with every byte but RFC 3986's unreserved characters
// (ALPHA, DIGIT, "-", ".", "_", "~") percent-encoded. Encoding ":" too
// keeps "a:b.pdf" from reading as a URI with scheme "a"; encoding "%",
// "#" and "?" keeps the name one path segment, with neither query nor
// fragment. url.PathUnescape gives the name back.
func DocumentURI(name string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// mimeTypes are the types a detached signature's DataObjectFormat names
// by the file's extension: the files holders sign most. A fixed table,
// not the system's mime.types, so that the same file gets the same
// signed property on every machine.
var mimeTypes = map[string]string{
	".pdf": "application/pdf", ".xml": "text/xml", ".json": "application/json", ".txt": "text/plain",
	".p7m": "application/pkcs7-mime", ".p7s": "application/pkcs7-signature",
	".doc": "application/msword", ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xls": "application/vnd.ms-excel", ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".odt": "application/vnd.oasis.opendocument.text", ".ods": "application/vnd.oasis.opendocument.spreadsheet",
	".zip": "application/zip", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".tif": "image/tiff", ".tiff": "image/tiff",
}

// MimeType is the xades:MimeType of a detached signature's
// DataObjectFormat (EN 319 132-1 5.2.4, required by the baseline): by the
// name's extension, application/octet-stream when the table has none.
func MimeType(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		if t, ok := mimeTypes[strings.ToLower(name[i:])]; ok {
			return t
		}
	}
	return "application/octet-stream"
}
