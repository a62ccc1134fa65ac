//! Turning stored rows into what the templates show: display texts, links to the rows and
//! to the rows their foreign keys name (titles looked up in one query per column).

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::db::repo::admin::Listed;
use crate::db::repo::AdminStore;
use crate::db::{Db, DbError};
use crate::domain::admin::resource::{Kind, Resource};
use crate::domain::admin::resources::by_slug;
use crate::domain::admin::scalar::Scalar;

/// `/admin/<app>/<slug>/<key>/change/`.
pub fn change_href(r: &Resource, key: &str) -> String {
    let key: String = url::form_urlencoded::byte_serialize(key.as_bytes()).collect();
    format!("{}{key}/change/", r.path())
}

/// The kind of a list column: its field's, or plain text for computed ones.
pub fn column_kind(r: &Resource, key: &str) -> Kind {
    r.field(key).map_or(Kind::Text, |f| f.kind)
}

/// Titles of the rows that `keys` of a foreign key to `to` name.
pub async fn titles(
    db: &Db,
    to: &str,
    keys: Vec<Scalar>,
) -> Result<HashMap<String, String>, DbError> {
    match by_slug(to) {
        Some(target) => db.admin_titles(target, keys).await,
        None => Ok(HashMap::new()),
    }
}

/// One cell: its text and, for a foreign key or an external reference, where it leads.
async fn column_cells(
    db: &Db,
    r: &Resource,
    index: usize,
    listed: &Listed,
) -> Result<Vec<Value>, DbError> {
    let column = &r.columns[index];
    let kind = column_kind(r, column.key);
    let values = listed.rows.iter().map(|row| &row.cells[index]);
    if let Kind::Ref { to, .. } = kind {
        let names = titles(db, to, values.clone().cloned().collect()).await?;
        let target = by_slug(to);
        return Ok(values
            .map(|v| {
                let key = v.to_input();
                match (names.get(&key), target) {
                    (Some(title), Some(t)) => json!({"text": title, "href": change_href(t, &key)}),
                    _ => json!({"text": v.display(&kind)}),
                }
            })
            .collect());
    }
    Ok(values
        .map(|v| {
            let href = column
                .href
                .filter(|_| !v.is_null())
                .map(|base| format!("{base}{}", v.to_input()));
            json!({"text": v.display(&kind), "href": href})
        })
        .collect())
}

/// Table rows for `listed`; the first cell links to the row's page.
pub async fn rows(db: &Db, r: &Resource, listed: &Listed) -> Result<Vec<Value>, DbError> {
    let mut columns = Vec::with_capacity(r.columns.len());
    for index in 0..r.columns.len() {
        columns.push(column_cells(db, r, index, listed).await?);
    }
    Ok(listed
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let mut cells: Vec<Value> = columns.iter().map(|c| c[i].clone()).collect();
            let href = change_href(r, &row.key.to_input());
            match cells.first_mut() {
                Some(first) if first["href"].is_null() => first["href"] = href.into(),
                _ => cells.insert(0, json!({"text": row.title, "href": href})),
            }
            json!({"cells": cells, "key": row.key.to_input()})
        })
        .collect())
}
