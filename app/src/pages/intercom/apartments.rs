//! `/intercoms/:id/apartments`: the intercom's flats by number with their
//! linked users and keys, keyset-paginated; administrators with
//! `intercoms.edit` link a user to a flat (this is how a user gets an
//! intercom) and unlink users. The forms work without JavaScript; in the
//! browser they are islands that report the outcome and refresh the list.

use super::{use_intercom_id, CardResource};
use crate::api::devices::{intercom_apartments, LinkApartment, UnlinkApartment};
use crate::components::feedback::error_text;
use crate::components::islands::{refresh_regions, report_write, PageNotice};
use crate::components::source::gone;
use crate::components::table::{use_table_query, Col, PagedTable, TablePage, TableRows};
use crate::error::AppError;
use crate::types::devices::{ApartmentRow, FlatUser, LinkOutcome};
use leptos::html;
use leptos::prelude::*;

const COLUMNS: &[Col] = &[Col::Sort("Flat", "number"), Col::Plain("Users"), Col::Plain("Keys")];

#[component]
pub fn ApartmentsTab() -> impl IntoView {
    let card = expect_context::<CardResource>().0;
    let id = use_intercom_id();
    let query = use_table_query();
    let rows = Resource::new(
        move || Some((id.try_get()?, query.try_get()?)),
        |src| async move {
            let (id, query) = src.ok_or_else(gone)?;
            intercom_apartments(id, query).await
        },
    );
    view! {
        <h2 class="sr-only">"Apartments"</h2>
        // Outside the refreshed region, so that typed input survives a
        // refresh of the list.
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                card.await.ok().filter(|c| c.can_edit).map(|c| view! {
                    <LinkForm intercom_id=c.id flat_from=c.flat_from flat_to=c.flat_to/>
                })
            })}
        </Suspense>
        <PageNotice/>
        <div data-region="apartments">
        <PagedTable testid="apartments-table" columns=COLUMNS empty="No apartments linked yet."
            rows=TableRows::new(move || async move {
                let card = card.await;
                let page = rows.await;
                // The card header already shows the intercom's error.
                let c = card.ok()?;
                Some(page.map(|page| {
                    TablePage::new(page, |a| view! { <ApartmentLine row=a.clone() intercom_id=c.id can_edit=c.can_edit/> })
                }))
            })/>
        </div>
    }
}

/// A success notice or an error line for a finished link/unlink.
fn outcome_view(value: Option<Result<LinkOutcome, AppError>>) -> Option<AnyView> {
    match value? {
        Ok(o) => Some(view! { <p class="notice" role="status">{o.message}</p> }.into_any()),
        // Field errors of the link form are shown next to the field.
        Err(AppError::Invalid { field, .. }) if field == "user" || field == "number" => None,
        Err(e) => Some(view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any()),
    }
}

#[component]
fn ApartmentLine(row: ApartmentRow, intercom_id: i64, can_edit: bool) -> impl IntoView {
    let number = row.number;
    let users = if row.users.is_empty() {
        view! { <span class="muted">"No users"</span> }.into_any()
    } else {
        view! {
            <ul class="plain">
                {row.users.into_iter().map(|u| match u {
                    FlatUser::Visible(u) => view! {
                        <li>
                            <a href=format!("/users/{}/user", u.id)>{u.name.clone()}</a>
                            " "
                            <span class="muted">{u.login.clone()}</span>
                            {can_edit.then(|| view! { <Unlink intercom_id number user_id=u.id name=u.name.clone()/> })}
                        </li>
                    }.into_any(),
                    FlatUser::Hidden => view! { <li class="muted">"another subscriber"</li> }.into_any(),
                }).collect_view()}
            </ul>
        }
        .into_any()
    };
    let keys = if row.keys.is_empty() {
        view! { <span class="muted">"—"</span> }.into_any()
    } else {
        view! { <ul class="plain">{row.keys.into_iter().map(|k| view! { <li><code>{k}</code></li> }).collect_view()}</ul> }.into_any()
    };
    view! {
        <tr>
            <td>{number}</td>
            <td>{users}</td>
            <td>{keys}</td>
        </tr>
    }
}

/// "Unlink" of one user in a flat: a form posting to the server function
/// (it works without JavaScript); in the browser the outcome goes to the
/// page notice and the list refreshes.
#[island(lazy)]
fn Unlink(intercom_id: i64, number: i32, user_id: i64, name: String) -> impl IntoView {
    let unlink = ServerAction::<UnlinkApartment>::new();
    Effect::new(move |_| {
        if let Some(r) = unlink.value().get() {
            report_write(r.map(|o| o.message));
        }
    });
    view! {
        <ActionForm action=unlink attr:class="inline">
            <input type="hidden" name="intercom_id" value=intercom_id.to_string()/>
            <input type="hidden" name="number" value=number.to_string()/>
            <input type="hidden" name="user_id" value=user_id.to_string()/>
            <button type="submit" class="link" aria-label=format!("Unlink {name} from flat {number}")>
                "Unlink"
            </button>
        </ActionForm>
    }
}

/// The form linking a user (ID or login) to a flat number (an island: it
/// reports the outcome inline, clears itself after a link and refreshes
/// the list).
#[island(lazy)]
fn LinkForm(intercom_id: i64, flat_from: i32, flat_to: i32) -> impl IntoView {
    let action = ServerAction::<LinkApartment>::new();
    let form = NodeRef::<html::Form>::new();
    let pending = action.pending();
    let value = action.value();
    // A successful link clears the form for the next one.
    Effect::new(move |_| {
        if matches!(value.get(), Some(Ok(_))) {
            if let Some(f) = form.get() {
                f.reset();
            }
            leptos::task::spawn_local(refresh_regions());
        }
    });
    let field_error = move |name: &'static str| {
        value.with(|v| match v {
            Some(Err(AppError::Invalid { field, message })) if field == name => Some(message.clone()),
            _ => None,
        })
    };
    let error_line = move |name: &'static str| {
        move || field_error(name).map(|m| view! { <span class="field-error" id=format!("link-{name}-error")>{m}</span> })
    };
    let invalid = move |name: &'static str| move || if field_error(name).is_some() { "true" } else { "false" };
    view! {
        <ActionForm action=action node_ref=form attr:class="link-form" attr:aria-label="Link a user to a flat">
            <input type="hidden" name="intercom_id" value=intercom_id.to_string()/>
            <div class="field">
                <label for="link-user">"User ID or login"</label>
                <input id="link-user" name="user" type="text" required autocomplete="off"
                    aria-invalid=invalid("user") aria-describedby="link-user-error"/>
                {error_line("user")}
            </div>
            <div class="field">
                <label for="link-number">{format!("Flat ({flat_from}–{flat_to})")}</label>
                <input id="link-number" name="number" type="number" required
                    min=flat_from.to_string() max=flat_to.to_string()
                    aria-invalid=invalid("number") aria-describedby="link-number-error"/>
                {error_line("number")}
            </div>
            <button type="submit" class="primary" disabled=pending>
                {move || if pending.get() { "Linking…" } else { "Link" }}
            </button>
            {move || outcome_view(value.get())}
        </ActionForm>
    }
}
