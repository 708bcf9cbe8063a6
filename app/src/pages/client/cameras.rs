//! `/client` and `/client/cameras`: the subscriber's cameras with their
//! status ("Blocked" while the account is paused). The page is live: in the
//! browser it listens to `/api/client/v1/events` and refreshes the list when
//! an administrator synchronizes the user, without a reload.

use super::{client_error, ClientMeResource};
use crate::api::web_client::client_cameras;
use crate::components::islands::LiveRegion;
use crate::components::source::gone;
use crate::components::table::{paged, use_table_query, Col, PagedTable};
use leptos::prelude::*;
use leptos_meta::Title;

const COLUMNS: &[Col] = &[
    Col::Sort("ID", "id"),
    Col::Sort("Name", "name"),
    Col::Sort("Status", "status"),
    Col::Plain("Location"),
    Col::Plain("Archive"),
];

#[component]
pub fn CamerasPage() -> impl IntoView {
    let query = use_table_query();
    let cameras = Resource::new(
        move || query.try_get(),
        |q| async move { client_cameras(q.ok_or_else(gone)?).await },
    );
    let me = use_context::<ClientMeResource>();
    let paused = move || me.and_then(|m| m.get()).and_then(|r| r.ok()).is_some_and(|m| m.blocked);
    view! {
        <Title text="My cameras"/>
        <h1>"My cameras"</h1>
        <Show when=paused>
            <p class="notice" role="status">"Your account is paused: your cameras are blocked (no live view or archive)."</p>
        </Show>
        // Each `sync` (and a `ready` after a reconnect, since syncs may
        // have been missed) refreshes the list.
        <LiveRegion url="/api/client/v1/events".to_string() events=vec!["sync".to_string(), "ready".to_string()]
            first_page=true newest=String::new()/>
        <div data-region="client-cameras">
        <PagedTable testid="client-cameras" columns=COLUMNS empty="You have no cameras." error=client_error rows=paged(cameras, |c| {
            let class = if c.blocked { "badge status-blocked".to_string() } else { format!("badge cam-{}", c.status) };
            view! {
                <tr data-camera-id=c.id>
                    <td>{c.id}</td>
                    <td>{c.name.clone()}</td>
                    <td><span class=class>{c.status_label.clone()}</span></td>
                    <td>{c.location.clone().unwrap_or_else(|| "—".into())}</td>
                    <td>{format!("{} days", c.archive_days)}</td>
                </tr>
            }
        })/>
        </div>
    }
}
