package portal

import (
	"embed"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/qesproject/qes/account"
	"github.com/qesproject/qes/internal/webpage"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/portal.css
var staticFS embed.FS

// pages are parsed once: each page template joins the layout and the
// partials in its own set, so that every page can define "content".
var pages = webpage.ParsePages(templateFS, "layout", "partials")

// page is what every template sees.
type page struct {
	Name     string
	TitleKey string
	Lang     string
	Service  string
	User     string
	CSRF     string
	// Back is where the language switch returns to.
	Back string
	// Nav shows the My Sign / My Account menu (active sessions only).
	Nav       bool
	InAccount bool
	Notice    string
	Error     string
	ErrorList []string
	// The holder's OTP channel, for the code fields and "send code" forms.
	AppMode        bool
	PhoneMasked    string
	SendAction     string
	SendCredential string
	Data           any
}

type langOption struct {
	Code, Name string
	Current    bool
}

// Langs lists the languages, each named in itself.
func (p *page) Langs() []langOption {
	return []langOption{{"en", "English", p.Lang == "en"}, {"it", "Italiano", p.Lang == "it"}}
}

// T translates a message key.
func (p *page) T(key string) string { return tr(p.Lang, key) }

// Tf translates a message key with fmt arguments.
func (p *page) Tf(key string, args ...any) string { return fmt.Sprintf(tr(p.Lang, key), args...) }

// Date formats an instant the way the holder's language writes it, in UTC
// (the service's reference time, also of the reports and summaries).
func (p *page) Date(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	if p.Lang == "it" {
		return t.UTC().Format("02/01/2006 15:04 UTC")
	}
	return t.UTC().Format("2 Jan 2006 15:04 UTC")
}

// Num formats a number with the language's decimal separator.
func (p *page) Num(v float64, decimals int) string {
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	if p.Lang == "it" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// MaskPhone hides all but the prefix and last digits of a number.
func (p *page) MaskPhone(phone string) string { return account.MaskPhone(phone) }

func (h *handler) render(c *echo.Context, status int, name string, p *page) error {
	t, ok := pages[name]
	if !ok {
		return fmt.Errorf("no page template %q", name)
	}
	p.Name = name
	if p.TitleKey == "" {
		p.TitleKey = "title." + name
	}
	if p.Service == "" {
		p.Service = h.cfg.Name
	}
	return webpage.Write(c.Response(), status, t, name, p)
}

// message renders a page that only says something (a notice or an
// error) and links on.
func (h *handler) message(c *echo.Context, status int, lang, titleKey, notice, errText, link, linkKey string) error {
	return h.render(c, status, "message", &page{Lang: lang, TitleKey: titleKey, Notice: notice, Error: errText,
		Data: map[string]string{"Link": link, "LinkKey": linkKey}})
}

func (h *handler) static(c *echo.Context) error {
	css, err := staticFS.ReadFile("static/portal.css")
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=3600")
	return c.Blob(http.StatusOK, "text/css; charset=utf-8", css)
}
