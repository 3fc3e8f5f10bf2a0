#!/usr/bin/env python3
"""A generated SharpHound-shaped estate, and NetworkX loading it: the peer of `riskpath import bloodhound`.

    bench/bloodhound_estate.py generate DIR --principals N --aces M [--seed S]
        writes DIR/users.json, computers.json, groups.json, domains.json (SharpHound CE schema 6):
        N principals (70% users, 25% computers, 5% groups), M ACEs spread over them (GenericAll,
        GenericWrite, WriteDacl, ForceChangePassword, AddMember, …), two memberships per user and
        computer, local admins and sessions on computers, one domain with DCSync rights.
    bench/bloodhound_estate.py networkx DIR
        loads every DIR/*.json (SharpHound files: this estate's or a real collection's) into a networkx.DiGraph the way BloodHound's ingest reads them (a node
        per object, an edge per ACE, membership, session and local-admin entry) and prints
        `record key=value` lines: seconds, nodes, edges, peak RSS.

The generator is seeded and uses only the standard library, so the estate is the same on every run.
"""

import glob
import json
import random
import resource
import sys
import time

DOMAIN_SID = "S-1-5-21-1111111111-2222222222-3333333333"
DOMAIN = "BENCH.LOCAL"
RIGHTS = ["GenericAll", "GenericWrite", "WriteDacl", "WriteOwner", "ForceChangePassword", "AddMember",
          "AllExtendedRights", "AddKeyCredentialLink", "Owns", "ReadLAPSPassword"]


def sid(rid):
    return f"{DOMAIN_SID}-{rid}"


def ace(principal, kind, right):
    return {"PrincipalSID": principal, "PrincipalType": kind, "RightName": right, "IsInherited": False}


def write(path, kind, items):
    with open(path, "w") as f:
        f.write('{"data": [\n')
        for i, item in enumerate(items):
            f.write(json.dumps(item, separators=(",", ":")))
            f.write(",\n" if i + 1 < len(items) else "\n")
        f.write(f'], "meta": {{"methods": 0, "type": "{kind}", "count": {len(items)}, "version": 6}}}}\n')


def generate(out, principals, aces, seed):
    rng = random.Random(seed)
    n_groups = max(10, principals // 20)
    n_computers = principals // 4
    n_users = principals - n_groups - n_computers
    users = [sid(10000 + i) for i in range(n_users)]
    computers = [sid(1000000 + i) for i in range(n_computers)]
    groups = [sid(2000000 + i) for i in range(n_groups)] + [sid(512), sid(513), sid(515)]
    kinds = {**{u: "User" for u in users}, **{c: "Computer" for c in computers}, **{g: "Group" for g in groups}}
    everyone = users + computers + groups
    per_object = {x: [] for x in everyone}
    for _ in range(aces):
        target = rng.choice(everyone)
        principal = rng.choice(groups) if rng.random() < 0.6 else rng.choice(users)
        right = "AddMember" if kinds[target] == "Group" and rng.random() < 0.5 else rng.choice(RIGHTS)
        per_object[target].append(ace(principal, kinds[principal], right))
    members = {g: [] for g in groups}
    for x in users + computers:
        for g in rng.sample(groups[:-3], 2):
            members[g].append({"ObjectIdentifier": x, "ObjectType": kinds[x]})
    for g in rng.sample(groups[:-3], min(20, n_groups)):
        members[sid(512)].append({"ObjectIdentifier": g, "ObjectType": "Group"})

    def props(name, enabled=True):
        return {"name": name, "domain": DOMAIN, "domainsid": DOMAIN_SID, "enabled": enabled,
                "lastlogontimestamp": 1700000000 - rng.randrange(0, 200) * 86400}

    write(f"{out}/users.json", "users", [
        {"ObjectIdentifier": u, "Properties": props(f"USER{i}@{DOMAIN}"), "PrimaryGroupSID": sid(513),
         "Aces": per_object[u], "IsDeleted": False, "IsACLProtected": False, "AllowedToDelegate": [], "HasSIDHistory": []}
        for i, u in enumerate(users)])
    write(f"{out}/computers.json", "computers", [
        {"ObjectIdentifier": c, "Properties": {**props(f"HOST{i}.{DOMAIN}"), "operatingsystem": "Windows 11"},
         "PrimaryGroupSID": sid(515), "Aces": per_object[c], "IsDeleted": False, "IsACLProtected": False,
         "Sessions": {"Collected": True, "Results": [{"UserSID": rng.choice(users), "ComputerSID": c}]},
         "LocalGroups": [{"ObjectIdentifier": f"{c}-544", "Name": "ADMINISTRATORS", "Collected": True,
                          "Results": [{"ObjectIdentifier": rng.choice(groups[:-3]), "ObjectType": "Group"}]}]}
        for i, c in enumerate(computers)])
    write(f"{out}/groups.json", "groups", [
        {"ObjectIdentifier": g, "Properties": props(f"GROUP{i}@{DOMAIN}"), "Members": members[g],
         "Aces": per_object[g], "IsDeleted": False, "IsACLProtected": False}
        for i, g in enumerate(groups)])
    write(f"{out}/domains.json", "domains", [
        {"ObjectIdentifier": DOMAIN_SID, "Properties": {"name": DOMAIN, "domain": DOMAIN, "domainsid": DOMAIN_SID},
         "Aces": [ace(sid(512), "Group", "GetChanges"), ace(sid(512), "Group", "GetChangesAll"),
                  ace(sid(512), "Group", "GenericAll")],
         "Trusts": [], "Links": [], "ChildObjects": [], "IsDeleted": False, "IsACLProtected": False}])
    print(f"record tool=generate principals={principals} aces={aces} users={n_users} computers={n_computers} groups={len(groups)}")


def load_networkx(out):
    import networkx as nx
    start = time.perf_counter()
    g = nx.DiGraph()
    for path in sorted(glob.glob(f"{out}/*.json")):
        with open(path) as f:
            doc = json.load(f)
        kind = doc["meta"]["type"]
        for o in doc["data"]:
            oid = o["ObjectIdentifier"]
            g.add_node(oid, name=(o.get("Properties") or {}).get("name"), kind=kind)
            for c in o.get("ChildObjects") or []:
                g.add_edge(oid, c["ObjectIdentifier"], kind="Contains")
            for a in o.get("Aces") or []:
                if a["PrincipalSID"] != oid:
                    g.add_edge(a["PrincipalSID"], oid, kind=a["RightName"])
            for m in o.get("Members") or []:
                g.add_edge(m["ObjectIdentifier"], oid, kind="MemberOf")
            if o.get("PrimaryGroupSID"):
                g.add_edge(oid, o["PrimaryGroupSID"], kind="MemberOf")
            for s in (o.get("Sessions") or {}).get("Results") or []:
                g.add_edge(s["ComputerSID"], s["UserSID"], kind="HasSession")
            for lg in o.get("LocalGroups") or []:
                for m in lg.get("Results") or []:
                    g.add_edge(m["ObjectIdentifier"], oid, kind="AdminTo")
    seconds = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"record tool=networkx seconds={seconds:.2f} nodes={g.number_of_nodes()} edges={g.number_of_edges()} peak_rss={rss}")


def main(argv):
    if len(argv) >= 2 and argv[0] == "generate":
        opts = dict(zip(argv[2::2], argv[3::2]))
        generate(argv[1], int(opts.get("--principals", 100000)), int(opts.get("--aces", 1000000)), int(opts.get("--seed", 1)))
    elif len(argv) == 2 and argv[0] == "networkx":
        load_networkx(argv[1])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
