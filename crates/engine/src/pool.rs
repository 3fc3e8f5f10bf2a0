//! A pool of reusable per-thread values (scratch buffers) for one parallel loop: a job takes one,
//! or makes one, and it goes back to the pool when the job drops it.

use std::ops::{Deref, DerefMut};
use std::sync::Mutex;

/// Reusable values (scratches) shared by the jobs of one parallel loop.
pub struct Pool<S>(Mutex<Vec<S>>);

impl<S> Default for Pool<S> {
    fn default() -> Self {
        Pool(Mutex::new(Vec::new()))
    }
}

impl<S> Pool<S> {
    /// A pooled value, or a new one: it returns to the pool when dropped.
    pub fn take(&self, new: impl FnOnce() -> S) -> Pooled<'_, S> {
        let item = self.0.lock().map(|mut v| v.pop()).ok().flatten().unwrap_or_else(new);
        Pooled { pool: self, item: Some(item) }
    }
    /// Every value made, once the loop is over.
    pub fn into_items(self) -> Vec<S> {
        self.0.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A value taken from a [`Pool`].
pub struct Pooled<'p, S> {
    pool: &'p Pool<S>,
    item: Option<S>,
}

impl<S> Deref for Pooled<'_, S> {
    type Target = S;
    fn deref(&self) -> &S {
        self.item.as_ref().expect("held until dropped")
    }
}

impl<S> DerefMut for Pooled<'_, S> {
    fn deref_mut(&mut self) -> &mut S {
        self.item.as_mut().expect("held until dropped")
    }
}

impl<S> Drop for Pooled<'_, S> {
    fn drop(&mut self) {
        if let (Some(item), Ok(mut free)) = (self.item.take(), self.pool.0.lock()) {
            free.push(item);
        }
    }
}
