//! Tab 7, Analytics: the user's licences per analytics level and their use.
//! Present only when the user has licences (or a level in its 7-day
//! retention, which shows when the hidden data will be deleted) — and, for
//! an administrator with `licenses.edit`, on every main user, so the first
//! licences can be given here too.

use super::licence_form::LicenceForm;
use super::{require_id, use_card};
use crate::api::card::card_analytics;
use crate::components::source::gone;
use crate::components::table::{Col, PagedTable, TablePage, TableRows};
use leptos::prelude::*;

const COLUMNS: &[Col] = &[
    Col::Plain("Video analytics level"),
    Col::Plain("Total"),
    Col::Plain("Used"),
    Col::Plain("Free"),
];

#[component]
pub fn AnalyticsTab() -> impl IntoView {
    let card = use_card();
    let licences = Resource::new(
        move || card.id_source(),
        |src| async move { card_analytics(require_id(src.ok_or_else(gone)?)?).await },
    );
    view! {
        <h2 class="sr-only">"Analytics"</h2>
        // The licence form refreshes this region after a save.
        <div data-region="card-analytics">
        <PagedTable testid="card-analytics" columns=COLUMNS empty="The user has no analytics licences."
            rows=TableRows::new(move || async move {
                Some(licences.await.map(|rows| TablePage::unpaged(&rows, |l| view! {
                    <tr>
                        <td>
                            {l.level.clone()}
                            {l.deleted_on.clone().map(|d| view! {
                                <p class="notice">{format!("Data will be deleted on {d}")}</p>
                            })}
                        </td>
                        <td>{l.total}</td>
                        <td>{l.used}</td>
                        <td>{l.free}</td>
                    </tr>
                })))
            })/>
        </div>
        <LicenceForm user_id=card.id_or_zero()/>
    }
}
