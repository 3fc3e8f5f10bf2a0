# oauth-app-allowlist: Google Workspace lets users grant only admin-approved third-party apps.
# Evidence: evidence/google/api-controls.json (Admin console > Security > API controls export).
package main

import rego.v1

deny contains msg if {
	input.unconfigured_third_party_apps != "DONT_ALLOW"
	msg := sprintf("unconfigured third-party apps: %s (expected DONT_ALLOW)", [input.unconfigured_third_party_apps])
}

deny contains msg if {
	some app in input.apps
	app.access == "TRUSTED"
	some scope in app.scopes
	scope in {"https://mail.google.com/", "https://www.googleapis.com/auth/drive"}
	not app.security_review
	msg := sprintf("%s is trusted with %s without a security review", [app.name, scope])
}
