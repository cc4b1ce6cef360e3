package qes_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"slices"
	"strings"
	"testing"
)

// The map of the code lives in docs/ARCHITECTURE.md, for people; this test
// reads its tables, so the map cannot drift from the code: every package
// must have a row, every row must name a package, every import must be one
// the row allows, and the transitive rules (what may link cgo crypto11, bbolt,
// the PDF parser) hold over `go list -deps`.

const module = "github.com/qesproject/qes"

type pkgRule struct {
	mayImport []string // module-relative packages; "*" means any package of the module
	except    []string // with "*": packages it still may not import
}

type linkRule struct {
	dependency string   // an import path (module-relative when it starts without a dot-domain)
	onlyUnder  []string // module-relative packages (a trailing "/..." covers a subtree) whose deps may include it
}

// readArchitecture parses the two tables of docs/ARCHITECTURE.md: the package
// table (| `pkg` | owns | `a`, `b` |) and the link table
// (| `dependency` | `pkg`, `pkg/...` |), told apart by their header rows.
func readArchitecture(t *testing.T) (map[string]pkgRule, []linkRule) {
	t.Helper()
	f, err := os.Open("docs/ARCHITECTURE.md")
	if err != nil {
		t.Fatalf("the architecture map must be in the repository: %v", err)
	}
	defer f.Close()
	pkgs := map[string]pkgRule{}
	var links []linkRule
	table := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "|") {
			table = ""
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		switch {
		case strings.EqualFold(cells[0], "package"):
			table = "packages"
			continue
		case strings.EqualFold(cells[0], "dependency"):
			table = "links"
			continue
		case strings.HasPrefix(cells[0], "---"):
			continue
		}
		switch table {
		case "packages":
			if len(cells) != 3 {
				t.Fatalf("docs/ARCHITECTURE.md: package row needs 3 cells: %q", line)
			}
			name := strings.Trim(cells[0], "`")
			if name == "(root)" {
				name = ""
			}
			if _, dup := pkgs[name]; dup {
				t.Errorf("docs/ARCHITECTURE.md lists %q twice", name)
			}
			pkgs[name] = parseImports(cells[2])
		case "links":
			if len(cells) != 2 {
				t.Fatalf("docs/ARCHITECTURE.md: link row needs 2 cells: %q", line)
			}
			links = append(links, linkRule{dependency: strings.Trim(cells[0], "`"), onlyUnder: codeList(cells[1])})
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(pkgs) < 10 || len(links) == 0 {
		t.Fatalf("docs/ARCHITECTURE.md: found %d package rows and %d link rows; the tables are malformed", len(pkgs), len(links))
	}
	return pkgs, links
}

// parseImports reads "`a`, `b`", "—" (nothing) or "* except `x`, `y`".
func parseImports(cell string) pkgRule {
	if strings.HasPrefix(cell, "*") {
		r := pkgRule{mayImport: []string{"*"}}
		if i := strings.Index(cell, "except"); i >= 0 {
			r.except = codeList(cell[i+len("except"):])
		}
		return r
	}
	return pkgRule{mayImport: codeList(cell)}
}

// codeList returns the `quoted` items of a cell.
func codeList(cell string) []string {
	var out []string
	parts := strings.Split(cell, "`")
	for i := 1; i < len(parts); i += 2 {
		out = append(out, parts[i])
	}
	return out
}

type listedPackage struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

func goList(t *testing.T) []listedPackage {
	t.Helper()
	out, err := exec.Command("go", "list", "-json", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	return pkgs
}

func rel(importPath string) (string, bool) {
	if importPath == module {
		return "", true
	}
	if strings.HasPrefix(importPath, module+"/") {
		return strings.TrimPrefix(importPath, module+"/"), true
	}
	return "", false
}

// ruleFor finds a package's row; a row "cmd/..." covers a subtree.
func ruleFor(rules map[string]pkgRule, pkg string) (pkgRule, bool) {
	if r, ok := rules[pkg]; ok {
		return r, true
	}
	for name, r := range rules {
		if under(pkg, name) {
			return r, true
		}
	}
	return pkgRule{}, false
}

func under(pkg, pattern string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "/..."); ok {
		return pkg == prefix || strings.HasPrefix(pkg, prefix+"/")
	}
	return pkg == pattern
}

func TestImportDirections(t *testing.T) {
	rules, _ := readArchitecture(t)
	listed := map[string]bool{}
	for _, p := range goList(t) {
		pkg, _ := rel(p.ImportPath)
		listed[pkg] = true
		rule, ok := ruleFor(rules, pkg)
		if !ok {
			t.Errorf("package %q has no row in docs/ARCHITECTURE.md: say what it owns and what it may import", pkg)
			continue
		}
		for _, imp := range p.Imports {
			dep, ours := rel(imp)
			if !ours {
				continue
			}
			if !rule.allows(dep) {
				t.Errorf("%s imports %s, which docs/ARCHITECTURE.md does not allow", display(pkg), display(dep))
			}
		}
	}
	for name := range rules {
		found := listed[name]
		for pkg := range listed {
			found = found || under(pkg, name)
		}
		if !found {
			t.Errorf("docs/ARCHITECTURE.md lists %q, which is not a package any more", name)
		}
	}
}

func (r pkgRule) allows(dep string) bool {
	for _, x := range r.except {
		if under(dep, x) {
			return false
		}
	}
	for _, x := range r.mayImport {
		if x == "*" || under(dep, x) {
			return true
		}
	}
	return false
}

// TestLinkRules checks the transitive rules: a dependency such as crypto11
// (cgo) may appear in the dependency closure of the listed packages only, so
// an edge that links it through some helper is caught too.
func TestLinkRules(t *testing.T) {
	_, links := readArchitecture(t)
	pkgs := goList(t)
	for _, l := range links {
		t.Run(l.dependency, func(t *testing.T) {
			target := l.dependency
			if !strings.Contains(strings.Split(target, "/")[0], ".") {
				target = path.Join(module, target)
			}
			linked := 0
			for _, p := range pkgs {
				if p.ImportPath == target || !slices.Contains(p.Deps, target) {
					continue
				}
				linked++
				pkg, _ := rel(p.ImportPath)
				if !slices.ContainsFunc(l.onlyUnder, func(pattern string) bool { return under(pkg, pattern) }) {
					t.Errorf("%s links %s (transitively); docs/ARCHITECTURE.md allows it only under %s", display(pkg), l.dependency, strings.Join(l.onlyUnder, ", "))
				}
			}
			if linked == 0 {
				t.Errorf("no package links %s any more: drop or fix its row in docs/ARCHITECTURE.md", l.dependency)
			}
		})
	}
}

func display(pkg string) string {
	if pkg == "" {
		return fmt.Sprintf("%q (root)", module)
	}
	return pkg
}
