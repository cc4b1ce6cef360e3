// Package webpage is what every server-rendered page of qes shares,
// whichever edge serves it (the portal, the shop, the OAuth authorization
// pages): the security headers and the bound on form bodies. One place, so
// that the pages cannot drift apart on the policy that protects them.
package webpage

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"

	"github.com/labstack/echo/v5"
)

// CSP allows the pages the site's own stylesheet and inline images (QR
// codes) and nothing else: no script, no inline style, no framing, forms
// only to the site itself.
const CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// MaxFormBytes bounds a form body: no page's form is larger than a few KiB.
const MaxFormBytes = 64 << 10

// Headers forbid caching (pages show personal data and one-time secrets),
// framing, scripts and off-site form targets.
func Headers(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		hd := c.Response().Header()
		hd.Set("Cache-Control", "no-store")
		hd.Set("Content-Security-Policy", CSP)
		hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		return next(c)
	}
}

// LimitForm bounds POST bodies to MaxFormBytes before any handler reads them.
func LimitForm(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		if r := c.Request(); r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(c.Response(), r.Body, MaxFormBytes)
		}
		return next(c)
	}
}

// Write renders t's "layout" template with data and sends it with status.
// The page is rendered into memory first, so that a template error becomes
// an error page instead of half a page after a 200.
func Write(w http.ResponseWriter, status int, t *template.Template, name string, data any) error {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}
