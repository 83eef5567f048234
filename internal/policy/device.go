package policy

// Device is what Strongroom knows about the device of a sign-in: the
// properties a device filter can name (entra.md §4.9, Graph deviceInfo). An
// empty string, nil pointer or empty list is null. For an unregistered or
// unknown device every property is null, which is what the zero Device is.
type Device struct {
	DeviceID              string
	DisplayName           string
	EnrollmentProfileName string
	// ExtensionAttributes[i] is extensionAttribute<i+1>.
	ExtensionAttributes    [15]string
	IsCompliant            *bool
	Manufacturer           string
	MdmAppID               string
	Model                  string
	OperatingSystem        string
	OperatingSystemVersion string
	// Ownership is deviceInfo.ownership, named device.deviceOwnership in
	// rules: "Company" or "Personal".
	Ownership   string
	PhysicalIDs []string
	ProfileType string
	// SystemLabels are labels the system applies, such as "M365Managed".
	SystemLabels []string
	// TrustType: "AzureAD" (joined), "ServerAD" (hybrid joined) or
	// "Workplace" (registered).
	TrustType string
}
