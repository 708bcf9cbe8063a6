//! Tables that follow billing's event stream (the billing log, a card's
//! Billing Events tab). Hydrated, the page listens to a `/sse/…` URL: on the
//! first page a new event refetches the rows; on a later page a notice says
//! that new events arrived and links to the newest, so the rows under the
//! cursor stay put. Without JavaScript, or when the stream cannot open (a
//! 404 where the endpoint does not exist), the table works as a plain table.

use super::table::href;
use crate::types::TableQuery;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

fn on_first_page(q: &TableQuery) -> bool {
    let set = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.is_empty());
    !set(&q.after) && !set(&q.before) && !q.last
}

/// Follows the `billing` events of `url` (`None` while it is not known) for
/// the table shown with `query`, calling `refetch` on its first page, and
/// returns the "New events arrived" notice to put above the table.
pub fn follow_billing(
    query: Memo<TableQuery>,
    url: impl Fn() -> Option<String> + 'static,
    refetch: impl Fn() + Copy + 'static,
) -> impl IntoView {
    let arrived = RwSignal::new(false);
    // Leaving the page that showed the notice clears it.
    Effect::new(move |_| {
        // `track` is a no-op on a disposed memo (unlike `get`).
        query.track();
        arrived.set(false);
    });
    Effect::new(move |_| {
        let Some(url) = url() else {
            return;
        };
        let on_event = move || {
            if query.with_untracked(on_first_page) {
                refetch();
            } else {
                arrived.set(true);
            }
        };
        #[cfg(feature = "hydrate")]
        subscribe(&url, on_event);
        #[cfg(not(feature = "hydrate"))]
        let _ = (url, on_event);
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
        <Show when=move || arrived.get()>
            <p class="notice" role="status">"New events arrived. " <a href=newest>"Show the newest"</a></p>
        </Show>
    }
}

/// One EventSource while the page is open, closed when the page (or the
/// effect that opened it) goes away.
#[cfg(feature = "hydrate")]
fn subscribe(url: &str, on_event: impl Fn() + 'static) {
    use futures::StreamExt;
    use gloo_net::eventsource::futures::EventSource;
    let Ok(mut source) = EventSource::new(url) else {
        return;
    };
    let Ok(stream) = source.subscribe("billing") else {
        return;
    };
    let (stop, stopped) = futures::channel::oneshot::channel::<()>();
    leptos::task::spawn_local(async move {
        let mut stream = stream.take_until(stopped);
        // An error item means the connection is closed for good (the browser
        // retries transient drops itself); the table still works.
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
