//! The few places where SQLite and PostgreSQL need different SQL. Everything else is written
//! once in the portable subset (see `architecture-anchors.md` §4.3).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
        }
    }

    /// Starts a transaction. SQLite takes the write lock up front so that two writers never
    /// deadlock upgrading a read lock.
    pub fn begin(self) -> &'static str {
        match self {
            Dialect::Sqlite => "BEGIN IMMEDIATE",
            Dialect::Postgres => "BEGIN",
        }
    }

    /// After rows were inserted with explicit ids, moves PostgreSQL's identity sequence past
    /// them (SQLite's `INTEGER PRIMARY KEY` always continues from the largest id).
    pub fn reset_identity(self, table: &str, column: &str) -> Option<String> {
        match self {
            Dialect::Sqlite => None,
            Dialect::Postgres => Some(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), \
                 COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)"
            )),
        }
    }

    /// Taken first in a summary refresh, so that two refreshes run one after the other.
    /// SQLite's `BEGIN IMMEDIATE` already does that; on PostgreSQL two interleaved
    /// `DELETE` + `INSERT` rebuilds would both insert. The lock does not block readers.
    pub fn serialize_refresh(self) -> Option<&'static str> {
        match self {
            Dialect::Sqlite => None,
            Dialect::Postgres => Some("LOCK TABLE summary_refresh IN SHARE ROW EXCLUSIVE MODE"),
        }
    }

    /// Whether a table exists; one parameter, the table name.
    pub fn table_exists(self) -> &'static str {
        match self {
            Dialect::Sqlite => {
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1"
            }
            Dialect::Postgres => {
                "SELECT COUNT(*) FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_name = $1"
            }
        }
    }

    /// Every (table or view, column) pair of the schema, ordered; used by the schema parity
    /// check and the diagnostics page.
    pub fn columns(self) -> &'static str {
        match self {
            Dialect::Sqlite => {
                "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p \
                 WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite_%' \
                 ORDER BY m.name, p.cid"
            }
            Dialect::Postgres => {
                "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT) FROM information_schema.columns \
                 WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
            }
        }
    }
}
