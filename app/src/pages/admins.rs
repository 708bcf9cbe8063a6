//! `/admins`: the administrators, searched by name or login and paged by
//! keyset (state in the query string). Needs `admins.manage` (the server
//! answers 403 otherwise). Rows open `/admins/:id`; `/admins/new` creates one.

use crate::api::admins::list_admins;
use crate::components::source::gone;
use crate::components::table::{paged, use_table_query, Col, PagedTable};
use crate::permissions::admin::label;
use crate::types::admins::AdminRow;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;

const COLUMNS: &[Col] = &[
    Col::Sort("ID", "id"),
    Col::Sort("Name", "name"),
    Col::Sort("Login", "login"),
    Col::Plain("Permissions"),
    Col::Plain("Camera scope"),
    Col::Plain("Status"),
    Col::Sort("Created at", "created"),
];

#[component]
pub fn AdminsPage() -> impl IntoView {
    let query = use_table_query();
    let admins = Resource::new(move || query.try_get(), |q| async move { list_admins(q.ok_or_else(gone)?).await });
    let q = move || query.with(|q| q.q.clone().unwrap_or_default());
    view! {
        <Title text="Administrators"/>
        <h1>"Administrators"</h1>
        <p><a href="/admins/new" class="button" data-testid="new-admin">"New administrator"</a></p>
        <Form method="GET" action="/admins" attr:class="filters" attr:role="search">
            <label class="sr-only" for="q">"Name or login"</label>
            <input id="q" type="search" name="q" placeholder="Name or login" value=q/>
            <button type="submit">"Search"</button>
        </Form>
        <PagedTable testid="admins-table" columns=COLUMNS empty="No administrators match." rows=paged(admins, admin_row)/>
    }
}

fn admin_row(a: &AdminRow) -> impl IntoView {
    let perms = if a.is_super {
        "Everything (super-administrator)".to_string()
    } else if a.permissions.is_empty() {
        "None".to_string()
    } else {
        a.permissions.iter().map(|p| label(p).to_string()).collect::<Vec<_>>().join(", ")
    };
    let scope = if a.is_super {
        "Everything".to_string()
    } else if a.scope.is_empty() {
        "None".to_string()
    } else {
        a.scope.join("; ")
    };
    let (status_class, status) = if a.disabled {
        ("badge status-terminated", "Disabled")
    } else {
        ("badge status-active", "Active")
    };
    view! {
        <tr data-login=a.login.clone()>
            <td>{a.id}</td>
            <td><a href=format!("/admins/{}", a.id)>{a.name.clone()}</a></td>
            <td>{a.login.clone()}</td>
            <td>{perms}</td>
            <td>{scope}</td>
            <td><span class=status_class>{status}</span></td>
            <td>{a.created_at.clone()}</td>
        </tr>
    }
}
