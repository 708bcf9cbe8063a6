//! Table state in the query string, sortable headers, the pager, and
//! [`PagedTable`]: the one component every table page renders its rows with
//! (loading, error and empty states, headers, rows, pager).
//!
//! `PagedTable` is not generic: a page hands it its rows as a boxed future
//! ([`TableRows`]) yielding rendered rows ([`TablePage`]), so the
//! `Transition`, the async hydration and the table frame are compiled once
//! for all pages instead of once per page (issue 14, step 3).

use super::feedback::{urlencode, Empty, ErrorView, Loading};
use crate::error::AppError;
use crate::types::{Page, TableQuery};
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_query_map};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

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

/// A column header of a [`PagedTable`].
#[derive(Clone, Copy)]
pub enum Col {
    /// `<th>` with the label.
    Plain(&'static str),
    /// A [`SortHeader`]: label and sort key.
    Sort(&'static str, &'static str),
    /// A label only screen readers read (a column of buttons).
    Hidden(&'static str),
}

/// Where a pager link leads.
pub enum PageLink {
    First,
    Prev(String),
    Next(String),
    Last,
}

/// The URL of each pager link. The default keeps the table state of
/// [`use_table_query`] on the current path.
pub type PageLinks = Arc<dyn Fn(PageLink) -> String + Send + Sync>;

/// One loaded page of a table, its rows already rendered.
pub struct TablePage {
    sort: String,
    dir: String,
    /// `None` for a table that is not paged (no pager at all).
    cursors: Option<(Option<String>, Option<String>)>,
    /// `None` when there are no rows.
    body: Option<AnyView>,
}

impl TablePage {
    /// A keyset page, each row rendered by `row`.
    pub fn new<T, V: IntoView + 'static>(page: Page<T>, row: impl FnMut(&T) -> V) -> Self {
        Self {
            body: render(&page.rows, row),
            sort: page.sort,
            dir: page.dir,
            cursors: Some((page.prev, page.next)),
        }
    }

    /// All rows at once: no sorting, no pager.
    pub fn unpaged<T, V: IntoView + 'static>(rows: &[T], row: impl FnMut(&T) -> V) -> Self {
        Self {
            body: render(rows, row),
            sort: String::new(),
            dir: String::new(),
            cursors: None,
        }
    }
}

fn render<T, V: IntoView + 'static>(rows: &[T], row: impl FnMut(&T) -> V) -> Option<AnyView> {
    (!rows.is_empty()).then(|| rows.iter().map(row).collect_view().into_any())
}

/// What a table shows once loaded: `None` shows nothing (another part of
/// the page already shows why).
pub type TableLoad = Option<Result<TablePage, AppError>>;

/// How a [`PagedTable`] loads its rows: called again each time the table
/// renders, awaiting the page's resource(s) inside the table's
/// `Transition`, so reloads keep the previous rows until the next arrive.
#[derive(Clone)]
pub struct TableRows(Arc<dyn Fn() -> Pin<Box<dyn Future<Output = TableLoad> + Send>> + Send + Sync>);

impl TableRows {
    pub fn new<F: Future<Output = TableLoad> + Send + 'static>(load: impl Fn() -> F + Send + Sync + 'static) -> Self {
        Self(Arc::new(move || Box::pin(load())))
    }
}

/// The rows of a paged resource, each rendered by `row`.
pub fn paged<T, V>(resource: Resource<Result<Page<T>, AppError>>, row: impl Fn(&T) -> V + Clone + Send + Sync + 'static) -> TableRows
where
    T: Send + Sync + 'static,
    V: IntoView + 'static,
    Result<Page<T>, AppError>: Clone,
{
    TableRows::new(move || {
        let row = row.clone();
        async move { Some(resource.await.map(|page| TablePage::new(page, row))) }
    })
}

/// The default error view of a table.
fn error_view(error: AppError) -> AnyView {
    view! { <ErrorView error/> }.into_any()
}

/// A table page's whole table: loading, error and empty states, the
/// `<table class="grid">` with its headers and rows, and the pager.
#[component]
pub fn PagedTable(
    /// `data-testid` of the `<table>`.
    testid: &'static str,
    columns: &'static [Col],
    /// The text shown when there are no rows.
    empty: &'static str,
    #[prop(into)] rows: TableRows,
    /// Shows an error (default: [`ErrorView`]).
    #[prop(optional)]
    error: Option<fn(AppError) -> AnyView>,
    /// The pager's links (default: the table state on the current path).
    #[prop(optional)]
    links: Option<PageLinks>,
) -> impl IntoView {
    let error = error.unwrap_or(error_view);
    let links = links.unwrap_or_else(table_links);
    let table = move || {
        let load = (rows.0)();
        let links = links.clone();
        Suspend::new(async move {
            match load.await {
                None => ().into_any(),
                Some(Err(e)) => error(e),
                Some(Ok(TablePage { body: None, .. })) => view! { <Empty text=empty/> }.into_any(),
                Some(Ok(TablePage { sort, dir, cursors, body })) => {
                    let heads = columns.iter().map(|c| header(*c, &sort, &dir)).collect_view();
                    view! {
                        <table class="grid" data-testid=testid>
                            <thead><tr>{heads}</tr></thead>
                            <tbody>{body}</tbody>
                        </table>
                        {cursors.map(|(prev, next)| pager(prev, next, links))}
                    }
                    .into_any()
                }
            }
        })
    };
    view! {
        <Transition fallback=Loading>
            {table}
        </Transition>
    }
}

fn header(col: Col, sort: &str, dir: &str) -> AnyView {
    match col {
        Col::Plain(label) => view! { <th scope="col">{label}</th> }.into_any(),
        Col::Sort(label, key) => view! { <SortHeader label key page_sort=sort.to_string() page_dir=dir.to_string()/> }.into_any(),
        Col::Hidden(label) => view! { <th scope="col"><span class="sr-only">{label}</span></th> }.into_any(),
    }
}

/// Pager links keeping the table state of the current URL.
fn table_links() -> PageLinks {
    let query = use_table_query();
    let path = use_location().pathname;
    Arc::new(move |link| {
        let base = TableQuery {
            after: None,
            before: None,
            last: false,
            ..query.get()
        };
        let q = match link {
            PageLink::First => base,
            PageLink::Prev(c) => TableQuery { before: Some(c), ..base },
            PageLink::Next(c) => TableQuery { after: Some(c), ..base },
            PageLink::Last => TableQuery { last: true, ..base },
        };
        href(&path.get(), &q)
    })
}

/// First / previous / next / last links for a keyset page.
fn pager(prev: Option<String>, next: Option<String>, links: PageLinks) -> impl IntoView {
    let has_prev = prev.is_some();
    let has_next = next.is_some();
    let (first, last) = (links.clone(), links.clone());
    let to = move |link: fn(String) -> PageLink, c: String| {
        let links = links.clone();
        move || links(link(c.clone()))
    };
    view! {
        <nav class="pager" aria-label="Pages">
            {has_prev.then(|| view! { <a href=move || first(PageLink::First) rel="first">"« First"</a> })}
            {prev.map(|c| view! { <a href=to(PageLink::Prev, c) rel="prev">"‹ Previous"</a> })}
            {next.map(|c| view! { <a href=to(PageLink::Next, c) rel="next">"Next ›"</a> })}
            {has_next.then(|| view! { <a href=move || last(PageLink::Last) rel="last">"Last »"</a> })}
        </nav>
    }
}
