//! `/audit`: the audit log, newest first — who did what to whom, the
//! changed values (before → after), when, and on whose behalf when the
//! action was taken in a Login as User session. Filters (administrator,
//! action, target user, date range) and the page are in the query string.
//! Needs `audit.view`; the server limits the rows to the reader's scope.

use crate::api::audit::{list_audit, load_audit_filters};
use crate::components::feedback::urlencode;
use crate::components::source::gone;
use crate::components::table::{paged, Col, PageLink, PageLinks, PagedTable};
use crate::types::admins::{AuditQuery, AuditRow, AuditTarget};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;
use std::sync::Arc;

/// The filters and page of the current URL.
fn use_audit_query() -> Memo<AuditQuery> {
    let q = use_query_map();
    Memo::new(move |_| {
        // Read with `try_with`: the router's map can be disposed first (see
        // `components::source`).
        q.try_with(|m| AuditQuery {
            admin: m.get("admin"),
            action: m.get("action"),
            user: m.get("user"),
            from: m.get("from"),
            to: m.get("to"),
            after: m.get("after"),
            before: m.get("before"),
            last: m.get("last").is_some_and(|v| v == "1"),
        })
        .unwrap_or_default()
    })
}

/// `/audit` with `q` in the query string.
fn href(q: &AuditQuery) -> String {
    let mut parts = vec![];
    for (k, v) in [
        ("admin", &q.admin),
        ("action", &q.action),
        ("user", &q.user),
        ("from", &q.from),
        ("to", &q.to),
        ("after", &q.after),
        ("before", &q.before),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            parts.push(format!("{k}={}", urlencode(v)));
        }
    }
    if q.last {
        parts.push("last=1".into());
    }
    if parts.is_empty() {
        "/audit".into()
    } else {
        format!("/audit?{}", parts.join("&"))
    }
}

/// A stored JSON value as one line: lists joined, objects as `key: value`.
pub fn show_value(raw: &str) -> String {
    fn one(v: &serde_json::Value) -> String {
        match v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Array(items) if items.is_empty() => "(none)".into(),
            serde_json::Value::Array(items) => items.iter().map(one).collect::<Vec<_>>().join(", "),
            serde_json::Value::Object(map) => map.iter().map(|(k, v)| format!("{k}: {}", one(v))).collect::<Vec<_>>().join("; "),
            other => other.to_string(),
        }
    }
    serde_json::from_str::<serde_json::Value>(raw)
        .map(|v| one(&v))
        .unwrap_or_else(|_| raw.to_string())
}

const COLUMNS: &[Col] = &[
    Col::Plain("Time"),
    Col::Plain("Administrator"),
    Col::Plain("Action"),
    Col::Plain("Target"),
    Col::Plain("Changes"),
    Col::Plain("On behalf of"),
];

#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_audit_query();
    let rows = Resource::new(move || query.try_get(), |q| async move { list_audit(q.ok_or_else(gone)?).await });
    let filters = Resource::new(|| (), |_| load_audit_filters());
    let val = move |f: fn(&AuditQuery) -> Option<String>| query.with(|q| f(q).unwrap_or_default());
    view! {
        <Title text="Audit log"/>
        <h1>"Audit log"</h1>
        <Form method="GET" action="/audit" attr:class="filters" attr:role="search">
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let f = filters.await.unwrap_or(crate::types::admins::AuditFilters { admins: vec![], actions: vec![] });
                    let chosen_admin = val(|q| q.admin.clone());
                    let chosen_action = val(|q| q.action.clone());
                    view! {
                        <label for="f-admin">"Administrator"</label>
                        <select id="f-admin" name="admin">
                            <option value="">"Anybody"</option>
                            {f.admins.into_iter().map(|(id, name)| {
                                let sel = chosen_admin == id.to_string();
                                view! { <option value=id.to_string() selected=sel>{name}</option> }
                            }).collect_view()}
                        </select>
                        <label for="f-action">"Action"</label>
                        <select id="f-action" name="action">
                            <option value="">"Any action"</option>
                            {f.actions.into_iter().map(|a| {
                                let sel = chosen_action == a;
                                view! { <option value=a.clone() selected=sel>{a.clone()}</option> }
                            }).collect_view()}
                        </select>
                    }
                })}
            </Transition>
            <label for="f-user">"User ID"</label>
            <input id="f-user" name="user" inputmode="numeric" size="8" value=val(|q| q.user.clone())/>
            <label for="f-from">"From"</label>
            <input id="f-from" name="from" type="date" value=val(|q| q.from.clone())/>
            <label for="f-to">"To"</label>
            <input id="f-to" name="to" type="date" value=val(|q| q.to.clone())/>
            <button type="submit">"Filter"</button>
            " "<a href="/audit">"Clear"</a>
        </Form>
        <PagedTable testid="audit-table" columns=COLUMNS empty="No audited action matches." links=audit_links(query)
            rows=paged(rows, |r| view! { <Row r=r.clone()/> })/>
    }
}

#[component]
fn Row(r: AuditRow) -> impl IntoView {
    let target = match r.target.clone() {
        AuditTarget::User { id, name } => view! { <a href=format!("/users/{id}/user")>{format!("User {name} (#{id})")}</a> }.into_any(),
        AuditTarget::Admin { id, name } => {
            view! { <a href=format!("/admins/{id}")>{format!("Administrator {name} (#{id})")}</a> }.into_any()
        }
        AuditTarget::Camera { id } => view! { <a href=format!("/cameras/{id}/general")>{format!("Camera #{id}")}</a> }.into_any(),
        AuditTarget::Intercom { id } => view! { <a href=format!("/intercoms/{id}/general")>{format!("Intercom #{id}")}</a> }.into_any(),
        AuditTarget::None => view! { <span class="muted">"—"</span> }.into_any(),
    };
    let changes = match (&r.before, &r.after) {
        (None, None) => {
            let d = show_value(&r.detail);
            view! { <span class="muted">{d}</span> }.into_any()
        }
        (before, after) => {
            let b = before.as_deref().map(show_value).unwrap_or_else(|| "—".into());
            let a = after.as_deref().map(show_value).unwrap_or_else(|| "—".into());
            view! {
                <span data-testid="audit-before">{b}</span>" → "<span data-testid="audit-after">{a}</span>
            }
            .into_any()
        }
    };
    view! {
        <tr data-action=r.action.clone()>
            <td>{r.at.clone()}</td>
            <td>{r.admin.clone().map(|(_, n)| n).unwrap_or_else(|| "—".into())}</td>
            <td><code>{r.action.clone()}</code></td>
            <td>{target}</td>
            <td class="changes">{changes}</td>
            <td>{r.on_behalf_of.clone().map(|(id, n)| view! { <a href=format!("/users/{id}/user")>{n}</a> })}</td>
        </tr>
    }
}

/// Pager links keeping the filters.
fn audit_links(query: Memo<AuditQuery>) -> PageLinks {
    Arc::new(move |link| {
        let base = AuditQuery {
            after: None,
            before: None,
            last: false,
            ..query.get_untracked()
        };
        href(&match link {
            PageLink::First => base,
            PageLink::Prev(c) => AuditQuery { before: Some(c), ..base },
            PageLink::Next(c) => AuditQuery { after: Some(c), ..base },
            PageLink::Last => AuditQuery { last: true, ..base },
        })
    })
}
