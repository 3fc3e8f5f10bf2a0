# cf-access-posture: every internal app behind Cloudflare Access requires the WARP device posture
# check; the only bypass is the BPO floor's IP list. Evidence: evidence/cloudflare/access-apps.json.
package main

import rego.v1

deny contains msg if {
	some app in input.apps
	not requires_posture(app)
	msg := sprintf("%s (%s) does not require the WARP posture check", [app.name, app.domain])
}

requires_posture(app) if {
	some policy in app.policies
	policy.decision == "allow"
	"warp-managed" in policy.require
}

deny contains msg if {
	some app in input.apps
	some policy in app.policies
	policy.decision == "bypass"
	policy.include != ["ip_list:bpo-manila"]
	msg := sprintf("%s has a bypass policy for %v", [app.name, policy.include])
}
