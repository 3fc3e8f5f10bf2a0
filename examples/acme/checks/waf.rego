# waf: the Cloudflare managed rulesets block (not just log) on every public hostname, and rate
# limiting covers the authentication endpoints. Evidence: evidence/cloudflare/waf.yaml.
package main

import rego.v1

required_rulesets := {"Cloudflare Managed Ruleset", "Cloudflare OWASP Core Ruleset"}

deny contains msg if {
	some zone in input.zones
	some name in required_rulesets
	not deployed_blocking(zone, name)
	msg := sprintf("zone %s: %q is not deployed in block mode", [zone.name, name])
}

deployed_blocking(zone, name) if {
	some rs in zone.rulesets
	rs.name == name
	rs.enabled
	rs.action == "block"
}

deny contains msg if {
	some path in ["/login", "/oauth/token"]
	not rate_limited(path)
	msg := sprintf("no rate limit on %s", [path])
}

rate_limited(path) if {
	some zone in input.zones
	some rule in zone.rate_limits
	startswith(path, rule.path_prefix)
	rule.action == "block"
}
