//! Tab 2, Cameras: the user's cameras, limited to the administrator's camera
//! scope. The Location cell opens the camera profile.

use super::{require_id, use_card};
use crate::api::card::card_cameras;
use crate::components::source::gone;
use crate::components::table::{paged, use_table_query, Col, PagedTable};
use leptos::prelude::*;

const COLUMNS: &[Col] = &[
    Col::Sort("ID", "id"),
    Col::Sort("Name", "name"),
    Col::Sort("Status", "status"),
    Col::Plain("Location"),
];

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
        <PagedTable testid="card-cameras" columns=COLUMNS empty="No cameras in your scope." rows=paged(cameras, |c| view! {
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
        })/>
    }
}
