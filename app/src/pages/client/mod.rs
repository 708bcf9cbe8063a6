//! `/client/*`: the subscribers' web client. [`ClientShell`] is the parent
//! route: it loads the signed-in subscriber once (a lost session goes to
//! `/client/login`), draws the client's own top bar, and in a Login as User
//! session the banner naming the administrator with "End session".

pub mod cameras;
pub mod cases;
pub mod login;
pub mod sub_users;

use crate::api::web_client::{client_whoami, ClientLogout};
use crate::components::feedback::{error_text, Loading};
use crate::error::AppError;
use crate::types::catalogue::UserPermission;
use crate::types::subscriber::ClientMe;
use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect, A};

/// The signed-in subscriber, shared with the client pages.
pub type ClientMeResource = Resource<Result<ClientMe, AppError>>;

#[component]
pub fn ClientShell() -> impl IntoView {
    let me: ClientMeResource = Resource::new(|| (), |_| client_whoami());
    provide_context(me);
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match me.await {
                    Err(e) => view! { <ClientErrorView error=e/> }.into_any(),
                    Ok(me) => view! {
                        <ClientTopBar me=me.clone()/>
                        <main class="content client" role="main">
                            <Outlet/>
                        </main>
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ClientTopBar(me: ClientMe) -> impl IntoView {
    let impersonated = me.impersonator.clone();
    let sign_out = impersonated
        .is_none()
        .then(|| view! { <ClientSignOut label="Sign out".to_string() class="link".to_string()/> });
    view! {
        {impersonated.map(|admin| view! {
            <div class="banner impersonation-banner" role="status" data-testid="impersonation-banner">
                <span>"Signed in as " <strong>{me.name.clone()}</strong> " by administrator " <strong>{admin}</strong></span>
                <ClientSignOut label="End session".to_string() class=String::new()/>
            </div>
        })}
        <header class="topbar client-topbar">
            <a class="brand" href="/client/cameras">"Vigil"</a>
            <nav aria-label="Web client">
                <A href="/client/cameras">"Cameras"</A>
                {me.can(UserPermission::Analytic.slug()).then(|| view! { <A href="/client/cases">"Analytics cases"</A> })}
                {me.manages_sub_users().then(|| view! { <A href="/client/sub-users">"Sub users"</A> })}
            </nav>
            <div class="who">
                <span class="user-name" data-testid="client-user">{me.name.clone()}</span>
                {sign_out}
            </div>
        </header>
    }
}

/// "Sign out" / "End session": a form posting to the server function.
#[island(lazy)]
fn ClientSignOut(label: String, class: String) -> impl IntoView {
    let logout = ServerAction::<ClientLogout>::new();
    view! {
        <ActionForm action=logout attr:class="inline">
            <button type="submit" class=class>{label}</button>
        </ActionForm>
    }
}

/// The client's error states: a lost session goes to the client sign-in.
/// [`ClientErrorView`] for a [`crate::components::table::PagedTable`].
pub fn client_error(error: AppError) -> AnyView {
    view! { <ClientErrorView error/> }.into_any()
}

#[component]
pub fn ClientErrorView(error: AppError) -> impl IntoView {
    match error {
        AppError::Unauthorized => {
            // A direct GET without a session answers with a real redirect.
            #[cfg(feature = "ssr")]
            leptos_axum::redirect("/client/login");
            view! { <Redirect path="/client/login"/> }.into_any()
        }
        AppError::Forbidden(perm) => view! {
            <section class="page-error" role="alert">
                <h1>"Not available"</h1>
                <p>{format!("Your account does not have the right “{perm}”.")}</p>
            </section>
        }
        .into_any(),
        AppError::NotFound(what) => view! {
            <section class="page-error" role="alert">
                <h1>"Not found"</h1>
                <p>{format!("{what} not found.")}</p>
            </section>
        }
        .into_any(),
        other => view! { <p class="error" role="alert">{error_text(&other)}</p> }.into_any(),
    }
}
