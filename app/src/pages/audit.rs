//! `/audit`: the audit log, newest first — who did what to whom, the
//! changed values (before → after), when, and on whose behalf when the
//! action was taken in a Login as User session. Filters (administrator,
//! action, target user, date range) and the page are in the query string.
//! Needs `audit.view`; the server limits the rows to the reader's scope.

use crate::api::audit::{list_audit, load_audit_filters};
use crate::components::feedback::{urlencode, Empty, ErrorView};
use crate::components::table::TableTransition;
use crate::types::admins::{AuditQuery, AuditRow, AuditTarget};
use crate::types::Page;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

/// The filters and page of the current URL.
fn use_audit_query() -> Memo<AuditQuery> {
    let q = use_query_map();
    Memo::new(move |_| {
        q.with(|m| AuditQuery {
            admin: m.get("admin"),
            action: m.get("action"),
            user: m.get("user"),
            from: m.get("from"),
            to: m.get("to"),
            after: m.get("after"),
            before: m.get("before"),
            last: m.get("last").is_some_and(|v| v == "1"),
        })
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

#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_audit_query();
    let rows = Resource::new(move || query.get(), list_audit);
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
            <input id="f-user" name="user" inputmode="numeric" size="8" prop:value=move || val(|q| q.user.clone())/>
            <label for="f-from">"From"</label>
            <input id="f-from" name="from" type="date" prop:value=move || val(|q| q.from.clone())/>
            <label for="f-to">"To"</label>
            <input id="f-to" name="to" type="date" prop:value=move || val(|q| q.to.clone())/>
            <button type="submit">"Filter"</button>
            " "<a href="/audit">"Clear"</a>
        </Form>
        <TableTransition>
            {move || Suspend::new(async move {
                match rows.await {
                    Err(e) => view! { <ErrorView error=e/> }.into_any(),
                    Ok(page) if page.rows.is_empty() => view! { <Empty text="No audited action matches."/> }.into_any(),
                    Ok(page) => view! {
                        <table class="grid" data-testid="audit-table">
                            <thead><tr>
                                <th scope="col">"Time"</th>
                                <th scope="col">"Administrator"</th>
                                <th scope="col">"Action"</th>
                                <th scope="col">"Target"</th>
                                <th scope="col">"Changes"</th>
                                <th scope="col">"On behalf of"</th>
                            </tr></thead>
                            <tbody>{page.rows.iter().cloned().map(|r| view! { <Row r/> }).collect_view()}</tbody>
                        </table>
                        <AuditPager page=page.clone() query/>
                    }.into_any(),
                }
            })}
        </TableTransition>
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

/// First / previous / next / last, keeping the filters.
#[component]
fn AuditPager(page: Page<AuditRow>, query: Memo<AuditQuery>) -> impl IntoView {
    let base = move || AuditQuery {
        after: None,
        before: None,
        last: false,
        ..query.get_untracked()
    };
    let has_prev = page.prev.is_some();
    let has_next = page.next.is_some();
    view! {
        <nav class="pager" aria-label="Pages">
            {has_prev.then(|| view! { <a href=href(&base()) rel="first">"« First"</a> })}
            {page.prev.clone().map(|c| view! { <a href=href(&AuditQuery { before: Some(c), ..base() }) rel="prev">"‹ Previous"</a> })}
            {page.next.clone().map(|c| view! { <a href=href(&AuditQuery { after: Some(c), ..base() }) rel="next">"Next ›"</a> })}
            {has_next.then(|| view! { <a href=href(&AuditQuery { last: true, ..base() }) rel="last">"Last »"</a> })}
        </nav>
    }
}
