//! `tbseq user …` and `tbseq token …`: local accounts and personal API tokens.

use std::io::BufRead;

use anyhow::{bail, Context};
use time::OffsetDateTime;

use super::{open_db, TokenCommand, UserCommand};
use crate::config::Config;
use crate::db::repo::{IdentityStore, NewUser};
use crate::db::{migrate, Db, DbError};
use crate::domain::identity::{check_password, check_username};
use crate::identity::{create_api_token, hash_password};

async fn migrated(config: &Config) -> anyhow::Result<Db> {
    let db = open_db(config).await?;
    migrate::run(&db).await?;
    Ok(db)
}

/// A new password: the first line of standard input, or typed twice at a prompt. Checked
/// against the password rules.
fn read_password(username: &str, from_stdin: bool) -> anyhow::Result<String> {
    let password = if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        line.trim_end_matches(['\n', '\r']).to_string()
    } else {
        use std::io::IsTerminal;
        if !std::io::stdin().is_terminal() {
            bail!("no terminal to prompt for the password: use --password-stdin");
        }
        let first = rpassword::prompt_password("Password: ")
            .context("cannot prompt for a password (no terminal?); use --password-stdin")?;
        let again = rpassword::prompt_password("Password (again): ")
            .context("cannot prompt for a password; use --password-stdin")?;
        if first != again {
            bail!("the two passwords differ");
        }
        first
    };
    if let Err(problems) = check_password(&password, username) {
        bail!("password refused: {}", problems.join(" "));
    }
    Ok(password)
}

async fn hashed(password: String) -> anyhow::Result<String> {
    Ok(tokio::task::spawn_blocking(move || hash_password(&password)).await?)
}

fn when(t: Option<OffsetDateTime>) -> String {
    t.map_or_else(|| "-".into(), crate::db::format_timestamp)
}

pub(super) async fn run_user(config: Config, command: UserCommand) -> anyhow::Result<()> {
    let db = migrated(&config).await?;
    match command {
        UserCommand::Create {
            username,
            email,
            staff,
            superuser,
            password_stdin,
        } => {
            check_username(&username).map_err(anyhow::Error::msg)?;
            let password = read_password(&username, password_stdin)?;
            let user = NewUser {
                username: username.clone(),
                email,
                first_name: String::new(),
                last_name: String::new(),
                password_hash: Some(hashed(password).await?),
                is_staff: staff || superuser,
                is_superuser: superuser,
            };
            match db.create_user(&user).await {
                Ok(id) => println!("created user {username} (id {id})"),
                Err(DbError::Conflict(_)) => bail!("a user named {username} already exists"),
                Err(e) => return Err(e.into()),
            }
        }
        UserCommand::SetPassword {
            username,
            password_stdin,
        } => {
            if db.user_with_password(&username).await?.is_none() {
                bail!("no user named {username}");
            }
            let password = read_password(&username, password_stdin)?;
            db.set_password(&username, &hashed(password).await?).await?;
            println!("password of {username} changed");
        }
        UserCommand::List => {
            println!("id\tusername\temail\tactive\tstaff\tsuperuser\tgroups\tlast login\tprovider");
            for u in db.users().await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    u.id,
                    u.username,
                    u.email,
                    u.is_active,
                    u.is_staff,
                    u.is_superuser,
                    u.groups.join(","),
                    when(u.last_login),
                    u.external_issuer.as_deref().unwrap_or("-")
                );
            }
        }
        UserCommand::Disable { username } => {
            if !db.set_active(&username, false).await? {
                bail!("no user named {username}");
            }
            println!("user {username} disabled");
        }
        UserCommand::Enable { username } => {
            if !db.set_active(&username, true).await? {
                bail!("no user named {username}");
            }
            println!("user {username} enabled");
        }
    }
    Ok(())
}

pub(super) async fn run_token(config: Config, command: TokenCommand) -> anyhow::Result<()> {
    let db = migrated(&config).await?;
    match command {
        TokenCommand::Create {
            username,
            name,
            expires,
        } => {
            let Some((user, _)) = db.user_with_password(&username).await? else {
                bail!("no user named {username}");
            };
            let (id, token) = create_api_token(&db, user.id, &name, expires).await?;
            eprintln!("token {id} for {username} created; it is shown only now: store it safely");
            println!("{token}");
        }
        TokenCommand::List => {
            println!("id\tuser\tname\tcreated\texpires\tlast used\trevoked");
            for t in db.api_tokens().await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    t.id,
                    t.username,
                    t.name,
                    crate::db::format_timestamp(t.created_at),
                    when(t.expires_at),
                    when(t.last_used_at),
                    when(t.revoked_at)
                );
            }
        }
        TokenCommand::Revoke { id } => {
            if !db.revoke_api_token(id, OffsetDateTime::now_utc()).await? {
                bail!("no active token with id {id}");
            }
            println!("token {id} revoked");
        }
    }
    Ok(())
}
