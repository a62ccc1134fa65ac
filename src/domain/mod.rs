//! Pure logic shared by the API, the admin and the CLI. Nothing here imports rocket or a
//! database driver, so it can be tested (and reused) on its own.

pub mod admin;
pub mod casing;
pub mod catalogue;
pub mod collate;
pub mod csv;
pub mod fastq;
pub mod fields;
pub mod filters;
pub mod genotype;
pub mod identity;
pub mod lifecycle;
pub mod matching;
pub mod notifications;
pub mod packages;
pub mod pagination;
pub mod sequencing;
pub mod signed;
pub mod stats;
pub mod submission;
pub mod variants;
pub mod workbook;
