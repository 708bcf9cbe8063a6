//! The Analytics tab's licence editor (under the tab's read-only table):
//! per level the current total and use, the deletion date of a level in
//! retention, and a form to set the total. A total below the licences in use is refused (except 0, which
//! takes every licence away and starts the 7-day retention). Each row saves
//! with the allocation version it was loaded with (409 when it moved).

use crate::api::access::{load_licence_form, set_licence_total};
use crate::components::feedback::{error_text, interactive, Empty, ErrorView, Loading};
use crate::components::islands::refresh_regions;
use crate::error::AppError;
use crate::permissions::admin::LICENSES_EDIT;
use crate::types::access::{LicenceAllocation, LicenceForm as LicenceFormData};
use leptos::prelude::*;

/// (level id, outcome) of the last save, shown under the table.
type Outcome = Option<SaveResult>;
/// (level id, what the server answered).
pub type SaveResult = (String, Result<LicenceAllocation, AppError>);
/// Sets a level's total: (level id, total, version); answers with the
/// form loaded again.
type SaveAction = Action<(String, i64, i64), (SaveResult, Option<LicenceFormData>)>;

/// The editor, loaded on the server: the [`LicenceEditor`] island, or why
/// there is none.
#[component]
pub fn LicenceForm(user_id: i64) -> impl IntoView {
    let form = Resource::new(move || user_id, load_licence_form);
    view! {
        <section class="licences" aria-labelledby="licences-title">
            <h3 id="licences-title">"Change licences"</h3>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match form.await {
                        Err(e) => view! { <ErrorView error=e/> }.into_any(),
                        Ok(f) if f.levels.is_empty() => view! { <Empty text="No analytics levels are configured."/> }.into_any(),
                        Ok(f) => view! { <LicenceEditor user_id loaded=f/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// The table of levels with a form per row. After every save it loads the
/// form again (new totals and versions) and refreshes the page's regions
/// (the tab's own table of licences above it).
#[island(lazy)]
fn LicenceEditor(user_id: i64, loaded: LicenceFormData) -> impl IntoView {
    let data = RwSignal::new(loaded);
    let save = Action::new(move |(level, total, version): &(String, i64, i64)| {
        let (level, total, version) = (level.clone(), *total, *version);
        let level_id = level.parse::<i64>().unwrap_or_default();
        async move {
            let r = set_licence_total(user_id, level_id, total, version).await;
            let fresh = load_licence_form(user_id).await.ok();
            ((level, r), fresh)
        }
    });
    let outcome = RwSignal::new(None as Outcome);
    Effect::new(move |_| {
        if let Some((r, fresh)) = save.value().get() {
            if let Some(fresh) = fresh {
                data.set(fresh);
            }
            outcome.set(Some(r));
            leptos::task::spawn_local(refresh_regions());
        }
    });
    view! {
        {move || view! { <LicenceTable data=data.get() save outcome/> }}
        {move || outcome.get().map(|(_, r)| match r {
            Ok(a) => view! {
                <p class="saved" role="status" data-testid="licence-outcome">
                    {format!("Saved: {} now has {} licence(s), {} in use.", a.level, a.total, a.used)}
                </p>
            }
            .into_any(),
            Err(e) => view! { <p class="error" role="alert" data-testid="licence-outcome">{error_text(&e)}</p> }.into_any(),
        })}
    }
}

#[component]
fn LicenceTable(data: LicenceFormData, save: SaveAction, outcome: RwSignal<Outcome>) -> impl IntoView {
    let read_only = !data.can_edit;
    let pending = save.pending();
    let interactive = interactive();
    view! {
        {read_only.then(|| view! {
            <p class="notice" role="note">
                {format!("Changing licences needs the permission “{LICENSES_EDIT}” (and is done on the main user).")}
            </p>
        })}
        <table class="grid" data-testid="licence-form">
            <thead><tr>
                <th scope="col">"Level"</th>
                <th scope="col">"Total"</th>
                <th scope="col">"In use"</th>
                <th scope="col">"New total"</th>
            </tr></thead>
            <tbody>
                {data.levels.into_iter().map(|l| {
                    let input_id = format!("licence-total-{}", l.level_id);
                    let total = RwSignal::new(l.total.to_string());
                    let (level_id, version) = (l.level_id.to_string(), l.version);
                    let on_submit = move |ev: leptos::ev::SubmitEvent| {
                        ev.prevent_default();
                        match total.get_untracked().trim().parse::<i64>() {
                            Ok(n) => {
                                outcome.set(None);
                                save.dispatch((level_id.clone(), n, version));
                            }
                            Err(_) => outcome.set(Some((level_id.clone(), Err(AppError::invalid("total", "enter a whole number"))))),
                        }
                    };
                    view! {
                        <tr>
                            <td>
                                {l.level.clone()}
                                {l.deleted_on.map(|d| view! { <p class="notice">{format!("Hidden; deleted on {d} unless licences are given back")}</p> })}
                            </td>
                            <td>{l.total}</td>
                            <td>{l.used}</td>
                            <td>
                                <form class="inline" on:submit=on_submit>
                                    <label for=input_id.clone() class="sr-only">{format!("New total for {}", l.level)}</label>
                                    <input
                                        id=input_id
                                        type="number"
                                        min="0"
                                        name="total"
                                        prop:value=move || total.get()
                                        on:input=move |ev| total.set(event_target_value(&ev))
                                        disabled=read_only
                                    />
                                    <input type="hidden" name="version" value=l.version.to_string()/>
                                    " "
                                    <button type="submit" disabled=move || read_only || pending.get() || !interactive.get()>"Set"</button>
                                </form>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
