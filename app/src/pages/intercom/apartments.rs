//! `/intercoms/:id/apartments`: the intercom's flats by number with their
//! linked users and keys, keyset-paginated; administrators with
//! `intercoms.edit` link a user to a flat (this is how a user gets an
//! intercom) and unlink users. The forms work without JavaScript and,
//! hydrated, report the outcome inline and refresh the list.

use super::{use_intercom_id, CardResource};
use crate::api::devices::{intercom_apartments, LinkApartment, UnlinkApartment};
use crate::components::feedback::{error_text, Empty, ErrorView, Loading};
use crate::components::source::gone;
use crate::components::table::{use_table_query, Pager, SortHeader};
use crate::error::AppError;
use crate::types::devices::{ApartmentRow, FlatUser, IntercomCard, LinkOutcome};
use leptos::html;
use leptos::prelude::*;

#[component]
pub fn ApartmentsTab() -> impl IntoView {
    let card = expect_context::<CardResource>().0;
    let id = use_intercom_id();
    let query = use_table_query();
    let link = ServerAction::<LinkApartment>::new();
    let unlink = ServerAction::<UnlinkApartment>::new();
    let link_version = link.version();
    let unlink_version = unlink.version();
    let rows = Resource::new(
        move || Some((id.try_get()?, query.try_get()?, link_version.try_get()?, unlink_version.try_get()?)),
        |src| async move {
            let (id, query, _, _) = src.ok_or_else(gone)?;
            intercom_apartments(id, query).await
        },
    );
    view! {
        <h2 class="sr-only">"Apartments"</h2>
        // Outside the table's transition so that typed input survives a
        // refresh of the list.
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                card.await.ok().filter(|c| c.can_edit).map(|c| view! { <LinkForm card=c action=link/> })
            })}
        </Suspense>
        {move || outcome_view(unlink.value().get())}
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                let card = card.await;
                let page = rows.await;
                match (card, page) {
                    // The card header already shows the intercom's error.
                    (Err(_), _) => ().into_any(),
                    (Ok(_), Err(e)) => view! { <ErrorView error=e/> }.into_any(),
                    (Ok(_), Ok(page)) if page.rows.is_empty() => view! { <Empty text="No apartments linked yet."/> }.into_any(),
                    (Ok(c), Ok(page)) => view! {
                        <table class="grid" data-testid="apartments-table">
                            <thead><tr>
                                <SortHeader label="Flat" key="number" page_sort=page.sort.clone() page_dir=page.dir.clone()/>
                                <th scope="col">"Users"</th>
                                <th scope="col">"Keys"</th>
                            </tr></thead>
                            <tbody>
                                {page.rows.iter().map(|a| view! { <ApartmentLine row=a.clone() intercom_id=c.id can_edit=c.can_edit unlink=unlink/> }).collect_view()}
                            </tbody>
                        </table>
                        <Pager page=page.clone()/>
                    }
                    .into_any(),
                }
            })}
        </Transition>
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
fn ApartmentLine(row: ApartmentRow, intercom_id: i64, can_edit: bool, unlink: ServerAction<UnlinkApartment>) -> impl IntoView {
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
                            {can_edit.then(|| view! {
                                <ActionForm action=unlink attr:class="inline">
                                    <input type="hidden" name="intercom_id" value=intercom_id.to_string()/>
                                    <input type="hidden" name="number" value=number.to_string()/>
                                    <input type="hidden" name="user_id" value=u.id.to_string()/>
                                    <button type="submit" class="link" aria-label=format!("Unlink {} from flat {number}", u.name)>
                                        "Unlink"
                                    </button>
                                </ActionForm>
                            })}
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

/// The form linking a user (ID or login) to a flat number.
#[component]
fn LinkForm(card: IntercomCard, action: ServerAction<LinkApartment>) -> impl IntoView {
    let form = NodeRef::<html::Form>::new();
    let pending = action.pending();
    let value = action.value();
    // A successful link clears the form for the next one.
    Effect::new(move |_| {
        if matches!(value.get(), Some(Ok(_))) {
            if let Some(f) = form.get() {
                f.reset();
            }
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
            <input type="hidden" name="intercom_id" value=card.id.to_string()/>
            <div class="field">
                <label for="link-user">"User ID or login"</label>
                <input id="link-user" name="user" type="text" required autocomplete="off"
                    aria-invalid=invalid("user") aria-describedby="link-user-error"/>
                {error_line("user")}
            </div>
            <div class="field">
                <label for="link-number">{format!("Flat ({}–{})", card.flat_from, card.flat_to)}</label>
                <input id="link-number" name="number" type="number" required
                    min=card.flat_from.to_string() max=card.flat_to.to_string()
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
