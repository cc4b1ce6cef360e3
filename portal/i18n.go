package portal

import "github.com/qesproject/qes/internal/msg"

// tr returns key's text in lang from the one catalogue (English unless
// "it"); an unknown key shows itself, which the catalogue test forbids.
func tr(lang, key string) string { return msg.Text(lang, msg.ID(key)) }
