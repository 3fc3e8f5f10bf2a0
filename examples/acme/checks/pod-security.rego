# pod-security: every production namespace enforces Pod Security "baseline" or "restricted";
# the only exemption is the documented preview namespace. Evidence: evidence/k8s/namespaces.yaml.
package main

import rego.v1

exempt := {"preview"}

allowed := {"baseline", "restricted"}

deny contains msg if {
	some ns in input.items
	not exempt[ns.metadata.name]
	level := object.get(ns.metadata.labels, "pod-security.kubernetes.io/enforce", "none")
	not allowed[level]
	msg := sprintf("namespace %s enforces Pod Security %q", [ns.metadata.name, level])
}
