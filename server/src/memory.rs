//! Giving memory back to the system once the load that needed it is gone.
//!
//! The server allocates through mimalloc (`main.rs`), which keeps its memory
//! in large arenas and gives freed parts back to the system ("purges" them)
//! after a delay. Two of its defaults kept the resident memory near its peak
//! long after a load (docs/benchmarks.md, "Memory after the load"):
//!
//! - **Transparent huge pages.** mimalloc asks for huge pages on its arenas
//!   (`MADV_HUGEPAGE`); a 2 MiB page stays resident while any of it is used,
//!   and giving back 64 KiB inside one does not shrink it. The `no_thp`
//!   feature (server/Cargo.toml) drops the request, and [`tune`] turns huge
//!   pages off for the process where the system uses them for everything
//!   (`always`).
//! - **A purge delay of one second.** A purge is scheduled when memory is
//!   freed and runs when the allocator is next called after the delay; once
//!   a load stops, the idle threads never call it, so what was freed in the
//!   last second of the load stayed resident. [`tune`] sets 10 ms (mimalloc
//!   2's default) unless `MIMALLOC_PURGE_DELAY` says otherwise.

/// `mi_option_purge_delay` in mimalloc 3's `mi_option_t` (libmimalloc-sys
/// 0.1.49 declares no constant for it). The test below checks that this
/// number still names an option whose default is 1000 ms.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// The purge delay the server runs with, in milliseconds.
const PURGE_DELAY_MS: std::ffi::c_long = 10;

/// Sets the allocator up as described above. Call it first in `main`:
/// pages faulted in before stay as they are.
pub fn tune() {
    #[cfg(target_os = "linux")]
    // SAFETY: `prctl` with `PR_SET_THP_DISABLE` takes plain integers and
    // only sets a flag of the calling process. A refusal (an old kernel)
    // leaves huge pages as the system has them.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets one integer option; mimalloc reads it at each purge.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_delay_option_is_the_one_mimalloc_defaults_to_a_second() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return; // set from outside: the default cannot be seen
        }
        // SAFETY: reads one integer option.
        let default = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        assert_eq!(
            default, 1000,
            "option {MI_OPTION_PURGE_DELAY} is not mimalloc 3's purge delay (a libmimalloc-sys upgrade renumbered mi_option_t?)"
        );
        tune();
        // SAFETY: as above.
        assert_eq!(unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) }, PURGE_DELAY_MS);
    }
}
