package shop

import (
	"embed"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/qesproject/qes/enrol"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/webpage"
)

//go:embed templates/*.html
var templateFS embed.FS

var pages = webpage.ParsePages(templateFS, "layout")

// tr returns key's text in lang from the one catalogue.
func tr(lang, key string) string { return msg.Text(lang, msg.ID(key)) }

// page is what every template sees.
type page struct {
	Name     string
	TitleKey string
	Lang     string
	Service  string
	// User is the logged-in customer's e-mail; CSRF the token forms repeat.
	User   string
	CSRF   string
	Path   string
	Notice string
	Error  string
	Data   any
}

// T translates a message key.
func (p *page) T(key string) string { return tr(p.Lang, key) }

// Tf translates a message key with arguments.
func (p *page) Tf(key string, args ...any) string { return msg.Text(p.Lang, msg.ID(key), args...) }

// Money writes cents in the page's language.
func (p *page) Money(cents int64) string { return enrol.FormatCents(cents, p.Lang) }

// Percent writes basis points as a percentage.
func (p *page) Percent(bp int) string { return enrol.FormatPercent(bp, p.Lang) }

// Date formats an instant in UTC.
func (p *page) Date(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	if p.Lang == "it" {
		return t.UTC().Format("02/01/2006 15:04 UTC")
	}
	return t.UTC().Format("2 Jan 2006 15:04 UTC")
}

// Countries lists the countries the forms offer, named in the page's
// language.
func (p *page) Countries() []country {
	out := make([]country, len(countries))
	for i, c := range countries {
		out[i] = c
		if p.Lang == "it" {
			out[i].Name = c.It
		}
	}
	return out
}

// Rules are the password policy's rule keys.
func (p *page) Rules() []string {
	return []string{"rule.length", "rule.upper", "rule.lower", "rule.digit", "rule.special", "rule.repeat", "rule.expiry"}
}

func (h *handler) render(c *echo.Context, status int, name string, p *page) error {
	t, ok := pages[name]
	if !ok {
		return fmt.Errorf("no page template %q", name)
	}
	p.Name = name
	if p.TitleKey == "" {
		p.TitleKey = "shop.title." + name
	}
	if p.Service == "" {
		p.Service = h.cfg.Name
	}
	if p.Lang == "" {
		p.Lang = h.lang(c)
	}
	p.Path = c.Request().URL.Path
	if cu := h.customer(c); cu != nil && p.CSRF == "" {
		p.User, p.CSRF = cu.Email, cu.CSRF
	}
	return webpage.Write(c.Response(), status, t, name, p)
}

func (h *handler) message(c *echo.Context, status int, lang, titleKey, notice, errText string) error {
	return h.render(c, status, "message", &page{Lang: lang, TitleKey: titleKey, Notice: notice, Error: errText})
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

func form(c *echo.Context, name string) string { return strings.TrimSpace(c.FormValue(name)) }

type country struct{ Code, Name, It string }

var countries = []country{
	{"IT", "Italy", "Italia"}, {"AT", "Austria", "Austria"}, {"BE", "Belgium", "Belgio"}, {"BG", "Bulgaria", "Bulgaria"},
	{"CH", "Switzerland", "Svizzera"}, {"CY", "Cyprus", "Cipro"}, {"CZ", "Czechia", "Cechia"}, {"DE", "Germany", "Germania"},
	{"DK", "Denmark", "Danimarca"}, {"EE", "Estonia", "Estonia"}, {"ES", "Spain", "Spagna"}, {"FI", "Finland", "Finlandia"},
	{"FR", "France", "Francia"}, {"GB", "United Kingdom", "Regno Unito"}, {"GR", "Greece", "Grecia"}, {"HR", "Croatia", "Croazia"},
	{"HU", "Hungary", "Ungheria"}, {"IE", "Ireland", "Irlanda"}, {"LT", "Lithuania", "Lituania"}, {"LU", "Luxembourg", "Lussemburgo"},
	{"LV", "Latvia", "Lettonia"}, {"MT", "Malta", "Malta"}, {"NL", "Netherlands", "Paesi Bassi"}, {"NO", "Norway", "Norvegia"},
	{"PL", "Poland", "Polonia"}, {"PT", "Portugal", "Portogallo"}, {"RO", "Romania", "Romania"}, {"SE", "Sweden", "Svezia"},
	{"SI", "Slovenia", "Slovenia"}, {"SK", "Slovakia", "Slovacchia"}, {"SM", "San Marino", "San Marino"}, {"US", "United States", "Stati Uniti"},
}
