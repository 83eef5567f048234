package pim

import "github.com/strongroom-id/strongroom/internal/audit"

func pimActivity(name, op string) audit.Activity {
	return audit.Activity{Category: "RoleManagement", Name: name, Operation: op, Service: "PIM"}
}

// Audited activities, with Entra's names (entra.md §5.6).
var (
	ActivityActivationRequested         = pimActivity("Add member to role requested (PIM activation)", "Add")
	ActivityActivationApprovalRequested = pimActivity("Add member to role approval requested (PIM activation)", "Add")
	ActivityActivationApproved          = pimActivity("Add member to role request approved (PIM activation)", "Add")
	ActivityActivationDenied            = pimActivity("Add member to role request denied (PIM activation)", "Add")
	ActivityActivationCompleted         = pimActivity("Add member to role completed (PIM activation)", "Add")
	ActivityActivationCanceled          = pimActivity("Add member to role canceled (PIM activation)", "Add")
	ActivityDeactivationRequested       = pimActivity("Remove member from role requested (PIM deactivate)", "Remove")
	ActivityDeactivationCompleted       = pimActivity("Remove member from role completed (PIM deactivate)", "Remove")
	ActivityActivationExpired           = pimActivity("Remove member from role (PIM activation expired)", "Remove")
	ActivityRequestExpired              = pimActivity("PIM activation request expired", "Update")
	ActivityExtendRequested             = pimActivity("Update member in PIM requested (extend)", "Update")
	ActivityExtendCanceled              = pimActivity("Update member in PIM canceled (extend)", "Update")
	ActivityExtendApproved              = pimActivity("Update member in PIM approved by admin (extend/renew)", "Update")
	ActivityExtendDenied                = pimActivity("Update member in PIM denied by admin (extend/renew)", "Update")
	ActivitySettingUpdated              = pimActivity("Update role setting in PIM", "Update")
	// Strongroom's names for admin updates, which Entra's list lacks.
	ActivityEligibleUpdated = pimActivity("Update eligible member in PIM completed", "Update")
	ActivityActiveUpdated   = pimActivity("Update member in PIM completed", "Update")
)

// Phases and variants of the assignment activities ("Add eligible member
// to role in PIM completed (timebound)").
const (
	PhaseRequested = "requested"
	PhaseCompleted = "completed"
	PhaseCanceled  = "canceled"

	VariantPermanent = "permanent"
	VariantTimebound = "timebound"
	VariantRenew     = "renew"
)

var assignmentActivities = map[string]audit.Activity{}

func init() {
	for _, phase := range []string{PhaseRequested, PhaseCompleted, PhaseCanceled} {
		for _, v := range []string{VariantPermanent, VariantTimebound, VariantRenew} {
			for _, l := range []Level{Eligibility, Assignment} {
				k := "add|" + string(l) + "|" + phase + "|" + v
				assignmentActivities[k] = pimActivity(addName(l)+" "+phase+" ("+v+")", "Add")
			}
		}
	}
	for _, phase := range []string{PhaseRequested, PhaseCompleted} {
		for _, v := range []string{VariantPermanent, VariantTimebound} {
			for _, l := range []Level{Eligibility, Assignment} {
				k := "remove|" + string(l) + "|" + phase + "|" + v
				assignmentActivities[k] = pimActivity(removeName(l)+" "+phase+" ("+v+")", "Remove")
			}
		}
	}
}

func addName(l Level) string {
	if l == Eligibility {
		return "Add eligible member to role in PIM"
	}
	return "Add member to role in PIM"
}

func removeName(l Level) string {
	if l == Eligibility {
		return "Remove eligible member from role in PIM"
	}
	return "Remove member from role in PIM"
}

// AddActivity is "Add (eligible) member to role in PIM <phase> (<variant>)".
func AddActivity(l Level, phase, variant string) audit.Activity {
	return assignmentActivities["add|"+string(l)+"|"+phase+"|"+variant]
}

// RemoveActivity is "Remove (eligible) member from role in PIM <phase>
// (<variant>)".
func RemoveActivity(l Level, phase, variant string) audit.Activity {
	return assignmentActivities["remove|"+string(l)+"|"+phase+"|"+variant]
}
