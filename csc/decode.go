package csc

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"sync"

	"github.com/go-playground/validator/v10"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// validate checks DTO constraints declared in struct tags; field names in
// its errors are the JSON names the client sent.
var validate = func() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		return name
	})
	return v
}()

// kindWords caches, per DTO type, the CSC word for each JSON field's type
// ("string", "array", ...), used in "Missing (or invalid type) <word>
// parameter <name>".
var kindWords sync.Map // reflect.Type -> map[string]string

func typeWords(t reflect.Type) map[string]string {
	if m, ok := kindWords.Load(t); ok {
		return m.(map[string]string)
	}
	m := map[string]string{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch ft.Kind() {
		case reflect.String:
			m[name] = "string"
		case reflect.Slice, reflect.Array:
			m[name] = "array"
		case reflect.Int, reflect.Int64, reflect.Int32:
			m[name] = "integer"
		case reflect.Bool:
			m[name] = "boolean"
		default:
			m[name] = "object"
		}
	}
	kindWords.Store(t, m)
	return m
}

func missing(word, name string) error {
	return errs.M(errs.InvalidRequest, msg.MissingParam, word, name)
}

// bind reads a JSON object body (at most limit bytes) into dto and checks its
// constraints. An empty body counts as {}: info and list take no required
// parameters and some clients send nothing.
func bind(r *http.Request, dto any, limit int64) error {
	if err := requireJSON(r); err != nil {
		return err
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errs.M(errs.InvalidRequest, msg.BodyTooLarge, limit)
		}
		return errs.M(errs.InvalidRequest, msg.BodyUnreadable)
	}
	return decodeJSON(body, dto)
}

// requireJSON accepts a JSON media type or none at all.
func requireJSON(r *http.Request) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return errs.M(errs.InvalidRequest, msg.ContentTypeJSON)
		}
	}
	return nil
}

// decodeJSON is bind without the HTTP: separate so it can be fuzzed.
func decodeJSON(body []byte, dto any) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		body = []byte("{}")
	}
	if body[0] != '{' {
		return errs.M(errs.InvalidRequest, msg.BodyNotObject)
	}
	t := reflect.TypeOf(dto).Elem()
	if err := json.Unmarshal(body, dto); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			name, _, _ := strings.Cut(te.Field, ".")
			if word, ok := typeWords(t)[name]; ok {
				return missing(word, name)
			}
		}
		return errs.M(errs.InvalidRequest, msg.BodyNotJSON)
	}
	if err := validate.Struct(dto); err != nil {
		var ves validator.ValidationErrors
		if !errors.As(err, &ves) || len(ves) == 0 {
			return errs.Internalf(err, "validate request")
		}
		fe := ves[0]
		name := fe.Field()
		if fe.Tag() == "required" {
			return missing(typeWords(t)[name], name)
		}
		return errs.M(errs.InvalidRequest, msg.InvalidParam, name)
	}
	return nil
}
