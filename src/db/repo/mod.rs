//! Domain-level repositories: the narrow set of operations the rest of tbseq may ask of the
//! database, one trait per area, implemented once for both backends on top of [`super::Db`].

pub mod admin;
pub mod admin_transfer;
mod catalogue;
mod genes;
mod genotype_resistance;
mod identity;
pub mod import;
mod matching;
pub mod outbox;
mod package_items;
pub mod package_state;
mod packages;
mod review;
mod sequencing;
mod stats;
mod summary;
mod system;
mod workbooks;

pub use admin::AdminStore;
pub use admin_transfer::TransferStore;
pub use catalogue::CatalogueStore;
pub use genes::{GeneStore, HistoryOrder};
pub use genotype_resistance::GenotypeResistanceStore;
pub use identity::{
    ApiTokenInfo, ApiTokenOwner, ExternalUser, IdentityStore, NewUser, OidcState, SessionRecord,
};
pub use matching::{MatchError, MatchReport, MatchingStore};
pub use outbox::{OutboxCounts, OutboxMessage, OutboxStatus, OutboxStore};
pub use package_items::{Edit, PackageItemStore, TestKind};
pub use packages::{PackageStore, TransitionFailure};
pub use review::ReviewStore;
pub use sequencing::{Content, Existing, Linked, SequencingStore};
pub use stats::{ResistanceQuery, StatsStore};
pub use summary::{
    LastRefresh, RefreshOptions, RefreshReport, SummaryStore, TableRefresh, SUMMARY_TABLES,
};
pub use system::{SchemaColumn, SystemStore};
pub use workbooks::{ImportCounts, NewAttachment, WorkbookStore};

use crate::db::Value;
use crate::domain::filters::contains_pattern;

/// A `WHERE` clause assembled from conditions, with numbered parameters (`$1`, `$2`, …) so
/// that no value is ever written into the SQL text.
#[derive(Default)]
pub(crate) struct Conditions {
    clauses: Vec<String>,
    args: Vec<Value>,
}

impl Conditions {
    /// Binds a value and returns its placeholder.
    pub fn bind(&mut self, value: impl Into<Value>) -> String {
        self.args.push(value.into());
        format!("${}", self.args.len())
    }

    pub fn push(&mut self, clause: impl Into<String>) {
        self.clauses.push(clause.into());
    }

    /// `column` contains `term`, ignoring case; `%` and `_` are plain characters.
    pub fn contains(&mut self, column: &str, term: &str) {
        let p = self.bind(contains_pattern(term));
        self.push(format!("lower({column}) LIKE {p} ESCAPE '\\'"));
    }

    /// `column IN (…)`; nothing when the list is empty.
    pub fn one_of<T: Clone + Into<Value>>(&mut self, column: &str, values: &[T]) {
        if values.is_empty() {
            return;
        }
        let placeholders: Vec<String> = values.iter().map(|v| self.bind(v.clone())).collect();
        self.push(format!("{column} IN ({})", placeholders.join(", ")));
    }

    /// ` LIMIT … OFFSET …` for a page given as (offset, limit); nothing for every row.
    pub fn page(&mut self, page: Option<(u64, u64)>) -> String {
        match page {
            Some((offset, limit)) => {
                let (l, o) = (self.bind(limit as i64), self.bind(offset as i64));
                format!(" LIMIT {l} OFFSET {o}")
            }
            None => String::new(),
        }
    }

    /// ` WHERE a AND b`, or nothing.
    pub fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        }
    }

    /// The parameters bound so far, for a statement that shares this `WHERE` (a count
    /// before the page query).
    pub fn args_so_far(&self) -> Vec<Value> {
        self.args.clone()
    }

    pub fn into_args(self) -> Vec<Value> {
        self.args
    }
}

#[cfg(test)]
mod tests {
    use super::Conditions;
    use crate::db::Value;

    #[test]
    fn conditions_number_their_parameters() {
        let mut c = Conditions::default();
        assert_eq!(c.bind(1i64), "$1");
        c.contains("name", "a_b");
        c.one_of("id", &[5i64, 6]);
        c.one_of::<i64>("other", &[]);
        assert_eq!(
            c.sql(),
            " WHERE lower(name) LIKE $2 ESCAPE '\\' AND id IN ($3, $4)"
        );
        assert_eq!(c.into_args()[1], Value::Text("%a\\_b%".into()));
        assert_eq!(Conditions::default().sql(), "");
    }
}
