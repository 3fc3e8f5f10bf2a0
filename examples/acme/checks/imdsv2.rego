# imdsv2: every EKS prod node launch template requires IMDSv2 tokens with a hop limit of 1, so
# pods cannot reach the node's instance credentials. Evidence: evidence/aws/eks-launch-templates.json
# (the output of `aws ec2 describe-launch-template-versions`).
package main

import rego.v1

deny contains msg if {
	some v in input.LaunchTemplateVersions
	opts := v.LaunchTemplateData.MetadataOptions
	opts.HttpTokens != "required"
	msg := sprintf("%s v%d: HttpTokens is %q, not required", [v.LaunchTemplateName, v.VersionNumber, opts.HttpTokens])
}

deny contains msg if {
	some v in input.LaunchTemplateVersions
	v.LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit > 1
	msg := sprintf("%s v%d: hop limit %d lets pods reach IMDS", [v.LaunchTemplateName, v.VersionNumber, v.LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit])
}
