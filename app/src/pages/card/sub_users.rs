//! Tab 4, Sub users: users this user created in the web client. The tab
//! exists only while the user holds `users-index`; the server answers 404
//! otherwise, also for a typed-in URL.

use super::sub_user_permissions::{EditPermissionsLink, SubUserPermissionsPanel};
use super::{require_id, use_card};
use crate::api::card::card_sub_users;
use crate::components::feedback::{Empty, ErrorView};
use crate::components::source::gone;
use crate::components::table::{use_table_query, Pager, SortHeader, TableTransition};
use leptos::prelude::*;

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
        <TableTransition>
            {move || Suspend::new(async move {
                match subs.await {
                    Err(e) => view! { <ErrorView error=e/> }.into_any(),
                    Ok(page) if page.rows.is_empty() => view! { <Empty text="The user has no sub users."/> }.into_any(),
                    Ok(page) => view! {
                        <table class="grid" data-testid="card-sub-users">
                            <thead><tr>
                                <SortHeader label="ID" key="id" page_sort=page.sort.clone() page_dir=page.dir.clone()/>
                                <SortHeader label="Name" key="name" page_sort=page.sort.clone() page_dir=page.dir.clone()/>
                                <SortHeader label="Login" key="login" page_sort=page.sort.clone() page_dir=page.dir.clone()/>
                                <SortHeader label="Created at" key="created" page_sort=page.sort.clone() page_dir=page.dir.clone()/>
                                <th scope="col">"Permissions"</th>
                            </tr></thead>
                            <tbody>
                                {page.rows.iter().map(|u| view! {
                                    <tr>
                                        <td>{u.id}</td>
                                        <td><a href=format!("/users/{}/user", u.id)>{u.name.clone()}</a></td>
                                        <td>{u.login.clone()}</td>
                                        <td>{u.created_at.clone()}</td>
                                        <td><EditPermissionsLink sub_id=u.id name=u.name.clone()/></td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        <Pager page=page.clone()/>
                    }.into_any(),
                }
            })}
        </TableTransition>
        <SubUserPermissionsPanel user_id=Signal::derive(move || card.user_id.get().unwrap_or_default())/>
    }
}
