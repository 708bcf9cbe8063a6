//! `/client/sub-users`: a main user's sub users. Create one, edit its
//! permissions, change its password, delete it — never granting more than the
//! main user holds (the server refuses anything else with 422).

use super::{client_error, ClientErrorView};
use crate::api::web_client::{
    client_sub_users, grantable_permissions, CreateSubUser, DeleteSubUser, SetSubUserPassword, SetSubUserPermissions,
};
use crate::components::feedback::{error_text, Empty, Loading};
use crate::components::islands::{notice, report_write, PageNotice};
use crate::components::source::gone;
use crate::components::table::{paged, use_table_query, Col, PagedTable};
use crate::types::subscriber::{ClientSubUser, PermissionOption};
use leptos::prelude::*;
use leptos_meta::Title;

const COLUMNS: &[Col] = &[
    Col::Sort("ID", "id"),
    Col::Sort("Name", "name"),
    Col::Sort("Login", "login"),
    Col::Sort("Created at", "created"),
    Col::Plain("Permissions"),
    Col::Hidden("Actions"),
];

#[component]
pub fn SubUsersPage() -> impl IntoView {
    let query = use_table_query();
    let subs = Resource::new(
        move || query.try_get(),
        |q| async move { client_sub_users(q.ok_or_else(gone)?).await },
    );
    let grantable = Resource::new(|| (), |_| grantable_permissions());
    view! {
        <Title text="Sub users"/>
        <h1>"Sub users"</h1>
        <PageNotice/>
        <div data-region="client-sub-users">
        <PagedTable testid="client-sub-users" columns=COLUMNS empty="You have no sub users yet." error=client_error rows=paged(subs, move |s| {
            view! {
                <tr>
                    <td>{s.id}</td>
                    <td>{s.name.clone()}</td>
                    <td>{s.login.clone()}</td>
                    <td>{s.created_at.clone()}</td>
                    <td>{s.permissions.len()}</td>
                    <td><EditButton sub=s.clone()/></td>
                </tr>
            }
        })/>
        </div>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match grantable.await {
                    Err(e) => view! { <ClientErrorView error=e/> }.into_any(),
                    Ok(options) => view! {
                        <SubUserEditor options=options.clone()/>
                        <NewSubUser options/>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The sub user being edited, shared by the rows' Edit buttons and the
/// editor (islands of one page share the WASM instance).
fn editing() -> ArcRwSignal<Option<ClientSubUser>> {
    #[cfg(feature = "hydrate")]
    {
        thread_local! {
            static EDITING: ArcRwSignal<Option<ClientSubUser>> = ArcRwSignal::new(None);
        }
        EDITING.with(|e| e.clone())
    }
    #[cfg(not(feature = "hydrate"))]
    ArcRwSignal::new(None)
}

/// A row's "Edit": opens the editor for that sub user.
#[island(lazy)]
fn EditButton(sub: ClientSubUser) -> impl IntoView {
    let label = format!("Edit {}", sub.name);
    view! {
        <button type="button" class="link" aria-label=label on:click=move |_| editing().set(Some(sub.clone()))>"Edit"</button>
    }
}

/// The editor of the sub user chosen with a row's Edit.
#[island(lazy)]
fn SubUserEditor(options: Vec<PermissionOption>) -> impl IntoView {
    let editing = editing();
    move || editing.get().map(|s| view! { <EditSubUser sub=s options=options.clone()/> })
}

/// Checkboxes of the grantable permissions, grouped; `chosen` holds the slugs.
#[component]
fn PermissionBoxes(options: Vec<PermissionOption>, chosen: RwSignal<Vec<String>>) -> impl IntoView {
    if options.is_empty() {
        return view! { <Empty text="You hold no permissions you could grant."/> }.into_any();
    }
    let mut groups: Vec<(String, Vec<PermissionOption>)> = vec![];
    for o in options {
        match groups.iter_mut().find(|(g, _)| *g == o.group) {
            Some((_, items)) => items.push(o),
            None => groups.push((o.group.clone(), vec![o])),
        }
    }
    groups
        .into_iter()
        .map(|(group, items)| {
            view! {
                <fieldset class="perm-group">
                    <legend>{group}</legend>
                    {items.into_iter().map(|o| {
                        let slug = o.slug.clone();
                        let checked = {
                            let slug = slug.clone();
                            move || chosen.with(|c| c.contains(&slug))
                        };
                        let toggle = move |ev: leptos::ev::Event| {
                            let on = event_target_checked(&ev);
                            chosen.update(|c| {
                                c.retain(|x| *x != slug);
                                if on { c.push(slug.clone()); }
                            });
                        };
                        view! { <label class="check"><input type="checkbox" value=o.slug.clone() prop:checked=checked on:change=toggle/>{o.label}</label> }
                    }).collect_view()}
                </fieldset>
            }
        })
        .collect_view()
        .into_any()
}

/// The new sub user form (an island).
#[island(lazy)]
fn NewSubUser(options: Vec<PermissionOption>) -> impl IntoView {
    let create = ServerAction::<CreateSubUser>::new();
    Effect::new(move |_| {
        if let Some(r) = create.value().get() {
            report_write(r.map(|id| format!("Sub user #{id} created.")));
        }
    });
    let (login, name, pw) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let chosen = RwSignal::new(Vec::<String>::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        create.dispatch(CreateSubUser {
            login: login.get_untracked(),
            name: name.get_untracked(),
            password: pw.get_untracked(),
            permissions: chosen.get_untracked(),
        });
    };
    view! {
        <h2>"New sub user"</h2>
        <form class="stacked" on:submit=submit data-testid="new-sub-user">
            <label for="sub-login">"Login"</label>
            <input id="sub-login" required prop:value=login on:input=move |ev| login.set(event_target_value(&ev))/>
            <label for="sub-name">"Name"</label>
            <input id="sub-name" required prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/>
            <label for="sub-password">"Password"</label>
            <input id="sub-password" type="password" autocomplete="new-password" required minlength="8" prop:value=pw on:input=move |ev| pw.set(event_target_value(&ev))/>
            <PermissionBoxes options chosen/>
            <button type="submit" disabled=move || create.pending().get()>"Create sub user"</button>
        </form>
    }
}

#[component]
fn EditSubUser(sub: ClientSubUser, options: Vec<PermissionOption>) -> impl IntoView {
    let perms = ServerAction::<SetSubUserPermissions>::new();
    let password = ServerAction::<SetSubUserPassword>::new();
    let delete = ServerAction::<DeleteSubUser>::new();
    let editing = editing();
    Effect::new(move |_| {
        if let Some(r) = perms.value().get() {
            report_write(r.map(|_| "Permissions saved.".to_string()));
        }
    });
    Effect::new(move |_| {
        if let Some(r) = password.value().get() {
            // Nothing in the list changes.
            notice(
                r.map(|_| "Password changed; the sub user's open sessions were ended.".to_string())
                    .map_err(|e| error_text(&e)),
            );
        }
    });
    {
        let editing = editing.clone();
        Effect::new(move |_| {
            if let Some(r) = delete.value().get() {
                if r.is_ok() {
                    editing.set(None);
                }
                report_write(r.map(|_| "Sub user deleted.".to_string()));
            }
        });
    }
    let id = sub.id;
    let chosen = RwSignal::new(sub.permissions.clone());
    let pw = RwSignal::new(String::new());
    view! {
        <section class="editor" aria-labelledby="edit-sub-title">
            <h2 id="edit-sub-title">{format!("Sub user {} ({})", sub.name, sub.login)}</h2>
            <form class="stacked" on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                perms.dispatch(SetSubUserPermissions { sub_user_id: id, permissions: chosen.get_untracked() });
            }>
                <PermissionBoxes options chosen/>
                <button type="submit" disabled=move || perms.pending().get()>"Save permissions"</button>
            </form>
            <form class="stacked" on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                password.dispatch(SetSubUserPassword { sub_user_id: id, password: pw.get_untracked() });
                pw.set(String::new());
            }>
                <label for="sub-new-password">"New password"</label>
                <input id="sub-new-password" type="password" autocomplete="new-password" minlength="8" required prop:value=pw on:input=move |ev| pw.set(event_target_value(&ev))/>
                <button type="submit" disabled=move || password.pending().get()>"Change password"</button>
            </form>
            <button type="button" class="danger" on:click=move |_| { delete.dispatch(DeleteSubUser { sub_user_id: id }); }>"Delete sub user"</button>
            <button type="button" class="link" on:click=move |_| editing.set(None)>"Close"</button>
        </section>
    }
}
