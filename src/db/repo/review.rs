//! What staff do to packages and tokens from the admin, each through the same code as the
//! API (transitions, messages) and with its audit-log rows in the same transaction.

use std::future::Future;

use time::OffsetDateTime;

use super::admin::{get_in, write_audit, Actor, Entry};
use super::package_items::add_message_in;
use super::packages::transition_in;
use super::{Conditions, TransitionFailure};
use crate::db::{Db, DbError, Tx};
use crate::domain::admin::resource::Resource;
use crate::domain::admin::resources::find;
use crate::domain::admin::review::{SCHEDULED_STATUS, TUBERCULOSIS_TAXON};
use crate::domain::admin::scalar::Scalar;
use crate::domain::lifecycle::Transition;
use crate::domain::submission::State;
use crate::params;

pub trait ReviewStore {
    /// `PackageStore::transition`, audited.
    fn review_transition(
        &self,
        id: i64,
        transition: &Transition,
        actor: Actor,
    ) -> impl Future<Output = Result<State, TransitionFailure>> + Send;
    /// A message from `actor` on a package (`PackageItemStore::add_message`), audited.
    fn review_message(
        &self,
        package: i64,
        content: String,
        actor: Actor,
    ) -> impl Future<Output = Result<i64, DbError>> + Send;
    /// Marks the samples of these packages for the pipeline (§8.1); how many.
    fn schedule_analysis(
        &self,
        packages: &[i64],
        actor: Actor,
    ) -> impl Future<Output = Result<u64, DbError>> + Send;
    /// Revokes the tokens not yet revoked; how many.
    fn revoke_tokens(
        &self,
        ids: &[i64],
        actor: Actor,
    ) -> impl Future<Output = Result<u64, DbError>> + Send;
}

fn resource(slug: &str) -> &'static Resource {
    let app = match slug {
        "apitoken" => "identity",
        _ => "submission",
    };
    find(app, slug).expect("an admin resource")
}

/// Runs `change` on one row inside `tx` and logs the row before and after it.
async fn audited_change(
    tx: &mut Tx,
    actor: Actor,
    r: &Resource,
    action: &'static str,
    key: Scalar,
    before: Option<super::admin::Record>,
) -> Result<(), DbError> {
    let after = get_in(tx, r, &key).await?;
    let title = after
        .as_ref()
        .or(before.as_ref())
        .map(|a| a.title.clone())
        .unwrap_or_default();
    let entry = Entry {
        action,
        key: &key,
        title: &title,
        before: before.as_ref(),
        after: after.as_ref(),
    };
    write_audit(tx, actor, r, entry).await
}

impl ReviewStore for Db {
    async fn review_transition(
        &self,
        id: i64,
        transition: &Transition,
        actor: Actor,
    ) -> Result<State, TransitionFailure> {
        let package = resource("package");
        let mut tx = self.begin().await?;
        let before = get_in(&mut tx, package, &Scalar::Int(id)).await?;
        let target = transition_in(&mut tx, id, transition).await?;
        audited_change(
            &mut tx,
            actor,
            package,
            "transition",
            Scalar::Int(id),
            before,
        )
        .await?;
        tx.commit().await?;
        Ok(target)
    }

    async fn review_message(
        &self,
        package: i64,
        content: String,
        actor: Actor,
    ) -> Result<i64, DbError> {
        let mut tx = self.begin().await?;
        let id = add_message_in(&mut tx, package, actor.user_id, Some(content)).await?;
        audited_change(
            &mut tx,
            actor,
            resource("message"),
            "create",
            Scalar::Int(id),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn schedule_analysis(&self, packages: &[i64], actor: Actor) -> Result<u64, DbError> {
        if packages.is_empty() {
            return Ok(0);
        }
        let sample = resource("sample");
        let mut c = Conditions::default();
        c.one_of("a.package_id", packages);
        c.push("s.bioanalysis_status IS NULL");
        let taxon = c.bind(TUBERCULOSIS_TAXON);
        c.push(format!("s.ncbi_taxon_id = {taxon}"));
        let sql = format!(
            "SELECT DISTINCT s.id FROM submission_sample s \
             JOIN submission_samplealias a ON a.sample_id = s.id{} ORDER BY s.id",
            c.sql()
        );
        let mut tx = self.begin().await?;
        let ids = tx
            .query(&sql, c.into_args())
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect::<Result<Vec<i64>, _>>()?;
        for &id in &ids {
            let before = get_in(&mut tx, sample, &Scalar::Int(id)).await?;
            tx.execute(
                "UPDATE submission_sample SET bioanalysis_status = $1 WHERE id = $2",
                params![SCHEDULED_STATUS, id],
            )
            .await?;
            audited_change(&mut tx, actor, sample, "change", Scalar::Int(id), before).await?;
        }
        tx.commit().await?;
        Ok(ids.len() as u64)
    }

    async fn revoke_tokens(&self, ids: &[i64], actor: Actor) -> Result<u64, DbError> {
        let token = resource("apitoken");
        let now = OffsetDateTime::now_utc();
        let mut tx = self.begin().await?;
        let mut revoked = 0;
        for &id in ids {
            let before = get_in(&mut tx, token, &Scalar::Int(id)).await?;
            let changed = tx
                .execute(
                    "UPDATE identity_apitoken SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
                    params![now, id],
                )
                .await?;
            if changed > 0 {
                revoked += 1;
                audited_change(&mut tx, actor, token, "change", Scalar::Int(id), before).await?;
            }
        }
        tx.commit().await?;
        Ok(revoked)
    }
}
