package ca

import (
	"encoding/asn1"
	"errors"
	"strconv"
	"strings"
)

// parseDottedOID parses "1.2.840.10045" into an ObjectIdentifier, enforcing
// the X.660 rules encoding/asn1 would otherwise reject only at marshal time.
func parseDottedOID(s string) (asn1.ObjectIdentifier, error) {
	parts := strings.Split(s, ".")
	if len(parts) < 2 {
		return nil, errors.New("need at least two arcs")
	}
	oid := make(asn1.ObjectIdentifier, len(parts))
	for i, p := range parts {
		if p == "" || (len(p) > 1 && p[0] == '0') || strings.Trim(p, "0123456789") != "" {
			return nil, errors.New("arcs must be decimal numbers without leading zeros")
		}
		n, err := strconv.Atoi(p)
		if err != nil || n > 1<<31-1 {
			return nil, errors.New("arc is not a small non-negative integer")
		}
		oid[i] = n
	}
	if oid[0] > 2 || (oid[0] < 2 && oid[1] > 39) {
		return nil, errors.New("first arcs out of range")
	}
	return oid, nil
}
