package ca

import (
	"encoding/asn1"
	"reflect"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/errs"
)

func TestQCStatementsRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		q    QCStatements
	}{
		{"full natural person", QCStatements{
			SemanticsID: OIDSemanticsIDNatural, Compliance: true, RetentionYears: 20, SSCD: true,
			PDS:   []PDSLocation{{"https://a.test/en", "en"}, {"https://a.test/it", "it"}},
			Types: []asn1.ObjectIdentifier{OIDQcTypeESign},
		}},
		{"compliance only", QCStatements{Compliance: true}},
		{"pds only", QCStatements{PDS: []PDSLocation{{"https://a.test/en", "en"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			der, err := tt.q.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseQCStatements(der)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.q) {
				t.Fatalf("round trip:\n got %+v\nwant %+v", got, tt.q)
			}
		})
	}
	if _, err := (QCStatements{}).Marshal(); err == nil {
		t.Fatal("empty statements must not encode")
	}
}

func TestParseQCStatementsRejectsMalformed(t *testing.T) {
	stmt := func(id asn1.ObjectIdentifier, info any) qcStatement {
		s := qcStatement{ID: id}
		if info != nil {
			der, err := asn1.Marshal(info)
			if err != nil {
				t.Fatal(err)
			}
			s.Info = asn1.RawValue{FullBytes: der}
		}
		return s
	}
	enc := func(stmts ...qcStatement) []byte {
		der, err := asn1.Marshal(stmts)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	type badPDS struct {
		URL  string `asn1:"utf8"`
		Lang string `asn1:"printable"`
	}
	tests := []struct {
		name string
		der  []byte
		want string
	}{
		{"not DER", []byte{0x30, 0x05, 0x01}, "malformed qcStatements"},
		{"trailing bytes", append(enc(stmt(OIDQcCompliance, nil)), 0x00), "malformed qcStatements"},
		{"empty sequence", []byte{0x30, 0x00}, "empty"},
		{"duplicate", enc(stmt(OIDQcCompliance, nil), stmt(OIDQcCompliance, nil)), "appears twice"},
		{"compliance with info", enc(stmt(OIDQcCompliance, 1)), "must not carry"},
		{"sscd with info", enc(stmt(OIDQcSSCD, true)), "must not carry"},
		{"retention not integer", enc(stmt(OIDQcRetentionPeriod, "x")), "INTEGER"},
		{"retention zero", enc(stmt(OIDQcRetentionPeriod, 0)), "at least one year"},
		{"retention missing", enc(stmt(OIDQcRetentionPeriod, nil)), "INTEGER"},
		{"qctype empty", enc(stmt(OIDQcType, []asn1.ObjectIdentifier{})), "non-empty"},
		{"pds utf8 url", enc(stmt(OIDQcPDS, []badPDS{{"https://a", "en"}})), "IA5String"},
		{"pds long language", enc(stmt(OIDQcPDS, []pdsLocation{{"https://a", "eng"}})), "two-character"},
		{"pds empty", enc(stmt(OIDQcPDS, []pdsLocation{})), "non-empty"},
		{"semantics without id", enc(stmt(OIDQCSyntaxV2, struct{}{})), "semanticsIdentifier"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseQCStatements(tt.der)
			if !errs.Is(err, errs.InvalidRequest) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want InvalidRequest containing %q", err, tt.want)
			}
		})
	}
}

func TestParseQCStatementsKeepsUnknown(t *testing.T) {
	psd2 := asn1.ObjectIdentifier{0, 4, 0, 19495, 2}
	der, err := asn1.Marshal([]qcStatement{{ID: OIDQcCompliance}, {ID: psd2, Info: asn1.RawValue{FullBytes: []byte{0x05, 0x00}}}})
	if err != nil {
		t.Fatal(err)
	}
	q, err := ParseQCStatements(der)
	if err != nil {
		t.Fatal(err)
	}
	if !q.Compliance || len(q.Unknown) != 1 || !q.Unknown[0].Equal(psd2) {
		t.Fatalf("got %+v", q)
	}
}

func TestValidatePDS(t *testing.T) {
	en := PDSLocation{"https://pki.test/pds-en", "en"}
	tests := []struct {
		name string
		locs []PDSLocation
		want string
	}{
		{"ok", []PDSLocation{en, {"https://pki.test/pds-it", "it"}}, ""},
		{"none", nil, "at least one"},
		{"no english", []PDSLocation{{"https://pki.test/pds-it", "it"}}, "English"},
		{"http", []PDSLocation{{"http://pki.test/pds-en", "en"}}, "https"},
		{"relative", []PDSLocation{{"/pds-en", "en"}}, "https"},
		{"upper-case language", []PDSLocation{{"https://pki.test/pds-en", "EN"}}, "lower-case"},
		{"three letters", []PDSLocation{{"https://pki.test/pds-en", "eng"}}, "lower-case"},
		{"duplicate language", []PDSLocation{en, en}, "twice"},
		{"non-ascii url", []PDSLocation{{"https://pki.test/pdś", "en"}}, "https"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validatePDS(tt.locs)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errs.Is(err, errs.InvalidRequest) || !strings.Contains(errs.DetailOf(err), tt.want) {
				t.Fatalf("err = %v, want InvalidRequest containing %q", err, tt.want)
			}
		})
	}
}

func TestPoliciesRoundTrip(t *testing.T) {
	in := []PolicyInformation{{ID: OIDPolicyQCPnQSCD}, {ID: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1}, CPSURI: "https://pki.test/cps"}}
	der, err := marshalPolicies(in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParsePolicies(der)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, in) {
		t.Fatalf("got %+v, want %+v", got, in)
	}
}

func TestParseDottedOID(t *testing.T) {
	tests := []struct {
		in   string
		want asn1.ObjectIdentifier
	}{
		{"1.3.6.1.4.1.99999.1.1", asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1, 1}},
		{"0.4.0.194112.1.2", OIDPolicyQCPnQSCD},
		{"2.999", asn1.ObjectIdentifier{2, 999}},
		{"", nil}, {"1", nil}, {"1..2", nil}, {"1.02", nil}, {"3.1", nil}, {"1.40", nil},
		{"1.+2", nil}, {"1.-2", nil}, {"1.2.x", nil}, {"1.2.99999999999", nil}, {" 1.2", nil},
	}
	for _, tt := range tests {
		got, err := parseOID(tt.in)
		if tt.want == nil {
			if !errs.Is(err, errs.InvalidRequest) {
				t.Errorf("parseOID(%q) = %v, %v; want InvalidRequest", tt.in, got, err)
			}
			continue
		}
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("parseOID(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func FuzzParseQCStatements(f *testing.F) {
	full, err := QCStatements{
		SemanticsID: OIDSemanticsIDNatural, Compliance: true, RetentionYears: 20, SSCD: true,
		PDS: []PDSLocation{{"https://a.test/en", "en"}}, Types: []asn1.ObjectIdentifier{OIDQcTypeESign},
	}.Marshal()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(full)
	f.Add([]byte{0x30, 0x00})
	f.Fuzz(func(t *testing.T, der []byte) {
		q, err := ParseQCStatements(der)
		if err != nil {
			if !errs.Is(err, errs.InvalidRequest) {
				t.Fatalf("error kind %v", errs.KindOf(err))
			}
			return
		}
		// Whatever parses must re-encode and parse to the same value
		// (unknown statements are not re-encoded).
		q.Unknown = nil
		if !q.Compliance && !q.SSCD && q.RetentionYears == 0 && len(q.PDS) == 0 && len(q.Types) == 0 && q.SemanticsID == nil {
			return
		}
		again, err := q.Marshal()
		if err != nil {
			return // e.g. a PDS URL that is not IA5 after decoding cannot be re-encoded as such
		}
		q2, err := ParseQCStatements(again)
		if err != nil || !reflect.DeepEqual(q, q2) {
			t.Fatalf("re-encoding changed the value: %+v vs %+v (%v)", q, q2, err)
		}
	})
}

func FuzzParsePolicies(f *testing.F) {
	der, err := marshalPolicies([]PolicyInformation{{ID: OIDPolicyQCPnQSCD}, {ID: asn1.ObjectIdentifier{1, 2, 3}, CPSURI: "https://x"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(der)
	f.Fuzz(func(t *testing.T, der []byte) {
		if _, err := ParsePolicies(der); err != nil && !errs.Is(err, errs.InvalidRequest) {
			t.Fatalf("error kind %v", errs.KindOf(err))
		}
	})
}
