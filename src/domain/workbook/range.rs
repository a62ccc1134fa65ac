//! MIC cell text → numeric range (§4.6). The original parsed with regular expressions and
//! `Decimal`; the order of the formats below is theirs, and so are the reasons, because the
//! reason is shown to the user inside `<drug>: Wrong range at <id>: <reason>.`.

use crate::domain::submission::{Bounds, NumRange};

/// Parses one MIC value. `Err` holds the reason only (the caller adds drug and sample).
pub fn parse_range(raw: &str) -> Result<NumRange, String> {
    let text: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    let range = if is_ambiguous(&text) {
        return Err("ambiguous range format".into());
    } else if let Some(range) = bracketed(&text)? {
        range
    } else if let Some(range) = signed(&text)? {
        range
    } else if is_number(&text) {
        let x = decimal(&text)?;
        NumRange {
            lower: Some(x),
            upper: Some(x),
            bounds: Bounds::Closed,
        }
    } else if let Some(range) = exotic(&text)? {
        range
    } else {
        return Err("unsupported numeric range format".into());
    };
    match (range.lower, range.upper) {
        (None, None) => Err("empty (infinite) range".into()),
        (Some(lower), Some(upper)) if upper < lower => Err("negative range".into()),
        _ => Ok(range),
    }
}

/// `\d*[.,]?\d*`: the original's number pattern (it also matches the empty string).
fn is_number(text: &str) -> bool {
    let mut separators = 0;
    text.chars().all(|c| {
        if c == '.' || c == ',' {
            separators += 1;
            separators == 1
        } else {
            c.is_ascii_digit()
        }
    })
}

/// Both `,` and `.` are decimal separators; the error quotes the text as written.
fn decimal(text: &str) -> Result<f64, String> {
    text.replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .ok_or_else(|| format!("cannot cast '{text}' to decimal"))
}

/// A bound of a bracketed range: `None` (any case) is unbounded.
fn bound(text: &str) -> Result<Option<f64>, String> {
    if text.eq_ignore_ascii_case("none") {
        Ok(None)
    } else {
        decimal(text).map(Some)
    }
}

fn is_bound(text: &str) -> bool {
    text.eq_ignore_ascii_case("none") || is_number(text)
}

/// `[3,6,4]`: three comma-separated integers between brackets cannot be told apart from
/// a range with a decimal comma.
fn is_ambiguous(text: &str) -> bool {
    let Some(inner) = strip_brackets(text) else {
        return false;
    };
    let parts: Vec<&str> = inner.split(',').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

fn strip_brackets(text: &str) -> Option<&str> {
    let first = text.chars().next()?;
    let last = text.chars().last()?;
    if text.chars().count() < 2 || !matches!(first, '[' | '(') || !matches!(last, ']' | ')') {
        return None;
    }
    Some(&text[first.len_utf8()..text.len() - last.len_utf8()])
}

/// `[a,b]`, `(a,b]`, `[a,b)`, `(a,b)`; the first bound is the longest that still leaves a
/// valid second one (the original's greedy pattern), so `(1,2,2,2]` is (1.2, 2.2].
fn bracketed(text: &str) -> Result<Option<NumRange>, String> {
    let Some(inner) = strip_brackets(text) else {
        return Ok(None);
    };
    let split = inner
        .char_indices()
        .rev()
        .filter(|&(_, c)| c == ',')
        .map(|(i, _)| (&inner[..i], &inner[i + 1..]))
        .find(|(a, b)| is_bound(a) && is_bound(b));
    let Some((a, b)) = split else {
        return Ok(None);
    };
    let lower = bound(a)?;
    if b.is_empty() {
        // `(16.0,)`: read as `>16.0`.
        return Ok(Some(NumRange {
            lower,
            upper: None,
            bounds: Bounds::OpenClosed,
        }));
    }
    let upper = bound(b)?;
    let bounds = match (text.starts_with('['), text.ends_with(']')) {
        (true, true) => Bounds::Closed,
        (true, false) => Bounds::ClosedOpen,
        (false, true) => Bounds::OpenClosed,
        (false, false) => Bounds::Open,
    };
    Ok(Some(NumRange {
        lower,
        upper,
        bounds,
    }))
}

/// `>x`, `>=x`/`≥x`, `<x`, `<=x`/`≤x`, `=x`/`==x`. Lower-than ranges start at 0.
fn signed(text: &str) -> Result<Option<NumRange>, String> {
    const SIGNS: [&str; 8] = [">=", "≥", "<=", "≤", "==", "=", ">", "<"];
    let Some((sign, rest)) = SIGNS
        .iter()
        .find_map(|s| text.strip_prefix(s).map(|rest| (*s, rest)))
    else {
        return Ok(None);
    };
    if !is_number(rest) {
        return Ok(None);
    }
    let x = decimal(rest)?;
    let range = match sign {
        ">" => NumRange {
            lower: Some(x),
            upper: None,
            bounds: Bounds::OpenClosed,
        },
        ">=" | "≥" => NumRange {
            lower: Some(x),
            upper: None,
            bounds: Bounds::Closed,
        },
        "<" => NumRange {
            lower: Some(0.0),
            upper: Some(x),
            bounds: Bounds::ClosedOpen,
        },
        "<=" | "≤" => NumRange {
            lower: Some(0.0),
            upper: Some(x),
            bounds: Bounds::Closed,
        },
        _ => NumRange {
            lower: Some(x),
            upper: Some(x),
            bounds: Bounds::Closed,
        },
    };
    Ok(Some(range))
}

/// `a-b`, `aorb`, `a/b`, `a|b` → (a, b]. Matched as a prefix, as the original did.
fn exotic(text: &str) -> Result<Option<NumRange>, String> {
    let number_end = |s: &str| {
        let mut separators = 0;
        s.char_indices()
            .find(|&(_, c)| {
                if c == '.' || c == ',' {
                    separators += 1;
                    separators > 1
                } else {
                    !c.is_ascii_digit()
                }
            })
            .map_or(s.len(), |(i, _)| i)
    };
    let a_end = number_end(text);
    let (a, rest) = text.split_at(a_end);
    let Some(rest) = ["-", "or", "/", "|"]
        .iter()
        .find_map(|sep| rest.strip_prefix(sep))
    else {
        return Ok(None);
    };
    let b = &rest[..number_end(rest)];
    let (lower, upper) = (decimal(a)?, decimal(b)?);
    Ok(Some(NumRange {
        lower: Some(lower),
        upper: Some(upper),
        bounds: Bounds::OpenClosed,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(lower: Option<f64>, upper: Option<f64>, bounds: &str) -> NumRange {
        NumRange {
            lower,
            upper,
            bounds: Bounds::parse(bounds).unwrap(),
        }
    }

    #[test]
    fn single_numbers() {
        for text in ["0.1", "0,1", " 0,1 ", ".1", ",1", " ,1 "] {
            assert_eq!(
                parse_range(text),
                Ok(range(Some(0.1), Some(0.1), "[]")),
                "{text}"
            );
        }
        for text in ["1", "1.", " 1 , "] {
            assert_eq!(
                parse_range(text),
                Ok(range(Some(1.0), Some(1.0), "[]")),
                "{text}"
            );
        }
    }

    #[test]
    fn single_numbers_with_sign() {
        for text in ["=0.1", "==0,1"] {
            assert_eq!(parse_range(text), Ok(range(Some(0.1), Some(0.1), "[]")));
        }
        assert_eq!(parse_range("> 0,1 "), Ok(range(Some(0.1), None, "(]")));
        for text in [" > = . 1 ", " ≥ ,1 "] {
            assert_eq!(
                parse_range(text),
                Ok(range(Some(0.1), None, "[]")),
                "{text}"
            );
        }
        assert_eq!(parse_range("< 0,1 "), Ok(range(Some(0.0), Some(0.1), "[)")));
        for text in [" < = . 1 ", " ≤ ,1 "] {
            assert_eq!(
                parse_range(text),
                Ok(range(Some(0.0), Some(0.1), "[]")),
                "{text}"
            );
        }
    }

    #[test]
    fn ranges() {
        assert_eq!(
            parse_range("[1.2,2.2]"),
            Ok(range(Some(1.2), Some(2.2), "[]"))
        );
        assert_eq!(
            parse_range("(1,2,2,2] "),
            Ok(range(Some(1.2), Some(2.2), "(]"))
        );
        assert_eq!(
            parse_range(" [ 1.2 , 2,2 ) "),
            Ok(range(Some(1.2), Some(2.2), "[)"))
        );
        assert_eq!(parse_range("(16.0,)"), Ok(range(Some(16.0), None, "(]")));
        assert_eq!(
            parse_range("(0.1, 0.2]"),
            Ok(range(Some(0.1), Some(0.2), "(]"))
        );
        assert_eq!(parse_range("[None, 4)"), Ok(range(None, Some(4.0), "[)")));
    }

    #[test]
    fn exotic_ranges() {
        for text in [".1 or 2,2", " ,1 - 2.2 ", "0.1 / 2.2", "0,1 | 2,2"] {
            assert_eq!(
                parse_range(text),
                Ok(range(Some(0.1), Some(2.2), "(]")),
                "{text}"
            );
        }
    }

    #[test]
    fn fixture_values() {
        assert_eq!(parse_range("0.06"), Ok(range(Some(0.06), Some(0.06), "[]")));
        assert_eq!(parse_range("≤ 1"), Ok(range(Some(0.0), Some(1.0), "[]")));
        assert_eq!(parse_range("> 1.6"), Ok(range(Some(1.6), None, "(]")));
        assert_eq!(
            parse_range("≤0,008"),
            Ok(range(Some(0.0), Some(0.008), "[]"))
        );
    }

    #[test]
    fn reasons() {
        let reason = |text: &str| parse_range(text).unwrap_err();
        assert_eq!(reason("[8,1,2]"), "ambiguous range format");
        assert_eq!(reason("[3,6,4]"), "ambiguous range format");
        assert_eq!(reason("abc"), "unsupported numeric range format");
        assert_eq!(reason("1e-07"), "unsupported numeric range format");
        assert_eq!(reason("."), "cannot cast '.' to decimal");
        assert_eq!(reason(">."), "cannot cast '.' to decimal");
        assert_eq!(reason("[none,None]"), "empty (infinite) range");
        assert_eq!(reason("[4,2]"), "negative range");
        assert_eq!(reason("4-2"), "negative range");
    }
}
