package web

// SetLogPageSize makes the log pages show n entries a page and returns
// a function that restores the size.
func SetLogPageSize(n int) (restore func()) {
	old := logPageSize.Swap(int32(n))
	return func() { logPageSize.Store(old) }
}
