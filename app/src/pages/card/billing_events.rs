//! Tab 5, Billing Events: what billing sent for this user, newest first.
//! Hydrated, the tab listens to `/sse/billing-events?user_id=…` and refetches
//! when a new event is stored while the first page is shown (elsewhere it
//! only says that new events arrived, so the rows under the cursor stay
//! put). Without that endpoint the tab works as a plain table.

use super::{require_id, use_card};
use crate::api::card::card_billing_events;
use crate::components::source::gone;
use crate::components::table::{href, paged, use_table_query, Col, PagedTable};
use crate::types::TableQuery;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

fn on_first_page(q: &TableQuery) -> bool {
    let set = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.is_empty());
    !set(&q.after) && !set(&q.before) && !q.last
}

const COLUMNS: &[Col] = &[Col::Plain("ID"), Col::Plain("Type"), Col::Sort("Created at", "created")];

#[component]
pub fn BillingEventsTab() -> impl IntoView {
    let card = use_card();
    let query = use_table_query();
    let events = Resource::new(
        move || Some((card.id_source()?, query.try_get()?)),
        |src| async move {
            let (id, q) = src.ok_or_else(gone)?;
            card_billing_events(require_id(id)?, q).await
        },
    );
    let arrived = RwSignal::new(false);
    // Leaving the page that showed the note clears it.
    Effect::new(move |_| {
        // `track` is a no-op on a disposed memo (unlike `get`).
        query.track();
        arrived.set(false);
    });
    Effect::new(move |_| {
        let Some(user_id) = card.user_id.try_get().flatten() else {
            return;
        };
        let on_event = move || {
            if query.with_untracked(on_first_page) {
                events.refetch();
            } else {
                arrived.set(true);
            }
        };
        #[cfg(feature = "hydrate")]
        live::subscribe(user_id, on_event);
        #[cfg(not(feature = "hydrate"))]
        let _ = (user_id, on_event);
    });
    let path = use_location().pathname;
    let newest = move || {
        href(
            &path.get(),
            &TableQuery {
                after: None,
                before: None,
                last: false,
                ..query.get()
            },
        )
    };
    view! {
        <h2 class="sr-only">"Billing Events"</h2>
        <Show when=move || arrived.get()>
            <p class="notice" role="status">"New events arrived. " <a href=newest>"Show the newest"</a></p>
        </Show>
        <PagedTable testid="card-billing-events" columns=COLUMNS empty="Billing has sent no events for this user." region=true
            rows=paged(events, |e| view! {
                <tr>
                    <td><code>{e.request_id.clone()}</code></td>
                    <td title=e.event_type.slug()>{e.event_type.label()}</td>
                    <td>{e.created_at.clone()}</td>
                </tr>
            })/>
    }
}

#[cfg(feature = "hydrate")]
mod live {
    //! The browser side of the live update: one EventSource per open tab,
    //! closed when the tab (or the effect that opened it) goes away.

    use futures::StreamExt;
    use gloo_net::eventsource::futures::EventSource;
    use leptos::prelude::on_cleanup;

    pub fn subscribe(user_id: i64, on_event: impl Fn() + 'static) {
        let Ok(mut source) = EventSource::new(&format!("/sse/billing-events?user_id={user_id}")) else {
            return;
        };
        let Ok(stream) = source.subscribe("billing") else {
            return;
        };
        let (stop, stopped) = futures::channel::oneshot::channel::<()>();
        leptos::task::spawn_local(async move {
            let mut stream = stream.take_until(stopped);
            // An error item means the connection is closed for good (the
            // browser retries transient drops itself): e.g. a 404 where the
            // endpoint does not exist. The table keeps working without it.
            while let Some(Ok(_)) = stream.next().await {
                on_event();
            }
            drop(stream);
            source.close();
        });
        on_cleanup(move || {
            let _ = stop.send(());
        });
    }
}
