// Package msg is qes's one message catalogue: every text a person reads —
// portal pages, SMS and e-mail texts, the OAuth authorization pages and the
// messages of domain errors — under a stable ID, in English and Italian.
// Domain code names a message by its ID (errs.M); each edge renders it in
// the reader's language, and CSC's error_description uses the English text.
// Nothing here imports another qes package, so every layer may use it.
package msg

import (
	"fmt"
	"slices"
	"strings"
)

// ID names a message. IDs are stable: pages, tests and stored records may
// refer to them, so a text changes under its ID and an ID is never reused.
type ID string

// Languages the catalogue is written in; English is the fallback.
const (
	English = "en"
	Italian = "it"
)

// Lang returns the catalogue language for a holder's preference: Italian
// for "it", English for anything else.
func Lang(lang string) string {
	if lang == Italian {
		return Italian
	}
	return English
}

// Text renders id in lang with args (fmt verbs, explicit indexes where the
// languages order them differently). An argument that is itself an ID (or a
// list of IDs, or a Message) is rendered in the same language, so a message can name
// catalogue words such as password rules. An unknown ID renders as itself,
// which the catalogue tests forbid for every ID the code names.
func Text(lang string, id ID, args ...any) string {
	m, ok := catalogue[id]
	if !ok {
		return string(id)
	}
	text := m[0]
	if Lang(lang) == Italian {
		text = m[1]
	}
	if len(args) == 0 {
		return text
	}
	rendered := make([]any, len(args))
	for i, a := range args {
		switch a := a.(type) {
		case ID:
			rendered[i] = Text(lang, a)
		case Message:
			rendered[i] = Text(lang, a.ID, a.Args...)
		case []ID:
			words := make([]string, len(a))
			for j, w := range a {
				words[j] = Text(lang, w)
			}
			rendered[i] = strings.Join(words, ", ")
		default:
			rendered[i] = a
		}
	}
	return fmt.Sprintf(text, rendered...)
}

// The catalogue is written in several files, one map each (pages, errors,
// notices, OAuth, protocol errors, account recovery), so that work on one
// kind of message touches its own file; they are merged here, in one
// place, and an ID defined twice stops the program at start rather than
// one text silently replacing another.
func init() {
	if err := mergeInto(catalogue, errorMessages, noticeMessages, oauthErrorMessages, protocolMessages, recoveryMessages, enrolMessages, shopMessages); err != nil {
		panic(err)
	}
}

// mergeInto adds every part's messages to dst, refusing an ID that dst or
// an earlier part already defines.
func mergeInto(dst map[ID][2]string, parts ...map[ID][2]string) error {
	for _, part := range parts {
		for id, texts := range part {
			if _, dup := dst[id]; dup {
				return fmt.Errorf("msg: %s is defined twice", id)
			}
			dst[id] = texts
		}
	}
	return nil
}

// Message is a catalogue message with its arguments, passed as the argument
// of another message that quotes it (an inner error named in a request
// field): Text renders it in the language of the outer message.
type Message struct {
	ID   ID
	Args []any
}

// Has reports whether the catalogue knows id.
func Has(id ID) bool {
	_, ok := catalogue[id]
	return ok
}

// IDs lists every message ID, sorted, for the completeness tests.
func IDs() []ID {
	ids := make([]ID, 0, len(catalogue))
	for id := range catalogue {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
