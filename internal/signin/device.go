package signin

import "strings"

// deviceDetail reads the browser and operating system from a User-Agent,
// for the sign-in log. Platforms for Conditional Access are decided by the
// policy package from the same header.
func deviceDetail(ua string) DeviceDetail {
	var d DeviceDetail
	switch {
	case strings.Contains(ua, "Edg/"):
		d.Browser = "Edge"
	case strings.Contains(ua, "Firefox/"):
		d.Browser = "Firefox"
	case strings.Contains(ua, "Chrome/") || strings.Contains(ua, "Chromium/") || strings.Contains(ua, "HeadlessChrome/"):
		d.Browser = "Chrome"
	case strings.Contains(ua, "Safari/"):
		d.Browser = "Safari"
	case ua == "":
		d.Browser = ""
	default:
		d.Browser = "Other"
	}
	switch {
	case strings.Contains(ua, "Android"):
		d.OperatingSystem = "Android"
	case strings.Contains(ua, "iPhone") || strings.Contains(ua, "iPad"):
		d.OperatingSystem = "iOS"
	case strings.Contains(ua, "Windows"):
		d.OperatingSystem = "Windows"
	case strings.Contains(ua, "Mac OS X") || strings.Contains(ua, "Macintosh"):
		d.OperatingSystem = "MacOs"
	case strings.Contains(ua, "Linux") || strings.Contains(ua, "X11"):
		d.OperatingSystem = "Linux"
	}
	return d
}
