//go:build unix

package main

import (
	"os"
	"syscall"
)

// reexec replaces the test process with itself under env.
func reexec(env []string) {
	exe, err := os.Executable()
	if err != nil {
		return
	}
	syscall.Exec(exe, os.Args, env)
}
