package audit

import (
	"context"
	"encoding/json"
	"time"
)

// Activity names one kind of audited change. Owning packages declare their
// activities as variables; names follow Entra's audit activity strings where
// one exists.
type Activity struct {
	Category  string // Graph category, e.g. "UserManagement", "GroupManagement", "RoleManagement", "Policy"
	Name      string // activityDisplayName, e.g. "Add user"
	Operation string // operationType: "Add", "Update", "Delete", "Assign", "Unassign", "Verify", …
	Service   string // loggedByService, e.g. "Core Directory", "PIM", "Authentication Methods"
}

// Results of an audited activity.
const (
	Success = "success"
	Failure = "failure"
)

// Event is one audit record, shaped like Graph's directoryAudit.
type Event struct {
	ID                  string     `json:"id"`
	Category            string     `json:"category"`
	CorrelationID       string     `json:"correlationId"`
	Result              string     `json:"result"`
	ResultReason        string     `json:"resultReason"`
	ActivityDisplayName string     `json:"activityDisplayName"`
	ActivityDateTime    time.Time  `json:"activityDateTime"`
	LoggedByService     string     `json:"loggedByService"`
	OperationType       string     `json:"operationType"`
	InitiatedBy         Initiator  `json:"initiatedBy"`
	TargetResources     []Target   `json:"targetResources"`
	AdditionalDetails   []KeyValue `json:"additionalDetails"`
}

// Initiator is who started the activity: a user or an application (client).
type Initiator struct {
	User *UserIdentity `json:"user"`
	App  *AppIdentity  `json:"app"`
}

// UserIdentity identifies a user initiator.
type UserIdentity struct {
	ID                string `json:"id"`
	DisplayName       string `json:"displayName"`
	UserPrincipalName string `json:"userPrincipalName"`
	IPAddress         string `json:"ipAddress"`
}

// AppIdentity identifies an application initiator.
type AppIdentity struct {
	AppID                string `json:"appId"`
	DisplayName          string `json:"displayName"`
	ServicePrincipalID   string `json:"servicePrincipalId"`
	ServicePrincipalName string `json:"servicePrincipalName"`
	IPAddress            string `json:"ipAddress,omitempty"`
}

// Target is an object the activity acted on.
type Target struct {
	ID                 string             `json:"id"`
	DisplayName        string             `json:"displayName"`
	Type               string             `json:"type"`
	UserPrincipalName  string             `json:"userPrincipalName,omitempty"`
	ModifiedProperties []ModifiedProperty `json:"modifiedProperties"`
}

// ModifiedProperty records one property's old and new value, each JSON
// encoded as Graph does. Secrets are never recorded.
type ModifiedProperty struct {
	DisplayName string `json:"displayName"`
	OldValue    string `json:"oldValue"`
	NewValue    string `json:"newValue"`
}

// KeyValue is one additional detail.
type KeyValue struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Actor is the request-scoped description of who is acting and from where.
type Actor struct {
	Initiator     Initiator
	CorrelationID string
	UserAgent     string
}

type actorKey struct{}

// NewContext returns a context carrying a.
func NewContext(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// FromContext returns the actor in ctx, or a "system" actor when there is
// none (background jobs, the CLI).
func FromContext(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok {
		return a
	}
	return Actor{Initiator: Initiator{App: &AppIdentity{DisplayName: "Strongroom", ServicePrincipalName: "strongroom-system"}}}
}

// New starts an event for activity, initiated by the actor in ctx. The store
// fills in ID and ActivityDateTime when it appends the event.
func New(ctx context.Context, act Activity, targets ...Target) Event {
	a := FromContext(ctx)
	e := Event{
		Category:            act.Category,
		CorrelationID:       a.CorrelationID,
		Result:              Success,
		ActivityDisplayName: act.Name,
		LoggedByService:     act.Service,
		OperationType:       act.Operation,
		InitiatedBy:         a.Initiator,
		TargetResources:     targets,
	}
	if e.TargetResources == nil {
		e.TargetResources = []Target{}
	}
	e.AdditionalDetails = []KeyValue{}
	if a.UserAgent != "" {
		e.AdditionalDetails = append(e.AdditionalDetails, KeyValue{Key: "User-Agent", Value: a.UserAgent})
	}
	return e
}

// Detail appends an additional detail and returns e.
func (e Event) Detail(key, value string) Event {
	e.AdditionalDetails = append(e.AdditionalDetails, KeyValue{Key: key, Value: value})
	return e
}

// Failed marks e as a failure with a reason and returns it.
func (e Event) Failed(reason string) Event {
	e.Result = Failure
	e.ResultReason = reason
	return e
}

// Change returns a ModifiedProperty with old and new JSON encoded. Equal
// values still produce an entry; use Diff to skip them.
func Change(name string, oldValue, newValue any) ModifiedProperty {
	return ModifiedProperty{DisplayName: name, OldValue: jsonString(oldValue), NewValue: jsonString(newValue)}
}

// Diff appends a ModifiedProperty to props when old and new differ.
func Diff(props []ModifiedProperty, name string, oldValue, newValue any) []ModifiedProperty {
	o, n := jsonString(oldValue), jsonString(newValue)
	if o == n {
		return props
	}
	return append(props, ModifiedProperty{DisplayName: name, OldValue: o, NewValue: n})
}

func jsonString(v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}
