package csc

import (
	"context"
	"errors"
	"math"
	"strconv"
	"time"

	"github.com/labstack/echo/v5"
	"golang.org/x/sync/semaphore"

	"github.com/qesproject/qes/authn"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// SignDocLimits bound what signatures/signDoc may take from the server.
type SignDocLimits struct {
	// Budget is how many request bytes all signDoc calls may hold at once
	// (default 256 MiB). A call takes its Content-Length (or the whole
	// document body cap when the length is not declared) before it reads
	// the body and gives it back when it has answered. The request bytes
	// stand for the documents: their decoded copies and the PDF decoding
	// are a bounded multiple of them (see pades' decoding bounds).
	Budget int64
	// Wait is how long a call waits for its share of the budget before it
	// is answered 503 with Retry-After (default 2 s): a burst of large
	// documents is smoothed, a flood is turned away rather than queued.
	Wait time.Duration
	// PerCredential rate-limits calls per holder and credential (default
	// 100 at once, then 10 a second); beyond it, 429 with Retry-After.
	PerCredential Rate
}

func (l *SignDocLimits) defaults() {
	if l.Budget <= 0 {
		l.Budget = 256 << 20
	}
	if l.Wait <= 0 {
		l.Wait = 2 * time.Second
	}
	if l.PerCredential.Burst <= 0 || l.PerCredential.Every <= 0 {
		l.PerCredential = Rate{Burst: 100, Every: 100 * time.Millisecond}
	}
}

// docGuard holds signDoc's memory budget and per-credential limiter.
type docGuard struct {
	limits        SignDocLimits
	budget        *semaphore.Weighted
	perCredential *limiter
}

func newDocGuard(l SignDocLimits) *docGuard {
	l.defaults()
	// The limiter runs on the wall clock, as the emergency route's does:
	// it paces clients, it decides nothing that must agree with the
	// service's (possibly simulated) time.
	return &docGuard{limits: l, budget: semaphore.NewWeighted(l.Budget), perCredential: newLimiter(l.PerCredential, nil)}
}

// errSignDocBusy answers a call that could not get its share of the
// budget in time.
var errSignDocBusy = errs.M(errs.Unavailable, msg.SignDocBusy)

// maxBody is the largest signDoc body the guard lets in: the configured
// document cap, or the whole budget if that is smaller, since a body the
// budget cannot hold could never be served.
func (g *docGuard) maxBody(maxDocBody int64) int64 { return min(maxDocBody, g.limits.Budget) }

// acquire takes the request's share of the budget before its body is
// read: its declared length, or maxBody when it declares none (the body
// is then cut at maxBody). A declared length over maxBody is refused at
// once with the body-too-large error, as the body cap refuses it. It
// returns the release to defer.
func (g *docGuard) acquire(c *echo.Context, maxDocBody int64) (func(), error) {
	limit := g.maxBody(maxDocBody)
	n := c.Request().ContentLength
	switch {
	case n > limit:
		return nil, errs.M(errs.InvalidRequest, msg.BodyTooLarge, limit)
	case n < 0:
		n = limit
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), g.limits.Wait)
	defer cancel()
	if err := g.budget.Acquire(ctx, n); err != nil {
		if errors.Is(c.Request().Context().Err(), context.Canceled) {
			return nil, errs.WrapM(err, errs.Unavailable, msg.CSCClientGone)
		}
		c.Response().Header().Set("Retry-After", "1")
		return nil, errSignDocBusy
	}
	return func() { g.budget.Release(n) }, nil
}

// allow spends one of the caller's calls for credentialID. The key joins
// holder and credential, so naming someone else's credential cannot use up
// its owner's allowance.
func (g *docGuard) allow(c *echo.Context, p *authn.Principal, credentialID string) error {
	holder := ""
	if p != nil {
		holder = p.HolderID
	}
	if g.perCredential.allow(holder + "\x00" + credentialID) {
		return nil
	}
	secs := int64(math.Ceil(g.limits.PerCredential.Every.Seconds()))
	c.Response().Header().Set("Retry-After", strconv.FormatInt(max(secs, 1), 10))
	return errs.M(errs.RateLimited, msg.SignDocThrottled)
}
