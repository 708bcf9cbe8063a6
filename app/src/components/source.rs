//! Resource sources that can outlive their page. A resource's source runs
//! again when what it read changes, and the task doing so can run after the
//! page owning the memos it reads was disposed — a client dropping an
//! in-flight SSR stream does exactly that (leptos#4698, #4829), and `get`
//! on a disposed arena value panics. Sources and effects therefore read with
//! `try_get`/`try_with`, yield `None` when the page is gone, and the fetcher
//! returns [`gone`] at once instead of calling the server.

use crate::error::AppError;

/// What a resource resolves to when its page is gone: nobody renders it.
pub fn gone() -> AppError {
    AppError::Transport("the page was closed".into())
}
