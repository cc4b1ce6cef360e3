package csc

import (
	"slices"

	"github.com/qesproject/qes/pades"
)

// optionalMethods are served only when their service is configured
// (Config.Timestamps, Config.Documents); info lists them accordingly.
var optionalMethods = map[int][]string{
	1: {"signatures/timestamp"},
	2: {"signatures/timestamp", "signatures/signDoc"},
}

// methods is info's method list for API version v.
func (a *API) methods(v int) []string {
	out := slices.Clone(methodsV1)
	if v == 2 {
		out = slices.Clone(methodsV2)
	}
	for _, m := range optionalMethods[v] {
		if a.offers(m) {
			out = append(out, m)
		}
	}
	return out
}

func (a *API) offers(method string) bool {
	switch method {
	case "signatures/timestamp":
		return a.cfg.Timestamps != nil
	case "signatures/signDoc":
		return a.cfg.Documents != nil
	}
	return false
}

// describeSigning fills info's v2 signDoc capabilities: CAdES attached or
// detached on documents (detached only on digests), PAdES (certification
// or approval) on PDFs, XAdES enveloped in or enveloping XML, or detached
// from any file (B-B and B-T), the levels the
// configured TSA and revocation source allow.
func (a *API) describeSigning(out map[string]any) {
	d := a.cfg.Documents
	if d == nil {
		out["signature_formats"] = map[string]any{"formats": []string{}, "envelope_properties": [][]string{}}
		out["conformance_levels"] = []string{}
		out["validationInfo"] = false
		return
	}
	out["signature_formats"] = map[string]any{
		"formats":             []string{"C", "P", "J", "X"},
		"envelope_properties": [][]string{{"Attached", "Detached", "Parallel"}, {"Certification", "Revision"}, {"Attached"}, {"Enveloped", "Enveloping", "Detached"}},
	}
	out["conformance_levels"] = levelNames(d.Levels())
	out["validationInfo"] = true
}

// levelNames spells pades levels as the CSC table does (Ades-B-B, ...).
func levelNames(ls []pades.Level) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = "Ades-" + l.String()
	}
	return out
}
