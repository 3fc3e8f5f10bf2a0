//! TEMPORARY prototype of sweep-ordered propagation (to be ported to sim.rs and removed).

use riskpath_engine::rng::{extend, key, mix64, word, GAMMA};
use riskpath_engine::sim::EdgeList;

pub struct G {
    pub n: usize,
    pub rank: Vec<u32>, // original -> new
    offsets: Vec<u32>,
    from: Vec<u32>,
    to: Vec<u32>,
    threshold: Vec<u64>,
    sid: Vec<u32>,
    req_offsets: Vec<u32>,
    reqs: Vec<u32>,
    dep_offsets: Vec<u32>,
    deps: Vec<u32>,
}

pub fn order(list: &EdgeList, mode: u8) -> Vec<u32> {
    let n = list.node_count;
    // adjacency by original ids
    let mut off = vec![0u32; n + 1];
    let mut indeg = vec![0u32; n];
    for e in &list.edges {
        off[e.0 as usize + 1] += 1;
        indeg[e.1 as usize] += 1;
    }
    for i in 0..n {
        off[i + 1] += off[i];
    }
    let mut cur = off.clone();
    let mut adj = vec![(0u32, 0f64); list.edges.len()];
    for e in &list.edges {
        adj[cur[e.0 as usize] as usize] = (e.1, e.2);
        cur[e.0 as usize] += 1;
    }
    let mut seq: Vec<u32> = Vec::with_capacity(n);
    if mode == 0 {
        return (0..n as u32).collect();
    }
    let mut dist = vec![f64::INFINITY; n];
    let mut done = vec![false; n];
    let mut heap = std::collections::BinaryHeap::new();
    #[derive(PartialEq)]
    struct It(f64, u32);
    impl Eq for It {}
    impl PartialOrd for It {
        fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
            Some(self.cmp(o))
        }
    }
    impl Ord for It {
        fn cmp(&self, o: &Self) -> std::cmp::Ordering {
            o.0.total_cmp(&self.0).then(o.1.cmp(&self.1))
        }
    }
    for v in 0..n {
        if indeg[v] == 0 {
            dist[v] = 0.0;
            heap.push(It(0.0, v as u32));
        }
    }
    while let Some(It(d, u)) = heap.pop() {
        if done[u as usize] {
            continue;
        }
        done[u as usize] = true;
        seq.push(u);
        for &(v, p) in &adj[off[u as usize] as usize..off[u as usize + 1] as usize] {
            let w = match mode {
                1 => 1.0,
                2 => -(p.max(1e-12)).ln(),
                _ => 1.0 / p.max(1e-12),
            };
            if d + w < dist[v as usize] {
                dist[v as usize] = d + w;
                heap.push(It(d + w, v));
            }
        }
    }
    for v in 0..n as u32 {
        if !done[v as usize] {
            seq.push(v);
        }
    }
    let mut rank = vec![0u32; n];
    for (i, &v) in seq.iter().enumerate() {
        rank[v as usize] = i as u32;
    }
    rank
}

impl G {
    pub fn new(list: &EdgeList, mode: u8) -> G {
        let n = list.node_count;
        let rank = order(list, mode);
        let mut idx: Vec<usize> = (0..list.edges.len()).collect();
        idx.sort_by_key(|&i| (rank[list.edges[i].0 as usize], i));
        let mut g = G {
            n,
            rank: rank.clone(),
            offsets: vec![0; n + 1],
            from: vec![],
            to: vec![],
            threshold: vec![],
            sid: vec![],
            req_offsets: vec![0],
            reqs: vec![],
            dep_offsets: vec![0; n + 1],
            deps: vec![],
        };
        for &i in &idx {
            let (f, t, p, ref r) = list.edges[i];
            let f = rank[f as usize];
            g.offsets[f as usize + 1] += 1;
            g.from.push(f);
            g.to.push(rank[t as usize]);
            g.threshold.push(if p >= 1.0 { u64::MAX } else { (p * 18_446_744_073_709_551_616.0) as u64 });
            g.sid.push(i as u32);
            for &x in r {
                g.reqs.push(rank[x as usize]);
                g.dep_offsets[rank[x as usize] as usize + 1] += 1;
            }
            g.req_offsets.push(g.reqs.len() as u32);
        }
        for i in 0..n {
            g.offsets[i + 1] += g.offsets[i];
            g.dep_offsets[i + 1] += g.dep_offsets[i];
        }
        let mut c = g.dep_offsets.clone();
        g.deps = vec![0; g.reqs.len()];
        for e in 0..g.to.len() {
            for k in g.req_offsets[e]..g.req_offsets[e + 1] {
                let r = g.reqs[k as usize] as usize;
                g.deps[c[r] as usize] = e as u32;
                c[r] += 1;
            }
        }
        g
    }
}

#[inline]
fn certain_lanes(threshold: u64, k: u64) -> u64 {
    let mut undecided = !0u64;
    let mut live = 0u64;
    let mut rest = threshold;
    let mut i = 0;
    while rest != 0 && undecided != 0 {
        for _ in 0..4 {
            let r = word(k, i);
            i += 1;
            let bit = 0u64.wrapping_sub(rest >> 63);
            live |= undecided & !r & bit;
            undecided &= !(r ^ bit);
            rest <<= 1;
        }
    }
    live
}

pub struct S {
    held: Vec<u64>,
    pending: Vec<u64>,
    bits: Vec<u64>,
    live: Vec<u64>,
    drawn: Vec<u32>,
    generation: u32,
    touched: Vec<u32>,
    pub pops: u64,
    pub sweeps: u64,
}

impl S {
    pub fn new(g: &G) -> S {
        S {
            held: vec![0; g.n],
            pending: vec![0; g.n],
            bits: vec![0; g.n.div_ceil(64)],
            live: vec![0; g.to.len()],
            drawn: vec![0; g.n],
            generation: 0,
            touched: vec![],
            pops: 0,
            sweeps: 0,
        }
    }
}

impl G {
    #[inline(always)]
    fn gain(s: &mut S, v: usize, lanes: u64, count: &mut usize) {
        let old = s.held[v];
        let new = lanes & !old;
        if new == 0 {
            return;
        }
        if old == 0 {
            s.touched.push(v as u32);
        }
        s.held[v] = old | new;
        if s.pending[v] == 0 {
            s.bits[v / 64] |= 1 << (v % 64);
            *count += 1;
        }
        s.pending[v] |= new;
    }

    /// Returns held lanes of `target` (original id).
    pub fn batch(&self, s: &mut S, entries: &[u32], seed: u64, stream: u64, batch: u64, target: u32) -> u64 {
        s.generation += 1;
        let prefix = key(&[seed, 1, stream]);
        let bp = mix64(batch.wrapping_add(GAMMA));
        for &n in &s.touched {
            s.held[n as usize] = 0;
        }
        s.touched.clear();
        let mut count = 0usize;
        for &e in entries {
            Self::gain(s, self.rank[e as usize] as usize, !0, &mut count);
        }
        while count > 0 {
            s.sweeps += 1;
            let mut w = 0;
            while w < s.bits.len() {
                let mut word_bits = s.bits[w];
                while word_bits != 0 {
                    let u = w * 64 + word_bits.trailing_zeros() as usize;
                    s.bits[w] &= !(1u64 << (u % 64));
                    count -= 1;
                    s.pops += 1;
                    let delta = std::mem::take(&mut s.pending[u]);
                    if s.drawn[u] != s.generation {
                        s.drawn[u] = s.generation;
                        for e in self.offsets[u] as usize..self.offsets[u + 1] as usize {
                            let k = mix64(extend(prefix, self.sid[e] as u64) ^ bp);
                            s.live[e] = if self.threshold[e] == u64::MAX { !0 } else { certain_lanes(self.threshold[e], k) };
                        }
                    }
                    for e in self.offsets[u] as usize..self.offsets[u + 1] as usize {
                        let mut lanes = delta & s.live[e];
                        if lanes == 0 {
                            continue;
                        }
                        for k in self.req_offsets[e]..self.req_offsets[e + 1] {
                            lanes &= s.held[self.reqs[k as usize] as usize];
                        }
                        Self::gain(s, self.to[e] as usize, lanes, &mut count);
                    }
                    for d in self.dep_offsets[u] as usize..self.dep_offsets[u + 1] as usize {
                        let e = self.deps[d] as usize;
                        let from = self.from[e] as usize;
                        if s.drawn[from] != s.generation {
                            continue;
                        }
                        let mut lanes = delta & s.held[from] & s.live[e];
                        if lanes == 0 {
                            continue;
                        }
                        for k in self.req_offsets[e]..self.req_offsets[e + 1] {
                            lanes &= s.held[self.reqs[k as usize] as usize];
                        }
                        Self::gain(s, self.to[e] as usize, lanes, &mut count);
                    }
                    if u % 64 == 63 {
                        word_bits = 0;
                    } else {
                        word_bits = s.bits[w] & (!0u64 << (u % 64 + 1));
                    }
                }
                w += 1;
            }
        }
        s.held[self.rank[target as usize] as usize]
    }
}

/// W batches at once, FIFO ring queue, branch-light gain.
pub struct SW<const W: usize> {
    held: Vec<[u64; W]>,
    pending: Vec<[u64; W]>,
    live: Vec<[u64; W]>,
    drawn: Vec<u32>,
    generation: u32,
    touched: Vec<u32>,
    ntouched: usize,
    queue: Vec<u32>,
    head: usize,
    tail: usize,
    pub pops: u64,
}

impl<const W: usize> SW<W> {
    pub fn new(g: &G) -> Self {
        SW {
            held: vec![[0; W]; g.n],
            pending: vec![[0; W]; g.n],
            live: vec![[0; W]; g.to.len()],
            drawn: vec![0; g.n],
            generation: 0,
            touched: vec![0; g.n + 1],
            ntouched: 0,
            queue: vec![0; g.n + 1],
            head: 0,
            tail: 0,
            pops: 0,
        }
    }
}

#[inline(always)]
fn any<const W: usize>(x: &[u64; W]) -> bool {
    x.iter().fold(0, |a, b| a | b) != 0
}

impl G {
    #[inline(always)]
    fn gain_w<const W: usize>(s: &mut SW<W>, v: usize, lanes: [u64; W]) {
        let old = s.held[v];
        let mut new = [0u64; W];
        let mut pend_was = 0u64;
        let mut old_any = 0u64;
        for i in 0..W {
            new[i] = lanes[i] & !old[i];
            s.held[v][i] = old[i] | new[i];
            pend_was |= s.pending[v][i];
            old_any |= old[i];
            s.pending[v][i] |= new[i];
        }
        let new_any = any(&new);
        if new_any {
            if old_any == 0 {
                s.touched[s.ntouched] = v as u32;
                s.ntouched += 1;
            }
            if pend_was == 0 {
                s.queue[s.tail] = v as u32;
                s.tail = if s.tail + 1 == s.queue.len() { 0 } else { s.tail + 1 };
            }
        }
    }

    pub fn batch_w<const W: usize>(&self, s: &mut SW<W>, entries: &[u32], seed: u64, stream: u64, first: u64, target: u32) -> [u64; W] {
        s.generation += 1;
        let prefix = key(&[seed, 1, stream]);
        let mut bp = [0u64; W];
        for i in 0..W {
            bp[i] = mix64((first + i as u64).wrapping_add(GAMMA));
        }
        for t in 0..s.ntouched {
            s.held[s.touched[t] as usize] = [0; W];
        }
        s.ntouched = 0;
        for &e in entries {
            Self::gain_w(s, self.rank[e as usize] as usize, [!0; W]);
        }
        while s.head != s.tail {
            let u = s.queue[s.head] as usize;
            s.head = if s.head + 1 == s.queue.len() { 0 } else { s.head + 1 };
            s.pops += 1;
            let delta = std::mem::replace(&mut s.pending[u], [0; W]);
            if s.drawn[u] != s.generation {
                s.drawn[u] = s.generation;
                for e in self.offsets[u] as usize..self.offsets[u + 1] as usize {
                    let ke = extend(prefix, self.sid[e] as u64);
                    for i in 0..W {
                        s.live[e][i] =
                            if self.threshold[e] == u64::MAX { !0 } else { certain_lanes(self.threshold[e], mix64(ke ^ bp[i])) };
                    }
                }
            }
            for e in self.offsets[u] as usize..self.offsets[u + 1] as usize {
                let mut lanes = [0u64; W];
                for i in 0..W {
                    lanes[i] = delta[i] & s.live[e][i];
                }
                if !any(&lanes) {
                    continue;
                }
                for k in self.req_offsets[e]..self.req_offsets[e + 1] {
                    let r = self.reqs[k as usize] as usize;
                    for i in 0..W {
                        lanes[i] &= s.held[r][i];
                    }
                }
                Self::gain_w(s, self.to[e] as usize, lanes);
            }
            for d in self.dep_offsets[u] as usize..self.dep_offsets[u + 1] as usize {
                let e = self.deps[d] as usize;
                let from = self.from[e] as usize;
                if s.drawn[from] != s.generation {
                    continue;
                }
                let mut lanes = [0u64; W];
                for i in 0..W {
                    lanes[i] = delta[i] & s.held[from][i] & s.live[e][i];
                }
                for k in self.req_offsets[e]..self.req_offsets[e + 1] {
                    let r = self.reqs[k as usize] as usize;
                    for i in 0..W {
                        lanes[i] &= s.held[r][i];
                    }
                }
                Self::gain_w(s, self.to[e] as usize, lanes);
            }
        }
        s.held[self.rank[target as usize] as usize]
    }
}

pub fn draw_only(g: &G, batches: u64) -> u64 {
    let prefix = key(&[1, 1, 0]);
    let mut acc = 0u64;
    for b in 0..batches {
        let bp = mix64(b.wrapping_add(GAMMA));
        for e in 0..g.to.len() {
            let k = mix64(extend(prefix, g.sid[e] as u64) ^ bp);
            acc ^= certain_lanes(g.threshold[e], k);
        }
    }
    acc
}

#[derive(Clone, Copy)]
pub struct NS<const W: usize> {
    held: [u64; W],
    pending: [u64; W],
}

pub struct SB<const W: usize> {
    st: Vec<NS<W>>,
    live: Vec<[u64; W]>,
    drawn: Vec<u32>,
    generation: u32,
    touched: Vec<u32>,
    ntouched: usize,
    queue: Vec<u32>,
    head: usize,
    tail: usize,
    pub pops: u64,
    to_flag: Vec<u32>,
}

const AND: u32 = 1 << 31;

impl<const W: usize> SB<W> {
    pub fn new(g: &G) -> Self {
        let to_flag = (0..g.to.len()).map(|e| g.to[e] | if g.req_offsets[e + 1] > g.req_offsets[e] { AND } else { 0 }).collect();
        SB {
            st: vec![NS { held: [0; W], pending: [0; W] }; g.n],
            live: vec![[0; W]; g.to.len()],
            drawn: vec![0; g.n],
            generation: 0,
            touched: vec![0; g.n + 1],
            ntouched: 0,
            queue: vec![0; g.n + 1],
            head: 0,
            tail: 0,
            pops: 0,
            to_flag,
        }
    }
}

impl G {
    #[inline(always)]
    fn gain_b<const W: usize>(s: &mut SB<W>, v: usize, lanes: [u64; W]) {
        let st = &mut s.st[v];
        let mut new_any = 0;
        let mut old_any = 0;
        let mut was_any = 0;
        for i in 0..W {
            let old = st.held[i];
            let new = lanes[i] & !old;
            st.held[i] = old | new;
            was_any |= st.pending[i];
            st.pending[i] |= new;
            new_any |= new;
            old_any |= old;
        }
        let fresh = new_any != 0;
        s.touched[s.ntouched] = v as u32;
        s.ntouched += (fresh & (old_any == 0)) as usize;
        s.queue[s.tail] = v as u32;
        s.tail += (fresh & (was_any == 0)) as usize;
        if s.tail == s.queue.len() {
            s.tail = 0;
        }
    }

    pub fn batch_b<const W: usize>(&self, s: &mut SB<W>, entries: &[u32], seed: u64, stream: u64, first: u64, target: u32) -> [u64; W] {
        s.generation += 1;
        let prefix = key(&[seed, 1, stream]);
        let mut bp = [0u64; W];
        for i in 0..W {
            bp[i] = mix64((first + i as u64).wrapping_add(GAMMA));
        }
        for t in 0..s.ntouched {
            s.st[s.touched[t] as usize].held = [0; W];
        }
        s.ntouched = 0;
        for &e in entries {
            Self::gain_b(s, self.rank[e as usize] as usize, [!0; W]);
        }
        while s.head != s.tail {
            let u = s.queue[s.head] as usize;
            s.head = if s.head + 1 == s.queue.len() { 0 } else { s.head + 1 };
            if PF {
                let cap = s.queue.len();
                let far = s.queue[(s.head + 8) % cap] as usize;
                prefetch(&self.offsets[far]);
                prefetch(&s.st[far]);
                prefetch(&s.drawn[far]);
                let near = s.queue[(s.head + 3) % cap] as usize;
                let e0 = self.offsets[near] as usize;
                if e0 < s.live.len() {
                    prefetch(&s.live[e0]);
                    prefetch(&s.to_flag[e0]);
                }
            }
            s.pops += 1;
            let delta = std::mem::replace(&mut s.st[u].pending, [0; W]);
            if s.drawn[u] != s.generation {
                s.drawn[u] = s.generation;
                for e in self.offsets[u] as usize..self.offsets[u + 1] as usize {
                    let ke = extend(prefix, self.sid[e] as u64);
                    for i in 0..W {
                        s.live[e][i] =
                            if self.threshold[e] == u64::MAX { !0 } else { certain_lanes(self.threshold[e], mix64(ke ^ bp[i])) };
                    }
                }
            }
            for e in self.offsets[u] as usize..self.offsets[u + 1] as usize {
                let t = s.to_flag[e];
                let mut lanes = [0u64; W];
                for i in 0..W {
                    lanes[i] = delta[i] & s.live[e][i];
                }
                if t & AND != 0 {
                    for k in self.req_offsets[e]..self.req_offsets[e + 1] {
                        let r = self.reqs[k as usize] as usize;
                        for i in 0..W {
                            lanes[i] &= s.st[r].held[i];
                        }
                    }
                }
                Self::gain_b(s, (t & !AND) as usize, lanes);
            }
            for d in self.dep_offsets[u] as usize..self.dep_offsets[u + 1] as usize {
                let e = self.deps[d] as usize;
                let from = self.from[e] as usize;
                if s.drawn[from] != s.generation {
                    continue;
                }
                let mut lanes = [0u64; W];
                for i in 0..W {
                    lanes[i] = delta[i] & s.st[from].held[i] & s.live[e][i];
                }
                for k in self.req_offsets[e]..self.req_offsets[e + 1] {
                    let r = self.reqs[k as usize] as usize;
                    for i in 0..W {
                        lanes[i] &= s.st[r].held[i];
                    }
                }
                Self::gain_b(s, self.to[e] as usize, lanes);
            }
        }
        s.st[self.rank[target as usize] as usize].held
    }
}

pub const PF: bool = true;

#[inline(always)]
fn prefetch<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    unsafe {
        core::arch::x86_64::_mm_prefetch(x as *const T as *const i8, core::arch::x86_64::_MM_HINT_T0);
    }
}

/// Two-queue priority: nodes with >= T pending lanes first.
pub fn batch_pq(g: &G, s: &mut SB<1>, entries: &[u32], seed: u64, stream: u64, batch: u64, target: u32, t_big: u32) -> u64 {
    use std::collections::VecDeque;
    s.generation += 1;
    let prefix = key(&[seed, 1, stream]);
    let bp = mix64(batch.wrapping_add(GAMMA));
    for t in 0..s.ntouched {
        s.st[s.touched[t] as usize].held = [0];
    }
    s.ntouched = 0;
    let mut big: VecDeque<u32> = VecDeque::new();
    let mut small: VecDeque<u32> = VecDeque::new();
    let mut push = |s: &mut SB<1>, v: usize, lanes: u64, big: &mut VecDeque<u32>, small: &mut VecDeque<u32>| {
        let st = &mut s.st[v];
        let new = lanes & !st.held[0];
        if new == 0 {
            return;
        }
        if st.held[0] == 0 {
            s.touched[s.ntouched] = v as u32;
            s.ntouched += 1;
        }
        st.held[0] |= new;
        let before = st.pending[0].count_ones();
        st.pending[0] |= new;
        let after = st.pending[0].count_ones();
        if before == 0 {
            if after >= t_big { big.push_back(v as u32) } else { small.push_back(v as u32) }
        } else if before < t_big && after >= t_big {
            big.push_back(v as u32);
        }
    };
    for &e in entries {
        push(s, g.rank[e as usize] as usize, !0, &mut big, &mut small);
    }
    loop {
        let u = if let Some(u) = big.pop_front() { u } else if let Some(u) = small.pop_front() { u } else { break };
        let u = u as usize;
        let delta = std::mem::replace(&mut s.st[u].pending[0], 0);
        if delta == 0 {
            continue;
        }
        s.pops += 1;
        if s.drawn[u] != s.generation {
            s.drawn[u] = s.generation;
            for e in g.offsets[u] as usize..g.offsets[u + 1] as usize {
                let k = mix64(extend(prefix, g.sid[e] as u64) ^ bp);
                s.live[e][0] = if g.threshold[e] == u64::MAX { !0 } else { certain_lanes(g.threshold[e], k) };
            }
        }
        for e in g.offsets[u] as usize..g.offsets[u + 1] as usize {
            let mut lanes = delta & s.live[e][0];
            if lanes == 0 {
                continue;
            }
            for k in g.req_offsets[e]..g.req_offsets[e + 1] {
                lanes &= s.st[g.reqs[k as usize] as usize].held[0];
            }
            push(s, g.to[e] as usize, lanes, &mut big, &mut small);
        }
        for d in g.dep_offsets[u] as usize..g.dep_offsets[u + 1] as usize {
            let e = g.deps[d] as usize;
            let from = g.from[e] as usize;
            if s.drawn[from] != s.generation {
                continue;
            }
            let mut lanes = delta & s.st[from].held[0] & s.live[e][0];
            for k in g.req_offsets[e]..g.req_offsets[e + 1] {
                lanes &= s.st[g.reqs[k as usize] as usize].held[0];
            }
            push(s, g.to[e] as usize, lanes, &mut big, &mut small);
        }
    }
    s.st[g.rank[target as usize] as usize].held[0]
}

/// Sweeps in node order over pending nodes (bitset), W batches at once.
pub fn batch_sweep<const W: usize>(g: &G, s: &mut SB<W>, bits: &mut Vec<u64>, entries: &[u32], seed: u64, stream: u64, first: u64, target: u32, branchy: bool) -> [u64; W] {
    s.generation += 1;
    let prefix = key(&[seed, 1, stream]);
    let mut bp = [0u64; W];
    for i in 0..W {
        bp[i] = mix64((first + i as u64).wrapping_add(GAMMA));
    }
    for t in 0..s.ntouched {
        s.st[s.touched[t] as usize].held = [0; W];
    }
    s.ntouched = 0;
    bits.resize(g.n.div_ceil(64), 0);
    let mut count = 0usize;
    #[inline(always)]
    fn gain<const W: usize>(s: &mut SB<W>, bits: &mut [u64], count: &mut usize, v: usize, lanes: [u64; W]) {
        let st = &mut s.st[v];
        let mut new_any = 0;
        let mut old_any = 0;
        let mut was_any = 0;
        for i in 0..W {
            let old = st.held[i];
            let new = lanes[i] & !old;
            st.held[i] = old | new;
            was_any |= st.pending[i];
            st.pending[i] |= new;
            new_any |= new;
            old_any |= old;
        }
        if new_any != 0 {
            if old_any == 0 {
                s.touched[s.ntouched] = v as u32;
                s.ntouched += 1;
            }
            if was_any == 0 {
                bits[v / 64] |= 1 << (v % 64);
                *count += 1;
            }
        }
    }
    for &e in entries {
        gain(s, bits, &mut count, g.rank[e as usize] as usize, [!0; W]);
    }
    while count > 0 {
        for w in 0..bits.len() {
            while bits[w] != 0 {
                let u = w * 64 + bits[w].trailing_zeros() as usize;
                bits[w] &= bits[w] - 1;
                count -= 1;
                s.pops += 1;
                let delta = std::mem::replace(&mut s.st[u].pending, [0; W]);
                if s.drawn[u] != s.generation {
                    s.drawn[u] = s.generation;
                    for e in g.offsets[u] as usize..g.offsets[u + 1] as usize {
                        let ke = extend(prefix, g.sid[e] as u64);
                        for i in 0..W {
                            s.live[e][i] = if g.threshold[e] == u64::MAX { !0 } else { certain_lanes(g.threshold[e], mix64(ke ^ bp[i])) };
                        }
                    }
                }
                for e in g.offsets[u] as usize..g.offsets[u + 1] as usize {
                    let t = s.to_flag[e];
                    let mut lanes = [0u64; W];
                    let mut a = 0;
                    for i in 0..W {
                        lanes[i] = delta[i] & s.live[e][i];
                        a |= lanes[i];
                    }
                    if branchy && a == 0 {
                        continue;
                    }
                    if t & AND != 0 {
                        for k in g.req_offsets[e]..g.req_offsets[e + 1] {
                            let r = g.reqs[k as usize] as usize;
                            for i in 0..W {
                                lanes[i] &= s.st[r].held[i];
                            }
                        }
                    }
                    gain(s, bits, &mut count, (t & !AND) as usize, lanes);
                }
                for d in g.dep_offsets[u] as usize..g.dep_offsets[u + 1] as usize {
                    let e = g.deps[d] as usize;
                    let from = g.from[e] as usize;
                    if s.drawn[from] != s.generation {
                        continue;
                    }
                    let mut lanes = [0u64; W];
                    for i in 0..W {
                        lanes[i] = delta[i] & s.st[from].held[i] & s.live[e][i];
                    }
                    for k in g.req_offsets[e]..g.req_offsets[e + 1] {
                        let r = g.reqs[k as usize] as usize;
                        for i in 0..W {
                            lanes[i] &= s.st[r].held[i];
                        }
                    }
                    gain(s, bits, &mut count, g.to[e] as usize, lanes);
                }
            }
        }
    }
    s.st[g.rank[target as usize] as usize].held
}
