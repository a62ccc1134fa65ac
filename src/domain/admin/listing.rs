//! A list page's request (`?q=` search, filters, `?o=` ordering, `?p=` page) checked against
//! the resource: only its own columns and filters are honoured, so nothing from the query
//! string reaches SQL except as a parameter. Unknown or malformed values are ignored.

use time::macros::format_description;
use time::Date;

use super::form::parse_field;
use super::resource::{Column, Field, FilterOptions, Kind, Resource};
use super::scalar::Scalar;

pub const PAGE_SIZE: u64 = 100;

/// One condition a filter adds.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    Equals(&'static str, Scalar),
    /// A static clause of the resource definition.
    Clause(&'static str),
    AtLeast(&'static str, Scalar),
    AtMost(&'static str, Scalar),
    Before(&'static str, Scalar),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    pub key: &'static str,
    pub expr: String,
    pub descending: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery {
    pub search: Option<String>,
    pub conditions: Vec<Condition>,
    pub order: Order,
    /// 1-based.
    pub page: u64,
}

/// The SQL expression of a list column.
pub fn column_sql(column: &Column) -> String {
    match column.expr {
        Some(expr) => expr.to_string(),
        None => format!("t.\"{}\"", column.key),
    }
}

fn order_of(resource: &Resource, spec: &str) -> Option<Order> {
    let (key, descending) = match spec.strip_prefix('-') {
        Some(key) => (key, true),
        None => (spec, false),
    };
    let column = resource.column(key).filter(|c| c.sortable)?;
    Some(Order {
        key: column.key,
        expr: column
            .sort
            .map_or_else(|| column_sql(column), str::to_string),
        descending,
    })
}

fn get<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn date(text: &str) -> Option<Date> {
    Date::parse(text, format_description!("[year]-[month]-[day]")).ok()
}

pub fn parse(resource: &'static Resource, params: &[(String, String)]) -> ListQuery {
    let search = get(params, "q")
        .map(str::trim)
        .filter(|q| !q.is_empty() && !resource.search.is_empty())
        .map(str::to_string);
    let mut conditions = Vec::new();
    for filter in resource.filters {
        let value = get(params, filter.param).filter(|v| !v.is_empty());
        match filter.options {
            FilterOptions::Clauses(entries) => {
                let chosen = entries.iter().find(|(v, _, _)| *v == value.unwrap_or(""));
                if let Some((_, _, clause)) = chosen.filter(|(_, _, c)| !c.is_empty()) {
                    conditions.push(Condition::Clause(clause));
                }
            }
            FilterOptions::DateRange => {
                let bound = |suffix: &str| {
                    get(params, &format!("{}__{suffix}", filter.param)).and_then(date)
                };
                let timestamps = filter.kind == Kind::Timestamp;
                let iso = |d: Date| {
                    Scalar::Text(if timestamps {
                        format!("{d}T00:00:00Z")
                    } else {
                        d.to_string()
                    })
                };
                if let Some(from) = bound("gte") {
                    conditions.push(Condition::AtLeast(filter.expr, iso(from)));
                }
                if let Some(to) = bound("lte") {
                    match to.next_day().filter(|_| timestamps) {
                        Some(next) => conditions.push(Condition::Before(filter.expr, iso(next))),
                        None => conditions.push(Condition::AtMost(filter.expr, iso(to))),
                    }
                }
            }
            _ => {
                let Some(value) = value else { continue };
                let probe = Field::new(filter.param, filter.label, filter.kind);
                if let Ok(parsed) = parse_field(&probe, Some(value)) {
                    if !parsed.is_null() {
                        conditions.push(Condition::Equals(filter.expr, parsed));
                    }
                }
            }
        }
    }
    let order = get(params, "o")
        .and_then(|spec| order_of(resource, spec))
        .or_else(|| order_of(resource, resource.ordering))
        .unwrap_or_else(|| Order {
            key: "",
            expr: format!("t.\"{}\"", resource.pk),
            descending: false,
        });
    let page = get(params, "p")
        .and_then(|p| p.parse::<u64>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    ListQuery {
        search,
        conditions,
        order,
        page,
    }
}

/// The query string of the current list with `key` set to `value` (removed when empty);
/// any change but the page goes back to page 1.
pub fn query_with(params: &[(String, String)], key: &str, value: &str) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        if k != key && !(k == "p" && key != "p") {
            out.append_pair(k, v);
        }
    }
    if !value.is_empty() {
        out.append_pair(key, value);
    }
    let query = out.finish();
    if query.is_empty() {
        "?".into()
    } else {
        format!("?{query}")
    }
}

/// Pages to offer around `current` of `last`: the first, the last, and two on each side;
/// `None` marks a gap.
pub fn page_window(current: u64, last: u64) -> Vec<Option<u64>> {
    let mut pages = Vec::new();
    for p in 1..=last {
        if p == 1 || p == last || p.abs_diff(current) <= 2 {
            pages.push(Some(p));
        } else if pages.last() != Some(&None) {
            pages.push(None);
        }
    }
    pages
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::admin::resources::find;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn only_known_columns_sort_and_bad_values_are_ignored() {
        let packages = find("submission", "package").unwrap();
        let q = parse(
            packages,
            &params(&[("o", "name; DROP TABLE x"), ("p", "0")]),
        );
        assert_eq!(q.order.key, "state_changed_on");
        assert!(q.order.descending);
        assert_eq!(q.page, 1);
        // The origin filter's default: packages with an owner.
        assert_eq!(q.conditions.len(), 1);
        let q = parse(
            packages,
            &params(&[("o", "name"), ("origin", "all"), ("state", "PENDING")]),
        );
        assert_eq!(q.order.expr, "t.\"name\"");
        assert_eq!(
            q.conditions,
            vec![Condition::Equals("t.state", Scalar::Text("PENDING".into()))]
        );
    }

    #[test]
    fn date_ranges_include_the_last_day() {
        let log = find("admin", "auditlog").unwrap();
        let q = parse(
            log,
            &params(&[
                ("created_at__gte", "2024-01-01"),
                ("created_at__lte", "2024-01-31"),
            ]),
        );
        assert_eq!(
            q.conditions,
            vec![
                Condition::AtLeast("t.created_at", Scalar::Text("2024-01-01T00:00:00Z".into())),
                Condition::Before("t.created_at", Scalar::Text("2024-02-01T00:00:00Z".into())),
            ]
        );
    }

    #[test]
    fn links_keep_the_other_parameters() {
        let p = params(&[("q", "a b"), ("p", "3"), ("o", "name")]);
        assert_eq!(query_with(&p, "o", "-name"), "?q=a+b&o=-name");
        assert_eq!(query_with(&p, "p", "4"), "?q=a+b&o=name&p=4");
        assert_eq!(
            page_window(5, 10),
            vec![
                Some(1),
                None,
                Some(3),
                Some(4),
                Some(5),
                Some(6),
                Some(7),
                None,
                Some(10)
            ]
        );
    }
}
