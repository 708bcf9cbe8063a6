//! `/billing-log`: the global billing log, the stored events that concern no
//! user (camera registrations, events for accounts not known yet), newest
//! first. In the browser the page listens to `/sse/billing-events` and refreshes
//! the first page when a new such event is stored; on later pages it only
//! says that new events arrived, so the rows under the cursor stay put.

use crate::api::billing::global_billing_log;
use crate::components::live::follow_billing;
use crate::components::source::gone;
use crate::components::table::{paged, use_table_query, Col, PagedTable};
use leptos::prelude::*;
use leptos_meta::Title;

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
    let q = query.get_untracked();
    let notice = follow_billing("/billing-log", &q, "/sse/billing-events".to_string());
    view! {
        <Title text="Billing log"/>
        <h1>"Billing log"</h1>
        <p class="hint">"Events from billing that concern no user yet. A subscriber's own events are on the Billing Events tab of its card."</p>
        {notice}
        <div data-region="billing-log">
        <PagedTable testid="billing-log" columns=COLUMNS empty="Billing has sent no events that concern no user." rows=paged(events, |e| view! {
            <tr>
                <td><code>{e.request_id.clone()}</code></td>
                <td title=e.event_type.slug()>{e.event_type.label()}</td>
                <td><span class=format!("badge outcome-{}", e.outcome)>{outcome_label(&e.outcome)}</span></td>
                <td>{e.received_at.clone()}</td>
            </tr>
        })/>
        </div>
    }
}

fn outcome_label(outcome: &str) -> &'static str {
    match outcome {
        "applied" => "Applied",
        "rejected" => "Rejected",
        _ => "Other",
    }
}
