package lds

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The size caps of Doc 9303-based enrolment (ENROLMENT.md §1.4 step 1). A
// real SOD is 1.5-4 KB and a real DG2 15-60 KB; the caps leave room and no
// more, and MaxTotal bounds one reading as a whole before anything is parsed.
const (
	MaxSOD   = 8 << 10
	MaxDG2   = 200 << 10
	MaxOther = 16 << 10 // DG1, DG11-15, COM, CardAccess, CardSecurity
	MaxTotal = MaxSOD + MaxDG2 + 9*MaxOther
)

// The files qes accepts. DG3 and DG4 (fingerprints, iris) are protected by
// Extended Access Control and never expected; DG5-DG10 and DG16 hold
// nothing enrolment uses.
const (
	FileSOD          = "SOD"
	FileCOM          = "COM"
	FileCardAccess   = "CardAccess"
	FileCardSecurity = "CardSecurity"
)

// AcceptedDGs are the data-group numbers qes accepts.
var AcceptedDGs = []int{1, 2, 11, 12, 13, 14, 15}

// The application tags of the EFs (Doc 9303-10 §4.6 table 34).
const (
	TagCOM  = 0x60
	TagDG1  = 0x61
	TagDG2  = 0x75
	TagDG11 = 0x6B
	TagDG12 = 0x6C
	TagDG13 = 0x6D
	TagDG14 = 0x6E
	TagDG15 = 0x6F
	TagSOD  = 0x77
)

var dgTags = map[int]uint32{1: TagDG1, 2: TagDG2, 11: TagDG11, 12: TagDG12, 13: TagDG13, 14: TagDG14, 15: TagDG15}

// DGTag returns the application tag of data group n (0 when qes does not
// accept n).
func DGTag(n int) uint32 { return dgTags[n] }

// DGName is "DG<n>".
func DGName(n int) string { return "DG" + strconv.Itoa(n) }

// DGNumber returns n for a file name "DG<n>" qes accepts, else 0.
func DGNumber(name string) int {
	s, ok := strings.CutPrefix(name, "DG")
	if !ok || s == "" || s[0] == '0' {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || !slices.Contains(AcceptedDGs, n) {
		return 0
	}
	return n
}

// MaxSize returns the cap for the file name and whether qes accepts the
// name at all.
func MaxSize(name string) (int, bool) {
	switch name {
	case FileSOD:
		return MaxSOD, true
	case "DG2":
		return MaxDG2, true
	case FileCOM, FileCardAccess, FileCardSecurity:
		return MaxOther, true
	}
	if DGNumber(name) != 0 {
		return MaxOther, true
	}
	return 0, false
}

// CheckFiles checks a reading's file names and sizes, before any parsing.
func CheckFiles(files map[string][]byte) error {
	total := 0
	for name, b := range files {
		max, ok := MaxSize(name)
		if !ok {
			return fmt.Errorf("file %q is not accepted", truncate(name, 32))
		}
		if len(b) == 0 {
			return fmt.Errorf("file %s is empty", name)
		}
		if len(b) > max {
			return fmt.Errorf("file %s has %d bytes, at most %d accepted", name, len(b), max)
		}
		total += len(b)
	}
	if total > MaxTotal {
		return fmt.Errorf("the files have %d bytes, at most %d accepted", total, MaxTotal)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// UnwrapSOD returns the CMS ContentInfo inside EF.SOD's application tag 0x77.
// A SOD that arrives without the wrapper (some readers strip it) is taken as
// it is when it starts like a DER SEQUENCE.
func UnwrapSOD(b []byte) ([]byte, error) {
	if len(b) > MaxSOD {
		return nil, malformed("SOD has %d bytes, at most %d accepted", len(b), MaxSOD)
	}
	if len(b) > 0 && b[0] == 0x30 {
		return b, nil
	}
	t, err := ReadOne(b, TagSOD)
	if err != nil {
		return nil, err
	}
	return t.Value, nil
}
