//! Domain-level repositories: the narrow set of operations the rest of tbseq may ask of the
//! database, one trait per area, implemented once for both backends on top of [`super::Db`].

mod catalogue;
mod genes;
mod identity;
mod system;

pub use catalogue::CatalogueStore;
pub use genes::{GeneStore, HistoryOrder};
pub use identity::{
    ApiTokenInfo, ApiTokenOwner, ExternalUser, IdentityStore, NewUser, OidcState, SessionRecord,
};
pub use system::{SchemaColumn, SystemStore};
