package password

import "github.com/strongroom-id/strongroom/internal/audit"

// Audited activities, named as in Entra's audit log (AUDIT).
var (
	// ActivityRegistered is a user setting their first password.
	ActivityRegistered = audit.Activity{Category: "UserManagement", Name: "User registered security info", Operation: "Add", Service: "Authentication Methods"}
	// ActivityChanged is a user changing their password.
	ActivityChanged = audit.Activity{Category: "UserManagement", Name: "Change password (self-service)", Operation: "Update", Service: "Self-service Password Management"}
)
