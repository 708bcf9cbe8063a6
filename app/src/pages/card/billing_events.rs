//! Tab 5, Billing Events: what billing sent for this user, newest first.
//! In the browser the tab listens to `/sse/billing-events?user_id=…` and
//! refreshes its rows
//! when a new event is stored while the first page is shown (elsewhere it
//! only says that new events arrived, so the rows under the cursor stay
//! put). Without that endpoint the tab works as a plain table.

use super::{require_id, use_card};
use crate::api::card::card_billing_events;
use crate::components::live::follow_billing;
use crate::components::source::gone;
use crate::components::table::{paged, use_table_query, Col, PagedTable};
use leptos::prelude::*;

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
    let id = card.id_or_zero();
    let notice = follow_billing(
        &format!("/users/{id}/{}", crate::types::catalogue::CardTab::BillingEvents.slug()),
        &query.get_untracked(),
        format!("/sse/billing-events?user_id={id}"),
    );
    view! {
        <h2 class="sr-only">"Billing Events"</h2>
        {notice}
        <div data-region="card-billing-events">
        <PagedTable testid="card-billing-events" columns=COLUMNS empty="Billing has sent no events for this user."
            rows=paged(events, |e| view! {
                <tr>
                    <td><code>{e.request_id.clone()}</code></td>
                    <td title=e.event_type.slug()>{e.event_type.label()}</td>
                    <td>{e.created_at.clone()}</td>
                </tr>
            })/>
        </div>
    }
}
