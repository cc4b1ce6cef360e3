package qes_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Every error a person reads names a message of the catalogue (internal/msg),
// so that each edge can say it in the reader's language: errs.M and
// errs.WrapM. The plain-text constructors errs.E, errs.Ef, errs.Wrap and
// errs.Wrapf remain for Internal errors only, whose detail is never shown.
// This test reads every non-test Go file of the module and refuses a plain
// constructor whose Kind is anything but errs.Internal.

const errsPath = module + "/internal/errs"

// plainConstructors maps each text-only constructor of errs to the position
// of its Kind argument.
var plainConstructors = map[string]int{"E": 0, "Ef": 0, "Wrap": 1, "Wrapf": 1}

// kindAllowed lists the calls (file:function) whose Kind is not a constant,
// with the reason the message is nonetheless caller-safe. Keep it small: a
// new entry needs the same scrutiny as a new protocol text.
var kindAllowed = map[string]string{
	"internal/admin/admin.go:callSocket": "qesctl relays the kind and the detail qesd's admin socket answered; qesd rendered that detail from a catalogue message already (in English, the operator's language at the terminal)",
}

// plainCall is one call of a text-only errs constructor with a Kind other
// than errs.Internal.
type plainCall struct {
	pos  token.Position
	fn   string // the enclosing function, for kindAllowed
	kind string // the Kind expression as written
}

// plainCalls lists the offending calls in one parsed file. Within package
// errs itself the constructors are called without a qualifier.
func plainCalls(fset *token.FileSet, f *ast.File) []plainCall {
	qualifier := ""
	for _, imp := range f.Imports {
		if p, _ := strconv.Unquote(imp.Path.Value); p == errsPath {
			qualifier = "errs"
			if imp.Name != nil {
				qualifier = imp.Name.Name
			}
		}
	}
	inErrs := f.Name.Name == "errs"
	if qualifier == "" && !inErrs {
		return nil
	}
	// isInternal reports whether e names the Internal kind.
	isInternal := func(e ast.Expr) bool {
		switch e := e.(type) {
		case *ast.SelectorExpr:
			x, ok := e.X.(*ast.Ident)
			return ok && x.Name == qualifier && e.Sel.Name == "Internal"
		case *ast.Ident:
			return inErrs && e.Name == "Internal"
		}
		return false
	}
	var out []plainCall
	for _, decl := range f.Decls {
		fn := "init"
		if d, ok := decl.(*ast.FuncDecl); ok {
			fn = d.Name.Name
			if d.Recv != nil && len(d.Recv.List) == 1 {
				fn = recvName(d.Recv.List[0].Type) + "." + fn
			}
		}
		ast.Inspect(decl, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			name := ""
			switch f := call.Fun.(type) {
			case *ast.SelectorExpr:
				if x, ok := f.X.(*ast.Ident); ok && x.Name == qualifier && qualifier != "" {
					name = f.Sel.Name
				}
			case *ast.Ident:
				if inErrs {
					name = f.Name
				}
			}
			at, ok := plainConstructors[name]
			if !ok || len(call.Args) <= at || isInternal(call.Args[at]) {
				return true
			}
			out = append(out, plainCall{pos: fset.Position(call.Pos()), fn: fn, kind: exprString(call.Args[at])})
			return true
		})
	}
	return out
}

func recvName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.StarExpr:
		return recvName(e.X)
	case *ast.Ident:
		return e.Name
	case *ast.IndexExpr:
		return recvName(e.X)
	}
	return "?"
}

// exprString renders a Kind expression for the failure message.
func exprString(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.SelectorExpr:
		return exprString(e.X) + "." + e.Sel.Name
	case *ast.Ident:
		return e.Name
	case *ast.CallExpr:
		return exprString(e.Fun) + "(...)"
	case *ast.IndexExpr:
		return exprString(e.X) + "[...]"
	}
	return fmt.Sprintf("%T", e)
}

// isConstantKind reports whether a Kind expression names one of errs's
// constants (errs.InvalidRequest), as opposed to a variable or a call.
func isConstantKind(kind string) bool {
	q, name, ok := strings.Cut(kind, ".")
	return ok && q == "errs" && !strings.ContainsAny(name, ".()") && name != "" && name[0] >= 'A' && name[0] <= 'Z'
}

func TestCallerFacingErrorsNameAMessage(t *testing.T) {
	fset := token.NewFileSet()
	var bad []string
	used := map[string]bool{}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != "." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		for _, c := range plainCalls(fset, f) {
			key := filepath.ToSlash(path) + ":" + c.fn
			if !isConstantKind(c.kind) {
				if _, ok := kindAllowed[key]; ok {
					used[key] = true
					continue
				}
			}
			bad = append(bad, fmt.Sprintf("%s: %s with kind %s: use errs.M or errs.WrapM with a catalogue ID", c.pos, key, c.kind))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(bad)
	for _, b := range bad {
		t.Error(b)
	}
	for key := range kindAllowed {
		if !used[key] {
			t.Errorf("kindAllowed names %s, which no longer needs it", key)
		}
	}
	if len(kindAllowed) > 3 {
		t.Errorf("kindAllowed has %d entries: give those errors catalogue IDs instead", len(kindAllowed))
	}
}

// The checker must be able to fail: each snippet below is a file the test
// must refuse (or accept).
func TestCallerFacingErrorCheckerCatchesPlainText(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // kinds reported, in order
	}{
		{"internal is fine", `package p
import "github.com/qesproject/qes/internal/errs"
func f(err error) error { _ = errs.E(errs.Internal, "x"); return errs.Wrap(err, errs.Internal, "y") }`, nil},
		{"catalogue messages are fine", `package p
import "github.com/qesproject/qes/internal/errs"
func f(err error) error { _ = errs.M(errs.InvalidRequest, "err.x"); return errs.WrapM(err, errs.NotFound, "err.y") }`, nil},
		{"plain E", `package p
import "github.com/qesproject/qes/internal/errs"
func f() error { return errs.E(errs.InvalidRequest, "bad input") }`, []string{"errs.InvalidRequest"}},
		{"plain Ef and Wrap", `package p
import "github.com/qesproject/qes/internal/errs"
func f(err error) error { _ = errs.Ef(errs.NotFound, "no %s", "x"); return errs.Wrap(err, errs.Unavailable, "down") }`, []string{"errs.NotFound", "errs.Unavailable"}},
		{"Wrapf", `package p
import "github.com/qesproject/qes/internal/errs"
func f(err error) error { return errs.Wrapf(err, errs.Conflict, "in %s", "x") }`, []string{"errs.Conflict"}},
		{"variable kind", `package p
import "github.com/qesproject/qes/internal/errs"
func f(err error) error { return errs.Wrap(err, errs.KindOf(err), "again") }`, []string{"errs.KindOf(...)"}},
		{"renamed import", `package p
import e "github.com/qesproject/qes/internal/errs"
func f() error { return e.E(e.Locked, "locked") }`, []string{"e.Locked"}},
		{"another package named errs is not ours", `package p
import errs "example.com/errs"
func f() error { return errs.E(errs.Locked, "locked") }`, nil},
		{"inside package errs", `package errs
func f() error { return E(InvalidRequest, "x") }
func g() error { return E(Internal, "x") }`, []string{"InvalidRequest"}},
	}
	for _, tc := range tests {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, "snippet.go", tc.src, 0)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var got []string
		for _, c := range plainCalls(fset, f) {
			got = append(got, c.kind)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: reported %v, want %v", tc.name, got, tc.want)
		}
	}
	if isConstantKind("errs.KindOf(...)") || isConstantKind("kind") || !isConstantKind("errs.InvalidRequest") {
		t.Error("isConstantKind is wrong")
	}
}
