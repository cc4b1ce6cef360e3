package csc_test

import (
	"net/http"
	"testing"

	"github.com/qesproject/qes/internal/testutil"
)

func TestInfoAdvertisesSigningMethods(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	for _, v := range []string{"v1", "v2"} {
		st, body := s.Post(t, "/csc/"+v+"/info", "", map[string]any{})
		if st != http.StatusOK {
			t.Fatalf("info %s: %d %v", v, st, body)
		}
		methods := map[string]bool{}
		for _, m := range body["methods"].([]any) {
			methods[m.(string)] = true
		}
		if !methods["signatures/timestamp"] || methods["signatures/signDoc"] != (v == "v2") {
			t.Fatalf("info %s methods = %v", v, body["methods"])
		}
		if v == "v1" {
			continue
		}
		formats := body["signature_formats"].(map[string]any)
		if got := formats["formats"].([]any); len(got) != 4 || got[0] != "C" || got[1] != "P" || got[2] != "J" || got[3] != "X" {
			t.Fatalf("signature_formats = %v", formats)
		}
		props := formats["envelope_properties"].([]any)
		if len(props) != 4 || props[0].([]any)[0] != "Attached" || props[0].([]any)[1] != "Detached" || len(props[1].([]any)) != 2 ||
			len(props[2].([]any)) != 1 || props[2].([]any)[0] != "Attached" || props[3].([]any)[0] != "Enveloped" {
			t.Fatalf("envelope_properties = %v", props)
		}
		levels := body["conformance_levels"].([]any)
		if len(levels) < 2 || levels[0] != "Ades-B-B" || levels[1] != "Ades-B-T" {
			t.Fatalf("conformance_levels = %v", levels)
		}
		if body["validationInfo"] != true {
			t.Fatalf("validationInfo = %v", body["validationInfo"])
		}
	}
	if st, body := s.Post(t, "/csc/v1/signatures/signDoc", "", map[string]any{}); st != http.StatusNotImplemented {
		t.Fatalf("v1 signDoc: %d %v, want 501 (v1 has no signDoc)", st, body)
	}
}
