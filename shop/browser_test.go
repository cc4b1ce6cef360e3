package shop_test

import (
	"testing"

	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/internal/testutil/browser"
)

// tab is one person's browser tab on a test server (internal/testutil/browser),
// with this package's own steps added.
type tab struct{ *browser.Tab }

func newTab(t *testing.T, s *testutil.Server) *tab { return &tab{browser.NewTab(t, s)} }
