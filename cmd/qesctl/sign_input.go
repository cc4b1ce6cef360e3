package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"golang.org/x/term"
)

// signIO is what qesctl sign needs from its surroundings; tests replace it.
type signIO struct {
	stderr io.Writer
	getenv func(string) string
	// ask reads one answer; secret answers are not echoed when the input
	// is a terminal.
	ask  func(prompt string, secret bool) (string, error)
	http *http.Client
	now  func() time.Time
	// tty says whether stderr is a terminal (progress bar redraws).
	tty bool
}

func defaultSignIO() signIO {
	in := bufio.NewReader(os.Stdin)
	stdinTTY := term.IsTerminal(int(os.Stdin.Fd()))
	return signIO{
		stderr: os.Stderr,
		getenv: os.Getenv,
		http:   &http.Client{Timeout: 2 * time.Minute},
		now:    time.Now,
		tty:    term.IsTerminal(int(os.Stderr.Fd())),
		ask: func(prompt string, secret bool) (string, error) {
			fmt.Fprint(os.Stderr, prompt)
			if secret && stdinTTY {
				b, err := term.ReadPassword(int(os.Stdin.Fd()))
				fmt.Fprintln(os.Stderr)
				return string(b), err
			}
			return readLine(in)
		},
	}
}

// readLine reads an answer from a pipe or a terminal without echo control.
func readLine(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", fmt.Errorf("no answer on standard input: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// secret picks a value from its flag, else the environment, else asks.
// Flags are visible to other local users (ps), so the environment or the
// prompt are the recommended ways.
func (s signIO) secret(flagValue, env, prompt string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	if v := s.getenv(env); v != "" {
		return v, nil
	}
	v, err := s.ask(prompt, true)
	if err != nil {
		return "", err
	}
	if v == "" {
		return "", fmt.Errorf("no value given for %s", strings.TrimSuffix(strings.TrimSpace(prompt), ":"))
	}
	return v, nil
}
