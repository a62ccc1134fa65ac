//! camelCase ⇄ snake_case, as the original's camel-case renderer and middleware do it.
//!
//! Query keys arrive in camelCase from the frontend (`pageSize`, `countryID`) and in snake_case
//! from older scripts; both must mean the same thing.

/// `pageSize` → `page_size`, `countryID` → `country_id`, `geneDbCrossrefId` →
/// `gene_db_crossref_id`; snake_case input is returned unchanged.
pub fn camel_to_snake(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    let mut out = String::with_capacity(key.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_is_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            // A new word starts at an upper-case letter after a lower-case letter or digit,
            // or at the last capital of an acronym followed by lower case (`IDCard` → `id_card`).
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_is_lower)
            {
                out.push('_');
            }
        } else if c.is_ascii_digit() && i > 0 && chars[i - 1].is_ascii_lowercase() {
            // `coverage10x` → `coverage_10x`, as the original parses it.
            out.push('_');
        }
        out.extend(c.to_lowercase());
    }
    out.trim_start_matches('_').to_string()
}

/// `gene_db_crossref_id` → `geneDbCrossrefId` (an underscore between letters or digits is
/// dropped and the next character upper-cased).
pub fn snake_to_camel(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper_next = false;
    for (i, c) in key.chars().enumerate() {
        if c == '_' && i > 0 {
            upper_next = true;
        } else if upper_next {
            out.extend(c.to_uppercase());
            upper_next = false;
        } else {
            out.push(c);
        }
    }
    if upper_next {
        out.push('_');
    }
    out
}

/// A request body object with its keys in snake_case (one level; nested objects are
/// converted where they are read).
pub fn snake_keys(
    map: &serde_json::Map<String, serde_json::Value>,
) -> serde_json::Map<String, serde_json::Value> {
    map.iter()
        .map(|(k, v)| (camel_to_snake(k), v.clone()))
        .collect()
}

/// A JSON value with every object key camelCased, at every depth (the original's renderer
/// also converts keys inside JSON columns: `not_used_columns` → `notUsedColumns`).
pub fn camel_keys_deep(value: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (snake_to_camel(k), camel_keys_deep(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(camel_keys_deep).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_keys_become_snake_case() {
        for (camel, snake) in [
            ("pageSize", "page_size"),
            ("countryID", "country_id"),
            ("countryId", "country_id"),
            ("geneDbCrossrefId", "gene_db_crossref_id"),
            ("variantGradeVersion", "variant_grade_version"),
            ("startPos", "start_pos"),
            ("isAssociated", "is_associated"),
            ("is_associated", "is_associated"),
            ("page", "page"),
            ("yearGte", "year_gte"),
            ("coverage10x", "coverage_10x"),
        ] {
            assert_eq!(camel_to_snake(camel), snake, "{camel}");
        }
    }

    #[test]
    fn keys_become_camel_case() {
        assert_eq!(snake_to_camel("gene_db_crossref_id"), "geneDbCrossrefId");
        assert_eq!(snake_to_camel("susceptble_count"), "susceptbleCount");
        assert_eq!(snake_to_camel("coverage_10x"), "coverage10x");
        assert_eq!(snake_to_camel("code"), "code");
    }
}
