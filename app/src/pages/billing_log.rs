//! `/billing-log`: the global billing log, the stored events that concern no
//! user (camera registrations, events for accounts not known yet), newest
//! first. Hydrated, the page listens to `/sse/billing-events` and refetches
//! the first page when a new such event is stored; on later pages it only
//! says that new events arrived, so the rows under the cursor stay put.

use crate::api::billing::global_billing_log;
use crate::components::source::gone;
use crate::components::table::{href, paged, use_table_query, Col, PagedTable};
use crate::types::TableQuery;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

fn on_first_page(q: &TableQuery) -> bool {
    let set = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.is_empty());
    !set(&q.after) && !set(&q.before) && !q.last
}

const COLUMNS: &[Col] = &[
    Col::Plain("ID"),
    Col::Plain("Type"),
    Col::Plain("Outcome"),
    Col::Sort("Received at", "received"),
];

#[component]
pub fn BillingLogPage() -> impl IntoView {
    let query = use_table_query();
    let events = Resource::new(
        move || query.try_get(),
        |q| async move { global_billing_log(q.ok_or_else(gone)?).await },
    );
    let arrived = RwSignal::new(false);
    Effect::new(move |_| {
        // `track` is a no-op on a disposed memo (unlike `get`).
        query.track();
        arrived.set(false);
    });
    Effect::new(move |_| {
        let on_event = move || {
            if query.with_untracked(on_first_page) {
                events.refetch();
            } else {
                arrived.set(true);
            }
        };
        #[cfg(feature = "hydrate")]
        live::subscribe(on_event);
        #[cfg(not(feature = "hydrate"))]
        let _ = on_event;
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
        <Title text="Billing log"/>
        <h1>"Billing log"</h1>
        <p class="hint">"Events from billing that concern no user yet. A subscriber's own events are on the Billing Events tab of its card."</p>
        <Show when=move || arrived.get()>
            <p class="notice" role="status">"New events arrived. " <a href=newest>"Show the newest"</a></p>
        </Show>
        <PagedTable testid="billing-log" columns=COLUMNS empty="Billing has sent no events that concern no user." rows=paged(events, |e| view! {
            <tr>
                <td><code>{e.request_id.clone()}</code></td>
                <td title=e.event_type.slug()>{e.event_type.label()}</td>
                <td><span class=format!("badge outcome-{}", e.outcome)>{outcome_label(&e.outcome)}</span></td>
                <td>{e.received_at.clone()}</td>
            </tr>
        })/>
    }
}

fn outcome_label(outcome: &str) -> &'static str {
    match outcome {
        "applied" => "Applied",
        "rejected" => "Rejected",
        _ => "Other",
    }
}

#[cfg(feature = "hydrate")]
mod live {
    //! The browser side of the live update: one EventSource while the page
    //! is open, closed when the page (or the effect that opened it) goes away.

    use futures::StreamExt;
    use gloo_net::eventsource::futures::EventSource;
    use leptos::prelude::on_cleanup;

    pub fn subscribe(on_event: impl Fn() + 'static) {
        let Ok(mut source) = EventSource::new("/sse/billing-events") else {
            return;
        };
        let Ok(stream) = source.subscribe("billing") else {
            return;
        };
        let (stop, stopped) = futures::channel::oneshot::channel::<()>();
        leptos::task::spawn_local(async move {
            let mut stream = stream.take_until(stopped);
            // An error item means the connection is closed for good (the
            // browser retries transient drops itself); the table still works.
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
