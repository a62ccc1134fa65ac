//! The command line: `tbseq [serve]`, `migrate`, `seed`, `config`, `check`, `user …`,
//! `token …`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::app::App;
use crate::config::{Config, Loaded};
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
    /// Print the effective configuration with the source of each value (secrets redacted).
    Config {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Check the configuration, the database and the file store; exit 0 only if all pass.
    Check,
    /// Manage local accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage personal API tokens (`Authorization: Bearer <token>`).
    #[command(subcommand)]
    Token(TokenCommand),
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
        Command::Serve => rocket::execute(serve(loaded.config)),
        Command::Migrate => rocket::execute(run_migrate(loaded.config)),
        Command::Seed { sample_users } => rocket::execute(run_seed(loaded.config, sample_users)),
        Command::Config { json } => print_config(&loaded, json),
        Command::Check => return rocket::execute(check(loaded)),
        Command::User(command) => rocket::execute(users::run_user(loaded.config, command)),
        Command::Token(command) => rocket::execute(users::run_token(loaded.config, command)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tbseq: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let (app, report) = App::open(config).await?;
    let summary = format!(
        "database {} ({}), files {} ({})",
        app.db.dialect().name(),
        crate::config::redact_url(&app.config.database_url()),
        app.store.kind(),
        app.store.location()
    );
    if report.migrations_applied > 0 {
        eprintln!("tbseq: applied {} migration(s)", report.migrations_applied);
    }
    if report.seed.applied {
        eprintln!(
            "tbseq: reference data seeded ({} rows)",
            report.seed.rows_inserted
        );
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
    let rocket = crate::build_rocket(app).attach(rocket::fairing::AdHoc::on_liftoff(
        "announce",
        move |rocket| {
            Box::pin(async move {
                let c = rocket.config();
                eprintln!(
                    "tbseq {} listening on http://{}:{} — {summary}",
                    env!("CARGO_PKG_VERSION"),
                    c.address,
                    c.port
                );
            })
        },
    ));
    rocket
        .launch()
        .await
        .map_err(|e| anyhow::anyhow!("the server stopped: {e}"))?;
    Ok(())
}

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
