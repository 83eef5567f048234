package authn

import "strings"

// Mode is a Graph authenticationMethodModes value: one way of proving
// identity, as strengths and sessions name it (G-ASP-POST).
type Mode string

// The authenticationMethodModes values (entra.md §3.3, G-ASP-POST). The
// evolvable unknownFutureValue is not a mode anyone proves and is left out.
const (
	Password                    Mode = "password"
	Voice                       Mode = "voice"
	HardwareOath                Mode = "hardwareOath"
	SoftwareOath                Mode = "softwareOath"
	SMS                         Mode = "sms"
	Fido2                       Mode = "fido2"
	WindowsHelloForBusiness     Mode = "windowsHelloForBusiness"
	MicrosoftAuthenticatorPush  Mode = "microsoftAuthenticatorPush"
	DeviceBasedPush             Mode = "deviceBasedPush"
	TemporaryAccessPassOneTime  Mode = "temporaryAccessPassOneTime"
	TemporaryAccessPassMultiUse Mode = "temporaryAccessPassMultiUse"
	Email                       Mode = "email"
	X509CertificateSingleFactor Mode = "x509CertificateSingleFactor"
	X509CertificateMultiFactor  Mode = "x509CertificateMultiFactor"
	FederatedSingleFactor       Mode = "federatedSingleFactor"
	FederatedMultiFactor        Mode = "federatedMultiFactor"
	QRCodePin                   Mode = "qrCodePin"
)

// allModes lists every mode in Graph's enum order; a mode's index is its bit
// in a ModeSet.
var allModes = [...]Mode{
	Password, Voice, HardwareOath, SoftwareOath, SMS, Fido2, WindowsHelloForBusiness,
	MicrosoftAuthenticatorPush, DeviceBasedPush, TemporaryAccessPassOneTime,
	TemporaryAccessPassMultiUse, Email, X509CertificateSingleFactor,
	X509CertificateMultiFactor, FederatedSingleFactor, FederatedMultiFactor, QRCodePin,
}

// AllModes returns every authenticationMethodModes value, in Graph's order.
func AllModes() []Mode { return append([]Mode(nil), allModes[:]...) }

// producible is the set of modes Strongroom itself can prove.
var producible = SetOf(Password, Fido2, TemporaryAccessPassOneTime, TemporaryAccessPassMultiUse, SoftwareOath)

// Producible reports whether Strongroom can prove m: password, fido2,
// temporaryAccessPassOneTime, temporaryAccessPassMultiUse or softwareOath.
func (m Mode) Producible() bool { return producible.Has(m) }

// Valid reports whether m is one of Graph's authenticationMethodModes values
// (exact spelling).
func (m Mode) Valid() bool { return m.set() != 0 }

// ParseMode returns the mode spelled s, ignoring ASCII case, so that
// hand-edited exports ("FIDO2") resolve to Graph's spelling.
func ParseMode(s string) (Mode, bool) {
	for _, m := range allModes {
		if strings.EqualFold(string(m), s) {
			return m, true
		}
	}
	return "", false
}

// ModeSet is a set of modes as a bit mask; the zero value is empty.
type ModeSet uint32

// set returns m's bit, or 0 for a value that is not a mode.
func (m Mode) set() ModeSet {
	switch m {
	case Password:
		return 1 << 0
	case Voice:
		return 1 << 1
	case HardwareOath:
		return 1 << 2
	case SoftwareOath:
		return 1 << 3
	case SMS:
		return 1 << 4
	case Fido2:
		return 1 << 5
	case WindowsHelloForBusiness:
		return 1 << 6
	case MicrosoftAuthenticatorPush:
		return 1 << 7
	case DeviceBasedPush:
		return 1 << 8
	case TemporaryAccessPassOneTime:
		return 1 << 9
	case TemporaryAccessPassMultiUse:
		return 1 << 10
	case Email:
		return 1 << 11
	case X509CertificateSingleFactor:
		return 1 << 12
	case X509CertificateMultiFactor:
		return 1 << 13
	case FederatedSingleFactor:
		return 1 << 14
	case FederatedMultiFactor:
		return 1 << 15
	case QRCodePin:
		return 1 << 16
	}
	return 0
}

// SetOf returns the set holding modes; values that are not modes are ignored.
func SetOf(modes ...Mode) ModeSet {
	var s ModeSet
	for _, m := range modes {
		s |= m.set()
	}
	return s
}

// Has reports whether m is in s.
func (s ModeSet) Has(m Mode) bool {
	b := m.set()
	return b != 0 && s&b == b
}

// Modes returns the members of s in Graph's enum order.
func (s ModeSet) Modes() []Mode {
	var out []Mode
	for i, m := range allModes {
		if s&(1<<i) != 0 {
			out = append(out, m)
		}
	}
	return out
}

// ParseCombination splits a Graph combination ("password,softwareOath") into
// its modes, in the order written. It fails on an empty part, a value that
// is not a mode (exact spelling, as Graph's enum) or a repeated mode.
func ParseCombination(c string) ([]Mode, bool) {
	var out []Mode
	var seen ModeSet
	for part := range strings.SplitSeq(c, ",") {
		m := Mode(part)
		b := m.set()
		if b == 0 || seen&b != 0 {
			return nil, false
		}
		seen |= b
		out = append(out, m)
	}
	return out, true
}

// combinationSet returns the modes of combination c as a set, and false when
// c is not a well-formed combination. It does not allocate.
func combinationSet(c string) (ModeSet, bool) {
	var s ModeSet
	for c != "" {
		part, rest, _ := strings.Cut(c, ",")
		b := Mode(part).set()
		if b == 0 || s&b != 0 {
			return 0, false
		}
		s |= b
		c = rest
	}
	return s, s != 0
}
