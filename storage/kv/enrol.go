package kv

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"strings"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/storage"
)

var (
	bCustomers        = []byte("customers")
	bCustomerByEmail  = []byte("customers_by_email") // lower-case e-mail -> ID
	bConsents         = []byte("consents")           // "<customer>\x00<seq>"
	bOrders           = []byte("orders")
	bOrdersByCustomer = []byte("orders_by_customer") // "<customer>\x00<number>"
	bOrdersByUserID   = []byte("orders_by_userid")   // UserID -> number
	bCoupons          = []byte("coupons")
	bCustSessions     = []byte("customer_sessions")
	bCustSessByCust   = []byte("customer_sessions_by_customer") // "<customer>\x00<key>"
)

func init() {
	allBuckets = append(allBuckets, bCustomers, bCustomerByEmail, bConsents, bOrders, bOrdersByCustomer,
		bOrdersByUserID, bCoupons, bCustSessions, bCustSessByCust)
}

func emailKey(email string) []byte { return []byte(strings.ToLower(email)) }

func pairKey(a, b string) []byte { return []byte(a + "\x00" + b) }

// --- customers and consents

func (d *DB) CreateCustomer(ctx context.Context, c *storage.Customer, consents []*storage.Consent) error {
	if c.ID == "" || c.Email == "" {
		return errs.E(errs.Internal, "a customer needs an ID and an e-mail")
	}
	return d.update(ctx, func(tx Tx) error {
		if tx.Bucket(bCustomerByEmail).Get(emailKey(c.Email)) != nil {
			return errs.M(errs.Conflict, msg.StoreAlreadyExists, "customer e-mail")
		}
		if err := create(tx, bCustomers, []byte(c.ID), c, "customer"); err != nil {
			return err
		}
		if err := tx.Bucket(bCustomerByEmail).Put(emailKey(c.Email), []byte(c.ID)); err != nil {
			return err
		}
		for _, cn := range consents {
			if cn.CustomerID != c.ID {
				return errs.E(errs.Internal, "a consent belongs to the customer it is stored with")
			}
			if err := addConsent(tx, cn); err != nil {
				return err
			}
		}
		return nil
	})
}

func (d *DB) Customer(ctx context.Context, id string) (c *storage.Customer, err error) {
	err = d.viewOne(ctx, func(tx Tx) error {
		c, err = get[storage.Customer](tx, bCustomers, []byte(id), "customer")
		return err
	})
	return c, err
}

func (d *DB) CustomerByEmail(ctx context.Context, email string) (c *storage.Customer, err error) {
	err = d.view(ctx, func(tx Tx) error {
		id := tx.Bucket(bCustomerByEmail).Get(emailKey(email))
		if id == nil {
			return errs.M(errs.NotFound, msg.StoreNotFound, "customer")
		}
		c, err = get[storage.Customer](tx, bCustomers, id, "customer")
		return err
	})
	return c, err
}

func (d *DB) UpdateCustomer(ctx context.Context, id string, fn func(*storage.Customer) error) error {
	return updateKeeping(d, ctx, bCustomers, []byte(id), "customer",
		func(c *storage.Customer) string { return c.ID + "\x00" + c.Email }, fn)
}

func addConsent(tx Tx, c *storage.Consent) error {
	if c.CustomerID == "" || c.Kind == "" {
		return errs.E(errs.Internal, "a consent needs a customer and a kind")
	}
	b := tx.Bucket(bConsents)
	seq, err := b.NextSequence()
	if err != nil {
		return errs.Internalf(err, "consent sequence")
	}
	return put(tx, bConsents, signatureKey(c.CustomerID, time.Unix(0, 0), seq), c)
}

func (d *DB) AddConsent(ctx context.Context, c *storage.Consent) error {
	return d.update(ctx, func(tx Tx) error {
		if tx.Bucket(bCustomers).Get([]byte(c.CustomerID)) == nil {
			return errs.M(errs.NotFound, msg.StoreNotFound, "customer")
		}
		return addConsent(tx, c)
	})
}

func (d *DB) ConsentsOf(ctx context.Context, customerID string) (out []*storage.Consent, err error) {
	err = d.view(ctx, func(tx Tx) error {
		return scan(tx, bConsents, []byte(customerID+"\x00"), func(_ []byte, c *storage.Consent) error {
			out = append(out, c)
			return nil
		})
	})
	return out, err
}

// --- orders

func (d *DB) CreateOrder(ctx context.Context, o *storage.Order, prepare func(*storage.Order, *storage.Coupon) error) error {
	if o.Number == "" || o.CustomerID == "" {
		return errs.E(errs.Internal, "an order needs a number and a customer")
	}
	return d.update(ctx, func(tx Tx) error {
		if tx.Bucket(bCustomers).Get([]byte(o.CustomerID)) == nil {
			return errs.M(errs.NotFound, msg.StoreNotFound, "customer")
		}
		var c *storage.Coupon
		if o.Coupon != "" {
			var err error
			if c, err = get[storage.Coupon](tx, bCoupons, []byte(o.Coupon), "coupon"); err != nil {
				return err
			}
		}
		number, coupon := o.Number, o.Coupon
		if prepare != nil {
			if err := prepare(o, c); err != nil {
				return err
			}
		}
		if o.Number != number || o.Coupon != coupon || (c != nil && c.Code != coupon) {
			return errs.E(errs.Internal, "prepare may not change the order's number or coupon")
		}
		if c != nil {
			if err := put(tx, bCoupons, []byte(c.Code), c); err != nil {
				return err
			}
		}
		if o.UserID != "" {
			if err := reserveUserID(tx, o.UserID, o.Number); err != nil {
				return err
			}
		}
		if err := create(tx, bOrders, []byte(o.Number), o, "order "+o.Number); err != nil {
			return err
		}
		if err := tx.Bucket(bOrdersByState).Put(pairKey(o.State, o.Number), []byte{}); err != nil {
			return err
		}
		if err := markSealingDue(tx, o); err != nil {
			return err
		}
		return tx.Bucket(bOrdersByCustomer).Put(pairKey(o.CustomerID, o.Number), nil)
	})
}

// reserveUserID claims id for order number: free among orders and holders.
func reserveUserID(tx Tx, id, number string) error {
	if tx.Bucket(bHolders).Get([]byte(id)) != nil {
		return errs.M(errs.Conflict, msg.StoreAlreadyExists, "user ID "+id)
	}
	if owner := tx.Bucket(bOrdersByUserID).Get([]byte(id)); owner != nil && string(owner) != number {
		return errs.M(errs.Conflict, msg.StoreAlreadyExists, "user ID "+id)
	}
	return tx.Bucket(bOrdersByUserID).Put([]byte(id), []byte(number))
}

func (d *DB) Order(ctx context.Context, number string) (o *storage.Order, err error) {
	err = d.viewOne(ctx, func(tx Tx) error {
		o, err = get[storage.Order](tx, bOrders, []byte(number), "order")
		return err
	})
	return o, err
}

func (d *DB) UpdateOrder(ctx context.Context, number string, fn func(*storage.Order) error) error {
	return d.update(ctx, func(tx Tx) error {
		rec, err := get[storage.Order](tx, bOrders, []byte(number), "order")
		if err != nil {
			return err
		}
		customer, userID, state := rec.CustomerID, rec.UserID, rec.State
		if err := fn(rec); err != nil {
			return err
		}
		if rec.Number != number || rec.CustomerID != customer {
			return errs.E(errs.Internal, "an order's number and customer never change")
		}
		if rec.UserID != userID {
			if userID != "" {
				return errs.M(errs.Conflict, msg.StoreAlreadyExists, "the order's user ID "+userID)
			}
			if err := reserveUserID(tx, rec.UserID, number); err != nil {
				return err
			}
		}
		if rec.State != state {
			if err := tx.Bucket(bOrdersByState).Delete(pairKey(state, number)); err != nil {
				return err
			}
			if err := tx.Bucket(bOrdersByState).Put(pairKey(rec.State, number), []byte{}); err != nil {
				return err
			}
		}
		if err := markSealingDue(tx, rec); err != nil {
			return err
		}
		return put(tx, bOrders, []byte(number), rec)
	})
}

// markSealingDue files the order in orders_sealing_due with the hash of
// what is being written as the mark: a later write changes the mark, so
// a clear decided on an earlier read leaves the order due.
func markSealingDue(tx Tx, o *storage.Order) error {
	v, err := json.Marshal(o)
	if err != nil {
		return errs.Internalf(err, "encode order")
	}
	sum := sha256.Sum256(v)
	return tx.Bucket(bOrdersSealingDue).Put([]byte(o.Number), sum[:])
}

func (d *DB) OrdersDueSealing(ctx context.Context, fn func(number string, mark []byte) error) error {
	type due struct {
		number string
		mark   []byte
	}
	var all []due
	err := d.view(ctx, func(tx Tx) error {
		all = nil
		return tx.Bucket(bOrdersSealingDue).ForEach(func(k, v []byte) error {
			all = append(all, due{string(k), bytes.Clone(v)})
			return nil
		})
	})
	if err != nil {
		return err
	}
	// fn runs outside the transaction: the job seals (and writes) as it
	// goes.
	for _, x := range all {
		if err := fn(x.number, x.mark); err != nil {
			return err
		}
	}
	return nil
}

func (d *DB) ClearSealingDue(ctx context.Context, number string, mark []byte) error {
	return d.update(ctx, func(tx Tx) error {
		if !bytes.Equal(tx.Bucket(bOrdersSealingDue).Get([]byte(number)), mark) {
			return nil // written again since: still due
		}
		return tx.Bucket(bOrdersSealingDue).Delete([]byte(number))
	})
}

func (d *DB) OrdersOf(ctx context.Context, customerID string) (out []*storage.Order, err error) {
	err = d.view(ctx, func(tx Tx) error {
		prefix := []byte(customerID + "\x00")
		c := tx.Bucket(bOrdersByCustomer).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			o, err := get[storage.Order](tx, bOrders, k[len(prefix):], "order")
			if err != nil {
				return err
			}
			out = append(out, o)
		}
		return nil
	})
	return out, err
}

func (d *DB) ListOrders(ctx context.Context, fn func(*storage.Order) error) error {
	return d.view(ctx, func(tx Tx) error {
		return scan(tx, bOrders, nil, func(_ []byte, o *storage.Order) error { return fn(o) })
	})
}

// OrdersInState walks orders_by_state ("<state>\x00<number>", written
// with the order).
func (d *DB) OrdersInState(ctx context.Context, state string, fn func(*storage.Order) error) error {
	return d.view(ctx, func(tx Tx) error {
		for _, number := range ownedBy(tx, bOrdersByState, state) {
			o, err := get[storage.Order](tx, bOrders, number, "order")
			if err != nil {
				return err
			}
			if err := fn(o); err != nil {
				return err
			}
		}
		return nil
	})
}

func (d *DB) UserIDTaken(ctx context.Context, id string) (taken bool, err error) {
	err = d.view(ctx, func(tx Tx) error {
		taken = tx.Bucket(bHolders).Get([]byte(id)) != nil || tx.Bucket(bOrdersByUserID).Get([]byte(id)) != nil
		return nil
	})
	return taken, err
}

// --- coupons

func (d *DB) CreateCoupon(ctx context.Context, c *storage.Coupon) error {
	if c.Code == "" {
		return errs.E(errs.Internal, "a coupon needs a code")
	}
	return d.update(ctx, func(tx Tx) error { return create(tx, bCoupons, []byte(c.Code), c, "coupon "+c.Code) })
}

func (d *DB) Coupon(ctx context.Context, code string) (c *storage.Coupon, err error) {
	err = d.viewOne(ctx, func(tx Tx) error {
		c, err = get[storage.Coupon](tx, bCoupons, []byte(code), "coupon")
		return err
	})
	return c, err
}

func (d *DB) ListCoupons(ctx context.Context) (out []*storage.Coupon, err error) {
	err = d.view(ctx, func(tx Tx) error {
		return scan(tx, bCoupons, nil, func(_ []byte, c *storage.Coupon) error {
			out = append(out, c)
			return nil
		})
	})
	return out, err
}

// --- customer sessions (sessions.go)

func (d *DB) PutCustomerSession(ctx context.Context, s *storage.CustomerSession) error {
	return d.update(ctx, func(tx Tx) error { return customerSessions.create(tx, s) })
}

func (d *DB) CustomerSession(ctx context.Context, key string) (s *storage.CustomerSession, err error) {
	err = d.view(ctx, func(tx Tx) error {
		s, err = customerSessions.get(tx, key)
		return err
	})
	return s, err
}

func (d *DB) UpdateCustomerSession(ctx context.Context, key string, fn func(*storage.CustomerSession) error) error {
	return d.update(ctx, func(tx Tx) error { return customerSessions.update(tx, key, fn) })
}

func (d *DB) DeleteCustomerSession(ctx context.Context, key string) error {
	return d.update(ctx, func(tx Tx) error { return customerSessions.delete(tx, []byte(key)) })
}

func (d *DB) DeleteCustomerSessions(ctx context.Context, customerID string) (n int, err error) {
	err = d.update(ctx, func(tx Tx) error {
		n, err = customerSessions.deleteOwner(tx, customerID)
		return err
	})
	return n, err
}

func (d *DB) DeleteEndedCustomerSessions(ctx context.Context, now time.Time) (n int, err error) {
	err = d.update(ctx, func(tx Tx) error {
		n, err = customerSessions.deleteEnded(tx, now)
		return err
	})
	return n, err
}
