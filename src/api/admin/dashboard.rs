//! `/admin/`: row counts per resource by area, and the latest entries of the audit log.

use rocket::{get, State};
use rocket_dyn_templates::Template;
use serde_json::{json, Value};

use super::guard::Staff;
use super::shell::{render, AdminResult};
use crate::app::App;
use crate::db::repo::AdminStore;
use crate::domain::admin::resource::Area;
use crate::domain::admin::resource::Kind;
use crate::domain::admin::resources::{in_area, AUDIT_ACTIONS};
use crate::domain::admin::scalar::Scalar;

const RECENT: u64 = 10;

#[get("/admin")]
pub async fn dashboard(app: &State<App>, staff: Staff) -> AdminResult<Template> {
    let mut areas = Vec::new();
    for area in Area::ALL {
        let mut items = Vec::new();
        for r in in_area(area) {
            let can_add = r.creatable && r.editable_by(staff.user.is_superuser);
            items.push(json!({
                "label": r.plural,
                "href": r.path(),
                "count": app.db.admin_count(r).await?,
                "add_href": can_add.then(|| format!("{}add/", r.path())),
            }));
        }
        areas.push(json!({"label": area.label(), "items": items}));
    }
    let action = Kind::Choice(AUDIT_ACTIONS);
    let activity: Vec<Value> = app
        .db
        .recent_activity(RECENT)
        .await?
        .into_iter()
        .map(|a| {
            json!({
                "when": Scalar::Text(a.created_at).display(&Kind::Timestamp),
                "user": a.username.unwrap_or_else(|| "(deleted user)".into()),
                "action": Scalar::Text(a.action).display(&action).to_lowercase(),
                "model": a.model,
                "object": a.object_repr,
            })
        })
        .collect();
    Ok(render(
        &staff,
        "admin/dashboard.html",
        "Site administration",
        None,
        json!({"areas": areas, "activity": activity}),
    ))
}
