//! Hot loops compiled for the vector extensions the CPU has (AVX-512, AVX2), chosen at run time.
//! The only `unsafe` of the workspace: calling a function compiled for features the CPU was checked for.
//!
//! [`multiversion!`] defines a function that runs an `#[inline(always)]` body compiled three times:
//! with AVX-512 (F, DQ, VL), with AVX2, and for the baseline. The compiler vectorises the body's
//! loops as each target allows. The bodies use integer operations and IEEE arithmetic without
//! fused multiply-adds, so all three give the same bits: results do not depend on the CPU.

/// Defines `fn $name(args) -> ret` running `$body(args)` compiled for the best extension available
/// (optionally generic over one constant, which `$body` infers from the arguments).
macro_rules! multiversion {
    ($(#[$meta:meta])* $vis:vis fn $name:ident $(<const $g:ident: $gt:ty>)? ($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? = $body:path;) => {
        $(#[$meta])*
        $vis fn $name $(<const $g: $gt>)? ($($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx512dq,avx512vl")]
                fn avx512 $(<const $g: $gt>)? ($($arg: $ty),*) $(-> $ret)? {
                    $body($($arg),*)
                }
                #[target_feature(enable = "avx2")]
                fn avx2 $(<const $g: $gt>)? ($($arg: $ty),*) $(-> $ret)? {
                    $body($($arg),*)
                }
                match $crate::simd::level() {
                    // SAFETY: the CPU has every feature `avx512` is compiled for (checked by `level`).
                    $crate::simd::Level::Avx512 => return unsafe { avx512($($arg),*) },
                    // SAFETY: the CPU has AVX2 (checked by `level`).
                    $crate::simd::Level::Avx2 => return unsafe { avx2($($arg),*) },
                    $crate::simd::Level::Baseline => {}
                }
            }
            $body($($arg),*)
        }
    };
}
pub(crate) use multiversion;

/// The vector extensions [`multiversion!`] functions use on this CPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Avx512,
    Avx2,
    Baseline,
}

/// A lower level than the CPU's, set by tests that compare the versions; `u8::MAX`: none.
static CAP: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(u8::MAX);

/// Makes [`level`] return at most `cap` (for tests: every version must give the same bits).
/// Process-wide; `None` lifts it.
pub fn cap_level(cap: Option<Level>) {
    CAP.store(cap.map_or(u8::MAX, |l| l as u8), std::sync::atomic::Ordering::Relaxed);
}

/// What this CPU supports (detected once; the standard library caches it), within [`cap_level`].
#[inline]
pub fn level() -> Level {
    let detected = detect();
    match CAP.load(std::sync::atomic::Ordering::Relaxed) {
        cap if cap < u8::MAX && cap > detected as u8 => [Level::Avx512, Level::Avx2, Level::Baseline][cap as usize],
        _ => detected,
    }
}

#[inline]
fn detect() -> Level {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512dq")
            && std::arch::is_x86_feature_detected!("avx512vl")
        {
            return Level::Avx512;
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            return Level::Avx2;
        }
    }
    Level::Baseline
}

/// Held by unit tests that set [`cap_level`], which is process-wide, so they do not interleave.
#[cfg(test)]
pub(crate) static CAP_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cap_lowers_the_level_and_never_raises_it() {
        let _cap = CAP_LOCK.lock().unwrap();
        let detected = detect();
        cap_level(Some(Level::Baseline));
        assert_eq!(level(), Level::Baseline);
        cap_level(Some(Level::Avx512));
        assert_eq!(level(), detected);
        cap_level(None);
        assert_eq!(level(), detected);
    }
}
