//! Tab 2, Cameras: the user's cameras, limited to the administrator's camera
//! scope. The Location cell opens the camera profile.

use super::{require_id, use_card};
use crate::api::card::card_cameras;
use crate::components::feedback::{Empty, ErrorView};
use crate::components::source::gone;
use crate::components::table::{use_table_query, Pager, SortHeader, TableTransition};
use leptos::prelude::*;

#[component]
pub fn CamerasTab() -> impl IntoView {
    let card = use_card();
    let query = use_table_query();

    let cameras = Resource::new(
        move || Some((card.id_source()?, query.try_get()?)),
        |src| async move {
            let (id, q) = src.ok_or_else(gone)?;

            card_cameras(require_id(id)?, q).await
        },
    );
    view! {
        <h2 class="sr-only">"Cameras"</h2>
        <TableTransition>
            {move || Suspend::new(async move {
                match cameras.await {
                    Err(e) => view! { <ErrorView error=e/> }.into_any(),
                    Ok(page) if page.rows.is_empty() => view! { <Empty text="No cameras in your scope."/> }.into_any(),
                    Ok(page) => view! {
                        <table class="grid" data-testid="card-cameras">
                            <thead><tr>
                                <SortHeader label="ID" key="id" page_sort=page.sort.clone() page_dir=page.dir.clone()/>
                                <SortHeader label="Name" key="name" page_sort=page.sort.clone() page_dir=page.dir.clone()/>
                                <SortHeader label="Status" key="status" page_sort=page.sort.clone() page_dir=page.dir.clone()/>
                                <th scope="col">"Location"</th>
                            </tr></thead>
                            <tbody>
                                {page.rows.iter().map(|c| view! {
                                    <tr>
                                        <td>{c.id}</td>
                                        <td>{c.name.clone()}</td>
                                        <td><span class=format!("badge status-{}", c.status)>{c.status.label()}</span></td>
                                        <td>
                                            <a href=format!("/cameras/{}/general", c.id)>
                                                {c.location.clone().filter(|l| !l.is_empty()).unwrap_or_else(|| "No location".to_string())}
                                            </a>
                                        </td>
                                    </tr>
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
