package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// progress is a text progress bar on stderr for batches: redrawn in place
// on a terminal, one line per step otherwise (logs, CI).
type progress struct {
	w     io.Writer
	tty   bool
	total int
	done  int
}

const barWidth = 30

func (p *progress) step(name string) {
	p.done++
	if p.total < 2 {
		return
	}
	filled := barWidth * p.done / p.total
	bar := strings.Repeat("=", filled) + strings.Repeat(" ", barWidth-filled)
	line := fmt.Sprintf("[%s] %d/%d %s", bar, p.done, p.total, filepath.Base(name))
	if !p.tty {
		fmt.Fprintln(p.w, line)
		return
	}
	fmt.Fprintf(p.w, "\r\033[K%s", line)
	if p.done == p.total {
		fmt.Fprintln(p.w)
	}
}
