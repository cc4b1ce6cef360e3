package shop_test

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	code := m.Run()
	stopChrome()
	os.Exit(code)
}
