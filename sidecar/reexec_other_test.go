//go:build !unix

package main

// reexec is not possible here; TestMain sets the knobs with envknob instead.
func reexec(env []string) {}
