// Package webpage is what every server-rendered page of qes shares,
// whichever edge serves it (the portal, the shop, the OAuth authorization
// pages): the security headers and the bound on form bodies. One place, so
// that the pages cannot drift apart on the policy that protects them.
package webpage

import (
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
