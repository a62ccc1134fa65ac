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

    /// Appended to a `SELECT` of one package row inside a transaction, so that two requests
    /// changing the same package (an import, matching, a transition) never interleave.
    /// SQLite's `BEGIN IMMEDIATE` already serialises every writer.
    pub fn lock_row(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE",
        }
    }

    /// Statements around the [`lock_row`](Self::lock_row) `SELECT`: PostgreSQL waits at most
    /// a moment for a row another transaction holds, then refuses (SQLSTATE 55P03, as the
    /// original's `NOWAIT`). The moment absorbs a transaction that is just ending — a request
    /// that failed drops its connection, and the server releases its locks shortly after —
    /// while a package that is really being processed is still refused at once. The wait is
    /// reset afterwards so that the rest of the transaction waits as usual.
    pub fn lock_wait(self) -> Option<(&'static str, &'static str)> {
        match self {
            Dialect::Sqlite => None,
            Dialect::Postgres => Some((
                "SET LOCAL lock_timeout = '300ms'",
                "SET LOCAL lock_timeout = 0",
            )),
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

    /// Brings the planner's statistics up to date. PostgreSQL plans the summary queries from
    /// them, and right after a bulk import (before autovacuum has looked) it would otherwise
    /// take the tables for empty and choose nested loops over hundreds of thousands of rows.
    /// SQLite's summary SQL fixes its join order itself.
    pub fn analyze(self) -> Option<&'static str> {
        match self {
            Dialect::Sqlite => None,
            Dialect::Postgres => Some("ANALYZE"),
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

    /// Base tables of tbseq's schema (not views, not refinery's history), by name.
    pub fn tables(self) -> &'static str {
        match self {
            Dialect::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
                 AND name <> 'refinery_schema_history' ORDER BY name"
            }
            Dialect::Postgres => {
                "SELECT CAST(table_name AS TEXT) FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
                 AND table_name <> 'refinery_schema_history' ORDER BY table_name"
            }
        }
    }

    /// (table, referenced table) for every foreign key.
    pub fn foreign_keys(self) -> &'static str {
        match self {
            Dialect::Sqlite => {
                "SELECT m.name, f.\"table\" FROM sqlite_master m, pragma_foreign_key_list(m.name) f \
                 WHERE m.type = 'table'"
            }
            Dialect::Postgres => {
                "SELECT CAST(tc.table_name AS TEXT), CAST(ccu.table_name AS TEXT) \
                 FROM information_schema.table_constraints tc \
                 JOIN information_schema.constraint_column_usage ccu \
                   ON ccu.constraint_name = tc.constraint_name AND ccu.table_schema = tc.table_schema \
                 WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = current_schema()"
            }
        }
    }

    /// (table, primary-key column) for every table with a one-column primary key.
    pub fn primary_keys(self) -> &'static str {
        match self {
            Dialect::Sqlite => {
                "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND p.pk = 1"
            }
            Dialect::Postgres => {
                "SELECT CAST(tc.table_name AS TEXT), CAST(kcu.column_name AS TEXT) \
                 FROM information_schema.table_constraints tc \
                 JOIN information_schema.key_column_usage kcu \
                   ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema \
                 WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = current_schema()"
            }
        }
    }
}
