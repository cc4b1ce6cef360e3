package csc

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/qesproject/qes/internal/errs"
)

func decodeForTest(t *testing.T, body string) (*signDocRequest, [][]byte, error) {
	t.Helper()
	req, docs, err := decodeSignDocBody(strings.NewReader(body), 1<<20, int64(len(body)))
	// One byte per read puts a chunk boundary everywhere.
	req2, docs2, err2 := decodeSignDocBody(iotest.OneByteReader(strings.NewReader(body)), 1<<20, -1)
	if errs.DetailOf(err) != errs.DetailOf(err2) || !reflect.DeepEqual(docs, docs2) || !reflect.DeepEqual(req, req2) {
		t.Fatalf("reading in small pieces changes the result: %v / %v", err, err2)
	}
	return req, docs, err
}

func TestSplitDocumentsDecodesContent(t *testing.T) {
	t.Parallel()
	pdf := make([]byte, 3000)
	if _, err := rand.Read(pdf); err != nil {
		t.Fatal(err)
	}
	std := base64.StdEncoding.EncodeToString(pdf)
	raw := base64.RawStdEncoding.EncodeToString(pdf[:3001-3]) // length not a multiple of 3
	slashEscaped := strings.ReplaceAll(std, "/", `\/`)
	wrapped := ""
	for i := 0; i < len(std); i += 76 {
		wrapped += std[i:min(i+76, len(std))] + `\r\n`
	}
	tests := []struct {
		name, body string
		want       [][]byte
	}{
		{"plain", `{"documents":[{"document":"` + std + `","signature_format":"P"}]}`, [][]byte{pdf}},
		{"unpadded", `{"documents":[{"document":"` + raw + `"}]}`, [][]byte{pdf[:2998]}},
		{"escaped slashes", `{"documents":[{"document":"` + slashEscaped + `"}]}`, [][]byte{pdf}},
		{"line-wrapped", `{"documents":[{"document":"` + wrapped + `"}]}`, [][]byte{pdf}},
		{"two documents", `{"documents":[{"document":"` + std + `"},{"document":"aGVsbG8="}]}`, [][]byte{pdf, []byte("hello")}},
		{"key case as encoding/json", `{"Documents":[{"DOCUMENT":"aGk="}]}`, [][]byte{[]byte("hi")}},
		{"escaped key falls back to encoding/json", `{"documents":[{"docu\u006dent":"aGk="}]}`, [][]byte{[]byte("hi")}},
		{"repeated documents key: last wins", `{"documents":[{"document":"YQ=="}],"documents":[{"document":"Yg=="}]}`, [][]byte{[]byte("b")}},
		{"whitespace everywhere", " {\n \"documents\" : [ { \"document\" : \"aGk=\" } ] }\n", [][]byte{[]byte("hi")}},
		{"empty document", `{"documents":[{"document":""}]}`, [][]byte{{}}},
		{"no documents", `{"credentialID":"x","documentDigests":[{"hashes":"abc"}]}`, [][]byte{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, docs, err := decodeForTest(t, tt.body)
			if err != nil {
				t.Fatal(err)
			}
			if len(docs) != len(tt.want) {
				t.Fatalf("%d documents, want %d", len(docs), len(tt.want))
			}
			for i := range docs {
				if !bytes.Equal(docs[i], tt.want[i]) {
					t.Fatalf("document %d differs (%d bytes, want %d)", i, len(docs[i]), len(tt.want[i]))
				}
			}
		})
	}
}

func TestSplitDocumentsKeepsOtherParameters(t *testing.T) {
	t.Parallel()
	body := `{"credentialID":"c1","SAD":"s\"ad","returnValidationInformation":true,"clientData":"\u00e8",
		"documents":[{"document":"aGk=","signature_format":"P","conformance_level":"Ades-B-LT","signAlgo":"1.2.840.10045.4.3.2",
		"signed_props":[{"attribute_name":"Reason","attribute_value":"UGVyIGFwcHJvdmF6aW9uZQ=="}],
		"signed_envelope_property":"Revision","qes_appearance":{"page":1,"rect":[10,20,210,80],"lines":["x"]}}],
		"documentDigests":[{"hashes":["a","b"],"hashAlgorithmOID":"2.16.840.1.101.3.4.2.1","signature_format":"C"}]}`
	req, docs, err := decodeForTest(t, body)
	if err != nil {
		t.Fatal(err)
	}
	d := req.Documents[0]
	if req.CredentialID != "c1" || req.SAD != `s"ad` || !req.ReturnValidationInformation || req.ClientData != "è" ||
		d.ConformanceLevel != "Ades-B-LT" || d.SignedEnvelopeProperty != "Revision" || d.Appearance == nil || d.Appearance.Rect[2] != 210 ||
		len(d.SignedProps) != 1 || string(docs[0]) != "hi" || len(req.DocumentDigests[0].Hashes) != 2 {
		t.Fatalf("decoded %+v", req)
	}
	single, _, err := decodeForTest(t, `{"documentDigests":[{"hashes":"abc"}]}`)
	if err != nil || len(single.DocumentDigests[0].Hashes) != 1 || single.DocumentDigests[0].Hashes[0] != "abc" {
		t.Fatalf("hashes as a single string (the spec's example): %+v %v", single, err)
	}
}

func TestSplitDocumentsRejects(t *testing.T) {
	t.Parallel()
	deep := strings.Repeat(`{"a":`, 40) + "1" + strings.Repeat("}", 40)
	tests := []struct {
		name, body, want string
	}{
		{"not an object", `["documents"]`, "must be a JSON object"},
		{"truncated", `{"documents":[{"document":"aGk=`, "not valid JSON"},
		{"trailing garbage", `{"documents":[]} x`, "not valid JSON"},
		{"bad base64", `{"documents":[{"document":"a$b="}]}`, "Invalid Base64 documents string parameter"},
		{"url-safe base64", `{"documents":[{"document":"-_-_"}]}`, "Invalid Base64 documents string parameter"},
		{"data after padding", `{"documents":[{"document":"YQ==YQ=="}]}`, "Invalid Base64 documents string parameter"},
		{"one dangling char", `{"documents":[{"document":"YWJjZ"}]}`, "Invalid Base64 documents string parameter"},
		{"other escape", `{"documents":[{"document":"YW\u0042j"}]}`, "Invalid Base64 documents string parameter"},
		{"escaped quote", `{"documents":[{"document":"YW\"Jj"}]}`, "Invalid Base64 documents string parameter"},
		{"raw newline", "{\"documents\":[{\"document\":\"YWJj\nZGVm\"}]}", "Invalid Base64 documents string parameter"},
		{"document not a string", `{"documents":[{"document":7}]}`, "Missing (or invalid type)"},
		{"missing document", `{"documents":[{"signature_format":"P"}]}`, "Missing (or invalid type) string parameter document"},
		{"too deep", deep, "nests too deeply"},
		{"bad literal", `{"returnValidationInfo":tru}`, "not valid JSON"},
		{"wrong type", `{"returnValidationInfo":"yes"}`, "Missing (or invalid type) boolean parameter returnValidationInfo"},
		{"missing colon", `{"documents" []}`, "not valid JSON"},
		{"bad appearance", `{"documents":[{"document":"aGk=","qes_appearance":{"page":1,"rect":[1,2,3]}}]}`, "Invalid parameter rect"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := decodeForTest(t, tt.body)
			if err == nil || errs.KindOf(err) != errs.InvalidRequest || !strings.Contains(errs.DetailOf(err), tt.want) {
				t.Fatalf("err = %v, want invalid_request mentioning %q", err, tt.want)
			}
		})
	}
	// Parameters other than document contents are bounded by the small
	// limit even when the whole body may be large.
	big := `{"clientData":"` + strings.Repeat("a", 2<<20) + `"}`
	if _, _, err := decodeSignDocBody(strings.NewReader(big), 1<<20, -1); err == nil || !strings.Contains(errs.DetailOf(err), "exceed") {
		t.Fatalf("oversized parameters: %v", err)
	}
}

// FuzzDecodeSignDoc checks the streaming decoder against encoding/json:
// whatever it accepts, encoding/json reads the same parameters and the
// same document contents.
func FuzzDecodeSignDoc(f *testing.F) {
	f.Add([]byte(`{"credentialID":"c","SAD":"s","documents":[{"document":"aGVsbG8=","signature_format":"P","conformance_level":"AdES-B-T","signAlgo":"1.2.840.10045.4.3.2"}],"returnValidationInfo":true}`))
	f.Add([]byte(`{"documentDigests":[{"hashes":["sTOgwOm+474gFj0q0x1iSNspKqbcse4IeiqlDg/HWuI="],"hashAlgorithmOID":"2.16.840.1.101.3.4.2.1","signature_format":"C","signAlgo":"1.2.840.10045.4.3.2"}]}`))
	f.Add([]byte(`{"documents":[{"document":"YW\/i\r\nYw=="},{"document":"YQ"}],"documents":[]}`))
	f.Add([]byte(`{"documents":[{"docu\u006dent":"aGk=","qes_appearance":{"page":2,"rect":[0,0,1,1]}}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, docs, err := decodeSignDocBody(bytes.NewReader(body), 1<<16, int64(len(body)))
		if err != nil {
			if errs.KindOf(err) != errs.InvalidRequest {
				t.Fatalf("error of kind %v: %v", errs.KindOf(err), err)
			}
			return
		}
		if _, err := req.toDomain(nil, docs); err != nil && errs.KindOf(err) != errs.InvalidRequest {
			t.Fatalf("toDomain: %v is %v, want InvalidRequest", err, errs.KindOf(err))
		}
		if len(bytes.TrimSpace(body)) == 0 {
			return // an empty body is {} by design, as in bind
		}
		var ref struct {
			Documents []struct {
				Document string `json:"document"`
			} `json:"documents"`
		}
		if err := json.Unmarshal(body, &ref); err != nil {
			t.Fatalf("accepted a body encoding/json refuses (%v): %q", err, body)
		}
		if len(ref.Documents) != len(req.Documents) || len(docs) != len(req.Documents) {
			t.Fatalf("%d documents, encoding/json sees %d", len(docs), len(ref.Documents))
		}
		for i, d := range ref.Documents {
			s := strings.NewReplacer("\r", "", "\n", "").Replace(d.Document)
			want, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
			if err != nil {
				t.Fatalf("document %d accepted but is not base64: %q", i, d.Document)
			}
			if !bytes.Equal(want, docs[i]) {
				t.Fatalf("document %d decodes to %q, want %q", i, docs[i], want)
			}
		}
	})
}
