//! Tab 4, Sub users: users this user created in the web client. The tab
//! exists only while the user holds `users-index`; the server answers 404
//! otherwise, also for a typed-in URL.

use super::sub_user_permissions::{EditPermissionsLink, SubUserPermissionsPanel};
use super::{require_id, use_card};
use crate::api::card::card_sub_users;
use crate::components::source::gone;
use crate::components::table::{paged, use_table_query, Col, PagedTable};
use leptos::prelude::*;

const COLUMNS: &[Col] = &[
    Col::Sort("ID", "id"),
    Col::Sort("Name", "name"),
    Col::Sort("Login", "login"),
    Col::Sort("Created at", "created"),
    Col::Plain("Permissions"),
];

#[component]
pub fn SubUsersTab() -> impl IntoView {
    let card = use_card();
    let query = use_table_query();
    let subs = Resource::new(
        move || Some((card.id_source()?, query.try_get()?)),
        |src| async move {
            let (id, q) = src.ok_or_else(gone)?;
            card_sub_users(require_id(id)?, q).await
        },
    );
    view! {
        <h2 class="sr-only">"Sub users"</h2>
        <PagedTable testid="card-sub-users" columns=COLUMNS empty="The user has no sub users." rows=paged(subs, |u| view! {
            <tr>
                <td>{u.id}</td>
                <td><a href=format!("/users/{}/user", u.id)>{u.name.clone()}</a></td>
                <td>{u.login.clone()}</td>
                <td>{u.created_at.clone()}</td>
                <td><EditPermissionsLink sub_id=u.id name=u.name.clone()/></td>
            </tr>
        })/>
        <SubUserPermissionsPanel user_id=card.id_or_zero()/>
    }
}
