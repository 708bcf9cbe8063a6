//! `/client/sub-users`: a main user's sub users. Create one, edit its
//! permissions, change its password, delete it — never granting more than the
//! main user holds (the server refuses anything else with 422).

use super::{ClientErrorView, FormOutcome};
use crate::api::web_client::{
    client_sub_users, grantable_permissions, CreateSubUser, DeleteSubUser, SetSubUserPassword, SetSubUserPermissions,
};
use crate::components::feedback::{error_text, Empty, Loading};
use crate::components::source::gone;
use crate::components::table::{use_table_query, Pager, SortHeader};
use crate::types::subscriber::{ClientSubUser, PermissionOption};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SubUsersPage() -> impl IntoView {
    let query = use_table_query();
    let create = ServerAction::<CreateSubUser>::new();
    let perms = ServerAction::<SetSubUserPermissions>::new();
    let password = ServerAction::<SetSubUserPassword>::new();
    let delete = ServerAction::<DeleteSubUser>::new();
    let version = Memo::new(move |_| create.version().get() + perms.version().get() + delete.version().get());
    let subs = Resource::new(
        move || Some((query.try_get()?, version.try_get()?)),
        |src| async move { client_sub_users(src.ok_or_else(gone)?.0).await },
    );
    let grantable = Resource::new(|| (), |_| grantable_permissions());
    let editing = RwSignal::new(None::<ClientSubUser>);
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let report = move |ok: &'static str, r: Option<Result<(), crate::error::AppError>>| {
        if let Some(r) = r {
            outcome.set(Some(r.map(|_| ok.to_string()).map_err(|e| error_text(&e))));
        }
    };
    Effect::new(move |_| {
        if let Some(r) = create.value().get() {
            outcome.set(Some(r.map(|id| format!("Sub user #{id} created.")).map_err(|e| error_text(&e))));
        }
    });
    Effect::new(move |_| report("Permissions saved.", perms.value().get()));
    Effect::new(move |_| report("Password changed; the sub user's open sessions were ended.", password.value().get()));
    Effect::new(move |_| {
        let r = delete.value().get();
        if matches!(r, Some(Ok(()))) {
            editing.set(None);
        }
        report("Sub user deleted.", r)
    });
    view! {
        <Title text="Sub users"/>
        <h1>"Sub users"</h1>
        <FormOutcome text=outcome/>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match subs.await {
                    Err(e) => view! { <ClientErrorView error=e/> }.into_any(),
                    Ok(page) if page.rows.is_empty() => view! { <Empty text="You have no sub users yet."/> }.into_any(),
                    Ok(page) => view! {
                        <table class="grid" data-testid="client-sub-users">
                            <thead><tr>
                                <SortHeader label="ID" key="id" page_sort=page.sort.clone() page_dir=page.dir.clone()/>
                                <SortHeader label="Name" key="name" page_sort=page.sort.clone() page_dir=page.dir.clone()/>
                                <SortHeader label="Login" key="login" page_sort=page.sort.clone() page_dir=page.dir.clone()/>
                                <SortHeader label="Created at" key="created" page_sort=page.sort.clone() page_dir=page.dir.clone()/>
                                <th scope="col">"Permissions"</th>
                                <th scope="col"><span class="sr-only">"Actions"</span></th>
                            </tr></thead>
                            <tbody>
                                {page.rows.iter().map(|s| {
                                    let row = s.clone();
                                    view! {
                                        <tr>
                                            <td>{s.id}</td>
                                            <td>{s.name.clone()}</td>
                                            <td>{s.login.clone()}</td>
                                            <td>{s.created_at.clone()}</td>
                                            <td>{s.permissions.len()}</td>
                                            <td><button type="button" class="link" on:click=move |_| editing.set(Some(row.clone()))>"Edit"</button></td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                        <Pager page=page.clone()/>
                    }.into_any(),
                }
            })}
        </Transition>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match grantable.await {
                    Err(e) => view! { <ClientErrorView error=e/> }.into_any(),
                    Ok(options) => {
                        let for_edit = options.clone();
                        view! {
                            {move || editing.get().map(|s| view! { <EditSubUser sub=s options=for_edit.clone() perms password delete editing/> })}
                            <NewSubUser options=options.clone() create/>
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
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

#[component]
fn NewSubUser(options: Vec<PermissionOption>, create: ServerAction<CreateSubUser>) -> impl IntoView {
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
fn EditSubUser(
    sub: ClientSubUser,
    options: Vec<PermissionOption>,
    perms: ServerAction<SetSubUserPermissions>,
    password: ServerAction<SetSubUserPassword>,
    delete: ServerAction<DeleteSubUser>,
    editing: RwSignal<Option<ClientSubUser>>,
) -> impl IntoView {
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
