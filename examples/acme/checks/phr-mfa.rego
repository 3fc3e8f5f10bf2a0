# phr-mfa-eng: every active engineer has a phishing-resistant authenticator (Okta FastPass or a
# FIDO2 key), and the "Engineering — phishing-resistant" authentication policy is enforced.
# Evidence: Okta factor export for the engineering groups (evidence/okta/factors-engineering.json).
package main

import rego.v1

phishing_resistant := {"signed_nonce", "webauthn"}

deny contains msg if {
	some user in input.users
	user.status == "ACTIVE"
	count({f.type | some f in user.factors; f.status == "ACTIVE"; phishing_resistant[f.type]}) == 0
	msg := sprintf("%s has no phishing-resistant factor (FastPass or FIDO2) enrolled", [user.login])
}

deny contains msg if {
	input.policy.constraint != "phishing_resistant"
	msg := sprintf("authentication policy %q requires %q, not phishing_resistant", [input.policy.name, input.policy.constraint])
}

warn contains msg if {
	some user in input.users
	some f in user.factors
	f.status == "ACTIVE"
	f.type in {"push", "sms", "call"}
	msg := sprintf("%s still has a fallback %s factor enrolled", [user.login, f.type])
}
