package signdoc

import (
	"crypto/x509"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/jades"
	"github.com/qesproject/qes/pades"
)

// FormatJAdES is signature_format "J": JAdES (ETSI TS 119 182-1) over a
// JSON document.
const FormatJAdES = "J"

// jadesSerialisation maps signed_envelope_property for JAdES. The payload
// is always attached. Attached (the default) is the compact serialisation
// at B-B and the JSON one at B-T, whose time-stamp needs the unprotected
// header; Compact and JSON (qes extensions) choose explicitly.
func jadesSerialisation(field, s string, level pades.Level) (asJSON bool, err error) {
	switch strings.ToLower(s) {
	case "", "attached", "enveloping":
		return level >= pades.LevelBT, nil
	case "compact":
		if level >= pades.LevelBT {
			return false, errs.M(errs.InvalidRequest, msg.JAdESCompactBT, field)
		}
		return false, nil
	case "json":
		return true, nil
	}
	return false, errs.M(errs.InvalidRequest, msg.JAdESEnvelope, field, s)
}

// planJAdESDocument plans a JAdES signature of a JSON document. Whether
// the content is JSON is checked in prepare, where a refusal counts
// against the SAD like a PDF that does not parse.
func (d *Signer) planJAdESDocument(i int, doc PDFDocument, chain []*x509.Certificate) (*documentPlan, error) {
	field := fmt.Sprintf("documents[%d]", i)
	if len(doc.Content) == 0 {
		return nil, errs.M(errs.InvalidRequest, msg.DocumentEmpty, field)
	}
	if doc.Props != (SignedProps{}) {
		return nil, errs.M(errs.InvalidRequest, msg.JAdESOnlyParams, "signed_props", field)
	}
	if doc.Appearance != nil {
		return nil, errs.M(errs.InvalidRequest, msg.JAdESOnlyParams, "qes_appearance", field)
	}
	level, err := d.levelFor(field, doc.Level)
	if err != nil {
		return nil, err
	}
	if level > pades.LevelBT {
		return nil, errs.M(errs.InvalidRequest, msg.JAdESLevel, field, level)
	}
	asJSON, err := jadesSerialisation(field, doc.EnvelopeProperty, level)
	if err != nil {
		return nil, err
	}
	h, scheme, signOpts, err := resolveAlgo(field, chain[0].PublicKey, doc.SignAlgo, "", doc.SignAlgoParams)
	if err != nil {
		return nil, err
	}
	if _, ok := jades.Algorithm(chain[0].PublicKey, h, scheme == pades.PSS); !ok {
		return nil, errs.M(errs.InvalidRequest, msg.JAdESAlgorithm, field, h)
	}
	return &documentPlan{index: i, content: doc.Content, sign: signOpts, jadesLevel: level, jades: &jades.Options{
		Timestamp: level >= pades.LevelBT, Timestamper: d.cfg.Timestamper, JSON: asJSON, Hash: h, PSS: scheme == pades.PSS,
	}}, nil
}

// prepareJAdES checks that the document is JSON and builds the signing
// input.
func prepareJAdES(doc *documentPlan, chain []*x509.Certificate, opts jades.Options) (*jades.Prepared, error) {
	field := fmt.Sprintf("documents[%d]", doc.index)
	if !json.Valid(doc.content) {
		return nil, errs.M(errs.InvalidRequest, msg.JAdESNotJSON, field)
	}
	p, err := jades.Prepare(chain, doc.content, opts)
	if err != nil {
		return nil, inField(field, err)
	}
	return p, nil
}
