package tsa

import "github.com/qesproject/qes/internal/oids"

// weakHashNames names message-imprint algorithms that are recognised only to
// be refused (badAlg), so that the rejection text says why: SHA-224 is too
// weak for a qualified service's long-term evidence. The accepted ones are
// oids.HashOf's.
var weakHashNames = map[string]string{
	oids.SHA1.String():   "SHA-1",
	oids.MD5.String():    "MD5",
	oids.SHA224.String(): "SHA-224",
}
