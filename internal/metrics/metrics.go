// Package metrics is qesd's Prometheus instrumentation: one private
// registry (never the global one, so that two Apps in one test process do
// not collide), the HTTP middleware, and wrappers the composition root puts
// around the token, the OTP sender and the audit log. Domain packages never
// import it: they are observed through the ports they already have.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds every collector of one App.
type Metrics struct {
	reg *prometheus.Registry

	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec
	signatures   *prometheus.CounterVec
	hsmDuration  *prometheus.HistogramVec
	hsmErrors    *prometheus.CounterVec
	otpSent      *prometheus.CounterVec
	authFailures *prometheus.CounterVec
	lockouts     *prometheus.CounterVec
	auditAppend  *prometheus.HistogramVec
}

// Latency buckets from 0.5 ms (an HMAC on the token) to 10 s (a request
// that waited for the session pool).
var latencyBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// New registers qes's collectors, the Go runtime's and the process's.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.httpRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "qes_http_requests_total", Help: "HTTP requests answered, by route pattern, method and status.",
	}, []string{"route", "method", "status"})
	m.httpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "qes_http_request_duration_seconds", Help: "Time to answer an HTTP request, by route pattern and method.",
		Buckets: latencyBuckets,
	}, []string{"route", "method"})
	m.signatures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "qes_signatures_total", Help: "Signatures made with holders' keys, by algorithm.",
	}, []string{"algorithm"})
	m.hsmDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "qes_hsm_operation_duration_seconds", Help: "Time of a token operation, by operation.",
		Buckets: latencyBuckets,
	}, []string{"op"})
	m.hsmErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "qes_hsm_operation_errors_total", Help: "Token operations that failed, by operation.",
	}, []string{"op"})
	m.otpSent = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "qes_otp_messages_sent_total", Help: "Messages (codes and notices) handed to the sender, by channel and result.",
	}, []string{"channel", "result"})
	m.authFailures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "qes_auth_failures_total", Help: "Refused authentications (passwords, PINs, codes), by audit event type.",
	}, []string{"event"})
	m.lockouts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "qes_auth_lockouts_total", Help: "Authentications refused because an account, credential or address is locked or throttled, by audit event type and reason.",
	}, []string{"event", "reason"})
	m.auditAppend = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "qes_audit_append_duration_seconds", Help: "Time for an audit record to be acknowledged (on disk), by result.",
		Buckets: latencyBuckets,
	}, []string{"result"})
	m.reg.MustRegister(m.httpRequests, m.httpDuration, m.signatures, m.hsmDuration, m.hsmErrors,
		m.otpSent, m.authFailures, m.lockouts, m.auditAppend,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Registry is the private registry, for tests and extra collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

func since(t time.Time) float64 { return time.Since(t).Seconds() }
