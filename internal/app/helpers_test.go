package app_test

import "github.com/strongroom-id/strongroom/internal/directory"

func directoryFilterAll() directory.UserFilter { return directory.UserFilter{} }
