package enforcement

import (
	"strings"

	"github.com/strongroom-id/strongroom/internal/policy"
)

// Platform returns the device platform a User-Agent claims, as
// Conditional Access names it (G-CAPLAT), or "" when it names none of
// them. The header is unverified, as in Entra (CA-POL): a policy that
// blocks unknown platforms is a nudge, not a control. Chrome OS is not a
// Graph platform and is unknown.
func Platform(ua string) string {
	switch {
	case ua == "":
		return ""
	case strings.Contains(ua, "Windows Phone"):
		return policy.PlatformWindowsPhone
	case strings.Contains(ua, "Android"):
		return policy.PlatformAndroid
	case strings.Contains(ua, "iPhone"), strings.Contains(ua, "iPad"), strings.Contains(ua, "iPod"):
		return policy.PlatformIOS
	case strings.Contains(ua, "Windows"):
		return policy.PlatformWindows
	case strings.Contains(ua, "CrOS"):
		return ""
	case strings.Contains(ua, "Macintosh"), strings.Contains(ua, "Mac OS X"):
		return policy.PlatformMacOS
	case strings.Contains(ua, "Linux"), strings.Contains(ua, "X11"):
		return policy.PlatformLinux
	}
	return ""
}
