package sqlite

import (
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/strongroom-id/strongroom/internal/store"
)

// The writer never checkpoints on commit; the background checkpointer
// must keep the write-ahead log from growing without bound, and Close
// leaves it empty.
func TestBackgroundCheckpointKeepsTheLogSmall(t *testing.T) {
	old := checkpointInterval
	checkpointInterval = 20 * time.Millisecond
	t.Cleanup(func() { checkpointInterval = old })
	path := filepath.Join(t.TempDir(), "wal.db")
	db, err := Open(path, store.Options{AppVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	// Write about 2 MB through a connection that, like the store's writer,
	// does not checkpoint itself.
	w, err := sql.Open("sqlite", "file:"+path+"?_pragma=wal_autocheckpoint(0)&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Exec("CREATE TABLE filler (b BLOB)"); err != nil {
		t.Fatal(err)
	}
	for range 20 {
		if _, err := w.Exec("INSERT INTO filler VALUES (randomblob(100000))"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(80 * time.Millisecond)
	}
	st, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() > 1<<20 {
		t.Errorf("write-ahead log is %d bytes after 2 MB of writes; the checkpointer should have kept it near one write's size", st.Size())
	}
	w.Close()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path + "-wal"); err == nil && st.Size() != 0 {
		t.Errorf("write-ahead log is %d bytes after Close; want it truncated", st.Size())
	}
}
