package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/otp"
)

// Sender counts the messages handed to inner by channel ("sms", "email")
// and result ("ok", "error").
func (m *Metrics) Sender(inner otp.Sender) otp.Sender { return &sender{inner: inner, m: m} }

type sender struct {
	inner otp.Sender
	m     *Metrics
}

func (s *sender) Send(ctx context.Context, msg otp.Message) error {
	err := s.inner.Send(ctx, msg)
	result := "ok"
	if err != nil {
		result = "error"
	}
	s.m.otpSent.WithLabelValues(channelLabel(msg.Channel), result).Inc()
	return err
}

func channelLabel(c string) string {
	switch c {
	case "sms", "email":
		return c
	}
	return "other"
}

// authEvents are the audit event types that record an authentication:
// a "denied" one is a failed authentication.
var authEvents = map[string]bool{
	"auth.login":           true, // CSC auth/login, password
	"portal.login":         true,
	"credential.authorize": true, // PIN and OTP for a SAD
	"officer.login":        true,
	"enrol.login":          true,
	"app.login":            true,
	"app.login-confirm":    true,
	"holder.first-access":  true,
	"oauth.authorize":      true,
}

// lockReasons are the refusal reasons that mean a lock or a throttle
// answered, not a wrong secret.
var lockReasons = map[string]bool{
	"throttled": true, "ip-throttled": true, "pin-blocked": true, "otp-throttled": true, "locked": true,
}

// AuditObserved records what an acknowledged Append says about the
// service: its latency (audit.WithObserver), and, for authentication
// events, failures and lockouts. Reading the audit stream keeps the
// domain packages free of metrics: every refusal is audited already.
func (m *Metrics) AuditObserved(ev audit.Event, took time.Duration, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.auditAppend.WithLabelValues(result).Observe(took.Seconds())
	if ev.Type == "auth.login-attack" {
		// The password throttle has just started slowing this account.
		m.lockouts.WithLabelValues(ev.Type, "throttle-started").Inc()
		return
	}
	if !authEvents[ev.Type] || ev.Outcome != "denied" {
		return
	}
	m.authFailures.WithLabelValues(ev.Type).Inc()
	if reason := ev.Detail["reason"]; lockReasons[reason] {
		m.lockouts.WithLabelValues(ev.Type, reason).Inc()
	}
}

// DBStatser is a store that reports the state of its database or pool as
// gauges: bbolt its free pages and transactions, a pooled back end its
// connections. The names become qes_db_<name>.
type DBStatser interface {
	DBStats() map[string]float64
}

// WatchDB exports s's figures, read at every scrape.
func (m *Metrics) WatchDB(s DBStatser) { m.reg.MustRegister(dbCollector{s}) }

type dbCollector struct{ s DBStatser }

// Describe sends nothing: the gauges' names come from the store at scrape
// time, which makes this an unchecked collector.
func (dbCollector) Describe(chan<- *prometheus.Desc) {}

func (c dbCollector) Collect(ch chan<- prometheus.Metric) {
	for name, v := range c.s.DBStats() {
		d := prometheus.NewDesc("qes_db_"+name, "Database state reported by the store ("+name+").", nil, nil)
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v)
	}
}
