//! Query-string filter values, validated the way the original's django-filter filters do it:
//! a value that cannot mean anything is a 400 `validation_error` naming the parameter, never a
//! silent "no filter" and never a 500. An empty value always means "filter not applied".

/// What went wrong with one query parameter; the API layer turns it into the error envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    /// The parameter, in snake_case (served camel-cased).
    pub attr: String,
    pub code: &'static str,
    pub detail: String,
}

/// django-filter's message for a model-choice filter whose id does not exist.
pub const INVALID_MODEL_CHOICE: &str =
    "Select a valid choice. That choice is not one of the available choices.";

/// Django's message for a number filter given something else.
pub const ENTER_A_NUMBER: &str = "Enter a number.";

impl FilterError {
    pub fn new(attr: &str, code: &'static str, detail: impl Into<String>) -> FilterError {
        FilterError {
            attr: attr.to_string(),
            code,
            detail: detail.into(),
        }
    }

    /// A model-choice filter whose value names no row (or is not an id at all).
    pub fn invalid_model_choice(attr: &str) -> FilterError {
        FilterError::new(attr, "invalid_choice", INVALID_MODEL_CHOICE)
    }

    /// A choice filter given a value outside its choices.
    pub fn invalid_choice(attr: &str, value: &str) -> FilterError {
        FilterError::new(
            attr,
            "invalid_choice",
            format!("Select a valid choice. {value} is not one of the available choices."),
        )
    }

    pub fn not_a_number(attr: &str) -> FilterError {
        FilterError::new(attr, "invalid", ENTER_A_NUMBER)
    }
}

/// An integer parameter (`tier`, `variantGradeVersion`, `yearGte`).
pub fn integer(attr: &str, value: &str) -> Result<i64, FilterError> {
    value
        .trim()
        .parse::<i64>()
        .map_err(|_| FilterError::not_a_number(attr))
}

/// A comma-separated list of integers (`drug=1,2,3`); empty items are skipped.
pub fn integer_list(attr: &str, value: &str) -> Result<Vec<i64>, FilterError> {
    value
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| integer(attr, item))
        .collect()
}

/// The id of a model-choice filter (`drugId`, `drug`, `sample`): an integer, or the
/// original's "Select a valid choice" error. Whether the row exists is checked by the caller.
pub fn model_id(attr: &str, value: &str) -> Result<i64, FilterError> {
    value
        .trim()
        .parse::<i64>()
        .map_err(|_| FilterError::invalid_model_choice(attr))
}

/// Escapes a term for `LIKE … ESCAPE '\'` and wraps it in `%…%`, lower-cased: a
/// case-insensitive substring match that treats `%` and `_` as plain characters.
pub fn contains_pattern(term: &str) -> String {
    let escaped = term
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_and_lists() {
        assert_eq!(integer("tier", " 2 "), Ok(2));
        assert_eq!(integer("tier", "x").unwrap_err().detail, ENTER_A_NUMBER);
        assert_eq!(integer_list("drug", "1, 2,,3"), Ok(vec![1, 2, 3]));
        let err = integer_list("drug", "1,a").unwrap_err();
        assert_eq!((err.attr.as_str(), err.code), ("drug", "invalid"));
        assert_eq!(integer_list("drug", ","), Ok(vec![]));
    }

    #[test]
    fn model_ids_fail_as_invalid_choices() {
        assert_eq!(model_id("drug_id", "7"), Ok(7));
        let err = model_id("drug_id", "abc").unwrap_err();
        assert_eq!(err.code, "invalid_choice");
        assert_eq!(err.detail, INVALID_MODEL_CHOICE);
        assert_eq!(
            FilterError::invalid_choice("resistance_type", "Both").detail,
            "Select a valid choice. Both is not one of the available choices."
        );
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(contains_pattern("KatG_p"), "%katg\\_p%");
        assert_eq!(contains_pattern("50%"), "%50\\%%");
        assert_eq!(contains_pattern("a\\b"), "%a\\\\b%");
    }
}
