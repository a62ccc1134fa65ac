//! The generic pages every resource gets: list, add, change and delete, driven by its
//! definition in `domain::admin::resources`. Handlers check access, call the domain to
//! parse and the store to read or write, and hand the result to a template.

use std::collections::HashMap;

use rocket::http::Status;
use rocket::response::{Flash, Redirect};
use rocket::{get, post, Either, State};
use rocket_dyn_templates::Template;
use serde_json::{json, Value};

use super::guard::{AdminForm, QueryPairs, Staff};
use super::shell::{render, AdminError, AdminResult};
use super::views::{change_href, column_kind, rows, titles};
use crate::app::App;
use crate::db::repo::admin::{Actor, Record};
use crate::db::repo::AdminStore;
use crate::db::DbError;
use crate::domain::admin::form::{self, parse_key, Parsed};
use crate::domain::admin::listing::{self, page_window, query_with, PAGE_SIZE};
use crate::domain::admin::resource::{FilterOptions, Kind, OnDelete, Resource};
use crate::domain::admin::resources::{by_slug, find};
use crate::domain::admin::scalar::Scalar;
use crate::domain::admin::transfer::spec_for;

type Saved = AdminResult<Either<Flash<Redirect>, Template>>;

pub(super) fn resource(app: &str, model: &str) -> AdminResult<&'static Resource> {
    find(app, model).ok_or_else(|| AdminError::new(Status::NotFound, "There is no such page."))
}

pub(super) fn may_change(staff: &Staff, r: &Resource) -> AdminResult<()> {
    if r.editable_by(staff.user.is_superuser) {
        Ok(())
    } else {
        Err(AdminError::forbidden())
    }
}

pub(super) fn actor(staff: &Staff) -> Actor {
    Actor {
        user_id: staff.user.id,
    }
}

/// The filter sidebar: each filter's choices as links keeping the other parameters.
async fn filters(app: &App, r: &Resource, params: &[(String, String)]) -> AdminResult<Vec<Value>> {
    let current = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let mut out = Vec::new();
    for f in r.filters {
        let options: Vec<(String, String)> = match f.options {
            FilterOptions::Fixed(list) => list
                .iter()
                .map(|(v, l)| (v.to_string(), l.to_string()))
                .collect(),
            FilterOptions::Clauses(list) => list
                .iter()
                .map(|(v, l, _)| (v.to_string(), l.to_string()))
                .collect(),
            FilterOptions::Bool => vec![("1".into(), "Yes".into()), ("0".into(), "No".into())],
            FilterOptions::Distinct => app
                .db
                .admin_distinct(r, f.expr, 200)
                .await?
                .into_iter()
                .map(|v| (v.clone(), v))
                .collect(),
            FilterOptions::Ref(to) => match by_slug(to) {
                Some(target) => app.db.admin_choices(target, 200).await?,
                None => Vec::new(),
            },
            FilterOptions::DateRange => {
                let hidden: Vec<Value> = params
                    .iter()
                    .filter(|(k, _)| !k.starts_with(&format!("{}__", f.param)) && k != "p")
                    .map(|(k, v)| json!({"name": k, "value": v}))
                    .collect();
                out.push(json!({
                    "label": f.label, "param": f.param, "range": true, "hidden": hidden,
                    "from": current(&format!("{}__gte", f.param)),
                    "to": current(&format!("{}__lte", f.param)),
                }));
                continue;
            }
        };
        let chosen = current(f.param).unwrap_or_default();
        let mut links = Vec::new();
        if !matches!(f.options, FilterOptions::Clauses(_)) {
            links.push(json!({"label": "All", "href": query_with(params, f.param, ""), "selected": chosen.is_empty()}));
        }
        for (value, label) in options {
            links.push(json!({
                "label": label,
                "href": query_with(params, f.param, &value),
                "selected": value == chosen,
            }));
        }
        out.push(json!({"label": f.label, "param": f.param, "options": links}));
    }
    Ok(out)
}

pub(super) fn resource_of(app: &str, model: &str) -> AdminResult<&'static Resource> {
    resource(app, model)
}

pub(super) fn actor_of(staff: &Staff) -> Actor {
    actor(staff)
}

pub async fn list_page(
    app: &App,
    staff: &Staff,
    r: &'static Resource,
    params: &[(String, String)],
) -> AdminResult<Template> {
    let query = listing::parse(r, params);
    let listed = app.db.admin_list(r, &query, PAGE_SIZE).await?;
    let last = listed.total.div_ceil(PAGE_SIZE).max(1);
    let columns: Vec<Value> = r
        .columns
        .iter()
        .map(|c| {
            let sorted = query.order.key == c.key;
            let spec = if sorted && !query.order.descending { format!("-{}", c.key) } else { c.key.to_string() };
            let class = match (sorted, query.order.descending) {
                (false, _) => "",
                (true, false) => "asc",
                (true, true) => "desc",
            };
            json!({"label": c.label, "sort_href": c.sortable.then(|| query_with(params, "o", &spec)), "sorted": class})
        })
        .collect();
    let pages: Vec<Value> = page_window(query.page, last)
        .into_iter()
        .map(|p| match p {
            None => json!({"gap": true}),
            Some(n) => json!({"number": n, "current": n == query.page, "href": query_with(params, "p", &n.to_string())}),
        })
        .collect();
    let search_hidden: Vec<Value> = params
        .iter()
        .filter(|(k, _)| k != "q" && k != "p")
        .map(|(k, v)| json!({"name": k, "value": v}))
        .collect();
    let can_add = r.creatable && r.editable_by(staff.user.is_superuser);
    let exports = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params.iter().filter(|(k, _)| k != "p"))
        .finish();
    let exports = if exports.is_empty() {
        exports
    } else {
        format!("?{exports}")
    };
    let can_import = spec_for(r.slug).is_some() && r.editable_by(staff.user.is_superuser);
    let actions: Vec<Value> = r
        .actions
        .iter()
        .map(|a| json!({"name": a.name, "label": a.label}))
        .collect();
    Ok(render(
        staff,
        "admin/list.html",
        r.plural,
        Some(r.slug),
        json!({
            "label": r.label.to_lowercase(),
            "add_href": can_add.then(|| format!("{}add/", r.path())),
            "import_href": can_import.then(|| format!("{}import/", r.path())),
            "csv_href": format!("{}export/csv/{exports}", r.path()),
            "xlsx_href": format!("{}export/xlsx/{exports}", r.path()),
            "searchable": !r.search.is_empty(),
            "search_hidden": search_hidden,
            "q": query.search.clone().unwrap_or_default(),
            "total": listed.total,
            "filtered": params.iter().any(|(k, _)| k != "o" && k != "p"),
            "reset_href": r.path(),
            "columns": columns,
            "rows": rows(&app.db, r, &listed).await?,
            "pages": pages,
            "filters": filters(app, r, params).await?,
            "actions": actions,
            "action_href": format!("{}action/", r.path()),
        }),
    ))
}

#[get("/admin/<app_label>/<model>", rank = 5)]
pub async fn list(
    app: &State<App>,
    staff: Staff,
    app_label: &str,
    model: &str,
    params: QueryPairs,
) -> AdminResult<Template> {
    list_page(app, &staff, resource(app_label, model)?, &params.0).await
}

/// What a form shows: the row being changed (if any), the values to fill in (submitted or
/// stored), and errors.
struct FormState<'a> {
    key: Option<&'a str>,
    record: Option<&'a Record>,
    inputs: HashMap<String, String>,
    parsed: Option<&'a Parsed>,
    error: Option<String>,
}

fn stored_inputs(record: &Record) -> HashMap<String, String> {
    record
        .values
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_input()))
        .collect()
}

fn input_type(kind: Kind) -> &'static str {
    match kind {
        Kind::LongText | Kind::Json => "textarea",
        Kind::Int => "number",
        Kind::Float => "number",
        Kind::Bool => "checkbox",
        Kind::Date => "date",
        Kind::Choice(_) | Kind::Ref { raw: false, .. } => "select",
        Kind::Text | Kind::Timestamp | Kind::Ref { raw: true, .. } => "text",
    }
}

async fn form_page(
    app: &App,
    staff: &Staff,
    r: &'static Resource,
    state: FormState<'_>,
) -> AdminResult<Template> {
    let (title, context) = form_context(app, staff, r, state).await?;
    Ok(render(
        staff,
        "admin/form.html",
        &title,
        Some(r.slug),
        context,
    ))
}

/// The title and template values of a form page (for pages that add their own parts).
async fn form_context(
    app: &App,
    staff: &Staff,
    r: &'static Resource,
    state: FormState<'_>,
) -> AdminResult<(String, Value)> {
    let creating = state.key.is_none();
    let editable = r.editable_by(staff.user.is_superuser);
    let mut fields = Vec::new();
    for f in r.fields {
        let writable = editable && !f.read_only && (creating || f.name != r.pk);
        if creating && !writable {
            continue;
        }
        let value = state.inputs.get(f.name).cloned().unwrap_or_default();
        let stored = state
            .record
            .and_then(|rec| rec.get(f.name))
            .cloned()
            .unwrap_or(Scalar::Null);
        let mut view = json!({
            "name": f.name, "label": f.label, "required": f.required, "value": value,
            "error": state.parsed.and_then(|p| p.errors.get(f.name)),
            "display": stored.display(&f.kind),
            "pre": matches!(f.kind, Kind::Json | Kind::LongText),
        });
        if let Kind::Ref { to, raw, .. } = f.kind {
            let key = if writable {
                value.clone()
            } else {
                stored.to_input()
            };
            let target = by_slug(to);
            let typed = target.and_then(|t| parse_key(t, &key));
            if let (Some(target), Some(typed), true) = (target, typed, raw || !writable) {
                let names = titles(&app.db, to, vec![typed]).await?;
                if let Some(title) = names.get(&key) {
                    view["display"] = title.clone().into();
                    view["href"] = change_href(target, &key).into();
                }
            } else if raw && writable {
                view["display"] = Value::Null;
            }
            if writable && !raw {
                let choices = match by_slug(to) {
                    Some(target) => app.db.admin_choices(target, 1000).await?,
                    None => Vec::new(),
                };
                view["options"] = choices
                    .into_iter()
                    .map(|(v, l)| json!({"selected": v == value, "value": v, "label": l}))
                    .collect();
            }
        } else if writable {
            view["display"] = Value::Null;
        }
        if let Kind::Choice(choices) = f.kind {
            view["options"] = choices
                .iter()
                .map(|(v, l)| json!({"value": v, "label": l, "selected": *v == value}))
                .collect();
        }
        if writable {
            view["input"] = input_type(f.kind).into();
            view["step"] = (f.kind == Kind::Float).into();
            view["checked"] = matches!(value.as_str(), "on" | "true" | "1").into();
        }
        fields.push(view);
    }
    let mut inlines = Vec::new();
    let mut history = None;
    if let (Some(key), Some(_)) = (state.key, state.record) {
        let key_value = parse_key(r, key).ok_or_else(|| AdminError::not_found(r))?;
        for inline in r.inlines {
            let Some(child) = by_slug(inline.resource) else {
                continue;
            };
            let listed = app
                .db
                .admin_children(child, inline.fk, &key_value, 50)
                .await?;
            let mut labels: Vec<&str> = child.columns.iter().map(|c| c.label).collect();
            if child
                .columns
                .first()
                .is_some_and(|c| column_kind(child, c.key) != Kind::Text || c.expr.is_some())
            {
                labels.insert(0, child.label);
            }
            inlines.push(json!({
                "label": inline.label, "total": listed.total,
                "columns": labels, "rows": rows(&app.db, child, &listed).await?,
            }));
        }
        history = Some(format!(
            "/admin/admin/auditlog/?model={}.{}&q={key}",
            r.app, r.slug
        ));
    }
    let title = match state.record {
        Some(record) if editable => format!("Change {}: {}", r.label.to_lowercase(), record.title),
        Some(record) => format!("{} {}", r.label, record.title),
        None => format!("Add {}", r.label.to_lowercase()),
    };
    let deletable = r.deletable && editable && !creating;
    Ok((
        title,
        json!({
            "fields": fields,
            "editable": editable,
            "error": state.error,
            "invalid": state.parsed.is_some_and(|p| !p.is_valid()),
            "inlines": inlines,
            "history_href": history,
            "delete_href": deletable.then(|| format!("{}{}/delete/", r.path(), state.key.unwrap_or(""))),
        }),
    ))
}

#[get("/admin/<app_label>/<model>/add", rank = 5)]
pub async fn add_form(
    app: &State<App>,
    staff: Staff,
    app_label: &str,
    model: &str,
) -> AdminResult<Template> {
    let r = resource(app_label, model)?;
    may_change(&staff, r)?;
    if !r.creatable {
        return Err(AdminError::forbidden());
    }
    let state = FormState {
        key: None,
        record: None,
        inputs: HashMap::new(),
        parsed: None,
        error: None,
    };
    form_page(app, &staff, r, state).await
}

/// Foreign keys must name an existing row.
async fn check_references(app: &App, r: &Resource, parsed: &mut Parsed) -> AdminResult<()> {
    for (name, value) in &parsed.values {
        let Some(Kind::Ref { to, .. }) = r.field(name).map(|f| f.kind) else {
            continue;
        };
        if !value.is_null() && titles(&app.db, to, vec![value.clone()]).await?.is_empty() {
            parsed.errors.insert(
                name.to_string(),
                "Select a valid choice. That choice is not one of the available choices.".into(),
            );
        }
    }
    Ok(())
}

/// A save the database refused for the data (not for a fault) becomes a form error.
fn refused(r: &Resource, e: DbError) -> AdminResult<String> {
    match e {
        DbError::Conflict(_) => Ok(format!(
            "A {} with these values already exists.",
            r.label.to_lowercase()
        )),
        DbError::Query(message) if message.to_lowercase().contains("constraint") => {
            Ok(format!("The database refused these values: {message}"))
        }
        other => Err(other.into()),
    }
}

#[post("/admin/<app_label>/<model>/add", data = "<form>", rank = 5)]
pub async fn add(
    app: &State<App>,
    staff: Staff,
    app_label: &str,
    model: &str,
    form: AdminForm,
) -> Saved {
    let r = resource(app_label, model)?;
    may_change(&staff, r)?;
    if !r.creatable {
        return Err(AdminError::forbidden());
    }
    let mut parsed = form::parse(r, &form.0, true);
    check_references(app, r, &mut parsed).await?;
    let mut error = None;
    if parsed.is_valid() {
        match app.db.admin_create(r, &parsed.values, actor(&staff)).await {
            Ok((_, title)) => {
                let message = format!(
                    "The {} “{title}” was added successfully.",
                    r.label.to_lowercase()
                );
                return Ok(Either::Left(Flash::success(
                    Redirect::to(r.path()),
                    message,
                )));
            }
            Err(e) => error = Some(refused(r, e)?),
        }
    }
    let state = FormState {
        key: None,
        record: None,
        inputs: form.0.clone(),
        parsed: Some(&parsed),
        error,
    };
    Ok(Either::Right(form_page(app, &staff, r, state).await?))
}

/// The row whose key is `id` in the URL: its typed key and its stored values.
async fn existing(app: &App, r: &Resource, id: &str) -> AdminResult<(Scalar, Record)> {
    let key = parse_key(r, id).ok_or_else(|| AdminError::not_found(r))?;
    let record = app
        .db
        .admin_get(r, &key)
        .await?
        .ok_or_else(|| AdminError::not_found(r))?;
    Ok((key, record))
}

#[get("/admin/<app_label>/<model>/<id>/change", rank = 5)]
pub async fn change_form(
    app: &State<App>,
    staff: Staff,
    app_label: &str,
    model: &str,
    id: &str,
) -> AdminResult<Template> {
    let r = resource(app_label, model)?;
    let (title, context) = change_context(app, &staff, r, id).await?;
    Ok(render(
        &staff,
        "admin/form.html",
        &title,
        Some(r.slug),
        context,
    ))
}

/// The title and values of a row's change page as stored (pages that extend it add theirs).
pub async fn change_context(
    app: &App,
    staff: &Staff,
    r: &'static Resource,
    id: &str,
) -> AdminResult<(String, Value)> {
    let (_, record) = existing(app, r, id).await?;
    let state = FormState {
        key: Some(id),
        record: Some(&record),
        inputs: stored_inputs(&record),
        parsed: None,
        error: None,
    };
    form_context(app, staff, r, state).await
}

#[post("/admin/<app_label>/<model>/<id>/change", data = "<form>", rank = 5)]
pub async fn change(
    app: &State<App>,
    staff: Staff,
    app_label: &str,
    model: &str,
    id: &str,
    form: AdminForm,
) -> Saved {
    let r = resource(app_label, model)?;
    may_change(&staff, r)?;
    let (key, record) = existing(app, r, id).await?;
    let mut parsed = form::parse(r, &form.0, false);
    check_references(app, r, &mut parsed).await?;
    let mut error = None;
    if parsed.is_valid() {
        match app
            .db
            .admin_update(r, &key, &parsed.values, actor(&staff))
            .await
        {
            Ok(Some(title)) => {
                let message = format!(
                    "The {} “{title}” was changed successfully.",
                    r.label.to_lowercase()
                );
                return Ok(Either::Left(Flash::success(
                    Redirect::to(r.path()),
                    message,
                )));
            }
            Ok(None) => return Err(AdminError::not_found(r)),
            Err(e) => error = Some(refused(r, e)?),
        }
    }
    let mut inputs = stored_inputs(&record);
    inputs.extend(form.0.clone());
    // An unticked box sends nothing: show it unticked.
    for f in r
        .fields
        .iter()
        .filter(|f| f.kind == Kind::Bool && !form.0.contains_key(f.name))
    {
        inputs.insert(f.name.to_string(), String::new());
    }
    let state = FormState {
        key: Some(id),
        record: Some(&record),
        inputs,
        parsed: Some(&parsed),
        error,
    };
    Ok(Either::Right(form_page(app, &staff, r, state).await?))
}

async fn delete_page(
    app: &App,
    staff: &Staff,
    r: &'static Resource,
    id: &str,
    key: &Scalar,
    record: &Record,
    error: Option<String>,
) -> AdminResult<Template> {
    let dependents = app.db.admin_dependents(r, key).await?;
    let blocked = dependents.iter().any(|d| d.effect == OnDelete::Protect);
    let views: Vec<Value> = dependents
        .iter()
        .map(|d| {
            let effect = match d.effect {
                OnDelete::Cascade => "deleted with it",
                OnDelete::SetNull => "will no longer refer to it",
                OnDelete::Protect => "refer to it",
            };
            let sample: Vec<Value> = d
                .sample
                .iter()
                .map(|(k, t)| json!({"title": t, "href": change_href(d.resource, k)}))
                .collect();
            json!({
                "label": d.resource.plural.to_lowercase(), "count": d.count, "effect": effect,
                "sample": sample, "more": d.count.saturating_sub(d.sample.len() as u64),
            })
        })
        .collect();
    Ok(render(
        staff,
        "admin/delete.html",
        "Are you sure?",
        Some(r.slug),
        json!({
            "label": r.label.to_lowercase(), "object": record.title, "dependents": views,
            "blocked": blocked, "error": error, "back": change_href(r, id),
        }),
    ))
}

fn may_delete(staff: &Staff, r: &Resource) -> AdminResult<()> {
    may_change(staff, r)?;
    if r.deletable {
        Ok(())
    } else {
        Err(AdminError::forbidden())
    }
}

#[get("/admin/<app_label>/<model>/<id>/delete", rank = 5)]
pub async fn delete_form(
    app: &State<App>,
    staff: Staff,
    app_label: &str,
    model: &str,
    id: &str,
) -> AdminResult<Template> {
    let r = resource(app_label, model)?;
    may_delete(&staff, r)?;
    let (key, record) = existing(app, r, id).await?;
    delete_page(app, &staff, r, id, &key, &record, None).await
}

#[post("/admin/<app_label>/<model>/<id>/delete", data = "<_form>", rank = 5)]
pub async fn delete(
    app: &State<App>,
    staff: Staff,
    app_label: &str,
    model: &str,
    id: &str,
    _form: AdminForm,
) -> Saved {
    let r = resource(app_label, model)?;
    may_delete(&staff, r)?;
    let (key, record) = existing(app, r, id).await?;
    match app.db.admin_delete(r, &key, actor(&staff)).await {
        Ok(_) => {
            let message = format!(
                "The {} “{}” was deleted successfully.",
                r.label.to_lowercase(),
                record.title
            );
            Ok(Either::Left(Flash::success(
                Redirect::to(r.path()),
                message,
            )))
        }
        Err(e) => {
            let error = refused(r, e)?;
            Ok(Either::Right(
                delete_page(app, &staff, r, id, &key, &record, Some(error)).await?,
            ))
        }
    }
}

/// The audit log under its short address.
#[get("/admin/auditlog")]
pub fn audit_log(_staff: Staff, params: QueryPairs) -> Redirect {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&params.0)
        .finish();
    let path = find("admin", "auditlog").map_or_else(String::new, |r| r.path());
    Redirect::to(if query.is_empty() {
        path
    } else {
        format!("{path}?{query}")
    })
}
