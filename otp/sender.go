package otp

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// Message is one notification to a holder: an OTP by SMS, an e-mail, a
// lifecycle notice.
type Message struct {
	// ID names the message; the outbox assigns one when it is empty and
	// files attachments under it.
	ID      string    `json:"id,omitempty"`
	Time    time.Time `json:"time"`
	Channel string    `json:"channel"` // "sms" | "email"
	To      string    `json:"to"`
	Purpose string    `json:"purpose"`
	Subject string    `json:"subject,omitempty"`
	Code    string    `json:"code,omitempty"`
	Text    string    `json:"text"`
	// Attachments go with an e-mail (a contract, an envelope).
	Attachments []Attachment `json:"attachments,omitempty"`
}

// Attachment is a file an e-mail carries. Its content never goes into the
// outbox's JSON line: the outbox writes it to a file of its own and the
// line names the file and its SHA-256.
type Attachment struct {
	Name      string `json:"name"` // file name, e.g. "contract-2026-01-it.pdf"
	MediaType string `json:"mediaType"`
	Data      []byte `json:"-"`
	SHA256    string `json:"sha256,omitempty"` // hex, filled by the outbox
	File      string `json:"file,omitempty"`   // where the outbox wrote it, relative to the outbox file's directory
}

// attachmentName is what an attachment's file may be called: no path,
// nothing hidden.
var attachmentName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)

var messageID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

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

// Send appends m to the outbox file; attachments are written first, to
// outbox/<message id>/<name> next to the outbox file, so that a line never
// names a file that is not there.
func (o *Outbox) Send(_ context.Context, m Message) error {
	if len(m.Attachments) > 0 {
		if err := o.writeAttachments(&m); err != nil {
			return err
		}
	}
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

func (o *Outbox) writeAttachments(m *Message) error {
	if m.ID == "" {
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			return errs.Internalf(err, "outbox message ID")
		}
		m.ID = hex.EncodeToString(b[:])
	}
	if !messageID.MatchString(m.ID) {
		return errs.Ef(errs.Internal, "outbox: message ID %q is not a file name", m.ID)
	}
	rel := filepath.Join("outbox", m.ID)
	dir := filepath.Join(filepath.Dir(o.path), rel)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return errs.WrapM(err, errs.Unavailable, msg.OTPOpenOutbox)
	}
	atts := make([]Attachment, len(m.Attachments))
	for i, a := range m.Attachments {
		if !attachmentName.MatchString(a.Name) {
			return errs.Ef(errs.Internal, "outbox: attachment name %q is not a plain file name", a.Name)
		}
		sum := sha256.Sum256(a.Data)
		if err := os.WriteFile(filepath.Join(dir, a.Name), a.Data, 0o600); err != nil {
			return errs.WrapM(err, errs.Unavailable, msg.OTPWriteOutbox)
		}
		a.SHA256, a.File = hex.EncodeToString(sum[:]), filepath.ToSlash(filepath.Join(rel, a.Name))
		atts[i] = a
	}
	m.Attachments = atts
	return nil
}
