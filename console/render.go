package console

import (
	"embed"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/webpage"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/console.css
var css []byte

var pages = webpage.ParsePages(templateFS, "layout")

// tr returns key's text in lang from the one catalogue.
func tr(lang, key string) string { return msg.Text(lang, msg.ID(key)) }

// page is what every template sees.
type page struct {
	Name     string
	TitleKey string
	Lang     string
	Service  string
	// User is the logged-in officer's name; CSRF the token forms repeat.
	User   string
	CSRF   string
	Path   string
	Wide   bool
	Notice string
	Error  string
	Data   any
}

// T translates a message key.
func (p *page) T(key string) string { return tr(p.Lang, key) }

// Tf translates a message key with arguments.
func (p *page) Tf(key string, args ...any) string { return msg.Text(p.Lang, msg.ID(key), args...) }

// Date formats an instant in UTC.
func (p *page) Date(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	if p.Lang == "it" {
		return t.UTC().Format("02/01/2006 15:04:05 UTC")
	}
	return t.UTC().Format("2 Jan 2006 15:04:05 UTC")
}

// Span writes a duration as days, hours, minutes and seconds, the
// largest two that are not zero.
func (p *page) Span(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	d = d.Truncate(time.Second)
	days, h, m, s := int(d/(24*time.Hour)), int(d/time.Hour)%24, int(d/time.Minute)%60, int(d/time.Second)%60
	switch {
	case days > 0:
		return p.Tf("console.span.dh", days, h)
	case h > 0:
		return p.Tf("console.span.hm", h, m)
	default:
		return p.Tf("console.span.ms", m, s)
	}
}

func (h *handler) render(c *echo.Context, status int, name string, p *page) error {
	t, ok := pages[name]
	if !ok {
		return fmt.Errorf("no page template %q", name)
	}
	p.Name = name
	if p.TitleKey == "" {
		p.TitleKey = "console.title." + name
	}
	if p.Service == "" {
		p.Service = h.cfg.Name
	}
	if p.Lang == "" {
		p.Lang = h.lang(c)
	}
	p.Path = c.Request().URL.Path
	if s := h.officer(c); s != nil && p.CSRF == "" {
		p.User, p.CSRF = s.FullName, s.CSRF
	}
	return webpage.Write(c.Response(), status, t, name, p)
}

func (h *handler) message(c *echo.Context, status int, lang, titleKey, errText string) error {
	return h.render(c, status, "message", &page{Lang: lang, TitleKey: titleKey, Error: errText})
}

// fail renders page name again with the domain error; unexpected errors
// go to the error handler.
func (h *handler) fail(c *echo.Context, name string, p *page, err error) error {
	if p.Lang == "" {
		p.Lang = h.lang(c)
	}
	status, text := webpage.UserError(p.Lang, err)
	if status >= 500 && status != http.StatusServiceUnavailable {
		return err
	}
	p.Error = text
	return h.render(c, status, name, p)
}

func (h *handler) static(c *echo.Context) error {
	c.Response().Header().Set("Cache-Control", "public, max-age=3600")
	return c.Blob(http.StatusOK, "text/css; charset=utf-8", css)
}

// Live names a liveness action ("turn_left") in the page's language, or
// as the app sent it when the catalogue does not know it.
func (p *page) Live(action string) string {
	if id := msg.ID("console.live." + action); msg.Has(id) {
		return msg.Text(p.Lang, id)
	}
	return action
}
