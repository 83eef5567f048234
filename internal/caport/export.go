package caport

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/cagraph"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/policy"
)

// File is one file of an export: a slash-separated path under the export
// folder and its contents.
type File struct {
	Path string
	Data []byte
}

// Export returns the tenant's Conditional Access objects as Graph JSON,
// one file per object in a folder per kind: policies/, namedLocations/,
// authenticationStrengths/ (custom ones only), authenticationContexts/
// and groups/ (the groups that policies name). Each object carries its
// @odata.type and its id, so that Import matches the references between
// them; file names are display names made safe for every file system.
// The caller needs Policy.Read.ConditionalAccess, and Group.Read.All when
// policies name groups.
func (s *Service) Export(ctx context.Context) ([]File, error) {
	if err := authz.Require(ctx, authz.PolicyReadConditionalAccess, authz.PolicyReadWriteConditionalAccess); err != nil {
		return nil, err
	}
	ex := &exporter{used: map[string]bool{}}
	policies, err := s.store.FindCAPolicies(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range policies {
		b, err := cagraph.MarshalPolicyDocument(p)
		if err != nil {
			return nil, err
		}
		if err := ex.add(KindPolicy, p.DisplayName, withType(b, odataPolicy)); err != nil {
			return nil, err
		}
	}
	locations, err := s.store.FindNamedLocations(ctx)
	if err != nil {
		return nil, err
	}
	for _, l := range locations {
		b, err := cagraph.MarshalNamedLocation(l)
		if err != nil {
			return nil, err
		}
		if err := ex.add(KindNamedLocation, l.DisplayName, b); err != nil {
			return nil, err
		}
	}
	strengths, err := s.store.FindAuthStrengths(ctx)
	if err != nil {
		return nil, err
	}
	for _, st := range strengths {
		b, err := cagraph.MarshalStrength(st)
		if err != nil {
			return nil, err
		}
		if err := ex.add(KindStrength, st.DisplayName, withType(b, odataStrength)); err != nil {
			return nil, err
		}
	}
	contexts, err := s.store.FindAuthContexts(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range contexts {
		b, err := json.Marshal(cagraph.EncodeContext(c))
		if err != nil {
			return nil, apperr.Wrap(err, apperr.Internal, "encoding an authentication context")
		}
		if err := ex.add(KindContext, c.ID+" "+c.DisplayName, withType(b, odataContext)); err != nil {
			return nil, err
		}
	}
	groupIDs := referencedGroups(policies)
	if len(groupIDs) > 0 {
		if err := authz.Require(ctx, authz.GroupReadAll, authz.GroupReadWriteAll); err != nil {
			return nil, err
		}
	}
	for _, id := range groupIDs {
		g, err := s.store.FindGroupByID(ctx, id)
		if notFound(err) {
			continue // a policy that names a deleted group; nothing to export
		}
		if err != nil {
			return nil, err
		}
		b, err := json.Marshal(encodeGroup(g))
		if err != nil {
			return nil, apperr.Wrap(err, apperr.Internal, "encoding a group")
		}
		if err := ex.add(KindGroup, g.DisplayName, b); err != nil {
			return nil, err
		}
	}
	return ex.files, nil
}

// referencedGroups returns the ids of the groups policies name, sorted.
func referencedGroups(ps []policy.Policy) []string {
	var ids []string
	for _, p := range ps {
		if u := p.Conditions.Users; u != nil {
			for _, id := range append(slices.Clone(u.IncludeGroups), u.ExcludeGroups...) {
				id = strings.ToLower(id)
				if !slices.Contains(ids, id) {
					ids = append(ids, id)
				}
			}
		}
	}
	slices.Sort(ids)
	return ids
}

// groupJSON is a group as Graph returns it, with the properties Strongroom
// keeps.
type groupJSON struct {
	ODataType          string   `json:"@odata.type"`
	ID                 string   `json:"id"`
	DisplayName        string   `json:"displayName"`
	Description        *string  `json:"description"`
	MailNickname       string   `json:"mailNickname"`
	SecurityEnabled    bool     `json:"securityEnabled"`
	MailEnabled        bool     `json:"mailEnabled"`
	GroupTypes         []string `json:"groupTypes"`
	IsAssignableToRole bool     `json:"isAssignableToRole"`
	CreatedDateTime    string   `json:"createdDateTime"`
}

func encodeGroup(g directory.Group) groupJSON {
	out := groupJSON{ODataType: odataGroup, ID: g.ID, DisplayName: g.DisplayName, MailNickname: g.MailNickname,
		SecurityEnabled: g.SecurityEnabled, MailEnabled: g.MailEnabled, GroupTypes: []string{}, IsAssignableToRole: g.IsAssignableToRole,
		CreatedDateTime: g.CreatedDateTime.UTC().Format(time.RFC3339)}
	if g.Description != "" {
		out.Description = &g.Description
	}
	return out
}

// withType puts "@odata.type" first in a JSON object.
func withType(b []byte, odataType string) []byte {
	t, _ := json.Marshal(odataType)
	out := append([]byte(`{"@odata.type":`), t...)
	if len(bytes.TrimSpace(b[1:])) > 1 {
		out = append(out, ',')
	}
	return append(out, b[1:]...)
}

type exporter struct {
	files []File
	used  map[string]bool // lower-case paths taken
}

// add adds one object's file, indented, under a name made from name.
func (ex *exporter) add(k Kind, name string, b []byte) error {
	var buf bytes.Buffer
	if err := json.Indent(&buf, b, "", "  "); err != nil {
		return apperr.Wrap(err, apperr.Internal, "formatting an exported %s", k.Singular())
	}
	buf.WriteByte('\n')
	base := SafeName(name)
	p := path.Join(string(k), base+".json")
	for i := 2; ex.used[strings.ToLower(p)]; i++ {
		p = path.Join(string(k), fmt.Sprintf("%s (%d).json", base, i))
	}
	ex.used[strings.ToLower(p)] = true
	ex.files = append(ex.files, File{Path: p, Data: buf.Bytes()})
	return nil
}

// maxNameBytes keeps exported names well under every file system's limit
// (255 bytes), with room for " (99).json".
const maxNameBytes = 120

// SafeName makes a display name a file name that every file system
// accepts: letters, digits, spaces and -_.,()+&' are kept, anything else
// becomes "_"; no leading or trailing dots or spaces; no name Windows
// reserves (CON, NUL, COM1, …); at most 120 bytes; "object" when nothing
// is left.
func SafeName(name string) string {
	var b strings.Builder
	lastUnderscore := false
	for _, r := range name {
		ok := unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune(" -_.,()+&'", r)
		if !ok {
			if !lastUnderscore {
				b.WriteByte('_')
			}
			lastUnderscore = true
			continue
		}
		if b.Len()+len(string(r)) > maxNameBytes {
			break
		}
		b.WriteRune(r)
		lastUnderscore = r == '_'
	}
	s := strings.Trim(b.String(), " .")
	if s == "" {
		return "object"
	}
	stem := strings.ToUpper(s)
	if i := strings.IndexByte(stem, '.'); i >= 0 {
		stem = stem[:i]
	}
	switch stem {
	case "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
		"LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9":
		s = "_" + s
	}
	return s
}
