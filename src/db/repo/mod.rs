//! Domain-level repositories: the narrow set of operations the rest of tbseq may ask of the
//! database, one trait per area, implemented once for both backends on top of [`super::Db`].

mod catalogue;
mod genes;
pub mod import;
mod system;

pub use catalogue::CatalogueStore;
pub use genes::{GeneStore, HistoryOrder};
pub use system::{SchemaColumn, SystemStore};
