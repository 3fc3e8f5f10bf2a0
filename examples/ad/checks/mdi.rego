# mdi: every domain controller of both domains runs a healthy Defender for Identity sensor that
# reported within the last day of the export. Evidence: the sensor list exported from the MDI
# portal (evidence/mdi-sensors.json) with the DC list from AD.
package main

import rego.v1

sensors := {s.computer: s | some s in input.sensors}

deny contains msg if {
	some dc in input.domain_controllers
	not sensors[dc]
	msg := sprintf("%s has no Defender for Identity sensor", [dc])
}

deny contains msg if {
	some s in input.sensors
	s.health != "healthy"
	msg := sprintf("the Defender for Identity sensor on %s is %s", [s.computer, s.health])
}

deny contains msg if {
	some s in input.sensors
	age_ns := time.parse_rfc3339_ns(input.observed_at) - time.parse_rfc3339_ns(s.last_seen)
	age_ns > (24 * 3600) * 1000000000
	msg := sprintf("the sensor on %s has not reported since %s", [s.computer, s.last_seen])
}
