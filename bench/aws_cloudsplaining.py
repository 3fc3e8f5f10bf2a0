"""Which principals riskpath and cloudsplaining flag for privilege escalation on the same dump.

Usage: python3 aws_cloudsplaining.py CLOUDSPLAINING_RESULTS.json RISKPATH_MODEL_DIR
Prints a Markdown table (principal, cloudsplaining's escalation findings, riskpath's way to
administrator) and the counts of agreement. A principal is flagged by cloudsplaining when one of its
policies (inline, managed, its groups') has PrivilegeEscalation findings and is not excluded; by
riskpath when `riskpath import aws-iam` found a way from it to an account administrator.
"""
import json
import re
import sys


def cloudsplaining_flags(results):
    """principal name -> sorted escalation methods cloudsplaining found in its policies."""
    policies = {}
    for kind in ("customer_managed_policies", "aws_managed_policies"):
        for pid, p in results[kind].items():
            found = (p.get("PrivilegeEscalation") or {}).get("findings") or []
            if found and not p.get("is_excluded"):
                policies[pid] = {f["type"] for f in found}
    inline = {}
    for pid, p in results["inline_policies"].items():
        found = (p.get("PrivilegeEscalation") or {}).get("findings") or []
        if found and not p.get("is_excluded"):
            inline[pid] = {f["type"] for f in found}

    def methods(item):
        out = set()
        for key in ("customer_managed_policies", "aws_managed_policies"):
            for pid in item.get(key, {}):
                out |= policies.get(pid, set())
        for pid in item.get("inline_policies", {}):
            out |= inline.get(pid, set())
        return out

    groups = {g["name"]: methods(g) for g in results["groups"].values()}
    flags = {}
    for kind in ("users", "roles"):
        for item in results[kind].values():
            if item.get("is_excluded"):
                continue
            m = methods(item)
            for g in item.get("groups", {}):
                m |= groups.get(g, set())
            flags[item["name"]] = sorted(m)
    return flags


def riskpath_admins(model_dir):
    """principal name -> riskpath's way to administrator, from aws/report.md."""
    text = open(f"{model_dir}/aws/report.md", encoding="utf-8").read()
    section = text.split("## Principals that reach administrator", 1)[1].split("\n## ", 1)[0]
    out = {}
    for line in section.splitlines():
        m = re.match(r"^\| (.+?) \| (.+) \|$", line)
        if m and m.group(1) not in ("principal", "---"):
            kinds = re.findall(r"—(\w+)→", m.group(2))
            out[m.group(1).split(" @ ")[0]] = kinds
    return out


def main():
    results = json.load(open(sys.argv[1], encoding="utf-8"))
    cs = cloudsplaining_flags(results)
    rp = riskpath_admins(sys.argv[2])
    names = sorted(set(cs) | set(rp))
    both = [n for n in names if cs.get(n) and n in rp]
    only_cs = [n for n in names if cs.get(n) and n not in rp]
    only_rp = [n for n in names if n in rp and not cs.get(n)]
    print("| principal | cloudsplaining: escalation methods in its policies | riskpath: way to administrator |")
    print("|---|---|---|")
    for n in names:
        if not cs.get(n) and n not in rp:
            continue
        methods = cs.get(n, [])
        shown = ", ".join(methods[:3]) + (f" (+{len(methods) - 3} more)" if len(methods) > 3 else "")
        print(f"| {n} | {shown or '—'} | {' → '.join(rp[n]) if n in rp else '—'} |")
    print()
    print(f"principals: {len(names)}; flagged by both: {len(both)}; only cloudsplaining: {len(only_cs)}; only riskpath: {len(only_rp)}")
    print(f"only cloudsplaining: {', '.join(only_cs) or 'none'}")
    print(f"only riskpath: {', '.join(only_rp) or 'none'}")


if __name__ == "__main__":
    main()
