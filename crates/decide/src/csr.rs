//! Items grouped by node in compressed rows (offsets and one flat list), built from (node, item)
//! pairs in their order, and rebuilt in place so that a hot loop allocates nothing.

/// Items grouped by node: node `v`'s are `items[offsets[v]..offsets[v + 1]]`.
#[derive(Debug, Default)]
pub struct Csr {
    pub offsets: Vec<u32>,
    pub items: Vec<u32>,
}

impl Csr {
    /// The (node, item) `pairs` over nodes `0..n`, grouped by node, each node's in input order.
    pub fn new(n: usize, pairs: impl Iterator<Item = (u32, u32)> + Clone) -> Self {
        let mut csr = Csr::default();
        csr.refill(n, pairs);
        csr
    }
    /// [`Csr::new`] into this one's buffers.
    pub fn refill(&mut self, n: usize, pairs: impl Iterator<Item = (u32, u32)> + Clone) {
        let Csr { offsets, items } = self;
        offsets.clear();
        offsets.resize(n + 1, 0);
        for (v, _) in pairs.clone() {
            offsets[v as usize + 1] += 1;
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        items.clear();
        items.resize(offsets[n] as usize, 0);
        // Each node's offset moves past the items placed, then every offset moves back one row.
        for (v, x) in pairs {
            items[offsets[v as usize] as usize] = x;
            offsets[v as usize] += 1;
        }
        for i in (1..=n).rev() {
            offsets[i] = offsets[i - 1];
        }
        offsets[0] = 0;
    }
    /// Where node `v`'s items are in `items`.
    pub fn range(&self, v: u32) -> std::ops::Range<usize> {
        self.offsets[v as usize] as usize..self.offsets[v as usize + 1] as usize
    }
    pub fn of(&self, v: u32) -> &[u32] {
        &self.items[self.range(v)]
    }
}
