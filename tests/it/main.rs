//! The one integration suite: every file here is a module of a single test binary, so the
//! crate links once and the slow tests overlap with the rest. Each test still gets its own
//! running app and database (see `common`).

#[macro_use]
mod common;
mod catalogue_fixtures;

mod admin_browser;
mod admin_review;
mod admin_transfer;
mod admin_ui;
mod api_genes;
mod api_genotype_resistance;
mod api_genphen;
mod api_imports;
mod api_overview;
mod api_packages;
mod api_statistics;
mod api_templates;
mod api_workbooks;
mod cli;
mod cli_refresh;
mod db_copy;
mod fastq;
mod frontend_contract;
mod frontend_submission;
mod http_conventions;
mod identity_admin;
mod identity_browser;
mod identity_cli;
mod identity_tokens;
mod import;
mod matching;
mod notifications;
mod observability;
mod openapi_contract;
mod schema;
mod shutdown;
mod summary;
mod web;
