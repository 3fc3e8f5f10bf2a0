# okta-threatinsight: ThreatInsight blocks (not just logs) suspicious IPs, anonymizers are denied by
# a network zone rule, and staff sessions last at most 12 hours. Evidence: evidence/okta/org-security.json.
package main

import rego.v1

deny contains msg if {
	input.threat_insight.action != "block"
	msg := sprintf("ThreatInsight action is %q, not block", [input.threat_insight.action])
}

deny contains msg if {
	not anonymizers_blocked
	msg := "no global session policy rule denies the anonymizer network zone"
}

anonymizers_blocked if {
	some rule in input.global_session_policy.rules
	rule.network_zone == "Anonymizers and hosting ASNs"
	rule.access == "DENY"
	rule.status == "ACTIVE"
}

deny contains msg if {
	some rule in input.global_session_policy.rules
	rule.status == "ACTIVE"
	rule.access == "ALLOW"
	rule.max_session_lifetime_minutes > 720
	msg := sprintf("rule %q allows %d-minute sessions (max 720)", [rule.name, rule.max_session_lifetime_minutes])
}
