//! `/client` and `/client/cameras`: the subscriber's cameras with their
//! status ("Blocked" while the account is paused). The page is live: in the
//! browser it listens to `/api/client/v1/events` and refetches the list when
//! an administrator synchronizes the user, without a reload.

use super::{ClientErrorView, ClientMeResource};
use crate::api::web_client::client_cameras;
use crate::components::feedback::{Empty, Loading};
use crate::components::source::gone;
use crate::components::table::{use_table_query, Pager, SortHeader};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn CamerasPage() -> impl IntoView {
    let query = use_table_query();
    // Bumped by each sync event; part of the resource's key so it refetches.
    let syncs = RwSignal::new(0u32);
    let cameras = Resource::new(
        move || Some((query.try_get()?, syncs.try_get()?)),
        |src| async move { client_cameras(src.ok_or_else(gone)?.0).await },
    );
    live_updates(syncs);
    let me = use_context::<ClientMeResource>();
    let paused = move || me.and_then(|m| m.get()).and_then(|r| r.ok()).is_some_and(|m| m.blocked);
    view! {
        <Title text="My cameras"/>
        <h1>"My cameras"</h1>
        <Show when=paused>
            <p class="notice" role="status">"Your account is paused: your cameras are blocked (no live view or archive)."</p>
        </Show>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match cameras.await {
                    Err(e) => view! { <ClientErrorView error=e/> }.into_any(),
                    Ok(page) if page.rows.is_empty() => view! { <Empty text="You have no cameras."/> }.into_any(),
                    Ok(page) => view! {
                        <table class="grid" data-testid="client-cameras">
                            <thead><tr>
                                <SortHeader label="ID" key="id" page_sort=page.sort.clone() page_dir=page.dir.clone()/>
                                <SortHeader label="Name" key="name" page_sort=page.sort.clone() page_dir=page.dir.clone()/>
                                <SortHeader label="Status" key="status" page_sort=page.sort.clone() page_dir=page.dir.clone()/>
                                <th scope="col">"Location"</th>
                                <th scope="col">"Archive"</th>
                            </tr></thead>
                            <tbody>
                                {page.rows.iter().map(|c| {
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
                                }).collect_view()}
                            </tbody>
                        </table>
                        <Pager page=page.clone()/>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Opens the event stream in the browser and bumps `syncs` on each `sync`
/// (and on a `ready` after a reconnect, since syncs may have been missed
/// while disconnected). Closed when the page goes away.
fn live_updates(syncs: RwSignal<u32>) {
    #[cfg(feature = "hydrate")]
    {
        use futures::future::{AbortHandle, Abortable};
        use futures::StreamExt;
        use gloo_net::eventsource::futures::EventSource;
        let (abort, registration) = AbortHandle::new_pair();
        let task = async move {
            let Ok(mut source) = EventSource::new("/api/client/v1/events") else {
                return;
            };
            let (Ok(sync), Ok(ready)) = (source.subscribe("sync"), source.subscribe("ready")) else {
                return;
            };
            let mut events = futures::stream::select(sync, ready);
            let mut readies = 0u32;
            while let Some(Ok((kind, _))) = events.next().await {
                if kind == "ready" {
                    readies += 1;
                    if readies == 1 {
                        continue;
                    }
                }
                syncs.update(|n| *n += 1);
            }
            source.close();
        };
        leptos::task::spawn_local(async move {
            let _ = Abortable::new(task, registration).await;
        });
        on_cleanup(move || abort.abort());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = syncs;
}
