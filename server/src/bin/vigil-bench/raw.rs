//! Raw SQLite: the floor under the billing ingestion figure (issue 12). One
//! transaction per event through SQLite's C API (`libsqlite3-sys`, the very
//! library sqlx links): no HTTP, no ORM, no driver thread, the server's
//! pragmas (WAL, `synchronous=NORMAL`), a fresh file in the data folder.

use libsqlite3_sys as ffi;
use std::ffi::{CStr, CString};
use std::path::Path;
use std::time::{Duration, Instant};

/// Events per second over `secs`, each `BEGIN; INSERT; COMMIT` on its own.
pub fn one_transaction_per_event(dir: &Path, secs: Duration) -> Result<f64, String> {
    let path = dir.join("raw-sqlite.db");
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", path.display()));
    }
    let db = Db::open(&path)?;
    db.exec(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
         CREATE TABLE events (id TEXT PRIMARY KEY, kind TEXT NOT NULL,
                              payload TEXT NOT NULL, received_at INTEGER NOT NULL);",
    )?;
    let begin = db.prepare("BEGIN")?;
    let insert = db.prepare("INSERT INTO events (id, kind, payload, received_at) VALUES (?1, ?2, ?3, ?4)")?;
    let commit = db.prepare("COMMIT")?;
    // About the size of a billing event's body.
    let payload = format!("{{\"account\":\"acc-1\",\"name\":\"{}\"}}", "x".repeat(200));
    let start = Instant::now();
    let mut n: u64 = 0;
    while start.elapsed() < secs {
        let id = format!("{n:032x}");
        db.step(begin)?;
        db.bind_text(insert, 1, &id)?;
        db.bind_text(insert, 2, "subscriber.created")?;
        db.bind_text(insert, 3, &payload)?;
        // SAFETY: `insert` is a live statement of `db`, parameter 4 exists.
        unsafe { ffi::sqlite3_bind_int64(insert, 4, n as i64) };
        db.step(insert)?;
        db.step(commit)?;
        n += 1;
    }
    let rate = n as f64 / start.elapsed().as_secs_f64();
    for s in [begin, insert, commit] {
        // SAFETY: each statement was prepared on `db` and is finalized once.
        unsafe { ffi::sqlite3_finalize(s) };
    }
    drop(db);
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", path.display()));
    }
    Ok(rate)
}

/// An open connection, closed on drop.
struct Db(*mut ffi::sqlite3);

impl Db {
    fn open(path: &Path) -> Result<Self, String> {
        let c = CString::new(path.display().to_string()).map_err(|e| e.to_string())?;
        let mut db = std::ptr::null_mut();
        let flags = ffi::SQLITE_OPEN_READWRITE | ffi::SQLITE_OPEN_CREATE;
        // SAFETY: valid C string and out pointer; a handle is returned even
        // on failure and is closed by `Db`'s drop.
        let rc = unsafe { ffi::sqlite3_open_v2(c.as_ptr(), &mut db, flags, std::ptr::null()) };
        let db = Db(db);
        if rc != ffi::SQLITE_OK {
            return Err(format!("open {}: {}", path.display(), db.error()));
        }
        Ok(db)
    }

    fn error(&self) -> String {
        // SAFETY: the handle is open; the message is a C string it owns.
        unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(self.0)) }
            .to_string_lossy()
            .into_owned()
    }

    fn exec(&self, sql: &str) -> Result<(), String> {
        let c = CString::new(sql).map_err(|e| e.to_string())?;
        // SAFETY: open handle, valid C string, no callback.
        let rc = unsafe { ffi::sqlite3_exec(self.0, c.as_ptr(), None, std::ptr::null_mut(), std::ptr::null_mut()) };
        if rc == ffi::SQLITE_OK {
            Ok(())
        } else {
            Err(format!("{sql}: {}", self.error()))
        }
    }

    fn prepare(&self, sql: &str) -> Result<*mut ffi::sqlite3_stmt, String> {
        let c = CString::new(sql).map_err(|e| e.to_string())?;
        let mut stmt = std::ptr::null_mut();
        // SAFETY: open handle, valid C string (-1: read to the NUL).
        let rc = unsafe { ffi::sqlite3_prepare_v2(self.0, c.as_ptr(), -1, &mut stmt, std::ptr::null_mut()) };
        if rc == ffi::SQLITE_OK {
            Ok(stmt)
        } else {
            Err(format!("{sql}: {}", self.error()))
        }
    }

    fn bind_text(&self, stmt: *mut ffi::sqlite3_stmt, i: i32, text: &str) -> Result<(), String> {
        // SAFETY: live statement of this handle; SQLITE_TRANSIENT makes
        // SQLite copy the bytes before this returns.
        let rc = unsafe { ffi::sqlite3_bind_text(stmt, i, text.as_ptr().cast(), text.len() as i32, ffi::SQLITE_TRANSIENT()) };
        if rc == ffi::SQLITE_OK {
            Ok(())
        } else {
            Err(format!("bind {i}: {}", self.error()))
        }
    }

    /// Runs a statement that returns no rows, then resets it for reuse.
    fn step(&self, stmt: *mut ffi::sqlite3_stmt) -> Result<(), String> {
        // SAFETY: live statement of this handle.
        let rc = unsafe { ffi::sqlite3_step(stmt) };
        // SAFETY: as above; reset keeps the bindings, which the next event
        // overwrites.
        unsafe { ffi::sqlite3_reset(stmt) };
        if rc == ffi::SQLITE_DONE {
            Ok(())
        } else {
            Err(format!("step: {}", self.error()))
        }
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        // SAFETY: every statement was finalized before; close once.
        unsafe { ffi::sqlite3_close(self.0) };
    }
}
