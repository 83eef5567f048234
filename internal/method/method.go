package method

import (
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/strongroom-id/strongroom/internal/apperr"
)

// Configuration ids, as in Graph.
const (
	TemporaryAccessPassID = "TemporaryAccessPass"
	Fido2ID               = "Fido2"
	SoftwareOathID        = "SoftwareOath"
)

// AllUsers is the target id meaning everyone.
const AllUsers = "all_users"

// States of a method configuration.
const (
	Enabled  = "enabled"
	Disabled = "disabled"
)

// Target includes or excludes a group (or all users) from a method.
type Target struct {
	TargetType             string `json:"targetType"` // "group" (or "user", no longer recommended)
	ID                     string `json:"id"`
	IsRegistrationRequired bool   `json:"isRegistrationRequired"`
}

// InScope reports whether a user (with the ids of every group they are in,
// transitively) is targeted: included by all_users, their id or one of
// their groups, and not excluded. Exclusion beats inclusion.
func InScope(include, exclude []Target, userID string, groupIDs []string) bool {
	matches := func(t Target) bool {
		switch {
		case t.ID == AllUsers:
			return true
		case t.TargetType == "user":
			return t.ID == userID
		default:
			return slices.Contains(groupIDs, t.ID)
		}
	}
	for _, t := range exclude {
		if matches(t) {
			return false
		}
	}
	for _, t := range include {
		if matches(t) {
			return true
		}
	}
	return false
}

func validateTargets(field string, ts []Target, include bool, groupExists func(string) bool) error {
	seen := map[string]bool{}
	for i, t := range ts {
		if t.TargetType == "" {
			t.TargetType = "group"
		}
		if t.TargetType != "group" && t.TargetType != "user" {
			return apperr.Invalidf("%s[%d].targetType must be group or user, not %q.", field, i, t.TargetType)
		}
		if t.ID == AllUsers {
			if !include {
				return apperr.Invalidf("%s[%d]: all_users cannot be excluded; disable the method instead.", field, i)
			}
		} else if _, err := uuid.Parse(t.ID); err != nil {
			return apperr.Invalidf("%s[%d].id must be a group id or all_users, not %q.", field, i, t.ID)
		} else if t.TargetType == "group" && groupExists != nil && !groupExists(t.ID) {
			return apperr.Invalidf("%s[%d].id: there is no group %q.", field, i, t.ID)
		}
		if seen[t.ID] {
			return apperr.Invalidf("%s lists %q twice.", field, t.ID)
		}
		seen[t.ID] = true
	}
	return nil
}

func validateState(s string) error {
	if s != Enabled && s != Disabled {
		return apperr.Invalidf("state must be enabled or disabled, not %q.", s)
	}
	return nil
}

// TAP is the temporaryAccessPassAuthenticationMethodConfiguration.
type TAP struct {
	State                    string   `json:"state"`
	DefaultLifetimeInMinutes int      `json:"defaultLifetimeInMinutes"`
	DefaultLength            int      `json:"defaultLength"`
	MinimumLifetimeInMinutes int      `json:"minimumLifetimeInMinutes"`
	MaximumLifetimeInMinutes int      `json:"maximumLifetimeInMinutes"`
	IsUsableOnce             bool     `json:"isUsableOnce"`
	IncludeTargets           []Target `json:"includeTargets"`
	ExcludeTargets           []Target `json:"excludeTargets"`
}

// Graph's ranges for the pass (G-TAPCFG, TAP-HOW).
const (
	MinLifetimeMinutes = 10
	MaxLifetimeMinutes = 43200
	MinLength          = 8
	MaxLength          = 48
)

// DefaultTAP is the pass policy Strongroom starts with: Entra's defaults,
// enabled for all users.
func DefaultTAP() TAP {
	return TAP{State: Enabled, DefaultLifetimeInMinutes: 60, DefaultLength: 8, MinimumLifetimeInMinutes: 60, MaximumLifetimeInMinutes: 480,
		IsUsableOnce: false, IncludeTargets: []Target{{TargetType: "group", ID: AllUsers}}, ExcludeTargets: []Target{}}
}

// Validate checks the ranges and their order, with Graph-style messages.
func (c TAP) Validate(groupExists func(string) bool) error {
	if err := validateState(c.State); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"minimumLifetimeInMinutes", c.MinimumLifetimeInMinutes}, {"maximumLifetimeInMinutes", c.MaximumLifetimeInMinutes}, {"defaultLifetimeInMinutes", c.DefaultLifetimeInMinutes}} {
		if f.v < MinLifetimeMinutes || f.v > MaxLifetimeMinutes {
			return apperr.Invalidf("%s must be between %d and %d minutes, got %d.", f.name, MinLifetimeMinutes, MaxLifetimeMinutes, f.v)
		}
	}
	if c.MinimumLifetimeInMinutes > c.MaximumLifetimeInMinutes {
		return apperr.Invalidf("minimumLifetimeInMinutes (%d) must not be more than maximumLifetimeInMinutes (%d).", c.MinimumLifetimeInMinutes, c.MaximumLifetimeInMinutes)
	}
	if c.DefaultLifetimeInMinutes < c.MinimumLifetimeInMinutes || c.DefaultLifetimeInMinutes > c.MaximumLifetimeInMinutes {
		return apperr.Invalidf("defaultLifetimeInMinutes must be between minimumLifetimeInMinutes (%d) and maximumLifetimeInMinutes (%d), got %d.", c.MinimumLifetimeInMinutes, c.MaximumLifetimeInMinutes, c.DefaultLifetimeInMinutes)
	}
	if c.DefaultLength < MinLength || c.DefaultLength > MaxLength {
		return apperr.Invalidf("defaultLength must be between %d and %d characters, got %d.", MinLength, MaxLength, c.DefaultLength)
	}
	if err := validateTargets("includeTargets", c.IncludeTargets, true, groupExists); err != nil {
		return err
	}
	return validateTargets("excludeTargets", c.ExcludeTargets, false, groupExists)
}

// InScope reports whether the pass may be used by the user to sign in.
func (c TAP) InScope(userID string, groupIDs []string) bool {
	return c.State == Enabled && InScope(c.IncludeTargets, c.ExcludeTargets, userID, groupIDs)
}

// KeyRestrictions is fido2KeyRestrictions.
type KeyRestrictions struct {
	IsEnforced      bool     `json:"isEnforced"`
	EnforcementType string   `json:"enforcementType"` // allow or block
	AAGUIDs         []string `json:"aaGuids"`
}

// Allows reports whether an authenticator model passes the restrictions.
// They apply at registration and at every sign-in (PK-ENABLE).
func (k KeyRestrictions) Allows(aaguid string) bool {
	if !k.IsEnforced {
		return true
	}
	listed := slices.ContainsFunc(k.AAGUIDs, func(a string) bool { return strings.EqualFold(a, aaguid) })
	if k.EnforcementType == "block" {
		return !listed
	}
	return listed
}

// Fido2 is the fido2AuthenticationMethodConfiguration.
type Fido2 struct {
	State                            string          `json:"state"`
	IsSelfServiceRegistrationAllowed bool            `json:"isSelfServiceRegistrationAllowed"`
	IsAttestationEnforced            bool            `json:"isAttestationEnforced"`
	KeyRestrictions                  KeyRestrictions `json:"keyRestrictions"`
	IncludeTargets                   []Target        `json:"includeTargets"`
	ExcludeTargets                   []Target        `json:"excludeTargets"`
}

// DefaultFido2 is the FIDO2 policy Strongroom starts with: enabled for all
// users, self-service registration allowed, no attestation, no
// restrictions.
func DefaultFido2() Fido2 {
	return Fido2{State: Enabled, IsSelfServiceRegistrationAllowed: true, KeyRestrictions: KeyRestrictions{EnforcementType: "block", AAGUIDs: []string{}},
		IncludeTargets: []Target{{TargetType: "group", ID: AllUsers}}, ExcludeTargets: []Target{}}
}

// Validate checks the configuration.
func (c Fido2) Validate(groupExists func(string) bool) error {
	if err := validateState(c.State); err != nil {
		return err
	}
	switch c.KeyRestrictions.EnforcementType {
	case "allow", "block":
	default:
		return apperr.Invalidf("keyRestrictions.enforcementType must be allow or block, not %q.", c.KeyRestrictions.EnforcementType)
	}
	for i, a := range c.KeyRestrictions.AAGUIDs {
		if _, err := uuid.Parse(a); err != nil || len(a) != 36 {
			return apperr.Invalidf("keyRestrictions.aaGuids[%d] %q is not an AAGUID (a GUID like cb69481e-8ff7-4039-93ec-0a2729a154a8).", i, a)
		}
	}
	if err := validateTargets("includeTargets", c.IncludeTargets, true, groupExists); err != nil {
		return err
	}
	return validateTargets("excludeTargets", c.ExcludeTargets, false, groupExists)
}

// InScope reports whether the user may use FIDO2 at all.
func (c Fido2) InScope(userID string, groupIDs []string) bool {
	return c.State == Enabled && InScope(c.IncludeTargets, c.ExcludeTargets, userID, groupIDs)
}

// SoftwareOath is the softwareOathAuthenticationMethodConfiguration (TOTP).
type SoftwareOath struct {
	State          string   `json:"state"`
	IncludeTargets []Target `json:"includeTargets"`
	ExcludeTargets []Target `json:"excludeTargets"`
}

// DefaultSoftwareOath enables TOTP for all users.
func DefaultSoftwareOath() SoftwareOath {
	return SoftwareOath{State: Enabled, IncludeTargets: []Target{{TargetType: "group", ID: AllUsers}}, ExcludeTargets: []Target{}}
}

// Validate checks the configuration.
func (c SoftwareOath) Validate(groupExists func(string) bool) error {
	if err := validateState(c.State); err != nil {
		return err
	}
	if err := validateTargets("includeTargets", c.IncludeTargets, true, groupExists); err != nil {
		return err
	}
	return validateTargets("excludeTargets", c.ExcludeTargets, false, groupExists)
}

// InScope reports whether the user may use TOTP.
func (c SoftwareOath) InScope(userID string, groupIDs []string) bool {
	return c.State == Enabled && InScope(c.IncludeTargets, c.ExcludeTargets, userID, groupIDs)
}

// Policy is the whole authentication methods policy.
type Policy struct {
	TAP          TAP
	Fido2        Fido2
	SoftwareOath SoftwareOath
}

// Default returns the policy Strongroom starts with.
func Default() Policy {
	return Policy{TAP: DefaultTAP(), Fido2: DefaultFido2(), SoftwareOath: DefaultSoftwareOath()}
}

// String names a configuration for messages.
func (c TAP) String() string { return fmt.Sprintf("TemporaryAccessPass(%s)", c.State) }
