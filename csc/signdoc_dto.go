package csc

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/qesproject/qes/authn"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/pades"
	"github.com/qesproject/qes/signdoc"
)

// signDocRequest is the signatures/signDoc body (CSC v2 11.11). Document
// contents never pass through it: splitDocuments takes them out first.
type signDocRequest struct {
	CredentialID       string              `json:"credentialID" validate:"max=128"`
	SignatureQualifier string              `json:"signatureQualifier" validate:"max=64"`
	SAD                string              `json:"SAD" validate:"max=4096"`
	DocumentDigests    []documentDigestDTO `json:"documentDigests" validate:"max=1000,dive"`
	Documents          []documentDTO       `json:"documents" validate:"max=1000,dive"`
	OperationMode      string              `json:"operationMode" validate:"omitempty,oneof=S A"`
	ValidityPeriod     *int                `json:"validity_period"`
	ResponseURI        string              `json:"response_uri" validate:"max=2048"`
	ClientData         string              `json:"clientData" validate:"max=2048"`
	// The spec's table says returnValidationInfo, its JSON schema and the
	// EU reference client returnValidationInformation: both are read.
	ReturnValidationInfo        bool `json:"returnValidationInfo"`
	ReturnValidationInformation bool `json:"returnValidationInformation"`
}

type documentDTO struct {
	// Document is empty after splitDocuments unless the client spelt the
	// key in a way it did not recognise (JSON escapes); see contents.
	Document               string          `json:"document"`
	SignatureFormat        string          `json:"signature_format" validate:"max=8"`
	ConformanceLevel       string          `json:"conformance_level" validate:"max=32"`
	SignAlgo               string          `json:"signAlgo" validate:"max=64"`
	SignAlgoParams         string          `json:"signAlgoParams" validate:"max=1024"`
	SignedProps            []signedPropDTO `json:"signed_props" validate:"max=16,dive"`
	SignedEnvelopeProperty string          `json:"signed_envelope_property" validate:"max=32"`
	// Appearance is a qes extension: a visible signature on a page.
	Appearance *appearanceDTO `json:"qes_appearance"`
	// DocumentName is a qes extension: the file's base name, which a
	// detached XAdES signature's reference carries (CSC passes no file
	// name). signdoc checks it; the bound here only caps what is read.
	DocumentName string `json:"document_name" validate:"max=1024"`
}

type documentDigestDTO struct {
	Hashes                 stringList      `json:"hashes" validate:"max=1000,dive,max=256"`
	HashAlgorithmOID       string          `json:"hashAlgorithmOID" validate:"max=64"`
	SignatureFormat        string          `json:"signature_format" validate:"max=8"`
	ConformanceLevel       string          `json:"conformance_level" validate:"max=32"`
	SignAlgo               string          `json:"signAlgo" validate:"max=64"`
	SignAlgoParams         string          `json:"signAlgoParams" validate:"max=1024"`
	SignedProps            []signedPropDTO `json:"signed_props" validate:"max=16,dive"`
	SignedEnvelopeProperty string          `json:"signed_envelope_property" validate:"max=32"`
}

type signedPropDTO struct {
	Name  string `json:"attribute_name" validate:"required,max=64"`
	Value string `json:"attribute_value" validate:"max=2048"`
}

// appearanceDTO places a visible signature: page is 1-based, rect is
// [x1, y1, x2, y2] in PDF points from the page's lower-left corner, lines
// replace the default text (signer, date, reason, location).
type appearanceDTO struct {
	Page  int       `json:"page" validate:"min=1,max=100000"`
	Rect  []float64 `json:"rect" validate:"len=4"`
	Lines []string  `json:"lines" validate:"max=8,dive,max=200"`
}

// stringList reads an array of strings or a single string: the spec's
// table says array for documentDigests hashes, its own example a string.
type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*l = many
	return nil
}

// decodeSignDoc reads and checks a signDoc request.
func decodeSignDoc(r *http.Request, maxBody, maxDocBody int64) (*signDocRequest, [][]byte, error) {
	if err := requireJSON(r); err != nil {
		return nil, nil, err
	}
	hint := r.ContentLength
	if hint > maxDocBody {
		return nil, nil, errs.M(errs.InvalidRequest, msg.BodyTooLarge, maxDocBody)
	}
	return decodeSignDocBody(http.MaxBytesReader(nil, r.Body, maxDocBody), int(maxBody), hint)
}

// decodeSignDocBody is decodeSignDoc without the HTTP, for fuzzing.
func decodeSignDocBody(body io.Reader, maxSkeleton int, sizeHint int64) (*signDocRequest, [][]byte, error) {
	split, err := splitDocuments(body, maxSkeleton, sizeHint)
	if err != nil {
		return nil, nil, err
	}
	var req signDocRequest
	if err := decodeJSON(split.skeleton, &req); err != nil {
		return nil, nil, err
	}
	contents := make([][]byte, len(req.Documents))
	for i, d := range req.Documents {
		if doc, ok := split.docs[i]; ok && d.Document == "" {
			contents[i] = doc
			continue
		}
		if d.Document == "" {
			return nil, nil, errs.M(errs.InvalidRequest, msg.MissingParamIn, "string", "document", fmt.Sprintf("documents[%d]", i))
		}
		raw, err := base64.StdEncoding.DecodeString(d.Document)
		if err != nil {
			return nil, nil, errBadDocumentBase64
		}
		contents[i] = raw
	}
	return &req, contents, nil
}

// toDomain checks what the DTO alone can tell and builds the domain request.
func (req *signDocRequest) toDomain(p *authn.Principal, contents [][]byte) (signdoc.Request, error) {
	out := signdoc.Request{Principal: p, CredentialID: req.CredentialID, SAD: req.SAD,
		ReturnValidationInfo: req.ReturnValidationInfo || req.ReturnValidationInformation}
	if req.OperationMode == "A" {
		return out, errs.M(errs.InvalidRequest, msg.AsyncNotSupported)
	}
	if req.CredentialID == "" {
		if req.SignatureQualifier != "" {
			return out, errs.M(errs.InvalidRequest, msg.CredentialNotChosen)
		}
		return out, missing("string", "credentialID")
	}
	if q := req.SignatureQualifier; q != "" && q != "eu_eidas_qes" {
		return out, errs.M(errs.InvalidRequest, msg.QualifierNotOffered, q)
	}
	for i, d := range req.Documents {
		field := fmt.Sprintf("documents[%d]", i)
		props, err := pdfProps(field, d.SignedProps)
		if err != nil {
			return out, err
		}
		doc := signdoc.PDFDocument{Content: contents[i], Format: d.SignatureFormat, Level: d.ConformanceLevel,
			EnvelopeProperty: d.SignedEnvelopeProperty, SignAlgo: d.SignAlgo, SignAlgoParams: d.SignAlgoParams, Props: props,
			DocumentName: d.DocumentName}
		if a := d.Appearance; a != nil {
			doc.Appearance = &pades.Appearance{Page: a.Page, Rect: [4]float64(a.Rect), Lines: a.Lines}
		}
		out.Documents = append(out.Documents, doc)
	}
	for i, d := range req.DocumentDigests {
		if len(d.SignedProps) > 0 {
			return out, errs.M(errs.InvalidRequest, msg.SignedPropsCAdES, propNames(d.SignedProps), i)
		}
		out.DocumentDigests = append(out.DocumentDigests, signdoc.DigestSet{Hashes: d.Hashes, HashAlgorithm: d.HashAlgorithmOID,
			Format: d.SignatureFormat, Level: d.ConformanceLevel, EnvelopeProperty: d.SignedEnvelopeProperty,
			SignAlgo: d.SignAlgo, SignAlgoParams: d.SignAlgoParams})
	}
	return out, nil
}

// pdfProps reads the signed_props PAdES has a place for: the signature
// dictionary's Name, Reason, Location and ContactInfo (ETSI EN 319 142-1
// 5.3), whose attribute_value is base64 UTF-8 text.
func pdfProps(field string, in []signedPropDTO) (signdoc.SignedProps, error) {
	var out signdoc.SignedProps
	var bad []string
	for _, p := range in {
		raw, err := base64.StdEncoding.DecodeString(p.Value)
		text := string(raw)
		if err != nil || !utf8.ValidString(text) || len([]rune(text)) > 256 {
			bad = append(bad, p.Name)
			continue
		}
		switch strings.ToLower(p.Name) {
		case "name":
			out.Name = text
		case "reason":
			out.Reason = text
		case "location":
			out.Location = text
		case "contactinfo":
			out.ContactInfo = text
		default:
			bad = append(bad, p.Name)
		}
	}
	if len(bad) > 0 {
		return out, errs.M(errs.InvalidRequest, msg.SignedPropsPAdES, strings.Join(bad, ", "), field)
	}
	return out, nil
}

func propNames(in []signedPropDTO) string {
	names := make([]string, len(in))
	for i, p := range in {
		names[i] = p.Name
	}
	return strings.Join(names, ", ")
}
