//! `/admins`: the administrators, searched by name or login and paged by
//! keyset (state in the query string). Needs `admins.manage` (the server
//! answers 403 otherwise). Rows open `/admins/:id`; `/admins/new` creates one.

use crate::api::admins::list_admins;
use crate::components::feedback::{Empty, ErrorView};
use crate::components::table::{use_table_query, Pager, SortHeader, TableTransition};
use crate::permissions::admin::label;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;

#[component]
pub fn AdminsPage() -> impl IntoView {
    let query = use_table_query();
    let admins = Resource::new(move || query.get(), list_admins);
    let q = move || query.with(|q| q.q.clone().unwrap_or_default());
    view! {
        <Title text="Administrators"/>
        <h1>"Administrators"</h1>
        <p><a href="/admins/new" class="button" data-testid="new-admin">"New administrator"</a></p>
        <Form method="GET" action="/admins" attr:class="filters" attr:role="search">
            <label class="sr-only" for="q">"Name or login"</label>
            <input id="q" type="search" name="q" placeholder="Name or login" prop:value=q/>
            <button type="submit">"Search"</button>
        </Form>
        <TableTransition>
            {move || Suspend::new(async move {
                match admins.await {
                    Err(e) => view! { <ErrorView error=e/> }.into_any(),
                    Ok(page) if page.rows.is_empty() => view! { <Empty text="No administrators match."/> }.into_any(),
                    Ok(page) => view! {
                        <table class="grid" data-testid="admins-table">
                            <thead><tr>
                                <SortHeader label="ID" key="id" page_sort=page.sort.clone() page_dir=page.dir.clone()/>
                                <SortHeader label="Name" key="name" page_sort=page.sort.clone() page_dir=page.dir.clone()/>
                                <SortHeader label="Login" key="login" page_sort=page.sort.clone() page_dir=page.dir.clone()/>
                                <th scope="col">"Permissions"</th>
                                <th scope="col">"Camera scope"</th>
                                <th scope="col">"Status"</th>
                                <SortHeader label="Created at" key="created" page_sort=page.sort.clone() page_dir=page.dir.clone()/>
                            </tr></thead>
                            <tbody>
                                {page.rows.iter().map(|a| {
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
                                    view! {
                                        <tr data-login=a.login.clone()>
                                            <td>{a.id}</td>
                                            <td><a href=format!("/admins/{}", a.id)>{a.name.clone()}</a></td>
                                            <td>{a.login.clone()}</td>
                                            <td>{perms}</td>
                                            <td>{scope}</td>
                                            <td>{if a.disabled {
                                                view! { <span class="badge status-terminated">"Disabled"</span> }.into_any()
                                            } else {
                                                view! { <span class="badge status-active">"Active"</span> }.into_any()
                                            }}</td>
                                            <td>{a.created_at.clone()}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                        <Pager page=page.clone()/>
                    }.into_any(),
                }
            })}
        </TableTransition>
    }
}
