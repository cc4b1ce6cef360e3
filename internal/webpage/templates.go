package webpage

import (
	"html/template"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// ParsePages parses the page templates of a browser edge once, at start:
// every templates/NAME.html other than the shared ones joins the shared
// templates (the layout first, then partials) in a set of its own, so that
// each page can define "content". It panics on a broken template, which
// the edge's tests catch before anything ships.
func ParsePages(fsys fs.FS, shared ...string) map[string]*template.Template {
	files := make([]string, len(shared))
	for i, s := range shared {
		files[i] = "templates/" + s + ".html"
	}
	base := template.Must(template.New("").ParseFS(fsys, files...))
	names, err := fs.Glob(fsys, "templates/*.html")
	if err != nil {
		panic(err)
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".html")
		if slices.Contains(shared, name) {
			continue
		}
		out[name] = template.Must(template.Must(base.Clone()).ParseFS(fsys, n))
	}
	return out
}
