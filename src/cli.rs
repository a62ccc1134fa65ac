//! The command line: `tbseq [serve]`, `migrate`, `seed`, `refresh`, `config`, `check`,
//! `import`, `db copy`, `backup`, `restore`, `ping`, `user …`, `token …`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::app::App;
use crate::config::{Config, Loaded};
use crate::db::repo::{RefreshOptions, SummaryStore};
use crate::db::{migrate, seed, Db};
use crate::storage::FileStore;

#[derive(Parser)]
#[command(
    name = "tbseq",
    version,
    about = "The WHO TB sequencing portal backend in one binary"
)]
struct Cli {
    /// Configuration file (default: TBSEQ_CONFIG, else ./Rocket.toml if present).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default): migrates and seeds the database first.
    Serve,
    /// Apply pending database migrations.
    Migrate,
    /// Insert the reference data (idempotent; migrates first).
    Seed {
        /// Also add the original's sample users (user, alice, john, admin; password 123123).
        /// Refused in production.
        #[arg(long)]
        sample_users: bool,
    },
    /// Rebuild the summary tables behind the public statistics (one transaction; migrates
    /// first) and print each table's rows and time.
    Refresh,
    /// Print the effective configuration with the source of each value (secrets redacted).
    Config {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Check the configuration, the database and the file store; exit 0 only if all pass.
    Check,
    /// Ask the running server's /ping (for container health checks); exit 0 when it answers.
    Ping,
    /// Database tools: copy between databases.
    Db {
        #[command(subcommand)]
        command: DbCommand,
    },
    /// Write a consistent copy of the SQLite database while the server runs.
    Backup {
        /// Where to write it (default: <data_dir>/backups/tbseq-<time>.sqlite3).
        #[arg(long)]
        to: Option<PathBuf>,
    },
    /// Replace the configured database's contents with a backup file (stop the server first).
    Restore {
        /// A file written by `tbseq backup`.
        file: PathBuf,
        /// Replace a database that holds data.
        #[arg(long)]
        force: bool,
    },
    /// Import data files (CSV, plain or gzip): each file is written whole or not at all.
    Import {
        #[arg(value_enum)]
        kind: ImportKind,
        /// Files to import, in order.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The source that names the samples (default: the WHO catalogue for catalogue
        /// files, "Imported data" for others; pipeline genotype and genotype-resistance files
        /// use tbseq's sample ids unless a source is named).
        #[arg(long)]
        source: Option<String>,
        /// The drug of a catalogue phenotype file whose name is not the drug's.
        #[arg(long)]
        drug: Option<String>,
        /// The catalogue version of grades without a grade_version column.
        #[arg(long, default_value_t = 2)]
        grade_version: i64,
    },
    /// Manage local accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage personal API tokens (`Authorization: Bearer <token>`).
    #[command(subcommand)]
    Token(TokenCommand),
    /// File store housekeeping (FASTQ files).
    #[command(subcommand)]
    Storage(StorageCommand),
}

#[derive(Subcommand)]
enum StorageCommand {
    /// List stored FASTQ files (`persistent/…`) that no row points to; a dry run unless
    /// `--delete`.
    Gc {
        /// Remove them.
        #[arg(long)]
        delete: bool,
        /// Leave files younger than this alone (a fetch may be writing their row).
        #[arg(long, default_value_t = 1)]
        min_age_hours: u64,
    },
    /// Remove temporary uploads older than `storage.temporary_max_age_hours` (the server
    /// also does this in the background).
    SweepTemporary {
        #[arg(long)]
        max_age_hours: Option<u64>,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a local account (password from a prompt, or the first line of standard input).
    Create {
        username: String,
        #[arg(long)]
        email: String,
        /// May use the admin UI.
        #[arg(long)]
        staff: bool,
        /// Has every permission.
        #[arg(long)]
        superuser: bool,
        /// Read the password from standard input instead of prompting.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a local account's password.
    SetPassword {
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// List the users.
    List,
    /// Disable an account: its sessions and tokens stop working.
    Disable { username: String },
    /// Enable a disabled account again.
    Enable { username: String },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token for a user and print it (once: only its hash is stored).
    Create {
        username: String,
        /// A name to recognise the token by.
        #[arg(long, default_value = "")]
        name: String,
        /// Days until it expires (default: never).
        #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..=36500))]
        expires: Option<u32>,
    },
    /// List the tokens (never the tokens themselves).
    List,
    /// Revoke a token by its id.
    Revoke { id: i64 },
}

#[derive(Subcommand)]
enum DbCommand {
    /// Copy every table from one database to another (SQLite ⇄ PostgreSQL), in one
    /// transaction, checking row counts; the target is migrated first.
    Copy {
        /// Source database URL.
        #[arg(long)]
        from: String,
        /// Target database URL.
        #[arg(long)]
        to: String,
        /// Replace a target that holds data.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ImportKind {
    /// WHO catalogue 2023 phenotype files, or CSV with sample,drug,result[,method,medium,concentration,country,sampling_year].
    Phenotypes,
    /// WHO catalogue 2023 genotype files, or the pipeline's per-sample genotype CSV.
    Genotypes,
    /// Gene–drug associations: tier,locus_tag,drug_name (replaces all).
    Associations,
    /// Variant grades: drug,variant,grade[,grade_version].
    Grades,
    /// Resistance predictions: sample_id,drug,version,resistance_flag,variant.
    GenotypeResistance,
}

impl From<ImportKind> for crate::import::Kind {
    fn from(kind: ImportKind) -> Self {
        match kind {
            ImportKind::Phenotypes => crate::import::Kind::Phenotypes,
            ImportKind::Genotypes => crate::import::Kind::Genotypes,
            ImportKind::Associations => crate::import::Kind::Associations,
            ImportKind::Grades => crate::import::Kind::Grades,
            ImportKind::GenotypeResistance => crate::import::Kind::GenotypeResistance,
        }
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let loaded = match Config::load(cli.config.as_deref()) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("tbseq: {e}");
            return ExitCode::from(2);
        }
    };
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => rocket::execute(serve(loaded)),
        Command::Migrate => rocket::execute(run_migrate(loaded.config)),
        Command::Seed { sample_users } => rocket::execute(run_seed(loaded.config, sample_users)),
        Command::User(command) => rocket::execute(users::run_user(loaded.config, command)),
        Command::Token(command) => rocket::execute(users::run_token(loaded.config, command)),
        Command::Storage(command) => rocket::execute(storage::run_storage(loaded.config, command)),
        Command::Refresh => rocket::execute(run_refresh(loaded.config)),
        Command::Config { json } => print_config(&loaded, json),
        Command::Check => return rocket::execute(check(loaded)),
        Command::Ping => ping(&loaded.config),
        Command::Db {
            command: DbCommand::Copy { from, to, force },
        } => rocket::execute(run_copy(from, to, force)),
        Command::Backup { to } => rocket::execute(run_backup(loaded.config, to)),
        Command::Restore { file, force } => {
            rocket::execute(run_restore(loaded.config, file, force))
        }
        Command::Import {
            kind,
            files,
            source,
            drug,
            grade_version,
        } => {
            let options = crate::import::Options {
                source,
                drug,
                grade_version,
                progress: true,
            };
            rocket::execute(run_import(loaded.config, kind.into(), files, options))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tbseq: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(loaded: Loaded) -> anyhow::Result<()> {
    let settings = crate::config::Settings(loaded.effective());
    let config = loaded.config;
    crate::telemetry::init(&config);
    let (app, report) = App::open(config).await?;
    let summary = format!(
        "database {} ({}), files {} ({})",
        app.db.dialect().name(),
        crate::config::redact_url(&app.config.database_url()),
        app.store.kind(),
        app.store.location()
    );
    if report.migrations_applied > 0 {
        tracing::info!(migrations = report.migrations_applied, "database migrated");
    }
    if report.seed.applied {
        tracing::info!(rows = report.seed.rows_inserted, "reference data seeded");
    }
    // Shown once, on this terminal only: the account is created only while no user exists.
    if let Some(password) =
        crate::identity::ensure_first_admin(&app.db, app.config.environment).await?
    {
        eprintln!(
            "tbseq: created the superuser \"admin\" with the password {password}\n\
             tbseq: it is shown only this once; change it with `tbseq user set-password admin`"
        );
    }
    let rocket =
        crate::build_rocket(app)
            .manage(settings)
            .attach(rocket::fairing::AdHoc::on_liftoff(
                "announce",
                move |rocket| {
                    Box::pin(async move {
                        let c = rocket.config();
                        tracing::info!(
                            version = env!("CARGO_PKG_VERSION"),
                            "listening on http://{}:{} — {summary}",
                            c.address,
                            c.port
                        );
                    })
                },
            ));
    exit_on_second_signal();
    rocket
        .launch()
        .await
        .map_err(|e| anyhow::anyhow!("the server stopped: {e}"))?;
    Ok(())
}

/// The first SIGTERM or SIGINT starts Rocket's graceful shutdown (in-flight requests finish
/// within `shutdown_grace`); a second one ends the process at once. Transactions still open
/// are rolled back by the database, so nothing half-written remains.
fn exit_on_second_signal() {
    #[cfg(unix)]
    tokio::spawn(async {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            return;
        };
        for seen in 1.. {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
            if seen == 1 {
                tracing::info!("shutting down; signal again to stop at once");
            } else {
                tracing::warn!("stopping now");
                std::process::exit(130);
            }
        }
    });
}

mod storage;
mod users;

async fn open_db(config: &Config) -> anyhow::Result<Db> {
    std::fs::create_dir_all(&config.data_dir)?;
    Ok(Db::connect(&config.database_url(), config.database_pool_size).await?)
}

async fn run_migrate(config: Config) -> anyhow::Result<()> {
    let db = open_db(&config).await?;
    let applied = migrate::run(&db).await?;
    println!(
        "applied {applied} migration(s); schema at version {}",
        migrate::latest(db.dialect())
    );
    Ok(())
}

async fn run_seed(config: Config, sample_users: bool) -> anyhow::Result<()> {
    if sample_users && config.environment == crate::config::Environment::Production {
        anyhow::bail!(
            "sample users have a published password: refused in production \
             (set TBSEQ_ENVIRONMENT=development or testing)"
        );
    }
    let db = open_db(&config).await?;
    migrate::run(&db).await?;
    if sample_users {
        for (username, email, created) in crate::identity::seed_sample_users(&db).await? {
            if created {
                println!(
                    "'{username}' ({email}) created with password '{}'",
                    crate::identity::SAMPLE_PASSWORD
                );
            } else {
                println!("'{username}' ({email}) already exists");
            }
        }
    }
    let report = seed::run(&db).await?;
    if report.applied {
        println!(
            "reference data seeded: {} row(s) inserted",
            report.rows_inserted
        );
    } else {
        println!("reference data already up to date");
    }
    Ok(())
}

/// A plain HTTP/1.1 GET of /ping on the configured address (loopback when it listens on
/// every interface).
fn ping(config: &Config) -> anyhow::Result<()> {
    use std::io::{Read, Write};
    let host = if config.address.is_unspecified() {
        std::net::IpAddr::from([127, 0, 0, 1])
    } else {
        config.address
    };
    let addr = std::net::SocketAddr::new(host, config.port);
    let mut stream =
        std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_secs(3))?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(3)))?;
    write!(
        stream,
        "GET /ping HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    anyhow::ensure!(
        answer.starts_with("HTTP/1.1 200"),
        "{addr} answered: {}",
        answer.lines().next().unwrap_or("")
    );
    println!("pong from {addr}");
    Ok(())
}

async fn run_copy(from: String, to: String, force: bool) -> anyhow::Result<()> {
    let source = Db::connect(&from, 2).await?;
    let target = Db::connect(&to, 2).await?;
    let report = crate::db::copy::copy(&source, &target, force).await?;
    for (table, rows) in &report.tables {
        if *rows > 0 {
            println!("{table}: {rows}");
        }
    }
    println!(
        "copied {} rows in {:.1} s ({:.0} rows/s); row counts verified",
        report.rows(),
        report.seconds,
        report.rows() as f64 / report.seconds.max(1e-9)
    );
    Ok(())
}

async fn run_backup(config: Config, to: Option<PathBuf>) -> anyhow::Result<()> {
    let db = open_db(&config).await?;
    let to = match to {
        Some(path) => path,
        None => {
            let dir = config.data_dir.join("backups");
            std::fs::create_dir_all(&dir)?;
            let stamp = time::OffsetDateTime::now_utc().format(
                time::macros::format_description!("[year][month][day]T[hour][minute][second]Z"),
            )?;
            dir.join(format!("tbseq-{stamp}.sqlite3"))
        }
    };
    crate::db::copy::backup(&db, &to).await?;
    println!("backup written to {}", to.display());
    Ok(())
}

async fn run_restore(config: Config, file: PathBuf, force: bool) -> anyhow::Result<()> {
    anyhow::ensure!(file.is_file(), "{} is not a file", file.display());
    let source = Db::connect(&format!("sqlite://{}", file.display()), 1).await?;
    let target = open_db(&config).await?;
    let report = crate::db::copy::copy(&source, &target, force).await?;
    println!("restored {} rows from {}", report.rows(), file.display());
    Ok(())
}

/// Imports files one after the other; stops at the first file that is rejected (files before
/// it stay imported, each in its own transaction).
async fn run_import(
    config: Config,
    kind: crate::import::Kind,
    files: Vec<PathBuf>,
    options: crate::import::Options,
) -> anyhow::Result<()> {
    let db = open_db(&config).await?;
    migrate::run(&db).await?;
    seed::run(&db).await?;
    let mut imported = 0;
    let mut failure = None;
    for file in &files {
        let started = std::time::Instant::now();
        match crate::import::import_file(&db, kind, file, &options).await {
            Ok(report) => {
                imported += 1;
                println!("{report} ({:.1} s)", started.elapsed().as_secs_f64());
            }
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    // The statistics follow the data at once, including when a later file was rejected.
    if imported > 0 {
        let refreshed = db.refresh_summaries(&RefreshOptions::from(&config)).await?;
        println!(
            "summary tables refreshed in {:.1} s",
            refreshed.duration.as_secs_f64()
        );
    }
    match failure {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

async fn run_refresh(config: Config) -> anyhow::Result<()> {
    let db = open_db(&config).await?;
    migrate::run(&db).await?;
    let report = db.refresh_summaries(&RefreshOptions::from(&config)).await?;
    let width = report
        .tables
        .iter()
        .map(|t| t.table.len())
        .max()
        .unwrap_or(0);
    for t in &report.tables {
        println!(
            "{:width$}  {:>10} rows  {:>8.3} s",
            t.table,
            t.rows,
            t.duration.as_secs_f64()
        );
    }
    println!(
        "{:width$}  {:>15}  {:>8.3} s",
        "refreshed in one transaction",
        "",
        report.duration.as_secs_f64()
    );
    Ok(())
}

fn print_config(loaded: &Loaded, json: bool) -> anyhow::Result<()> {
    use std::io::Write;
    let settings = loaded.effective();
    let mut out = std::io::stdout().lock();
    let written = if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&settings)?)
    } else {
        let width = settings.iter().map(|s| s.key.len()).max().unwrap_or(0);
        let header = match &loaded.file {
            Some(file) => writeln!(out, "# configuration file: {}", file.display()),
            None => Ok(()),
        };
        settings.iter().fold(header, |result, s| {
            result.and_then(|()| writeln!(out, "{:width$}  {}  ({})", s.key, s.value, s.source))
        })
    };
    match written {
        // `tbseq config | head` closes the pipe early; that is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// Reports each check on its own line; the exit code says whether all passed.
async fn check(loaded: Loaded) -> ExitCode {
    let config = loaded.config;
    let mut ok = true;
    let mut report = |name: &str, result: Result<String, String>| match result {
        Ok(detail) => println!("ok    {name}: {detail}"),
        Err(detail) => {
            ok = false;
            println!("FAIL  {name}: {detail}");
        }
    };
    report(
        "configuration",
        Ok(match &loaded.file {
            Some(f) => format!("read {}", f.display()),
            None => "defaults and environment".into(),
        }),
    );
    let db_result = match open_db(&config).await {
        Ok(db) => match migrate::applied_version(&db).await {
            Ok(version) => {
                let latest = migrate::latest(db.dialect());
                match version {
                    Some(v) if v > latest => Err(format!(
                        "schema version {v} is newer than this binary ({latest})"
                    )),
                    Some(v) if v == latest => Ok(format!("{} schema at version {v}", db.dialect().name())),
                    other => Ok(format!(
                        "{} reachable; schema at version {} of {latest} (tbseq serve or tbseq migrate applies the rest)",
                        db.dialect().name(),
                        other.unwrap_or(0)
                    )),
                }
            }
            Err(e) => Err(e.to_string()),
        },
        Err(e) => Err(format!("{e:#}")),
    };
    report("database", db_result);
    let store_result = match FileStore::open(&config) {
        Ok(store) => match store.check().await {
            Ok(()) => Ok(format!(
                "{} store at {} is writable",
                store.kind(),
                store.location()
            )),
            Err(e) => Err(e.to_string()),
        },
        Err(e) => Err(e.to_string()),
    };
    report("storage", store_result);
    if config.oidc.enabled() {
        let result = match crate::identity::oidc::Oidc::new(&config.oidc) {
            Ok(Some(oidc)) => match oidc.check().await {
                Ok(keys) => Ok(format!("{} answers ({keys} signing keys)", oidc.issuer())),
                Err(e) => Err(e.to_string()),
            },
            Ok(None) => Err("not configured".into()),
            Err(e) => Err(format!("{e:#}")),
        };
        report("identity provider", result);
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
