package pades

import (
	"github.com/qesproject/qes/internal/msg"
)

// editor tracks the objects this package rewrote in earlier updates of the
// same run, so later updates (DSS, document time-stamp) start from them
// instead of from the original file.
type editor struct {
	doc     *document
	overlay map[int64]object
	ch      chain
}

func newEditor(d *document) *editor {
	return &editor{doc: d, overlay: map[int64]object{}, ch: chainOf(d)}
}

// clone lets Finish run more than once from the same prepared state.
func (e *editor) clone() *editor {
	c := &editor{doc: e.doc, overlay: make(map[int64]object, len(e.overlay)), ch: e.ch}
	for k, v := range e.overlay {
		c.overlay[k] = v
	}
	return c
}

func (e *editor) resolve(o object) (object, error) {
	if r, ok := o.(ref); ok {
		if v, ok := e.overlay[r.num]; ok {
			return v, nil
		}
	}
	return e.doc.resolve(o)
}

func (e *editor) resolveDict(o object) (*dict, error) { return resolveDictWith(e.resolve, o) }

func (e *editor) resolveArray(o object) (array, error) { return resolveArrayWith(e.resolve, o) }

// put writes o as object r in update u and remembers it for later updates.
func (e *editor) put(u *update, r ref, o object) {
	u.put(r, o)
	e.overlay[r.num] = o
}

func (e *editor) catalog() (*dict, error) {
	cat, err := e.resolveDict(e.ch.root)
	if err != nil {
		return nil, err
	}
	if cat == nil {
		return nil, invalidPDF(msg.PAdESPDFNoCatalog)
	}
	return cat, nil
}

// pageCount reads /Count of the page tree root.
func (e *editor) pageCount() (int64, error) {
	cat, err := e.catalog()
	if err != nil {
		return 0, err
	}
	pages, err := e.resolveDict(cat.get("Pages"))
	if err != nil {
		return 0, err
	}
	if pages == nil {
		return 0, invalidPDF(msg.PAdESPDFNoPageTree)
	}
	n, _ := pages.get("Count").(int64)
	return n, nil
}

// page finds the index-th page (0-based) and its reference by walking the
// page tree, using /Count to skip subtrees.
func (e *editor) page(index int64) (ref, *dict, error) {
	cat, err := e.catalog()
	if err != nil {
		return ref{}, nil, err
	}
	want := index + 1
	node := cat.get("Pages")
	visited := map[int64]bool{}
	for depth := 0; depth < maxNesting; depth++ {
		r, ok := node.(ref)
		if !ok || visited[r.num] {
			break
		}
		visited[r.num] = true
		nd, err := e.resolveDict(r)
		if err != nil {
			return ref{}, nil, err
		}
		if nd == nil {
			break
		}
		if nd.get("Type") == name("Page") || nd.get("Kids") == nil {
			if index == 0 {
				return r, nd, nil
			}
			break
		}
		kids, err := e.resolveArray(nd.get("Kids"))
		if err != nil {
			return ref{}, nil, err
		}
		var next object
		for _, k := range kids {
			kd, err := e.resolveDict(k)
			if err != nil {
				return ref{}, nil, err
			}
			if kd == nil {
				continue
			}
			n := int64(1)
			if kd.get("Type") == name("Pages") || (kd.get("Type") != name("Page") && kd.get("Kids") != nil) {
				n, _ = kd.get("Count").(int64)
			}
			if index < n {
				next = k
				break
			}
			index -= n
		}
		if next == nil {
			break
		}
		node = next
	}
	return ref{}, nil, invalidPDF(msg.PAdESPDFPageNotFound, want)
}
