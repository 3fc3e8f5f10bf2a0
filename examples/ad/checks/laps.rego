# laps: every enabled workstation has a Windows LAPS password that has not expired. Evidence:
# Get-ADComputer -SearchBase 'OU=Workstations,DC=corp,DC=local' -Properties
# msLAPS-PasswordExpirationTime, exported as JSON (evidence/laps-computers.json).
package main

import rego.v1

deny contains msg if {
	some c in input.computers
	c.enabled
	not c.laps_expiration
	msg := sprintf("%s has no Windows LAPS password", [c.name])
}

deny contains msg if {
	some c in input.computers
	c.enabled
	time.parse_rfc3339_ns(c.laps_expiration) < time.parse_rfc3339_ns(input.observed_at)
	msg := sprintf("%s's LAPS password expired on %s (the client stopped rotating it)", [c.name, c.laps_expiration])
}
