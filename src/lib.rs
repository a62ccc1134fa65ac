//! tbseq: the WHO tuberculosis sequencing portal's backend in one binary.
//!
//! `build_rocket` assembles the HTTP application from an opened [`app::App`], so that
//! `main.rs` and the tests run exactly the same thing.

pub mod api;
pub mod app;
pub mod cache;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod identity;
pub mod import;
pub mod memory;
pub mod metrics;
pub mod notify;
pub mod storage;
pub mod telemetry;

use rocket::figment::Figment;
use rocket::{Build, Rocket};

use app::App;

/// The Rocket application for an opened [`App`].
pub fn build_rocket(app: App) -> Rocket<Build> {
    let config = &app.config;
    let mut figment = Figment::from(rocket::Config::default())
        .merge(("address", config.address))
        .merge(("port", config.port))
        .merge(("secret_key", &*app.secret_key))
        .merge(("log_level", config.log_level.as_str()))
        .merge(("ident", "tbseq"))
        .merge(("cli_colors", false))
        // The folder of local template overrides (created by `App::open`).
        .merge(("template_dir", api::admin::override_dir(&config.data_dir)));
    // Give in-flight requests time to finish on SIGTERM/SIGINT, then close connections.
    figment = figment
        .merge(("shutdown.grace", config.shutdown_grace))
        .merge(("shutdown.mercy", 5));
    // Workbooks arrive as multipart files; Rocket's defaults (1 MiB) are too small.
    figment = figment
        .merge(("limits.file", config.workbook_max_bytes))
        .merge(("limits.data-form", config.workbook_max_bytes + (1 << 20)));
    if config.workers > 0 {
        figment = figment.merge(("workers", config.workers));
    }
    let cors = api::fairings::Cors::new(&config.cors_origins);
    let observe = api::observe::Observe {
        log_requests: config.log_requests,
        record_metrics: config.metrics_enabled,
    };
    rocket::custom(figment)
        .attach(observe)
        .attach(api::fairings::NormalizePath)
        .attach(cors)
        .attach(notify::fairing())
        .mount("/", api::health::routes())
        .mount("/", api::observe::routes())
        .mount("/", api::downloads::routes())
        .mount("/", api::files::routes())
        .mount("/", api::static_files::routes())
        .mount("/", api::sequencing::root_routes())
        .attach(api::sequencing::Housekeeping)
        .mount("/api/v1", api::routes())
        .mount("/", api::web::routes())
        .mount("/", api::admin::routes())
        .attach(api::admin::templates_fairing(
            &config.data_dir,
            config.site_header.clone(),
        ))
        .attach(api::admin::Security)
        .register("/", api::catchers())
        .register("/admin", api::admin::catchers())
        .manage(app)
}
