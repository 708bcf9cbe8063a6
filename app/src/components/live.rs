//! Tables that follow billing's event stream (the billing log, a card's
//! Billing Events tab). The table sits in a `data-region`; in the browser
//! the page's [`LiveRegion`] island listens to a `/sse/…` URL: on the first
//! page a new event refreshes the rows; on a later page a notice says that
//! new events arrived and links to the newest, so the rows under the cursor
//! stay put. Without JavaScript, or when the stream cannot open (a 404
//! where the endpoint does not exist), the table works as a plain table.

use super::islands::LiveRegion;
use super::table::href;
use crate::types::TableQuery;
use leptos::prelude::*;

fn on_first_page(q: &TableQuery) -> bool {
    let set = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.is_empty());
    !set(&q.after) && !set(&q.before) && !q.last
}

/// The island following the `billing` events of `url` for the table shown
/// at `path` with `query`; put it above the table's `data-region`.
pub fn follow_billing(path: &str, query: &TableQuery, url: String) -> impl IntoView {
    let newest = href(
        path,
        &TableQuery {
            after: None,
            before: None,
            last: false,
            ..query.clone()
        },
    );
    view! { <LiveRegion url events=vec!["billing".to_string()] first_page=on_first_page(query) newest/> }
}
