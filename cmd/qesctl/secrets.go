package main

import (
	"flag"
	"fmt"
	"io"
	"sort"
)

// warnSecretFlags warns about each secret given on the command line, where
// other local users read it (ps, /proc/<pid>/cmdline) and the shell keeps it
// in its history. The flags keep working for old scripts; envs maps each
// flag to the environment variable that replaces it.
func warnSecretFlags(fs *flag.FlagSet, stderr io.Writer, envs map[string]string) {
	var given []string
	fs.Visit(func(f *flag.Flag) {
		if _, ok := envs[f.Name]; ok {
			given = append(given, f.Name)
		}
	})
	sort.Strings(given)
	for _, name := range given {
		fmt.Fprintf(stderr, "qesctl: warning: --%s is deprecated: the command line is visible to other users; set %s, pipe the value on standard input or answer the prompt\n", name, envs[name])
	}
}

// commandUsage prints a command's synopsis, how its secrets are read, and
// its flags.
func commandUsage(fs *flag.FlagSet, synopsis, secrets string) func() {
	return func() {
		fmt.Fprintf(fs.Output(), "usage: %s\n\n%s\n\n", synopsis, secrets)
		fs.PrintDefaults()
	}
}
