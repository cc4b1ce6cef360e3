package testutil

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	qes "github.com/qesproject/qes"
)

// undocumentedPrefixes are path prefixes of routes whose OpenAPI description
// still waits in a docs/openapi/<branch>.yaml fragment. Answers on them are
// not checked. THE LEAD: delete an entry when its fragment is merged into
// openapi.yaml; once this list is empty, every route qesd serves is held to
// the contract.
var undocumentedPrefixes = []string{}

// pagePrefixes are server-rendered HTML pages for people (the holder portal,
// package portal; the shop and the dev payment provider's page, package
// shop; the registration officers' console, package console): not an API,
// so outside openapi.yaml for good.
var pagePrefixes = []string{"/portal", "/shop", "/dev/pay/", "/operator"}

// apiUnderPages are API routes under a page prefix: they are held to
// openapi.yaml like any other (the payment provider's callback).
var apiUnderPages = []string{"/shop/payments/callback"}

// Undocumented reports whether path belongs to a route that is allowed to be
// missing from openapi.yaml: for now (see undocumentedPrefixes), or because
// it serves HTML pages (pagePrefixes).
func Undocumented(path string) bool {
	for _, p := range apiUnderPages {
		if path == p {
			return false
		}
	}
	for _, p := range append(undocumentedPrefixes, pagePrefixes...) {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// contract is openapi.yaml, loaded once per test binary.
type contract struct {
	doc    *openapi3.T
	router routers.Router
	opts   *openapi3filter.Options
}

var loadContract = sync.OnceValues(func() (*contract, error) {
	doc, err := openapi3.NewLoader().LoadFromData(qes.OpenAPI)
	if err != nil {
		return nil, fmt.Errorf("openapi.yaml does not load: %w", err)
	}
	// legacy.NewRouter validates the document (doc.Validate) first.
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("openapi.yaml: %w", err)
	}
	return &contract{doc: doc, router: router, opts: &openapi3filter.Options{
		IncludeResponseStatus:             true, // an undocumented status is a mismatch
		MultiError:                        true,
		SkipSettingDefaults:               true,
		RejectWhenRequestBodyNotSpecified: true,
		AuthenticationFunc:                presentCredentials,
	}}, nil
})

// OpenAPI returns the embedded openapi.yaml, loaded and validated.
func OpenAPI() (*openapi3.T, error) {
	c, err := loadContract()
	if err != nil {
		return nil, err
	}
	return c.doc, nil
}

// presentCredentials checks that a request carries credentials of the
// scheme its operation declares; whether they are right is qesd's business.
func presentCredentials(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	want := in.SecurityScheme.Scheme
	scheme, cred, _ := strings.Cut(in.RequestValidationInput.Request.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, want) || strings.TrimSpace(cred) == "" {
		return fmt.Errorf("no %s credentials in the Authorization header", want)
	}
	return nil
}

// CheckContract reports how an answer departs from openapi.yaml: its status
// must be documented for the operation, its headers, Content-Type and body
// must match, and the request of a 2xx answer must match too. A route that
// is not in the document is a mismatch unless Undocumented, or a CSC path
// (the 501 catch-all). reqBody is what req carried.
func CheckContract(req *http.Request, reqBody []byte, resp *http.Response, respBody []byte) error {
	c, err := loadContract()
	if err != nil {
		return err
	}
	if err := c.check(req, reqBody, resp.StatusCode, resp.Header, respBody); err != nil {
		snippet := respBody
		if len(snippet) > 300 {
			snippet = append(snippet[:300:300], "..."...)
		}
		return fmt.Errorf("openapi.yaml contract: %s %s answered %d %q: %w", req.Method, req.URL.Path, resp.StatusCode, snippet, err)
	}
	return nil
}

var errNotDocumented = errors.New("the route is not in openapi.yaml: describe it there (or, while its description waits in docs/openapi/, list its prefix in undocumentedPrefixes in internal/testutil/contract.go)")

func (c *contract) check(req *http.Request, reqBody []byte, status int, header http.Header, body []byte) error {
	route, params, err := c.expect(req)
	if err != nil || route == nil {
		return err
	}
	if req.Method == http.MethodHead {
		// HEAD is GET without a body; kin-openapi does not validate it.
		if route.Operation.Responses.Status(status) == nil {
			return fmt.Errorf("status %d is not documented for %s %s", status, route.Method, route.Path)
		}
		return nil
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: c.opts}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: status, Header: header, Options: c.opts}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		return err
	}
	if status < 200 || status > 299 {
		return nil // refusals of bad requests are what the error responses describe
	}
	r := req.Clone(context.Background())
	r.Body = io.NopCloser(bytes.NewReader(reqBody))
	if len(reqBody) > 0 && jsonLike(r.Header.Get("Content-Type")) {
		// qesd reads a body without Content-Type, or with any +json type,
		// as JSON (csc/decode.go); the document lists application/json.
		r.Header.Set("Content-Type", "application/json")
	}
	in.Request = r
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		return fmt.Errorf("the request of a %d answer does not match: %w", status, err)
	}
	return nil
}

func jsonLike(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.TrimSpace(strings.ToLower(mt))
	return mt == "" || strings.HasSuffix(mt, "+json")
}

// expect finds the operation whose responses the answer must match: the
// documented one, or the catch-all answer for a documented path called with
// another method (405) or an unknown CSC method (501). It returns no route
// and no error for an Undocumented path.
func (c *contract) expect(req *http.Request) (*routers.Route, map[string]string, error) {
	find := req
	if req.Method == http.MethodHead {
		find = req.Clone(context.Background())
		find.Method = http.MethodGet
	}
	route, params, err := c.router.FindRoute(find)
	if err == nil {
		return route, params, nil
	}
	path := req.URL.Path
	csc := strings.HasPrefix(path, "/csc/")
	manage := strings.HasPrefix(path, "/api/v1/")
	switch {
	case c.doc.Paths.Find(path) != nil && csc:
		return c.catchAll(req, http.StatusMethodNotAllowed, "MethodNotAllowed")
	case manage:
		// Paths.Find does not resolve {credentialID}; either catch-all may apply.
		route, params, err := c.catchAll(req, http.StatusMethodNotAllowed, "ManageMethodNotAllowed")
		if err == nil {
			route.Operation.Responses.Set("404", &openapi3.ResponseRef{Value: c.doc.Components.Responses["ManageNotFound"].Value})
		}
		return route, params, err
	case c.doc.Paths.Find(path) != nil:
		return c.catchAll(req, http.StatusMethodNotAllowed, "MuxMethodNotAllowed")
	case Undocumented(path):
		return nil, nil, nil
	case strings.HasPrefix(path, "/csc/v1/") || strings.HasPrefix(path, "/csc/v2/"):
		return c.catchAll(req, http.StatusNotImplemented, "NotImplemented")
	}
	return nil, nil, errNotDocumented
}

// catchAll is an operation whose only answer is components/responses/name.
func (c *contract) catchAll(req *http.Request, status int, name string) (*routers.Route, map[string]string, error) {
	resp := c.doc.Components.Responses[name]
	if resp == nil {
		return nil, nil, fmt.Errorf("openapi.yaml lacks components/responses/%s", name)
	}
	op := openapi3.NewOperation()
	op.Responses = openapi3.NewResponses(openapi3.WithStatus(status, resp))
	return &routers.Route{Spec: c.doc, Path: req.URL.Path, PathItem: &openapi3.PathItem{}, Method: req.Method, Operation: op}, nil, nil
}
