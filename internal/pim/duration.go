package pim

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseDuration parses an ISO 8601 duration as Graph writes them ("PT8H",
// "P365D", "PT30M", "P1DT12H", "P2W"). Years and months have no fixed
// length and are refused with a hint to use days; fractions are allowed on
// the last (smallest) unit only, as ISO 8601 says.
func ParseDuration(s string) (time.Duration, error) {
	orig := s
	bad := func(why string) error {
		return fmt.Errorf("%q is not an ISO 8601 duration such as PT8H, PT30M or P365D: %s", orig, why)
	}
	if !strings.HasPrefix(s, "P") && !strings.HasPrefix(s, "p") {
		return 0, bad("it must start with P")
	}
	s = s[1:]
	if s == "" {
		return 0, bad("it has no value after P")
	}
	var total time.Duration
	inTime := false
	seen := ""
	fraction := false
	for s != "" {
		if s[0] == 'T' || s[0] == 't' {
			if inTime {
				return 0, bad("T appears twice")
			}
			inTime = true
			s = s[1:]
			if s == "" {
				return 0, bad("nothing follows T")
			}
			continue
		}
		i := 0
		for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.' || s[i] == ',') {
			i++
		}
		if i == 0 || i == len(s) {
			return 0, bad("each number needs a unit (D, H, M, S)")
		}
		if fraction {
			return 0, bad("only the last value may have a fraction")
		}
		num := strings.ReplaceAll(s[:i], ",", ".")
		unit := strings.ToUpper(s[i : i+1])
		s = s[i+1:]
		v, err := strconv.ParseFloat(num, 64)
		if err != nil || v < 0 {
			return 0, bad("a value is not a number")
		}
		fraction = strings.Contains(num, ".")
		var u time.Duration
		switch {
		case !inTime && unit == "W":
			u = 7 * 24 * time.Hour
		case !inTime && unit == "D":
			u = 24 * time.Hour
		case !inTime && (unit == "Y" || unit == "M"):
			return 0, bad("years and months have no fixed length; give days instead, for example P365D")
		case inTime && unit == "H":
			u = time.Hour
		case inTime && unit == "M":
			u = time.Minute
		case inTime && unit == "S":
			u = time.Second
		default:
			return 0, bad("unknown unit " + unit)
		}
		key := unit
		if inTime {
			key = "T" + unit
		}
		if strings.Contains(seen, "|"+key+"|") {
			return 0, bad("unit " + unit + " appears twice")
		}
		seen += "|" + key + "|"
		if v > float64(1<<62)/float64(u) {
			return 0, bad("it is too long")
		}
		total += time.Duration(v * float64(u))
	}
	return total, nil
}

// FormatDuration writes d as an ISO 8601 duration the way Graph does: whole
// days as "P365D", otherwise "PT8H", "PT1H30M", "P1DT2H".
func FormatDuration(d time.Duration) string {
	if d == 0 {
		return "PT0S"
	}
	neg := ""
	if d < 0 {
		neg, d = "-", -d
	}
	var b strings.Builder
	b.WriteString(neg + "P")
	days := d / (24 * time.Hour)
	d -= days * 24 * time.Hour
	if days > 0 {
		b.WriteString(strconv.FormatInt(int64(days), 10) + "D")
	}
	if d == 0 {
		return b.String()
	}
	b.WriteString("T")
	h := d / time.Hour
	d -= h * time.Hour
	m := d / time.Minute
	d -= m * time.Minute
	if h > 0 {
		b.WriteString(strconv.FormatInt(int64(h), 10) + "H")
	}
	if m > 0 {
		b.WriteString(strconv.FormatInt(int64(m), 10) + "M")
	}
	if d > 0 {
		b.WriteString(strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "S")
	}
	return b.String()
}

// humanDuration is a duration in words for messages: "8 hours",
// "30 minutes", "365 days", "1 hour 30 minutes".
func humanDuration(d time.Duration) string {
	plural := func(n int64, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return strconv.FormatInt(n, 10) + " " + unit + "s"
	}
	if d <= 0 {
		return "0 minutes"
	}
	days := int64(d / (24 * time.Hour))
	d -= time.Duration(days) * 24 * time.Hour
	h := int64(d / time.Hour)
	d -= time.Duration(h) * time.Hour
	m := int64(d / time.Minute)
	var parts []string
	if days > 0 {
		parts = append(parts, plural(days, "day"))
	}
	if h > 0 {
		parts = append(parts, plural(h, "hour"))
	}
	if m > 0 {
		parts = append(parts, plural(m, "minute"))
	}
	if len(parts) == 0 {
		return "less than a minute"
	}
	return strings.Join(parts, " ")
}
