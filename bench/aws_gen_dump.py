"""A synthetic authorization-details dump of a large account, for timing `riskpath import aws-iam`.

Usage: python3 aws_gen_dump.py USERS ROLES SEED > dump.json
Users get one of: read-only, developer (lambda/ec2 with PassRole on app roles), power user (NotAction
iam:*), IAM helpdesk (access keys, login profiles), administrator; roles trust the account, a service,
or another role, with the same mix.
"""
import json
import random
import sys

ACCOUNT = "123456789012"


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action, resource="*"):
    return {"Effect": "Allow", "Action": action, "Resource": resource}


PROFILES = {
    "readonly": doc(allow(["s3:Get*", "s3:List*", "dynamodb:Get*", "dynamodb:Query", "ec2:Describe*"])),
    "developer": doc(
        allow(["lambda:*", "ec2:RunInstances", "ec2:Describe*", "s3:GetObject"]),
        allow("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/app-*"),
    ),
    "power": doc({"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}),
    "helpdesk": doc(allow(["iam:CreateAccessKey", "iam:UpdateLoginProfile"], f"arn:aws:iam::{ACCOUNT}:user/staff-*")),
    "admin": doc(allow("*")),
}
WEIGHTS = [("readonly", 50), ("developer", 25), ("power", 15), ("helpdesk", 8), ("admin", 2)]


def pick(rng):
    return rng.choices([p for p, _ in WEIGHTS], [w for _, w in WEIGHTS])[0]


def main():
    users, roles, seed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    rng = random.Random(seed)
    out = {"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [], "Policies": []}
    for i in range(users):
        name = f"staff-{i}"
        out["UserDetailList"].append({
            "Path": "/", "UserName": name, "UserId": f"AIDA{i:012d}", "Arn": f"arn:aws:iam::{ACCOUNT}:user/{name}",
            "GroupList": [], "AttachedManagedPolicies": [], "Tags": [],
            "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": PROFILES[pick(rng)]}],
        })
    services = ["lambda.amazonaws.com", "ec2.amazonaws.com", "ecs-tasks.amazonaws.com", "glue.amazonaws.com"]
    for i in range(roles):
        name = f"app-{i}" if i % 2 else f"team-{i}"
        kind = rng.random()
        if kind < 0.4:
            principal = {"Service": rng.choice(services)}
        elif kind < 0.8:
            principal = {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
        else:
            principal = {"AWS": f"arn:aws:iam::{ACCOUNT}:role/team-{rng.randrange(0, roles, 2)}"}
        trust = doc({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"})
        profiles = [{"InstanceProfileName": name, "Arn": f"arn:aws:iam::{ACCOUNT}:instance-profile/{name}"}] \
            if principal.get("Service") == "ec2.amazonaws.com" else []
        out["RoleDetailList"].append({
            "Path": "/", "RoleName": name, "RoleId": f"AROA{i:012d}", "Arn": f"arn:aws:iam::{ACCOUNT}:role/{name}",
            "AssumeRolePolicyDocument": trust, "InstanceProfileList": profiles, "AttachedManagedPolicies": [],
            "Tags": [], "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": PROFILES[pick(rng)]}],
        })
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
