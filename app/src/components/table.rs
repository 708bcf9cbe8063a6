//! Table state in the query string, sortable headers and the pager.

use super::feedback::urlencode;
use crate::types::{Page, TableQuery};
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_query_map};

/// The table state of the current URL.
pub fn use_table_query() -> Memo<TableQuery> {
    let q = use_query_map();
    Memo::new(move |_| {
        // The router's query map can be gone before this memo (see
        // `super::source`): an empty query then, never a panic.
        q.try_with(|m| TableQuery {
            sort: m.get("sort"),
            dir: m.get("dir"),
            after: m.get("after"),
            before: m.get("before"),
            last: m.get("last").is_some_and(|v| v == "1"),
            q: m.get("q"),
            kind: m.get("kind"),
            status: m.get("status"),
        })
        .unwrap_or_default()
    })
}

/// A link to `path` with `q` in the query string.
pub fn href(path: &str, q: &TableQuery) -> String {
    let mut parts = vec![];
    let mut push = |k: &str, v: &Option<String>| {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            parts.push(format!("{k}={}", urlencode(v)));
        }
    };
    push("q", &q.q);
    push("kind", &q.kind);
    push("status", &q.status);
    push("sort", &q.sort);
    push("dir", &q.dir);
    push("after", &q.after);
    push("before", &q.before);
    if q.last {
        parts.push("last=1".into());
    }
    if parts.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", parts.join("&"))
    }
}

/// A column header that sorts the table on the server (toggling direction).
#[component]
pub fn SortHeader(label: &'static str, key: &'static str, page_sort: String, page_dir: String) -> impl IntoView {
    let query = use_table_query();
    let path = use_location().pathname;
    let active = page_sort == key;
    let aria = if !active {
        "none"
    } else if page_dir == "asc" {
        "ascending"
    } else {
        "descending"
    };
    let next_dir = if active && page_dir == "asc" { "desc" } else { "asc" };
    let link = move || {
        let q = TableQuery {
            sort: Some(key.to_string()),
            dir: Some(next_dir.to_string()),
            after: None,
            before: None,
            last: false,
            ..query.get()
        };
        href(&path.get(), &q)
    };
    let arrow = if !active {
        ""
    } else if page_dir == "asc" {
        " ▲"
    } else {
        " ▼"
    };
    view! {
        <th scope="col" aria-sort=aria>
            <a href=link class="sort">{label}{arrow}</a>
        </th>
    }
}

/// First / previous / next / last links for a keyset page.
#[component]
pub fn Pager<T: Clone + Send + Sync + 'static>(page: Page<T>) -> impl IntoView {
    let query = use_table_query();
    let path = use_location().pathname;
    let base = move || TableQuery {
        after: None,
        before: None,
        last: false,
        ..query.get()
    };
    let first = move || href(&path.get(), &base());
    let last = move || href(&path.get(), &TableQuery { last: true, ..base() });
    let prev = page.prev.clone().map(|c| {
        move || {
            href(
                &path.get(),
                &TableQuery {
                    before: Some(c.clone()),
                    ..base()
                },
            )
        }
    });
    let next = page.next.clone().map(|c| {
        move || {
            href(
                &path.get(),
                &TableQuery {
                    after: Some(c.clone()),
                    ..base()
                },
            )
        }
    });
    let has_prev = prev.is_some();
    let has_next = next.is_some();
    view! {
        <nav class="pager" aria-label="Pages">
            {has_prev.then(|| view! { <a href=first rel="first">"« First"</a> })}
            {prev.map(|p| view! { <a href=p rel="prev">"‹ Previous"</a> })}
            {next.map(|n| view! { <a href=n rel="next">"Next ›"</a> })}
            {has_next.then(|| view! { <a href=last rel="last">"Last »"</a> })}
        </nav>
    }
}

/// A table's `<Transition>`: while the next sort or page loads, the previous
/// rows stay, dimmed, marked busy and not clickable (their header links
/// still describe the old order, so a click would lead nowhere new).
#[component]
pub fn TableTransition<C: IntoView + Send + 'static>(children: TypedChildren<C>) -> impl IntoView {
    let pending = RwSignal::new(false);
    let children = children.into_inner();
    view! {
        <div class="table-region" aria-busy=move || pending.get().to_string()>
            <Transition fallback=super::feedback::Loading set_pending=pending.write_only()>
                {children()}
            </Transition>
        </div>
    }
}
