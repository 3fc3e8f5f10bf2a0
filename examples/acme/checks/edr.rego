# edr: every Mac that Jamf manages runs the Falcon sensor in prevention mode and has checked in
# within the last 3 days of the export. Evidence: two files, so the input is an array of two
# documents — the Jamf inventory and the Falcon host list (evidence/endpoint/*.json).
package main

import rego.v1

jamf := [doc | some doc in input; doc.source == "jamf"][0]

falcon := [doc | some doc in input; doc.source == "crowdstrike"][0]

sensors := {h.serial_number: h | some h in falcon.hosts}

deny contains msg if {
	some mac in jamf.computers
	mac.managed
	not sensors[mac.serial_number]
	msg := sprintf("%s (%s) is managed by Jamf but has no Falcon sensor", [mac.name, mac.serial_number])
}

deny contains msg if {
	some h in falcon.hosts
	h.prevention_policy.mode != "prevent"
	msg := sprintf("%s runs Falcon in %s mode, not prevent", [h.hostname, h.prevention_policy.mode])
}

deny contains msg if {
	some h in falcon.hosts
	stale_ns := time.parse_rfc3339_ns(falcon.observed_at) - time.parse_rfc3339_ns(h.last_seen)
	stale_ns > ((3 * 24) * 3600) * 1000000000
	msg := sprintf("%s has not checked in since %s", [h.hostname, h.last_seen])
}
