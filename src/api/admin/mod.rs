//! The embedded admin UI under `/admin/`: server-rendered pages from templates compiled into
//! the binary, for staff only. Every page takes the [`guard::Staff`] guard, every form the
//! [`guard::AdminForm`] data guard (the CSRF check); the generic resource pages follow the
//! definitions in `domain::admin::resources`.

mod assets;
mod dashboard;
mod guard;
mod outbox;
mod pending;
mod resources;
mod review;
mod session;
mod shell;
mod system;
mod transfer;
mod views;

use rocket::{routes, Catcher, Route};

pub use assets::{asset_url, override_dir, templates_fairing, Security, CONTENT_SECURITY_POLICY};
pub use session::BAD_CREDENTIALS;
pub use shell::CSRF_FAILED;

pub fn routes() -> Vec<Route> {
    let mut all = session::routes();
    all.extend(routes![
        assets::asset,
        dashboard::dashboard,
        outbox::outbox,
        resources::list,
        resources::add_form,
        resources::add,
        resources::change_form,
        resources::change,
        resources::delete_form,
        resources::delete,
        resources::audit_log,
        transfer::export,
        transfer::import_form,
        transfer::upload,
        transfer::confirm,
        review::change_form,
        review::transition,
        review::message,
        review::list_action,
        system::diagnostics,
        system::refresh,
    ]);
    all
}

/// Errors under `/admin` render as admin pages (or the sign-in redirect), not API JSON.
pub fn catchers() -> Vec<Catcher> {
    shell::catchers()
}
