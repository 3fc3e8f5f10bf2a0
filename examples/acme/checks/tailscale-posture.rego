# tailscale-posture: every ACL rule that reaches tag:prod-admin requires the device posture that
# checks Jamf management and a Falcon ZTA score of at least 60. Evidence: evidence/tailscale/policy.json.
package main

import rego.v1

deny contains msg if {
	some i, rule in input.acls
	some dst in rule.dst
	startswith(dst, "tag:prod-admin:")
	not "posture:managed-prod" in object.get(rule, "srcPosture", [])
	msg := sprintf("ACL rule %d (%v -> %s) has no device posture", [i, rule.src, dst])
}

deny contains msg if {
	rules := {r | some r in input.postures["posture:managed-prod"]}
	some needed in {"jamf:managed == true", "falcon:ztaScore >= 60"}
	not rules[needed]
	msg := sprintf("posture:managed-prod does not require %s", [needed])
}
