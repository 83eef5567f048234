package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// GenesisHash is the previous hash of the first event: 32 zero bytes.
var GenesisHash = make([]byte, sha256.Size)

// Canonical returns the canonical encoding of e: its JSON with the time in
// UTC. encoding/json writes struct fields in declaration order and escapes
// consistently, so the same event always encodes to the same bytes.
func Canonical(e Event) ([]byte, error) {
	e.ActivityDateTime = e.ActivityDateTime.UTC()
	return json.Marshal(e)
}

// Hash chains body onto prev.
func Hash(prev, body []byte) []byte {
	h := sha256.New()
	h.Write(prev)
	h.Write(body)
	return h.Sum(nil)
}

// Record is one stored audit row, as Verify reads it back.
type Record struct {
	Seq      int64
	ID       string
	Time     time.Time
	Category string
	Activity string
	Body     []byte
	PrevHash []byte
	Hash     []byte
}

// Head is the chain's recorded end: the last sequence number and hash.
type Head struct {
	Seq  int64
	Hash []byte
}

// Problem describes the first point where the chain does not hold.
type Problem struct {
	Seq    int64  // sequence number where the problem shows
	ID     string // event id, when known
	Reason string
}

func (p *Problem) Error() string {
	if p.ID != "" {
		return fmt.Sprintf("audit event #%d (id %s): %s", p.Seq, p.ID, p.Reason)
	}
	return fmt.Sprintf("audit event #%d: %s", p.Seq, p.Reason)
}

// Verifier checks records one at a time, in sequence order. It is pure: the
// caller reads rows and feeds them in.
type Verifier struct {
	prevSeq  int64
	prevHash []byte
	count    int64
}

// NewVerifier returns a verifier expecting the chain from its start.
func NewVerifier() *Verifier { return &Verifier{prevHash: GenesisHash} }

// Next checks one record; it returns a *Problem for the first record that is
// out of place, altered or inconsistent.
func (v *Verifier) Next(r Record) error {
	switch {
	case r.Seq <= v.prevSeq:
		return &Problem{Seq: r.Seq, ID: r.ID, Reason: fmt.Sprintf("sequence number out of order after #%d (a row was inserted or renumbered)", v.prevSeq)}
	case r.Seq != v.prevSeq+1:
		return &Problem{Seq: r.Seq, ID: r.ID, Reason: fmt.Sprintf("events #%d to #%d are missing (removed)", v.prevSeq+1, r.Seq-1)}
	case !bytes.Equal(r.PrevHash, v.prevHash):
		return &Problem{Seq: r.Seq, ID: r.ID, Reason: "its link to the previous event is broken (an event before it was removed, inserted or altered)"}
	case !bytes.Equal(Hash(r.PrevHash, r.Body), r.Hash):
		return &Problem{Seq: r.Seq, ID: r.ID, Reason: "its content does not match its hash (the event was altered)"}
	}
	var e Event
	if err := json.Unmarshal(r.Body, &e); err != nil {
		return &Problem{Seq: r.Seq, ID: r.ID, Reason: "its content is not a valid event: " + err.Error()}
	}
	if e.ID != r.ID || !e.ActivityDateTime.Equal(r.Time) || e.Category != r.Category || e.ActivityDisplayName != r.Activity {
		return &Problem{Seq: r.Seq, ID: r.ID, Reason: "its indexed columns (id, time, category or activity) differ from its hashed content (the row was altered)"}
	}
	v.prevSeq, v.prevHash = r.Seq, r.Hash
	v.count++
	return nil
}

// Finish checks that the chain ends where the head says it does.
func (v *Verifier) Finish(h Head) error {
	if h.Seq != v.prevSeq {
		if h.Seq > v.prevSeq {
			return &Problem{Seq: v.prevSeq + 1, Reason: fmt.Sprintf("the log ends at #%d but its head records #%d (events at the end were removed)", v.prevSeq, h.Seq)}
		}
		return &Problem{Seq: h.Seq, Reason: fmt.Sprintf("the log runs to #%d but its head records #%d (events were appended outside Strongroom)", v.prevSeq, h.Seq)}
	}
	if !bytes.Equal(h.Hash, v.prevHash) {
		return &Problem{Seq: h.Seq, Reason: "the head's hash does not match the last event (the head or the last event was altered)"}
	}
	return nil
}

// Count returns how many records have been verified.
func (v *Verifier) Count() int64 { return v.count }

// HeadHex is the hex form of a head hash, for operators to anchor elsewhere.
func HeadHex(h Head) string { return hex.EncodeToString(h.Hash) }
