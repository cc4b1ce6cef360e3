package console

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/webpage"
	"github.com/qesproject/qes/officer"
	"github.com/qesproject/qes/storage"
)

// --- login and logout

type loginData struct{ User, Next string }

func (h *handler) loginPage(c *echo.Context) error {
	if h.officer(c) != nil {
		return c.Redirect(http.StatusSeeOther, "/operator/queue")
	}
	p := &page{CSRF: h.formToken(c), Data: loginData{Next: localPath(c.QueryParam("next"))}}
	if c.QueryParam("m") == "out" {
		p.Lang = h.lang(c)
		p.Notice = tr(p.Lang, "console.login.out")
	}
	return h.render(c, http.StatusOK, "login", p)
}

func (h *handler) login(c *echo.Context) error {
	d := loginData{User: strings.TrimSpace(c.FormValue("user")), Next: localPath(c.FormValue("next"))}
	if !h.checkForm(c) {
		lang := h.lang(c)
		return h.render(c, http.StatusForbidden, "login", &page{Lang: lang, CSRF: h.formToken(c), Error: tr(lang, "console.csrf"), Data: d})
	}
	ctx := c.Request().Context()
	tok, err := h.svc.Login(ctx, d.User, c.FormValue("password"), strings.TrimSpace(c.FormValue("code")), c.RealIP())
	if err != nil {
		return h.fail(c, "login", &page{CSRF: h.formToken(c), Data: d}, err)
	}
	// A login always gets a new token: the old session, if any, ends.
	if old := h.sessionToken(c); old != "" {
		_ = h.svc.Logout(ctx, old)
	}
	h.cookie(c, h.sessionCookieName(c), tok, 0)
	next := d.Next
	if next == "" {
		next = "/operator/queue"
	}
	return c.Redirect(http.StatusSeeOther, next)
}

// localPath is p when it is a page of the console (so that a redirect
// never leaves it), else "".
func localPath(p string) string {
	if !strings.HasPrefix(p, "/operator/") || strings.ContainsAny(p, "\\\r\n\t?#@%") || strings.Contains(p, "/..") || len(p) > 200 {
		return ""
	}
	for _, r := range p {
		if r < 0x21 || r > 0x7e {
			return ""
		}
	}
	return p
}

func (h *handler) logout(c *echo.Context) error {
	tok, _ := c.Get(ctxToken).(string)
	if err := h.svc.Logout(c.Request().Context(), tok); err != nil {
		return err
	}
	h.cookie(c, h.sessionCookieName(c), "", -1)
	return c.Redirect(http.StatusSeeOther, "/operator/login?m=out")
}

// --- queue

var orderPattern = regexp.MustCompile(`^55-\d{5}-\d{10}$`)

var decidedStates = []string{"approved", "rejected", "retry_required"}

func (h *handler) queue(c *echo.Context) error {
	items, err := h.svc.Queue(c.Request().Context())
	if err != nil {
		return err
	}
	p := &page{Wide: true, Data: items}
	p.Lang = h.lang(c)
	if order, state := c.QueryParam("order"), c.QueryParam("decided"); orderPattern.MatchString(order) && slices.Contains(decidedStates, state) {
		p.Notice = msg.Text(p.Lang, "console.decided", order, msg.ID(msg.StateNamePrefix+state))
	}
	return h.render(c, http.StatusOK, "queue", p)
}

// --- the review page

type kv struct{ Key, Label, Value string }

type feature struct {
	Key     string
	Checked bool
}

type enrolmentData struct {
	Case      *officer.Case
	Order     string
	Details   *storage.Details
	Document  []kv
	Checks    []kv
	Features  []feature
	Photos    []string // sides with a photo
	Face      bool
	Video     bool
	Reason    string
	Attempts  int
	Liveness  storage.LivenessChallenge
	FaceMatch storage.BindingResult
	PAD       storage.BindingResult
}

// sorted lists a map's entries by key, labelled from the catalogue where
// it has a label ("console.field.<key>").
func sorted(lang string, m map[string]string) []kv {
	out := make([]kv, 0, len(m))
	for k, v := range m {
		label := k
		if id := msg.ID("console.field." + k); msg.Has(id) {
			label = msg.Text(lang, id)
		}
		out = append(out, kv{Key: k, Label: label, Value: v})
	}
	slices.SortFunc(out, func(a, b kv) int { return strings.Compare(a.Key, b.Key) })
	return out
}

func (h *handler) enrolmentPage(c *echo.Context, status int, p *page, cs *officer.Case, ticked map[string]string, reason string) error {
	i := cs.Identification
	d := &enrolmentData{Case: cs, Order: cs.Order.Number, Details: cs.Order.Details, Reason: reason, Attempts: len(i.Attempts),
		Liveness: i.Liveness, FaceMatch: i.FaceMatch, PAD: i.PAD, Video: i.Video != nil && i.Video.SHA256 != ""}
	if i.Chip != nil {
		d.Document = sorted(p.Lang, i.Chip.Document)
		d.Checks = sorted(p.Lang, i.Chip.Checks)
		d.Face = i.Chip.FacePNG != nil && i.Chip.FacePNG.SHA256 != ""
	}
	for _, side := range []string{officer.MediaFront, officer.MediaBack} {
		if r, ok := i.Photos[side]; ok && r.SHA256 != "" {
			d.Photos = append(d.Photos, side)
		}
	}
	for _, f := range officer.Features {
		d.Features = append(d.Features, feature{Key: f, Checked: ticked[f] == officer.FeatureMatch})
	}
	p.Wide, p.Data = true, d
	p.TitleKey = "console.title.enrolment"
	return h.render(c, status, "enrolment", p)
}

func (h *handler) enrolment(c *echo.Context) error {
	s := h.officer(c)
	p := &page{Lang: h.lang(c)}
	cs, err := h.svc.Open(c.Request().Context(), s.User, c.Param("order"))
	if err != nil {
		return h.fail(c, "message", p, err)
	}
	return h.enrolmentPage(c, http.StatusOK, p, cs, nil, "")
}

func (h *handler) decision(c *echo.Context) error {
	s := h.officer(c)
	ctx := c.Request().Context()
	number := c.Param("order")
	d := officer.Decision{Review: c.FormValue("review"), Action: c.FormValue("action"), Reason: c.FormValue("reason"),
		Checklist: map[string]string{}}
	for _, f := range officer.Features {
		if v := c.FormValue("f_" + f); v != "" {
			d.Checklist[f] = v
		}
	}
	rev, err := h.svc.Decide(ctx, s.User, number, d)
	if err == nil {
		return c.Redirect(http.StatusSeeOther, "/operator/queue?decided="+rev.Decision+"&order="+number)
	}
	p := &page{Lang: h.lang(c)}
	status, text := webpage.UserError(p.Lang, err)
	if status >= 500 && status != http.StatusServiceUnavailable {
		return err
	}
	// The page again, with what the officer entered, when it can still
	// be decided; otherwise why not.
	cs, oerr := h.svc.Open(ctx, s.User, number)
	if oerr != nil {
		p.Error = text
		return h.render(c, status, "message", p)
	}
	p.Error = text
	return h.enrolmentPage(c, status, p, cs, d.Checklist, strings.TrimSpace(d.Reason))
}

// --- evidence

// mediaTypes are the types each kind of evidence may be served as; any
// other type a record names is served as a download, never rendered.
var mediaTypes = map[string][]string{
	officer.MediaFace:  {"image/png"},
	officer.MediaFront: {"image/jpeg", "image/png", "image/webp"},
	officer.MediaBack:  {"image/jpeg", "image/png", "image/webp"},
	officer.MediaVideo: {"video/mp4", "video/webm", "video/quicktime"},
}

func (h *handler) media(kind string) echo.HandlerFunc {
	return func(c *echo.Context) error {
		s := h.officer(c)
		ctx := c.Request().Context()
		lang := h.lang(c)
		plain := func(status int, text string) error {
			c.Response().Header().Set("Content-Type", "text/plain; charset=utf-8")
			return c.String(status, text+"\n")
		}
		ref, err := h.svc.Media(ctx, s.User, c.Param("order"), kind)
		if err != nil {
			status, text := webpage.UserError(lang, err)
			if status >= 500 {
				return err
			}
			return plain(status, text)
		}
		if h.evidence == nil {
			return plain(http.StatusServiceUnavailable, tr(lang, "console.evidence.off"))
		}
		data, err := h.evidence.Open(ctx, ref.SHA256)
		if errs.Is(err, errs.NotFound) {
			return plain(http.StatusNotFound, msg.Text(lang, msg.OfficerEvidenceMissing))
		}
		if err != nil {
			return err
		}
		// The file must be the one the record names: evidence is addressed
		// by its hash, and a store that returned another file is broken.
		if sum := sha256.Sum256(data); !strings.EqualFold(hex.EncodeToString(sum[:]), ref.SHA256) {
			return errs.Ef(errs.Internal, "evidence %s does not hash to its name", ref.SHA256)
		}
		hd := c.Response().Header()
		if slices.Contains(mediaTypes[kind], ref.MediaType) {
			hd.Set("Content-Type", ref.MediaType)
			hd.Set("Content-Disposition", "inline")
		} else {
			hd.Set("Content-Type", "application/octet-stream")
			hd.Set("Content-Disposition", "attachment")
		}
		hd.Set("Cache-Control", "no-store")
		// ServeContent answers the video element's range requests.
		http.ServeContent(c.Response(), c.Request(), "", time.Time{}, bytes.NewReader(data))
		return nil
	}
}
