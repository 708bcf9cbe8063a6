//! `/users`: search, filter, sort and page through the users in scope.

use crate::api::users::list_users;
use crate::components::source::gone;
use crate::components::table::{paged, use_table_query, Col, PagedTable};
use crate::types::{UserKind, UserStatus};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;

const COLUMNS: &[Col] = &[
    Col::Sort("ID", "id"),
    Col::Sort("Name", "name"),
    Col::Sort("Login", "login"),
    Col::Plain("Kind"),
    Col::Plain("Status"),
    Col::Sort("Created at", "created"),
];

#[component]
pub fn UsersPage() -> impl IntoView {
    let query = use_table_query();
    let users = Resource::new(move || query.try_get(), |q| async move { list_users(q.ok_or_else(gone)?).await });
    let q = move || query.with(|q| q.q.clone().unwrap_or_default());
    let selected = move |field: fn(&crate::types::TableQuery) -> Option<String>, v: &str| query.with(|q| field(q).as_deref() == Some(v));
    view! {
        <Title text="Users"/>
        <h1>"Users"</h1>
        <Form method="GET" action="/users" attr:class="filters" attr:role="search">
            <label class="sr-only" for="q">"Name or login"</label>
            <input id="q" type="search" name="q" placeholder="Name or login" value=q/>
            <label class="sr-only" for="kind">"Kind"</label>
            <select id="kind" name="kind">
                <option value="">"All kinds"</option>
                {UserKind::ALL.iter().map(|k| view! { <option value=k.slug() selected=move || selected(|q| q.kind.clone(), k.slug())>{k.label()}</option> }).collect_view()}
            </select>
            <label class="sr-only" for="status">"Status"</label>
            <select id="status" name="status">
                <option value="">"All statuses"</option>
                {UserStatus::ALL.iter().map(|s| view! { <option value=s.slug() selected=move || selected(|q| q.status.clone(), s.slug())>{s.label()}</option> }).collect_view()}
            </select>
            <button type="submit">"Search"</button>
        </Form>
        <PagedTable testid="users-table" columns=COLUMNS empty="No users match." rows=paged(users, |u| view! {
            <tr>
                <td>{u.id}</td>
                <td><a href=format!("/users/{}/user", u.id)>{u.name.clone()}</a></td>
                <td>{u.login.clone()}</td>
                <td><span class=format!("badge kind-{}", u.kind.slug())>{u.kind.label()}</span></td>
                <td><span class=format!("badge status-{}", u.status.slug())>{u.status.label()}</span></td>
                <td>{u.created_at.clone()}</td>
            </tr>
        })/>
    }
}
