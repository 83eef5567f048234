package app_test

import (
	"bytes"
	"context"

	"github.com/strongroom-id/strongroom/internal/app"
	"github.com/strongroom-id/strongroom/internal/app/apptest"
	"github.com/strongroom-id/strongroom/internal/directory"
)

func directoryFilterAll() directory.UserFilter { return directory.UserFilter{} }

// cli runs strongroom subcommands in process against inst's data
// directory and database, as an operator on the same machine would; it
// returns the exit status, standard output and standard error.
func cli(inst *apptest.Instance) func(args ...string) (int, string, string) {
	env := map[string]string{"STRONGROOM_DATA_DIR": inst.DataDir}
	if inst.DatabaseURL != "" {
		env["STRONGROOM_DATABASE"] = inst.DatabaseURL
	}
	return func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		m := &app.Main{Stdout: &out, Stderr: &errOut, Getenv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
		return m.Run(context.Background(), args), out.String(), errOut.String()
	}
}

// cliCombined is cli with standard output and error together.
func cliCombined(inst *apptest.Instance) func(args ...string) (int, string) {
	run := cli(inst)
	return func(args ...string) (int, string) {
		code, out, errOut := run(args...)
		return code, out + errOut
	}
}
