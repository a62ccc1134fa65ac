//! Users, groups, personal API tokens, browser sessions, pending provider sign-ins and
//! sign-in attempts.

use std::future::Future;

use time::OffsetDateTime;

use crate::db::{Db, DbError, Row, Tx};
use crate::domain::identity::{identity_matches, ExternalIdentity, User};
use crate::params;

/// A new local account.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    /// An argon2id PHC string; `None` for an account that cannot sign in with a password.
    pub password_hash: Option<String>,
    pub is_staff: bool,
    pub is_superuser: bool,
}

/// What a provider identity resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExternalUser {
    User(Box<User>),
    /// The username is held by a local account or by another provider's user.
    UsernameTaken,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiTokenInfo {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub created_at: OffsetDateTime,
    pub expires_at: Option<OffsetDateTime>,
    pub last_used_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
}

/// A stored API token found by its hash, with its owner.
#[derive(Debug, Clone)]
pub struct ApiTokenOwner {
    pub token_id: i64,
    pub expires_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
    pub last_used_at: Option<OffsetDateTime>,
    pub user: User,
}

#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub id: i64,
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// A pending authorization-code sign-in.
#[derive(Debug, Clone)]
pub struct OidcState {
    pub nonce: String,
    pub pkce_verifier: String,
    pub next_url: String,
    pub expires_at: OffsetDateTime,
}

pub trait IdentityStore {
    fn count_users(&self) -> impl Future<Output = Result<i64, DbError>> + Send;
    fn user(&self, id: i64) -> impl Future<Output = Result<Option<User>, DbError>> + Send;
    /// The user and its password hash (`None`: no local password).
    fn user_with_password(
        &self,
        username: &str,
    ) -> impl Future<Output = Result<Option<(User, Option<String>)>, DbError>> + Send;
    fn users(&self) -> impl Future<Output = Result<Vec<User>, DbError>> + Send;
    /// Creates a local account; `DbError::Conflict` when the username exists. Returns its id.
    fn create_user(&self, user: &NewUser) -> impl Future<Output = Result<i64, DbError>> + Send;
    /// Returns whether the user exists.
    fn set_password(
        &self,
        username: &str,
        hash: &str,
    ) -> impl Future<Output = Result<bool, DbError>> + Send;
    /// Returns whether the user exists.
    fn set_active(
        &self,
        username: &str,
        active: bool,
    ) -> impl Future<Output = Result<bool, DbError>> + Send;
    fn record_login(
        &self,
        user_id: i64,
        at: OffsetDateTime,
    ) -> impl Future<Output = Result<(), DbError>> + Send;
    /// Finds or creates the user for a provider identity, and brings its names, email,
    /// flags and groups in line with the claims (writing only when something changed).
    fn upsert_external_user(
        &self,
        identity: &ExternalIdentity,
    ) -> impl Future<Output = Result<ExternalUser, DbError>> + Send;

    fn create_api_token(
        &self,
        user_id: i64,
        name: &str,
        token_hash: &str,
        created_at: OffsetDateTime,
        expires_at: Option<OffsetDateTime>,
    ) -> impl Future<Output = Result<i64, DbError>> + Send;
    fn api_tokens(&self) -> impl Future<Output = Result<Vec<ApiTokenInfo>, DbError>> + Send;
    /// Returns whether a token that was not yet revoked is revoked now.
    fn revoke_api_token(
        &self,
        id: i64,
        at: OffsetDateTime,
    ) -> impl Future<Output = Result<bool, DbError>> + Send;
    fn api_token_owner(
        &self,
        token_hash: &str,
    ) -> impl Future<Output = Result<Option<ApiTokenOwner>, DbError>> + Send;
    fn touch_api_token(
        &self,
        id: i64,
        at: OffsetDateTime,
    ) -> impl Future<Output = Result<(), DbError>> + Send;

    #[allow(clippy::too_many_arguments)]
    fn create_session(
        &self,
        session_hash: &str,
        user_id: i64,
        csrf_token: &str,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
        user_agent: Option<&str>,
        address: Option<&str>,
    ) -> impl Future<Output = Result<(), DbError>> + Send;
    fn session(
        &self,
        session_hash: &str,
    ) -> impl Future<Output = Result<Option<SessionRecord>, DbError>> + Send;
    fn touch_session(
        &self,
        id: i64,
        at: OffsetDateTime,
    ) -> impl Future<Output = Result<(), DbError>> + Send;
    fn delete_session(
        &self,
        session_hash: &str,
    ) -> impl Future<Output = Result<(), DbError>> + Send;
    /// Drops expired sessions and pending sign-ins, and sign-in attempts older than a day.
    fn purge_expired(
        &self,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<(), DbError>> + Send;

    fn save_oidc_state(
        &self,
        state_hash: &str,
        state: &OidcState,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<(), DbError>> + Send;
    /// Removes and returns a pending sign-in: each state is good for one callback only.
    fn take_oidc_state(
        &self,
        state_hash: &str,
    ) -> impl Future<Output = Result<Option<OidcState>, DbError>> + Send;

    fn record_login_attempt(
        &self,
        username: &str,
        address: &str,
        succeeded: bool,
        at: OffsetDateTime,
    ) -> impl Future<Output = Result<(), DbError>> + Send;
    /// Failed attempts since `since` for the username and for the address, each counted
    /// after the last success of that username (resp. address).
    fn recent_failures(
        &self,
        username: &str,
        address: &str,
        since: OffsetDateTime,
    ) -> impl Future<Output = Result<(u64, u64), DbError>> + Send;
}

const USER_COLUMNS: &str = "SELECT id, username, email, first_name, last_name, is_active, \
     is_staff, is_superuser, date_joined, last_login, external_issuer, external_subject, password \
     FROM auth_user";

fn user_row(row: &Row) -> Result<User, DbError> {
    Ok(User {
        id: row.get(0)?,
        username: row.get(1)?,
        email: row.get(2)?,
        first_name: row.get(3)?,
        last_name: row.get(4)?,
        is_active: row.get(5)?,
        is_staff: row.get(6)?,
        is_superuser: row.get(7)?,
        groups: Vec::new(),
        date_joined: row.get(8)?,
        last_login: row.get(9)?,
        external_issuer: row.get(10)?,
        external_subject: row.get(11)?,
    })
}

const GROUPS_OF: &str = "SELECT g.name FROM auth_user_groups ug \
     JOIN auth_group g ON g.id = ug.group_id WHERE ug.user_id = $1";

async fn with_groups(db: &Db, mut user: User) -> Result<User, DbError> {
    let mut groups = db
        .query(GROUPS_OF, params![user.id])
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect::<Result<Vec<String>, _>>()?;
    groups.sort();
    user.groups = groups;
    Ok(user)
}

async fn find_user(
    db: &Db,
    filter: &str,
    arg: crate::db::Value,
) -> Result<Option<(User, Option<String>)>, DbError> {
    let sql = format!("{USER_COLUMNS} WHERE {filter}");
    match db.query_opt(&sql, vec![arg]).await? {
        Some(row) => {
            let password: Option<String> = row.get(12)?;
            Ok(Some((with_groups(db, user_row(&row)?).await?, password)))
        }
        None => Ok(None),
    }
}

/// Sets a user's groups to exactly `names`, creating groups as needed.
async fn set_groups(tx: &mut Tx, user_id: i64, names: &[String]) -> Result<(), DbError> {
    tx.execute(
        "DELETE FROM auth_user_groups WHERE user_id = $1",
        params![user_id],
    )
    .await?;
    if names.is_empty() {
        return Ok(());
    }
    tx.execute_many(
        "INSERT INTO auth_group (name) VALUES ($1) ON CONFLICT (name) DO NOTHING",
        names.iter().map(|n| params![n]).collect(),
    )
    .await?;
    tx.execute_many(
        "INSERT INTO auth_user_groups (user_id, group_id) \
         SELECT CAST($1 AS BIGINT), id FROM auth_group WHERE name = $2",
        names.iter().map(|n| params![user_id, n]).collect(),
    )
    .await?;
    Ok(())
}

/// Runs a statement whose row count does not matter.
async fn run(db: &Db, sql: &str, args: Vec<crate::db::Value>) -> Result<(), DbError> {
    db.execute(sql, args).await.map(|_| ())
}

fn token_info(row: &Row) -> Result<ApiTokenInfo, DbError> {
    Ok(ApiTokenInfo {
        id: row.get(0)?,
        username: row.get(1)?,
        name: row.get(2)?,
        created_at: row.get(3)?,
        expires_at: row.get(4)?,
        last_used_at: row.get(5)?,
        revoked_at: row.get(6)?,
    })
}

impl IdentityStore for Db {
    async fn count_users(&self) -> Result<i64, DbError> {
        self.query_one("SELECT COUNT(*) FROM auth_user", params![])
            .await?
            .get(0)
    }

    async fn user(&self, id: i64) -> Result<Option<User>, DbError> {
        Ok(find_user(self, "id = $1", id.into()).await?.map(|(u, _)| u))
    }

    async fn user_with_password(
        &self,
        username: &str,
    ) -> Result<Option<(User, Option<String>)>, DbError> {
        find_user(self, "username = $1", username.into()).await
    }

    async fn users(&self) -> Result<Vec<User>, DbError> {
        let mut users = self
            .query(&format!("{USER_COLUMNS} ORDER BY id"), params![])
            .await?
            .iter()
            .map(user_row)
            .collect::<Result<Vec<_>, _>>()?;
        let memberships = self
            .query(
                "SELECT ug.user_id, g.name FROM auth_user_groups ug \
                 JOIN auth_group g ON g.id = ug.group_id",
                params![],
            )
            .await?;
        for row in &memberships {
            let (user_id, name): (i64, String) = (row.get(0)?, row.get(1)?);
            if let Some(user) = users.iter_mut().find(|u| u.id == user_id) {
                user.groups.push(name);
            }
        }
        users.iter_mut().for_each(|u| u.groups.sort());
        Ok(users)
    }

    async fn create_user(&self, user: &NewUser) -> Result<i64, DbError> {
        self.query_one(
            "INSERT INTO auth_user (username, email, first_name, last_name, password, is_active, \
             is_staff, is_superuser, date_joined) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            params![
                &user.username,
                &user.email,
                &user.first_name,
                &user.last_name,
                user.password_hash.as_deref(),
                true,
                user.is_staff,
                user.is_superuser,
                OffsetDateTime::now_utc()
            ],
        )
        .await?
        .get(0)
    }

    async fn set_password(&self, username: &str, hash: &str) -> Result<bool, DbError> {
        Ok(self
            .execute(
                "UPDATE auth_user SET password = $1 WHERE username = $2",
                params![hash, username],
            )
            .await?
            > 0)
    }

    async fn set_active(&self, username: &str, active: bool) -> Result<bool, DbError> {
        Ok(self
            .execute(
                "UPDATE auth_user SET is_active = $1 WHERE username = $2",
                params![active, username],
            )
            .await?
            > 0)
    }

    async fn record_login(&self, user_id: i64, at: OffsetDateTime) -> Result<(), DbError> {
        run(
            self,
            "UPDATE auth_user SET last_login = $1 WHERE id = $2",
            params![at, user_id],
        )
        .await
    }

    async fn upsert_external_user(&self, id: &ExternalIdentity) -> Result<ExternalUser, DbError> {
        // Most calls find the user already up to date: one read, no write.
        let linked = "external_issuer = $1 AND external_subject = $2";
        let sql = format!("{USER_COLUMNS} WHERE {linked}");
        if let Some(row) = self
            .query_opt(&sql, params![&id.issuer, &id.subject])
            .await?
        {
            let user = with_groups(self, user_row(&row)?).await?;
            if identity_matches(&user, id) {
                return Ok(ExternalUser::User(Box::new(user)));
            }
        }
        let mut tx = self.begin().await?;
        let existing = tx
            .query_opt(
                &format!("SELECT id FROM auth_user WHERE {linked}"),
                params![&id.issuer, &id.subject],
            )
            .await?;
        let user_id: i64 = match existing {
            Some(row) => row.get(0)?,
            None => {
                let by_name = tx
                    .query_opt(
                        "SELECT id, external_issuer, password FROM auth_user WHERE username = $1",
                        params![&id.subject],
                    )
                    .await?;
                match by_name {
                    // Only an account with neither a provider nor a password is taken over.
                    Some(row) => {
                        let issuer: Option<String> = row.get(1)?;
                        let password: Option<String> = row.get(2)?;
                        if issuer.is_some() || password.is_some() {
                            return Ok(ExternalUser::UsernameTaken);
                        }
                        row.get(0)?
                    }
                    None => tx
                        .query_opt(
                            "INSERT INTO auth_user (username, date_joined) VALUES ($1, $2) RETURNING id",
                            params![&id.subject, OffsetDateTime::now_utc()],
                        )
                        .await?
                        .ok_or_else(|| DbError::Decode("INSERT returned no id".into()))?
                        .get(0)?,
                }
            }
        };
        tx.execute(
            "UPDATE auth_user SET external_issuer = $1, external_subject = $2, username = $2, \
             email = COALESCE($3, email), first_name = COALESCE($4, first_name), \
             last_name = COALESCE($5, last_name), is_staff = $6, is_superuser = $6 WHERE id = $7",
            params![
                &id.issuer,
                &id.subject,
                id.email.as_deref(),
                id.first_name.as_deref(),
                id.last_name.as_deref(),
                id.is_admin,
                user_id
            ],
        )
        .await?;
        set_groups(&mut tx, user_id, &id.roles).await?;
        tx.commit().await?;
        match self.user(user_id).await? {
            Some(user) => Ok(ExternalUser::User(Box::new(user))),
            None => Err(DbError::Decode("user vanished after upsert".into())),
        }
    }

    async fn create_api_token(
        &self,
        user_id: i64,
        name: &str,
        token_hash: &str,
        created_at: OffsetDateTime,
        expires_at: Option<OffsetDateTime>,
    ) -> Result<i64, DbError> {
        self.query_one(
            "INSERT INTO identity_apitoken (user_id, name, token_hash, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
            params![user_id, name, token_hash, created_at, expires_at],
        )
        .await?
        .get(0)
    }

    async fn api_tokens(&self) -> Result<Vec<ApiTokenInfo>, DbError> {
        self.query(
            "SELECT t.id, u.username, t.name, t.created_at, t.expires_at, t.last_used_at, t.revoked_at \
             FROM identity_apitoken t JOIN auth_user u ON u.id = t.user_id ORDER BY t.id",
            params![],
        )
        .await?
        .iter()
        .map(token_info)
        .collect()
    }

    async fn revoke_api_token(&self, id: i64, at: OffsetDateTime) -> Result<bool, DbError> {
        Ok(self
            .execute(
                "UPDATE identity_apitoken SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
                params![at, id],
            )
            .await?
            > 0)
    }

    async fn api_token_owner(&self, token_hash: &str) -> Result<Option<ApiTokenOwner>, DbError> {
        let Some(row) = self
            .query_opt(
                "SELECT id, user_id, expires_at, revoked_at, last_used_at FROM identity_apitoken \
                 WHERE token_hash = $1",
                params![token_hash],
            )
            .await?
        else {
            return Ok(None);
        };
        let Some(user) = self.user(row.get(1)?).await? else {
            return Ok(None);
        };
        Ok(Some(ApiTokenOwner {
            token_id: row.get(0)?,
            expires_at: row.get(2)?,
            revoked_at: row.get(3)?,
            last_used_at: row.get(4)?,
            user,
        }))
    }

    async fn touch_api_token(&self, id: i64, at: OffsetDateTime) -> Result<(), DbError> {
        run(
            self,
            "UPDATE identity_apitoken SET last_used_at = $1 WHERE id = $2",
            params![at, id],
        )
        .await
    }

    async fn create_session(
        &self,
        session_hash: &str,
        user_id: i64,
        csrf_token: &str,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
        user_agent: Option<&str>,
        address: Option<&str>,
    ) -> Result<(), DbError> {
        run(self, "INSERT INTO identity_session (session_hash, user_id, csrf_token, created_at, \
             last_seen_at, expires_at, user_agent, address) VALUES ($1, $2, $3, $4, $4, $5, $6, $7)", params![session_hash, user_id, csrf_token, now, expires_at, user_agent, address]).await
    }

    async fn session(&self, session_hash: &str) -> Result<Option<SessionRecord>, DbError> {
        self.query_opt(
            "SELECT id, user_id, csrf_token, created_at, last_seen_at, expires_at \
             FROM identity_session WHERE session_hash = $1",
            params![session_hash],
        )
        .await?
        .map(|row| {
            Ok(SessionRecord {
                id: row.get(0)?,
                user_id: row.get(1)?,
                csrf_token: row.get(2)?,
                created_at: row.get(3)?,
                last_seen_at: row.get(4)?,
                expires_at: row.get(5)?,
            })
        })
        .transpose()
    }

    async fn touch_session(&self, id: i64, at: OffsetDateTime) -> Result<(), DbError> {
        run(
            self,
            "UPDATE identity_session SET last_seen_at = $1 WHERE id = $2",
            params![at, id],
        )
        .await
    }

    async fn delete_session(&self, session_hash: &str) -> Result<(), DbError> {
        run(
            self,
            "DELETE FROM identity_session WHERE session_hash = $1",
            params![session_hash],
        )
        .await
    }

    async fn purge_expired(&self, now: OffsetDateTime) -> Result<(), DbError> {
        let day_ago = now - time::Duration::days(1);
        run(
            self,
            "DELETE FROM identity_session WHERE expires_at < $1",
            params![now],
        )
        .await?;
        run(
            self,
            "DELETE FROM identity_oidcstate WHERE expires_at < $1",
            params![now],
        )
        .await?;
        run(
            self,
            "DELETE FROM identity_loginattempt WHERE created_at < $1",
            params![day_ago],
        )
        .await
    }

    async fn save_oidc_state(
        &self,
        state_hash: &str,
        state: &OidcState,
        now: OffsetDateTime,
    ) -> Result<(), DbError> {
        run(self, "INSERT INTO identity_oidcstate (state, nonce, pkce_verifier, next_url, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)", params![
                state_hash,
                &state.nonce,
                &state.pkce_verifier,
                &state.next_url,
                now,
                state.expires_at
            ]).await
    }

    async fn take_oidc_state(&self, state_hash: &str) -> Result<Option<OidcState>, DbError> {
        self.query_opt(
            "DELETE FROM identity_oidcstate WHERE state = $1 \
             RETURNING nonce, pkce_verifier, next_url, expires_at",
            params![state_hash],
        )
        .await?
        .map(|row| {
            Ok(OidcState {
                nonce: row.get(0)?,
                pkce_verifier: row.get(1)?,
                next_url: row.get(2)?,
                expires_at: row.get(3)?,
            })
        })
        .transpose()
    }

    async fn record_login_attempt(
        &self,
        username: &str,
        address: &str,
        succeeded: bool,
        at: OffsetDateTime,
    ) -> Result<(), DbError> {
        run(
            self,
            "INSERT INTO identity_loginattempt (username, address, succeeded, created_at) \
             VALUES ($1, $2, $3, $4)",
            params![username, address, succeeded, at],
        )
        .await
    }

    async fn recent_failures(
        &self,
        username: &str,
        address: &str,
        since: OffsetDateTime,
    ) -> Result<(u64, u64), DbError> {
        let count = |column: &'static str, value: &str| {
            let sql = format!(
                "SELECT COUNT(*) FROM identity_loginattempt a WHERE a.{column} = $1 \
                 AND a.succeeded = $2 AND a.created_at >= $3 AND NOT EXISTS ( \
                 SELECT 1 FROM identity_loginattempt s WHERE s.{column} = a.{column} \
                 AND s.succeeded = $4 AND s.created_at > a.created_at)"
            );
            let args = params![value, false, since, true];
            async move {
                let n: i64 = self.query_one(&sql, args).await?.get(0)?;
                Ok::<u64, DbError>(n.max(0) as u64)
            }
        };
        Ok((
            count("username", username).await?,
            count("address", address).await?,
        ))
    }
}
