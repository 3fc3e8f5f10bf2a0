//! Random models with initiatives for the planner's tests.
#![allow(dead_code)]

use riskpath_model::Model;

pub fn load(yaml: &str) -> Model {
    match riskpath_model::load_str("m.yaml", yaml, &Default::default()) {
        Ok(l) => l.model,
        Err(p) => panic!("{:?}\n{yaml}", p.list.iter().map(|x| &x.message).collect::<Vec<_>>()),
    }
}

/// Random estate: hosts n0..n{k}, two jewels; exploits (T1190) and ssh (T1021.004) edges, some
/// AND; controls c0..c2 planned, each against one technique on some hosts, with interval or point
/// efficacies; initiatives deploying 1–2 controls or removing an edge.
pub fn random_model(seed: u64) -> Model {
    let mut rng = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move |n: u64| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng % n
    };
    let hosts = 3 + next(4) as usize;
    let name = |i: usize| if i == 0 { "e0".to_string() } else { format!("n{}", i - 1) };
    let mut y = String::from("entry_points: [{id: e0, kind: internet}]\nnodes:\n");
    for i in 0..hosts {
        y += &format!("  - {{id: n{i}, kind: host, tags: [t{}]}}\n", i % 3);
    }
    y += "  - {id: j0, kind: datastore, crown_jewel: true, loss: {confidentiality: 1e6}}\n";
    y += "  - {id: j1, kind: datastore, crown_jewel: true, loss: {integrity: {low: 1e5, high: 1e7}}}\n";
    y += "edges:\n";
    let mut ids = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for k in 0..(hosts * 2 + 4) {
        let from = next(hosts as u64 + 1) as usize;
        let to = if k % 4 == 3 { hosts + 1 + next(2) as usize } else { 1 + next(hosts as u64) as usize };
        if from == to || !seen.insert((from, to)) {
            continue;
        }
        let to_name = if to > hosts { format!("j{}", to - hosts - 1) } else { name(to) };
        let kind = if next(2) == 0 { "exploits" } else { "ssh" };
        let p = 0.2 + next(70) as f64 / 100.0;
        let req = if next(5) == 0 { format!(", requires: [n{}]", next(hosts as u64)) } else { String::new() };
        y += &format!("  - {{id: x{k}, from: {}, to: {to_name}, kind: {kind}, p: {p}{req}}}\n", name(from));
        ids.push(format!("x{k}"));
    }
    y += "controls:\n";
    for c in 0..3 {
        let tech = if c % 2 == 0 { "T1190" } else { "T1021" };
        let eff = if c == 2 { "{low: 0.3, high: 0.9}".to_string() } else { format!("0.{}", 4 + next(5)) };
        y += &format!(
            "  - {{id: c{c}, status: planned, mitigates: {{{tech}: {eff}}}, scope: [tag:t{}, j0, j1]}}\n",
            next(3)
        );
    }
    y += "actors:\n  - {id: a, frequency: 2, entry: [e0], skill: medium}\n";
    y += "  - {id: b, frequency: {low: 0.5, high: 3}, entry: [e0], skill: high, targets: [j1]}\n";
    y += "initiatives:\n";
    let what = [
        "deploys: [c0]".to_string(),
        "deploys: [c1, c2]".to_string(),
        "deploys: [c2]".to_string(),
        format!("removes: [{}]", ids[next(ids.len() as u64) as usize]),
        format!("removes: [{}], deploys: [c0]", ids[next(ids.len() as u64) as usize]),
    ];
    for (i, w) in what.iter().enumerate() {
        let (once, yearly, duration) = (50_000 * (1 + next(12)), 20_000 * next(5), 1 + next(2));
        let dep = if i == 2 && next(3) == 0 { ", depends_on: [i0]" } else { "" };
        y += &format!(
            "  - {{id: i{i}, {w}, cost: {{once: {once}, yearly: {yearly}}}, duration: {duration}, owner: t{}{dep}}}\n",
            next(2)
        );
    }
    load(&y)
}
