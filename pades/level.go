package pades

import (
	"strings"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// Level is a PAdES (or CAdES) baseline conformance level.
type Level int

const (
	// LevelBB is B-B: the signature with its signed attributes.
	LevelBB Level = iota + 1
	// LevelBT is B-T: B-B plus a signature time-stamp over the signature value.
	LevelBT
	// LevelBLT is B-LT: B-T plus validation data (certificates, OCSP, CRLs) in the DSS.
	LevelBLT
	// LevelBLTA is B-LTA: B-LT plus a document time-stamp over the whole file.
	LevelBLTA
)

var levelNames = map[Level]string{
	LevelBB:   "B-B",
	LevelBT:   "B-T",
	LevelBLT:  "B-LT",
	LevelBLTA: "B-LTA",
}

func (l Level) String() string {
	if s, ok := levelNames[l]; ok {
		return s
	}
	return "unknown"
}

// ParseLevel reads a conformance level case-insensitively. It accepts the
// bare level ("B-LT"), the CSC spellings ("AdES-B-T", "Ades-B-T"), the
// format-qualified ones ("PAdES-B-LTA", "CAdES-B-B") and the CSC short forms
// without the "B-" ("AdES-T").
func ParseLevel(s string) (Level, error) {
	v := strings.ToUpper(strings.TrimSpace(s))
	for _, prefix := range []string{"PADES-", "CADES-", "ADES-"} {
		if strings.HasPrefix(v, prefix) {
			v = strings.TrimPrefix(v, prefix)
			break
		}
	}
	switch v {
	case "B-B", "B":
		return LevelBB, nil
	case "B-T", "T":
		return LevelBT, nil
	case "B-LT", "LT":
		return LevelBLT, nil
	case "B-LTA", "LTA":
		return LevelBLTA, nil
	}
	return 0, errs.M(errs.InvalidRequest, msg.PAdESUnknownLevelName, s)
}
