//! The SQLite library's process-wide settings, applied once before the
//! first connection opens (`db::connect`).
//!
//! - No memory statistics (`SQLITE_CONFIG_MEMSTATUS` off). With them on,
//!   every allocation SQLite makes takes one mutex shared by the whole
//!   process, and sqlx copies each value of each row it returns
//!   (`sqlite3_value_dup`, an allocation), so the connections' worker
//!   threads queued on that mutex for every row of every page.
//! - Allocations through the process's allocator (mimalloc in the server;
//!   `SQLITE_CONFIG_MALLOC`) instead of the C library's `malloc`.
//!
//! Neither changes what SQLite stores or answers; `sqlite3_memory_used` and
//! `sqlite3_status` report nothing afterwards, which nothing here reads.

use libsqlite3_sys as ffi;
use std::alloc::{alloc, dealloc, realloc, Layout};
use std::ffi::{c_int, c_void};
use std::ptr::null_mut;
use std::sync::Once;

/// Each block starts with its size (SQLite asks for it back, `xSize`);
/// 8 bytes keep the block SQLite sees 8-byte aligned, as it requires.
const HEADER: usize = 8;
const ALIGN: usize = 8;

fn layout(size: usize) -> Option<Layout> {
    Layout::from_size_align(size.checked_add(HEADER)?, ALIGN).ok()
}

unsafe extern "C" fn x_malloc(n: c_int) -> *mut c_void {
    let Some(layout) = usize::try_from(n).ok().and_then(layout) else {
        return null_mut();
    };
    // SAFETY: `layout` has a non-zero size (it includes the header).
    unsafe {
        let base = alloc(layout);
        if base.is_null() {
            return null_mut();
        }
        base.cast::<u64>().write(n as u64);
        base.add(HEADER).cast()
    }
}

/// SAFETY (for the three below): SQLite only passes pointers `x_malloc` or
/// `x_realloc` returned, whose header holds the size they were made with.
unsafe fn size_of_block(p: *mut c_void) -> usize {
    unsafe { p.cast::<u8>().sub(HEADER).cast::<u64>().read() as usize }
}

unsafe extern "C" fn x_free(p: *mut c_void) {
    if p.is_null() {
        return;
    }
    unsafe {
        let size = size_of_block(p);
        if let Some(layout) = layout(size) {
            dealloc(p.cast::<u8>().sub(HEADER), layout);
        }
    }
}

unsafe extern "C" fn x_realloc(p: *mut c_void, n: c_int) -> *mut c_void {
    if p.is_null() {
        return unsafe { x_malloc(n) };
    }
    let Some(new_size) = usize::try_from(n).ok().filter(|n| layout(*n).is_some()) else {
        return null_mut();
    };
    unsafe {
        let Some(old) = layout(size_of_block(p)) else {
            return null_mut();
        };
        let base = realloc(p.cast::<u8>().sub(HEADER), old, new_size + HEADER);
        if base.is_null() {
            return null_mut();
        }
        base.cast::<u64>().write(new_size as u64);
        base.add(HEADER).cast()
    }
}

unsafe extern "C" fn x_size(p: *mut c_void) -> c_int {
    if p.is_null() {
        return 0;
    }
    unsafe { size_of_block(p) as c_int }
}

unsafe extern "C" fn x_roundup(n: c_int) -> c_int {
    n.saturating_add(7) & !7
}

unsafe extern "C" fn x_init(_: *mut c_void) -> c_int {
    ffi::SQLITE_OK
}

unsafe extern "C" fn x_shutdown(_: *mut c_void) {}

/// Applies the settings; later calls do nothing. When SQLite was already
/// initialised (something opened a connection first), it keeps its
/// defaults and says so in the log.
pub fn configure() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let methods = ffi::sqlite3_mem_methods {
            xMalloc: Some(x_malloc),
            xFree: Some(x_free),
            xRealloc: Some(x_realloc),
            xSize: Some(x_size),
            xRoundup: Some(x_roundup),
            xInit: Some(x_init),
            xShutdown: Some(x_shutdown),
            pAppData: null_mut(),
        };
        // SAFETY: both options are documented for use before
        // `sqlite3_initialize`; SQLite copies `methods` before returning.
        let (stats, malloc) = unsafe {
            (
                ffi::sqlite3_config(ffi::SQLITE_CONFIG_MEMSTATUS, 0 as c_int),
                ffi::sqlite3_config(ffi::SQLITE_CONFIG_MALLOC, &methods as *const ffi::sqlite3_mem_methods),
            )
        };
        if stats != ffi::SQLITE_OK || malloc != ffi::SQLITE_OK {
            tracing::warn!(
                stats,
                malloc,
                "SQLite was initialised before its settings could apply; it keeps its defaults"
            );
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_keep_their_size_through_realloc_and_free() {
        unsafe {
            let p = x_malloc(13);
            assert!(!p.is_null());
            assert_eq!(p as usize % 8, 0);
            assert_eq!(x_size(p), 13);
            p.cast::<u8>().write_bytes(0xAB, 13);
            let q = x_realloc(p, 4000);
            assert_eq!(x_size(q), 4000);
            assert_eq!(std::slice::from_raw_parts(q.cast::<u8>(), 13), &[0xAB; 13]);
            x_free(q);
            x_free(null_mut());
            assert!(x_malloc(-1).is_null());
            assert_eq!(x_roundup(13), 16);
        }
    }
}
