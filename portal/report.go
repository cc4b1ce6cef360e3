package portal

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/qesproject/qes/account"
	"github.com/qesproject/qes/history"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

type reportData struct {
	Account     *account.AccountView
	Report      *history.Report
	From, To    string // YYYY-MM-DD as typed; the range includes both days
	Credential  string
	Credentials []string
}

// dayRange reads the report's date inputs (UTC days, both inclusive).
func dayRange(from, to string) (time.Time, time.Time, error) {
	var f, t time.Time
	var err error
	if from != "" {
		if f, err = time.Parse(time.DateOnly, from); err != nil {
			return f, t, errs.M(errs.InvalidRequest, msg.DateFormat)
		}
	}
	if to != "" {
		if t, err = time.Parse(time.DateOnly, to); err != nil {
			return f, t, errs.M(errs.InvalidRequest, msg.DateFormat)
		}
		t = t.AddDate(0, 0, 1)
	}
	return f, t, nil
}

func (h *handler) credentialIDs(c *echo.Context, holderID string) ([]string, error) {
	views, err := h.sam.List(c.Request().Context(), holderID, false)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(views))
	for i, v := range views {
		ids[i] = v.ID
	}
	return ids, nil
}

func (h *handler) report(c *echo.Context) error {
	acct, err := h.loadAccount(c)
	if err != nil {
		return err
	}
	p := h.newPage(c, acct)
	d := &reportData{Account: acct, From: c.QueryParam("from"), To: c.QueryParam("to"), Credential: c.QueryParam("credential"), Report: &history.Report{}}
	p.Data = d
	if d.Credentials, err = h.credentialIDs(c, acct.ID); err != nil {
		return err
	}
	from, to, err := dayRange(d.From, d.To)
	if err != nil {
		return h.fail(c, "report", p, err)
	}
	r, err := h.hs.Report(c.Request().Context(), acct.ID, history.ReportFilter{From: from, To: to, CredentialID: d.Credential})
	if err != nil {
		return h.fail(c, "report", p, err)
	}
	d.Report = r
	return h.render(c, http.StatusOK, "report", p)
}

func (h *handler) daily(c *echo.Context) error {
	sess := session(c)
	on := form(c, "on") == "1"
	if err := h.hs.SetDailyReport(c.Request().Context(), sess.HolderID, on); err != nil {
		return err
	}
	if on {
		return done(c, "/portal/sign/report", "daily-on")
	}
	return done(c, "/portal/sign/report", "daily-off")
}

func (h *handler) footprint(c *echo.Context) error {
	acct, err := h.loadAccount(c)
	if err != nil {
		return err
	}
	f, err := h.hs.Footprint(c.Request().Context(), acct.ID)
	if err != nil {
		return err
	}
	p := h.newPage(c, acct)
	p.Data = map[string]any{
		"F": f, "SheetsPerSignature": history.SheetsPerSignature, "SheetGrams": history.SheetKg * 1000,
		"CO2PerKg": history.CO2KgPerKgPaper, "WaterPerKg": history.WaterLitresPerKgPaper,
	}
	return h.render(c, http.StatusOK, "footprint", p)
}
