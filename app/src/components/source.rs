//! Resource sources that can outlive their page. A resource's source runs
//! again when what it read changes, and the task doing so can run after the
//! page owning the memos it reads was disposed — a client dropping an
//! in-flight SSR stream does exactly that (leptos#4698, #4829), and `get`
//! on a disposed arena value panics. Sources and effects therefore read with
//! `try_get`/`try_with`, yield `None` when the page is gone, and the fetcher
//! returns [`gone`] at once instead of calling the server.

use crate::error::AppError;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// What a resource resolves to when its page is gone: nobody renders it.
pub fn gone() -> AppError {
    AppError::Transport("the page was closed".into())
}

/// The route's `:id` as a row id: `None` when it is missing, not a positive
/// number, or the router is already gone.
pub fn use_id_param() -> Memo<Option<i64>> {
    let params = use_params_map();
    Memo::new(move |_| {
        params
            .try_with(|p| p.get("id"))
            .flatten()
            .and_then(|s| s.parse::<i64>().ok())
            .filter(|id| *id > 0)
    })
}
