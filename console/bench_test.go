package console_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/qesproject/qes/storage"
)

// BenchmarkReviewPage is one officer's GET of a review page: the session
// (an HSM MAC), the officer, the order, its identifications and reviews,
// and the page rendered in memory.
func BenchmarkReviewPage(b *testing.B) {
	e := newEnv(b)
	number := e.identified(b, "anna@example.org", true, e.clock.Now().Add(-time.Hour))
	c := e.client(b)
	c.login("rossi", e.seed)
	b.ResetTimer()
	for b.Loop() {
		if resp, _ := c.do(http.MethodGet, "/operator/enrolments/"+number, nil); resp.StatusCode != http.StatusOK {
			b.Fatal(resp.Status)
		}
	}
}

// BenchmarkQueue is the queue page over 500 orders, 100 of them waiting.
func BenchmarkQueue(b *testing.B) {
	e := newEnv(b)
	ctx := context.Background()
	now := e.clock.Now()
	if err := e.db.CreateCustomer(ctx, &storage.Customer{ID: "bulk", Email: "bulk@example.org", CreatedAt: now}, nil); err != nil {
		b.Fatal(err)
	}
	for i := range 500 {
		state := "paid"
		if i%5 == 0 {
			state = "requested"
		}
		o := &storage.Order{Number: fmt.Sprintf("55-00009-%010d", i), CustomerID: "bulk", State: state, IdentifiedAt: now.Add(-time.Duration(i) * time.Minute)}
		if err := e.db.CreateOrder(ctx, o, nil); err != nil {
			b.Fatal(err)
		}
	}
	c := e.client(b)
	c.login("rossi", e.seed)
	b.ResetTimer()
	for b.Loop() {
		if resp, _ := c.do(http.MethodGet, "/operator/queue", nil); resp.StatusCode != http.StatusOK {
			b.Fatal(resp.Status)
		}
	}
}
