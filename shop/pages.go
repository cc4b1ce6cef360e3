package shop

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/qesproject/qes/enrol"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/webpage"
	"github.com/qesproject/qes/storage"
)

// --- register and confirm

type registerData struct {
	Email, Country, Marketing, MarketingPartners string
	Privacy                                      bool
}

func (h *handler) registerPage(c *echo.Context) error {
	return h.render(c, http.StatusOK, "register", &page{CSRF: h.formToken(c), Data: registerData{Country: "IT"}})
}

func (h *handler) register(c *echo.Context) error {
	if !h.checkForm(c) {
		return h.refuseForm(c)
	}
	d := registerData{Email: form(c, "email"), Country: form(c, "country"), Marketing: form(c, "marketing"),
		MarketingPartners: form(c, "marketing_partners"), Privacy: c.FormValue("privacy") == "yes"}
	lang := h.lang(c)
	err := h.svc.Register(c.Request().Context(), enrol.Registration{Email: d.Email, Password: c.FormValue("password"),
		Password2: c.FormValue("password2"), Country: d.Country, Lang: lang, Privacy: d.Privacy, Marketing: d.Marketing,
		MarketingPartners: d.MarketingPartners, IP: c.RealIP(), UserAgent: c.Request().UserAgent()})
	if err != nil {
		return h.fail(c, "register", &page{Lang: lang, CSRF: h.formToken(c), Data: d}, err)
	}
	return c.Redirect(http.StatusSeeOther, "/shop/verify?email="+url.QueryEscape(strings.ToLower(d.Email)))
}

func (h *handler) verifyPage(c *echo.Context) error {
	return h.render(c, http.StatusOK, "verify", &page{CSRF: h.formToken(c), Data: map[string]string{"Email": c.QueryParam("email")}})
}

func (h *handler) verify(c *echo.Context) error {
	if !h.checkForm(c) {
		return h.refuseForm(c)
	}
	email := form(c, "email")
	ctx := c.Request().Context()
	cu, err := h.svc.VerifyEmail(ctx, email, form(c, "code"), c.RealIP())
	if err != nil {
		return h.fail(c, "verify", &page{CSRF: h.formToken(c), Data: map[string]string{"Email": email}}, err)
	}
	if err := h.startSession(c, cu.ID); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/shop/checkout")
}

func (h *handler) verifyResend(c *echo.Context) error {
	if !h.checkForm(c) {
		return h.refuseForm(c)
	}
	email := form(c, "email")
	p := &page{CSRF: h.formToken(c), Data: map[string]string{"Email": email}}
	if err := h.svc.ResendVerification(c.Request().Context(), email, c.RealIP()); err != nil {
		return h.fail(c, "verify", p, err)
	}
	p.Lang = h.lang(c)
	p.Notice = tr(p.Lang, "shop.verify.resent")
	return h.render(c, http.StatusOK, "verify", p)
}

func (h *handler) startSession(c *echo.Context, customerID string) error {
	tok, err := h.svc.StartSession(c.Request().Context(), customerID)
	if err != nil {
		return err
	}
	h.cookie(c, h.sessionCookieName(c), tok, 0)
	return nil
}

// --- login, logout, forgot password

func (h *handler) loginPage(c *echo.Context) error {
	p := &page{CSRF: h.formToken(c), Data: map[string]string{"Next": c.QueryParam("next")}}
	switch c.QueryParam("m") {
	case "out":
		p.Lang = h.lang(c)
		p.Notice = tr(p.Lang, "shop.login.out")
	case "reset":
		p.Lang = h.lang(c)
		p.Notice = tr(p.Lang, "shop.forgot.done")
	}
	return h.render(c, http.StatusOK, "login", p)
}

func (h *handler) login(c *echo.Context) error {
	if !h.checkForm(c) {
		return h.refuseForm(c)
	}
	email, next := form(c, "email"), form(c, "next")
	ctx := c.Request().Context()
	cu, err := h.svc.Login(ctx, email, c.FormValue("password"), c.RealIP())
	if err != nil {
		return h.fail(c, "login", &page{CSRF: h.formToken(c), Data: map[string]string{"Email": email, "Next": next}}, err)
	}
	if err := h.startSession(c, cu.ID); err != nil {
		return err
	}
	if !strings.HasPrefix(next, "/shop/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		next = "/shop/orders"
	}
	return c.Redirect(http.StatusSeeOther, next)
}

func (h *handler) logout(c *echo.Context) error {
	if tok, ok := c.Get(ctxToken).(string); ok {
		if err := h.svc.EndSession(c.Request().Context(), tok); err != nil {
			return err
		}
	}
	h.cookie(c, h.sessionCookieName(c), "", -1)
	return c.Redirect(http.StatusSeeOther, "/shop/login?m=out")
}

func (h *handler) forgotPage(c *echo.Context) error {
	return h.render(c, http.StatusOK, "forgot", &page{CSRF: h.formToken(c), Data: map[string]string{"Step": "email"}})
}

func (h *handler) forgot(c *echo.Context) error {
	if !h.checkForm(c) {
		return h.refuseForm(c)
	}
	email := form(c, "email")
	if err := h.svc.StartReset(c.Request().Context(), email, c.RealIP()); err != nil {
		return h.fail(c, "forgot", &page{CSRF: h.formToken(c), Data: map[string]string{"Step": "email", "Email": email}}, err)
	}
	lang := h.lang(c)
	return h.render(c, http.StatusOK, "forgot", &page{Lang: lang, CSRF: h.formToken(c), Notice: tr(lang, "shop.forgot.sent"),
		Data: map[string]string{"Step": "reset", "Email": email}})
}

func (h *handler) forgotReset(c *echo.Context) error {
	if !h.checkForm(c) {
		return h.refuseForm(c)
	}
	email := form(c, "email")
	err := h.svc.CompleteReset(c.Request().Context(), email, form(c, "code"), c.FormValue("password"), c.FormValue("password2"), c.RealIP())
	if err != nil {
		return h.fail(c, "forgot", &page{CSRF: h.formToken(c), Data: map[string]string{"Step": "reset", "Email": email}}, err)
	}
	h.cookie(c, h.sessionCookieName(c), "", -1)
	return c.Redirect(http.StatusSeeOther, "/shop/login?m=reset")
}

// --- checkout and payment

type checkoutData struct {
	Biometric, Automated bool
	Quote                enrol.Quote
	Product              string
	Years                int
	Billing              storage.Billing
	Coupon               string
	Method               string
	Methods              []string
}

func (h *handler) checkoutData(c *echo.Context) (*checkoutData, error) {
	cu := h.customer(c)
	ctx := c.Request().Context()
	q, err := h.svc.Quote(ctx, cu.ID)
	if err != nil {
		return nil, err
	}
	full, err := h.svc.Customer(ctx, cu.ID)
	if err != nil {
		return nil, err
	}
	cfg := h.svc.Config()
	return &checkoutData{Quote: q, Product: cfg.Product, Years: cfg.ValidityYears, Billing: full.Billing, Method: "card", Methods: enrol.PaymentMethods}, nil
}

func (h *handler) checkoutPage(c *echo.Context) error {
	d, err := h.checkoutData(c)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "checkout", &page{Data: d})
}

func (h *handler) checkout(c *echo.Context) error {
	d, err := h.checkoutData(c)
	if err != nil {
		return err
	}
	d.Billing = storage.Billing{Name: form(c, "name"), TaxID: form(c, "taxid"), Address: form(c, "address"), InvoiceReason: form(c, "reason")}
	d.Coupon, d.Method = form(c, "coupon"), form(c, "method")
	d.Biometric, d.Automated = c.FormValue("biometric") == "yes", c.FormValue("automated") == "yes"
	o, err := h.svc.PlaceOrder(c.Request().Context(), h.customer(c).ID, enrol.Checkout{Billing: d.Billing, Coupon: d.Coupon,
		PaymentMethod: d.Method, Biometric: d.Biometric, Automated: d.Automated, Lang: h.lang(c), IP: c.RealIP(), UserAgent: c.Request().UserAgent()})
	if err != nil {
		return h.fail(c, "checkout", &page{Data: d}, err)
	}
	return c.Redirect(http.StatusSeeOther, "/shop/pay/"+o.Number)
}

func (h *handler) payPage(c *echo.Context) error {
	o, err := h.svc.Order(c.Request().Context(), h.customer(c).ID, c.Param("order"))
	if err != nil {
		return h.fail(c, "message", &page{TitleKey: "shop.title.pay"}, err)
	}
	if enrol.State(o.State) != enrol.Ordered {
		return c.Redirect(http.StatusSeeOther, "/shop/orders")
	}
	p := &page{Data: o}
	if c.QueryParam("declined") != "" {
		p.Lang = h.lang(c)
		p.Error = tr(p.Lang, "shop.pay.declined")
	}
	return h.render(c, http.StatusOK, "pay", p)
}

func (h *handler) pay(c *echo.Context) error {
	redirect, err := h.svc.StartPayment(c.Request().Context(), h.customer(c).ID, c.Param("order"))
	if err != nil {
		return h.fail(c, "message", &page{TitleKey: "shop.title.pay"}, err)
	}
	return c.Redirect(http.StatusSeeOther, redirect)
}

// callback is the payment provider's notice: an API (openapi.yaml), so
// its refusals are JSON; a verified notice sends the browser on.
func (h *handler) callback(c *echo.Context) error {
	out, err := h.svc.PaymentCallback(c.Request().Context(), c.Request())
	if err != nil {
		kind := errs.KindOf(err)
		status, text := webpage.UserError(msg.English, err)
		if status >= 500 {
			h.log.ErrorContext(c.Request().Context(), "shop: payment callback", "err", err)
			text = msg.Text(msg.English, "kind.internal")
		}
		return c.JSON(status, map[string]string{"error": kind.String(), "error_description": text})
	}
	if out.Status == enrol.PaymentDeclined {
		return c.Redirect(http.StatusSeeOther, "/shop/pay/"+out.Order.Number+"?declined=1")
	}
	return c.Redirect(http.StatusSeeOther, "/shop/orders?paid="+out.Order.Number)
}

// --- customer area

type orderLine struct {
	*storage.Order
	Link string
}

func (h *handler) orders(c *echo.Context) error {
	cu := h.customer(c)
	ctx := c.Request().Context()
	os, err := h.svc.Orders(ctx, cu.ID)
	if err != nil {
		return err
	}
	full, err := h.svc.Customer(ctx, cu.ID)
	if err != nil {
		return err
	}
	var lines []orderLine
	for _, o := range os {
		l := orderLine{Order: o}
		if enrol.State(o.State) == enrol.Paid {
			if l.Link, err = h.svc.DetailsLink(o.Number); err != nil {
				return err
			}
		}
		lines = append(lines, l)
	}
	p := &page{Data: map[string]any{"Orders": lines, "Customer": full}}
	lang := h.lang(c)
	p.Lang = lang
	switch {
	case c.QueryParam("paid") != "":
		p.Notice = msg.Text(lang, "shop.orders.paid", c.QueryParam("paid"))
	case c.QueryParam("done") != "":
		p.Notice = msg.Text(lang, "shop.orders.done", c.QueryParam("done"))
	}
	return h.render(c, http.StatusOK, "orders", p)
}

// --- details form

type detailsData struct {
	Order *storage.Order
	Token string
	Form  enrol.DetailsForm
}

// detailsAccess returns the order when the caller may fill its details:
// its logged-in owner, or anyone with the link's token.
func (h *handler) detailsAccess(c *echo.Context) (*storage.Order, bool, error) {
	ctx := c.Request().Context()
	number := c.Param("order")
	if t := c.FormValue("t"); t != "" {
		o, err := h.svc.OrderByLink(ctx, number, t)
		return o, false, err
	}
	cu := h.customer(c)
	if cu == nil {
		return nil, false, nil
	}
	o, err := h.svc.Order(ctx, cu.ID, number)
	return o, true, err
}

func (h *handler) detailsPage(c *echo.Context) error {
	o, owner, err := h.detailsAccess(c)
	if err != nil {
		return h.fail(c, "message", &page{TitleKey: "shop.title.details"}, err)
	}
	if o == nil {
		return c.Redirect(http.StatusSeeOther, "/shop/login?next="+c.Request().URL.Path)
	}
	p := &page{Data: detailsData{Order: o, Token: c.QueryParam("t"), Form: enrol.DetailsForm{Citizenship: "it", DocCountry: "IT"}}}
	if !owner {
		p.CSRF = h.formToken(c)
	}
	if enrol.State(o.State) != enrol.Paid {
		lang := h.lang(c)
		return h.message(c, http.StatusConflict, lang, "shop.title.details", "", msg.Text(lang, msg.ShopTransition, enrol.StateName(o.State), enrol.StateName(string(enrol.DetailsSubmitted)))+".")
	}
	return h.render(c, http.StatusOK, "details", p)
}

func (h *handler) details(c *echo.Context) error {
	o, owner, err := h.detailsAccess(c)
	if err != nil {
		return h.fail(c, "message", &page{TitleKey: "shop.title.details"}, err)
	}
	if o == nil {
		lang := h.lang(c)
		return h.message(c, http.StatusUnauthorized, lang, "shop.title.login", "", tr(lang, "shop.expired"))
	}
	// The owner's session CSRF token, or the anonymous form token for
	// someone who came with the link.
	if owner && !enrol.SameToken(c.FormValue("csrf"), h.customer(c).CSRF) || !owner && !h.checkForm(c) {
		return h.refuseForm(c)
	}
	f := enrol.DetailsForm{Citizenship: form(c, "citizenship"), TaxCode: form(c, "taxcode"), GivenName: form(c, "given"),
		Surname: form(c, "surname"), BirthDate: form(c, "birth"), Mobile: form(c, "mobile"), DocCountry: form(c, "doccountry"), IP: c.RealIP()}
	done, err := h.svc.SubmitDetails(c.Request().Context(), o.Number, f)
	if err != nil {
		p := &page{Data: detailsData{Order: o, Token: c.FormValue("t"), Form: f}}
		if !owner {
			p.CSRF = h.formToken(c)
		}
		return h.fail(c, "details", p, err)
	}
	if owner {
		return c.Redirect(http.StatusSeeOther, "/shop/orders?done="+done.Number)
	}
	lang := h.lang(c)
	return h.message(c, http.StatusOK, lang, "shop.title.details", msg.Text(lang, "shop.details.thanks", done.Number), "")
}

// --- the development payment provider's own pages

func (h *handler) devPayPage(c *echo.Context) error {
	in, err := h.dev.Intent(c.Request().Context(), c.Param("intent"))
	if err != nil {
		return h.fail(c, "message", &page{TitleKey: "shop.title.devpay"}, err)
	}
	return h.render(c, http.StatusOK, "devpay", &page{Data: in})
}

func (h *handler) devPay(c *echo.Context) error {
	v, err := h.dev.Decide(c.Request().Context(), c.Param("intent"), c.FormValue("decision") == "approve")
	if err != nil {
		return h.fail(c, "message", &page{TitleKey: "shop.title.devpay"}, err)
	}
	fields := make([]map[string]string, 0, len(v))
	for _, k := range []string{"intent", "order", "status", "amount", "currency", "ref", "sig"} {
		fields = append(fields, map[string]string{"Name": k, "Value": v.Get(k)})
	}
	return h.render(c, http.StatusOK, "devpay_return", &page{TitleKey: "shop.title.devpay", Data: map[string]any{"Fields": fields, "Status": v.Get("status")}})
}
