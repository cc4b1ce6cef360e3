package otp

import (
	"context"
	"encoding/json"
	"os"
	"sync"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// Message is one notification to a holder: an OTP by SMS, an e-mail, a
// lifecycle notice.
type Message struct {
	Time    time.Time `json:"time"`
	Channel string    `json:"channel"` // "sms" | "email"
	To      string    `json:"to"`
	Purpose string    `json:"purpose"`
	Code    string    `json:"code,omitempty"`
	Text    string    `json:"text"`
}

// Sender delivers messages. Production plugs in an SMS gateway and a mail
// relay; the embedded default is the Outbox.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Outbox is the development Sender: it appends each message as one JSON line
// to a file that developers, tests and browser tests read instead of a
// phone. It writes the code in clear and is for development only.
type Outbox struct {
	path string
	mu   sync.Mutex
}

// NewOutbox appends to the file at path, creating it if needed.
func NewOutbox(path string) *Outbox { return &Outbox{path: path} }

// Path is the outbox file.
func (o *Outbox) Path() string { return o.path }

// Send appends m to the outbox file.
func (o *Outbox) Send(_ context.Context, m Message) error {
	line, err := json.Marshal(m)
	if err != nil {
		return errs.Internalf(err, "encode outbox message")
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	f, err := os.OpenFile(o.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return errs.WrapM(err, errs.Unavailable, msg.OTPOpenOutbox)
	}
	defer f.Close()
	if _, err := f.Write(append(line, '\n')); err != nil {
		return errs.WrapM(err, errs.Unavailable, msg.OTPWriteOutbox)
	}
	return nil
}
