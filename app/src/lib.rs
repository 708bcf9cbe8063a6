//! Vigil's Leptos application: the operator console and the subscribers'
//! web client. Pages render on the server; what runs in the browser are
//! islands (`#[island]`: forms, buttons, tab keys, live regions), see
//! DEVELOPERS.md "The browser build". Server-only code lives under
//! [`backend`].

#![recursion_limit = "256"]

pub mod api;
pub mod components;
pub mod error;
pub mod pages;
pub mod permissions;
pub mod types;

#[cfg(feature = "ssr")]
pub mod backend;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{path, SsrMode, StaticSegment};
use types::catalogue::CardTab;

/// The HTML document around the app (server side only).
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <components::assets::Assets options/>
                <leptos_meta::MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Every page's `<title>`: "<page> · Vigil". leptos_meta writes the
/// server-rendered `<title>` as it gets it, so on the server the text is
/// escaped here (a billing-provided name such as `</title><script>…` would
/// otherwise close the element and run); in the browser it goes to
/// `document.title`, which takes plain text.
fn title(t: String) -> String {
    let t = if t.is_empty() {
        "Vigil".to_string()
    } else {
        format!("{t} · Vigil")
    };
    if cfg!(feature = "ssr") {
        t.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
    } else {
        t
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title formatter=title/>
        <Router>
            <Routes fallback=pages::not_found::NotFound>
                <Route path=path!("/login") view=pages::login::LoginPage ssr=SsrMode::Async/>
                <Route path=path!("/client/login") view=pages::client::login::ClientLoginPage ssr=SsrMode::Async/>
                <ParentRoute path=path!("/client") view=pages::client::ClientShell ssr=SsrMode::Async>
                    <Route path=path!("") view=pages::client::cameras::CamerasPage ssr=SsrMode::Async/>
                    <Route path=path!("cameras") view=pages::client::cameras::CamerasPage ssr=SsrMode::Async/>
                    <Route path=path!("cases") view=pages::client::cases::CasesPage ssr=SsrMode::Async/>
                    <Route path=path!("sub-users") view=pages::client::sub_users::SubUsersPage ssr=SsrMode::Async/>
                </ParentRoute>
                <ParentRoute path=path!("") view=components::layout::Console ssr=SsrMode::Async>
                    <Route path=path!("/") view=pages::home::Home ssr=SsrMode::Async/>
                    <Route path=path!("/users") view=pages::users::UsersPage ssr=SsrMode::Async/>
                    <Route path=path!("/billing-log") view=pages::billing_log::BillingLogPage ssr=SsrMode::Async/>
                    <Route path=path!("/admins") view=pages::admins::AdminsPage ssr=SsrMode::Async/>
                    <Route path=path!("/admins/new") view=pages::admin_new::NewAdminPage ssr=SsrMode::Async/>
                    <Route path=path!("/admins/:id") view=pages::admin::AdminPage ssr=SsrMode::Async/>
                    <Route path=path!("/audit") view=pages::audit::AuditPage ssr=SsrMode::Async/>
                    <ParentRoute path=path!("/users/:id") view=pages::card::UserCard ssr=SsrMode::Async>
                        <Route path=path!("") view=pages::card::CardIndex ssr=SsrMode::Async/>
                        <Route path=StaticSegment(CardTab::User.slug()) view=pages::card::user::UserTab ssr=SsrMode::Async/>
                        <Route path=StaticSegment(CardTab::Cameras.slug()) view=pages::card::cameras::CamerasTab ssr=SsrMode::Async/>
                        <Route path=StaticSegment(CardTab::Intercoms.slug()) view=pages::card::intercoms::IntercomsTab ssr=SsrMode::Async/>
                        <Route path=StaticSegment(CardTab::SubUsers.slug()) view=pages::card::sub_users::SubUsersTab ssr=SsrMode::Async/>
                        <Route path=StaticSegment(CardTab::BillingEvents.slug()) view=pages::card::billing_events::BillingEventsTab ssr=SsrMode::Async/>
                        <Route path=StaticSegment(CardTab::Access.slug()) view=pages::card::access::AccessTab ssr=SsrMode::Async/>
                        <Route path=StaticSegment(CardTab::Analytics.slug()) view=pages::card::analytics::AnalyticsTab ssr=SsrMode::Async/>
                    </ParentRoute>
                    <Route path=path!("/cameras/:id/general") view=pages::camera::CameraPage ssr=SsrMode::Async/>
                    <ParentRoute path=path!("/intercoms/:id") view=pages::intercom::IntercomCard ssr=SsrMode::Async>
                        <Route path=path!("") view=pages::intercom::IntercomHome ssr=SsrMode::Async/>
                        <Route path=path!("general") view=pages::intercom::general::GeneralTab ssr=SsrMode::Async/>
                        <Route path=path!("apartments") view=pages::intercom::apartments::ApartmentsTab ssr=SsrMode::Async/>
                    </ParentRoute>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// Called by the browser entry so that this crate, and with it every
/// island's exported hydrate function, is linked into the WASM (an unused
/// dependency is not linked at all).
#[cfg(feature = "hydrate")]
pub fn link_islands() {}
