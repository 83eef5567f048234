package policy

import (
	"errors"
	"strings"
	"testing"

	"github.com/strongroom-id/strongroom/internal/apperr"
)

// realRules are device filter rules from Microsoft's documentation, the
// AlexFilipin policy repository and Strongroom's own examples; they seed the
// fuzz test.
var realRules = []string{
	`device.extensionAttribute1 -eq "SAW"`,
	`device.trustType -eq "AzureAD" -or device.trustType -eq "ServerAD"`,
	`device.model -startsWith "Surface" -and (device.isCompliant -eq True)`,
	`device.isCompliant -eq True -or device.trustType -eq "ServerAD"`,
	`device.deviceId -in ["7a1f9c2e-0000-4000-8000-000000000001", "7a1f9c2e-0000-4000-8000-000000000002"]`,
	`device.mdmAppId -in ["0000000a-0000-0000-c000-000000000000"]`,
	`device.operatingSystem -eq "Windows" -and device.operatingSystemVersion -startsWith "10.0.22"`,
	`device.displayName -contains "kiosk" -or device.enrollmentProfileName -eq "Shared iPad"`,
	`device.systemLabels -contains "M365Managed"`,
	`device.physicalIds -contains "[ZTDId]"`,
	`device.deviceOwnership -eq "Company" -and device.profileType -ne "SecureVM"`,
	`device.manufacturer -notContains "Contoso" -and device.model -notIn ["VM", "Virtual Machine"]`,
	`device.extensionAttribute15 -endsWith "-prod" -or device.extensionAttribute2 -notStartsWith "test" -or device.extensionAttribute3 -notEndsWith "x"`,
	`(device.trustType -eq "AzureAD" -or device.trustType -eq "ServerAD") -and device.isCompliant -ne False`,
	`device.extensionAttribute1 -eq null`,
}

func TestParseDeviceFilterCanonical(t *testing.T) {
	tests := []struct{ in, want string }{
		{`device.extensionAttribute1 -eq "SAW"`, `device.extensionAttribute1 -eq "SAW"`},
		{`DEVICE.TRUSTTYPE -EQ "AzureAD" -OR device.trustType -Eq "ServerAD"`, `device.trustType -eq "AzureAD" -or device.trustType -eq "ServerAD"`},
		{`device.model -startsWith "Surface" -and (device.isCompliant -eq True)`, `device.model -startsWith "Surface" -and device.isCompliant -eq True`},
		{`device.isCompliant -eq "false"`, `device.isCompliant -eq False`},
		{"  device.model\t-eq\n\"a\"  ", `device.model -eq "a"`},
		{`(device.model -eq "a" -or device.model -eq "b") -and device.isCompliant -eq true`, `(device.model -eq "a" -or device.model -eq "b") -and device.isCompliant -eq True`},
		{`device.model -eq "a" -or device.model -eq "b" -and device.model -eq "c"`, `device.model -eq "a" -or device.model -eq "b" -and device.model -eq "c"`},
		{`((device.model -eq "a"))`, `device.model -eq "a"`},
		{`device.model -eq "a" -and (device.model -eq "b" -and device.model -eq "c")`, `device.model -eq "a" -and device.model -eq "b" -and device.model -eq "c"`},
		{"device.displayName -eq \"say `\"hi`\" with ``\"", "device.displayName -eq \"say `\"hi`\" with ``\""},
		{`device.deviceId -in ["a","b" , "c"]`, `device.deviceId -in ["a", "b", "c"]`},
		{`device.model -eq ""`, `device.model -eq null`},
		{`device.model -ne NULL`, `device.model -ne null`},
		{`device.isCompliant -eq null`, `device.isCompliant -eq null`},
	}
	for _, tt := range tests {
		f, err := ParseDeviceFilter(tt.in)
		if err != nil {
			t.Errorf("ParseDeviceFilter(%q): %v", tt.in, err)
			continue
		}
		if got := f.String(); got != tt.want {
			t.Errorf("ParseDeviceFilter(%q).String() = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, r := range realRules {
		if _, err := ParseDeviceFilter(r); err != nil {
			t.Errorf("real rule %q: %v", r, err)
		}
	}
}

func TestParseDeviceFilterErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{``, "empty"},
		{`   `, "empty"},
		{`device.model`, `position 13: expected an operator such as -eq after device.model, found the end of the rule`},
		{`device.color -eq "red"`, `position 1: unknown device property "device.color"`},
		{`user.department -eq "x"`, `position 1: expected a device property such as device.trustType, found "user.department"`},
		{`device.model -like "x"`, `position 14: unknown operator "-like"`},
		{`device.model -eq 'x'`, `position 18: strings take double quotes`},
		{`device.model -eq "x`, `position 18: string is not closed`},
		{`device.model -eq x`, `position 18: expected a value in double quotes after -eq, found "x"`},
		{`device.trustType -startsWith "Azure"`, `position 18: operator -startsWith does not apply to device.trustType; use -eq -ne`},
		{`device.systemLabels -eq "M365Managed"`, `operator -eq does not apply to device.systemLabels; use -contains -notContains`},
		{`device.isCompliant -eq "yes"`, `device.isCompliant takes True or False`},
		{`device.deviceId -in "a"`, `-in takes a list`},
		{`device.deviceId -in []`, `expected a string in the list, found "]"`},
		{`device.deviceId -in ["a" "b"]`, `expected , or ] in the list`},
		{`device.deviceId -eq ["a"]`, `a list goes with -in and -notIn only`},
		{`device.model -startsWith null`, `null goes with -eq and -ne only`},
		{`device.model -contains ""`, `an empty string goes with -eq and -ne only`},
		{`device.model -eq "a" -and`, `position 26: expected a device property such as device.trustType or (, found the end of the rule`},
		{`device.model -eq "a" device.model -eq "b"`, `position 22: expected -and, -or or the end of the rule`},
		{`(device.model -eq "a"`, `position 22: expected ) to close the ( at position 1`},
		{`device.model -eq "a")`, `position 21: expected -and, -or or the end of the rule, found ")"`},
		{`device.model -eq "a" -xor device.model -eq "b"`, `position 22: expected -and, -or`},
		{`device.model -eq "a" ; drop`, `position 22: unexpected character ';'`},
		{strings.Repeat("(", 60) + `device.model -eq "a"` + strings.Repeat(")", 60), `nested more than 50 deep`},
		{`device.model -eq "` + strings.Repeat("a", 3100) + `"`, `the limit is 3072`},
	}
	for _, tt := range tests {
		_, err := ParseDeviceFilter(tt.in)
		if err == nil {
			t.Errorf("ParseDeviceFilter(%q): no error, want %q", tt.in, tt.want)
			continue
		}
		if !errors.Is(err, apperr.Invalid) {
			t.Errorf("ParseDeviceFilter(%q): error %v is not Invalid", tt.in, err)
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseDeviceFilter(%q) = %q, want it to contain %q", tt.in, err, tt.want)
		}
	}
}

func TestDeviceFilterMatch(t *testing.T) {
	saw := Device{DeviceID: "d1", ExtensionAttributes: [15]string{"SAW", "", "", "", "", "", "", "", "", "", "", "", "", "", "prod"},
		TrustType: "AzureAD", IsCompliant: boolp(true), Model: "Surface Pro 9", Manufacturer: "Microsoft Corporation",
		OperatingSystem: "Windows", OperatingSystemVersion: "10.0.22631.3007", Ownership: "Company", ProfileType: "RegisteredDevice",
		SystemLabels: []string{"M365Managed"}, PhysicalIDs: []string{"[ZTDId]:abc", "[HWID]:h:123"}, MdmAppID: "0000000a-0000-0000-c000-000000000000",
		DisplayName: "SAW-KIOSK-01", EnrollmentProfileName: "Autopilot"}
	byod := Device{DeviceID: "d2", TrustType: "Workplace", IsCompliant: boolp(false), Model: "iPhone 15", Ownership: "Personal", OperatingSystem: "iOS"}
	var unknown Device

	tests := []struct {
		rule                 string
		saw, byod, unknownOK bool
	}{
		{`device.extensionAttribute1 -eq "SAW"`, true, false, false},
		{`device.extensionAttribute1 -eq "saw"`, true, false, false},
		{`device.extensionAttribute1 -ne "SAW"`, false, true, true},
		{`device.extensionAttribute15 -endsWith "ROD"`, true, false, false},
		{`device.extensionAttribute15 -notEndsWith "rod"`, false, true, true},
		{`device.trustType -eq "AzureAD" -or device.trustType -eq "ServerAD"`, true, false, false},
		{`device.model -startsWith "surface" -and (device.isCompliant -eq True)`, true, false, false},
		{`device.model -notStartsWith "Surface"`, false, true, true},
		{`device.isCompliant -eq False`, false, true, false},
		{`device.isCompliant -ne True`, false, true, true},
		{`device.isCompliant -eq null`, false, false, true},
		{`device.isCompliant -ne null`, true, true, false},
		{`device.model -eq null`, false, false, true},
		{`device.model -ne ""`, true, true, false},
		{`device.deviceOwnership -eq "company"`, true, false, false},
		{`device.profileType -ne "SecureVM"`, true, true, true},
		{`device.manufacturer -contains "MICROSOFT"`, true, false, false},
		{`device.manufacturer -notContains "Microsoft"`, false, true, true},
		{`device.operatingSystemVersion -startsWith "10.0.22"`, true, false, false},
		{`device.mdmAppId -in ["x", "0000000A-0000-0000-C000-000000000000"]`, true, false, false},
		{`device.deviceId -notIn ["d1"]`, false, true, true},
		{`device.systemLabels -contains "m365managed"`, true, false, false},
		{`device.systemLabels -notContains "M365Managed"`, false, true, true},
		{`device.physicalIds -contains "[ZTDId]"`, true, false, false},
		{`device.displayName -contains "kiosk" -or device.enrollmentProfileName -eq "Shared iPad"`, true, false, false},
		{`device.operatingSystem -eq "iOS" -and device.deviceOwnership -eq "Personal" -or device.extensionAttribute1 -eq "SAW"`, true, true, false},
		{`device.operatingSystem -eq "iOS" -and (device.deviceOwnership -eq "Company" -or device.extensionAttribute1 -eq "SAW")`, false, false, false},
	}
	for _, tt := range tests {
		f, err := ParseDeviceFilter(tt.rule)
		if err != nil {
			t.Fatalf("ParseDeviceFilter(%q): %v", tt.rule, err)
		}
		for _, c := range []struct {
			name string
			d    Device
			want bool
		}{{"saw", saw, tt.saw}, {"byod", byod, tt.byod}, {"unknown", unknown, tt.unknownOK}} {
			if got := f.Match(c.d); got != c.want {
				t.Errorf("%q on %s = %v, want %v", tt.rule, c.name, got, c.want)
			}
		}
	}
	var nilFilter *DeviceFilter
	if nilFilter.Match(saw) || nilFilter.String() != "" {
		t.Error("a nil filter matches nothing")
	}
}

func TestContainsFold(t *testing.T) {
	for _, tt := range []struct {
		s, sub string
		want   bool
	}{{"Surface", "FACE", true}, {"Surface", "", true}, {"ab", "abc", false}, {"ÄBC", "äb", true}} {
		if got := containsFold(tt.s, tt.sub); got != tt.want {
			t.Errorf("containsFold(%q, %q) = %v", tt.s, tt.sub, got)
		}
	}
}

func FuzzParseDeviceFilter(f *testing.F) {
	for _, r := range realRules {
		f.Add(r)
	}
	f.Add(`device.displayName -eq "a` + "`" + `"b"`)
	f.Add(`((device.model -eq "a") -or (device.model -eq "b"))`)
	probe := []Device{{}, {Model: "Surface", TrustType: "AzureAD", IsCompliant: boolp(true), ExtensionAttributes: [15]string{"SAW"}, SystemLabels: []string{"x"}}}
	f.Fuzz(func(t *testing.T, rule string) {
		df, err := ParseDeviceFilter(rule)
		if err != nil {
			if !errors.Is(err, apperr.Invalid) {
				t.Fatalf("error %v is not Invalid", err)
			}
			return
		}
		// The canonical form parses back to itself and to the same filter.
		canon := df.String()
		again, err := ParseDeviceFilter(canon)
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", canon, rule, err)
		}
		if again.String() != canon {
			t.Fatalf("canonical form not stable: %q -> %q", canon, again.String())
		}
		for _, d := range probe {
			if df.Match(d) != again.Match(d) {
				t.Fatalf("%q and its canonical form %q disagree on %+v", rule, canon, d)
			}
		}
	})
}
