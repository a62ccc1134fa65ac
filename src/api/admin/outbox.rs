//! The notification outbox: every e-mail tbseq queued, newest first, with where it stands
//! (sent, waiting for a retry, or given up with its last error).

use rocket::{get, State};
use rocket_dyn_templates::Template;
use serde_json::json;

use super::guard::Staff;
use super::shell::{render, AdminResult};
use crate::app::App;
use crate::db::format_timestamp;
use crate::db::repo::{OutboxStatus, OutboxStore};

/// How many outbox rows the page shows.
const OUTBOX_PAGE: u32 = 200;

#[get("/admin/outbox")]
pub async fn outbox(app: &State<App>, staff: Staff) -> AdminResult<Template> {
    let max = app.config.mail.max_attempts;
    let counts = app.db.outbox_counts(max).await?;
    let rows: Vec<_> = app
        .db
        .recent_messages(OUTBOX_PAGE)
        .await?
        .iter()
        .map(|m| {
            let status = match m.status(max) {
                OutboxStatus::Sent => format!(
                    "sent {}",
                    m.sent_at.map(format_timestamp).unwrap_or_default()
                ),
                OutboxStatus::Failed => "failed".to_string(),
                OutboxStatus::Pending => match m.next_attempt_at {
                    Some(at) => format!("retry at {}", format_timestamp(at)),
                    None => "pending".to_string(),
                },
            };
            json!({
                "queued": format_timestamp(m.created_at),
                "kind": m.kind,
                "package": m.package_id,
                "recipient": m.recipient,
                "subject": m.subject,
                "status": status,
                "attempts": m.attempts,
                "last_error": m.last_error.as_deref().unwrap_or(""),
            })
        })
        .collect();
    Ok(render(
        &staff,
        "admin/outbox.html",
        "Notification outbox",
        Some("outbox"),
        json!({
            "counts": {"pending": counts.pending, "failed": counts.failed, "sent": counts.sent},
            "rows": rows,
        }),
    ))
}
