//! `Sampling date` text → date range (§4.5). Ranges are returned canonical, `[start, end)`,
//! as PostgreSQL stored them. `Ok(None)`: empty or a format the original did not know
//! (it silently stored null for those, and users rely on that for free-text dates).

use time::{Date, Month};

use crate::domain::submission::DateRange;

/// Why a sampling date was refused; the caller reports every case as the same
/// `Sampling date: Wrong value at …` message the original used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateError {
    Impossible,
    InFuture,
    /// `[b, a]` with b after a, or an empty range such as `[a, a)`.
    Reversed,
}

/// Parses the trimmed text of a `Sampling date` cell.
pub fn parse_sampling_date(raw: &str, today: Date) -> Result<Option<DateRange>, DateError> {
    let text = raw.trim();
    let range = if let Some(range) = bracketed(text)? {
        range
    } else if let Some(year) = digits(text, 4, 4) {
        let start = ymd(year, 1, 1)?;
        DateRange {
            start,
            end: ymd(year + 1, 1, 1)?,
        }
    } else if let Some((year, month)) = year_month(text) {
        let start = ymd(year, month, 1)?;
        let end = if month == 12 {
            ymd(year + 1, 1, 1)?
        } else {
            ymd(year, month + 1, 1)?
        };
        DateRange { start, end }
    } else if let Some(day) = full_date(text) {
        single_day(day?)?
    } else {
        return Ok(None);
    };
    check_not_future(range.start, today)?;
    Ok(Some(range))
}

/// An Excel date (or date-time) cell: the single day it falls on.
pub fn excel_day(day: Date, today: Date) -> Result<DateRange, DateError> {
    check_not_future(day, today)?;
    single_day(day)
}

fn check_not_future(start: Date, today: Date) -> Result<(), DateError> {
    if start > today {
        return Err(DateError::InFuture);
    }
    Ok(())
}

fn single_day(day: Date) -> Result<DateRange, DateError> {
    let end = day.next_day().ok_or(DateError::Impossible)?;
    Ok(DateRange { start: day, end })
}

fn ymd(year: i32, month: u8, day: u8) -> Result<Date, DateError> {
    let month = Month::try_from(month).map_err(|_| DateError::Impossible)?;
    Date::from_calendar_date(year, month, day).map_err(|_| DateError::Impossible)
}

/// A run of `min..=max` ASCII digits and nothing else.
fn digits(text: &str, min: usize, max: usize) -> Option<i32> {
    let ok = (min..=max).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| text.parse().ok()).flatten()
}

fn year_month(text: &str) -> Option<(i32, u8)> {
    let (year, month) = text.split_once('-')?;
    Some((
        digits(year, 4, 4)?,
        u8::try_from(digits(month, 1, 2)?).ok()?,
    ))
}

/// `YYYY-M-D` with 1–2 digit month and day; `Some(Err)` when it is shaped like a date but
/// no such day exists (30 February).
fn full_date(text: &str) -> Option<Result<Date, DateError>> {
    let mut parts = text.split('-');
    let year = digits(parts.next()?, 4, 4)?;
    let month = u8::try_from(digits(parts.next()?, 1, 2)?).ok()?;
    let day = u8::try_from(digits(parts.next()?, 1, 2)?).ok()?;
    if parts.next().is_some() {
        return None;
    }
    Some(ymd(year, month, day))
}

/// `[2010-01-01,2010-12-31]` and the other three bracket pairs, spaces ignored.
fn bracketed(text: &str) -> Result<Option<DateRange>, DateError> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let (Some(open), Some(close)) = (compact.chars().next(), compact.chars().last()) else {
        return Ok(None);
    };
    if compact.len() < 2 || !matches!(open, '[' | '(') || !matches!(close, ']' | ')') {
        return Ok(None);
    }
    let Some((a, b)) = compact[1..compact.len() - 1].split_once(',') else {
        return Ok(None);
    };
    let (Some(lower), Some(upper)) = (full_date(a), full_date(b)) else {
        return Ok(None);
    };
    let (lower, upper) = (lower?, upper?);
    let start = if open == '(' {
        lower.next_day().ok_or(DateError::Impossible)?
    } else {
        lower
    };
    let end = if close == ']' {
        upper.next_day().ok_or(DateError::Impossible)?
    } else {
        upper
    };
    if end <= start {
        return Err(DateError::Reversed);
    }
    Ok(Some(DateRange { start, end }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2024 - 06 - 15);

    fn range(start: Date, end: Date) -> Option<DateRange> {
        Some(DateRange { start, end })
    }

    #[test]
    fn years_months_days() {
        let parse = |t| parse_sampling_date(t, TODAY);
        assert_eq!(
            parse("2016"),
            Ok(range(date!(2016 - 01 - 01), date!(2017 - 01 - 01)))
        );
        assert_eq!(
            parse(" 2019-12 "),
            Ok(range(date!(2019 - 12 - 01), date!(2020 - 01 - 01)))
        );
        assert_eq!(
            parse("2019-9"),
            Ok(range(date!(2019 - 09 - 01), date!(2019 - 10 - 01)))
        );
        assert_eq!(
            parse("2011-11-30"),
            Ok(range(date!(2011 - 11 - 30), date!(2011 - 12 - 01)))
        );
        assert_eq!(
            parse("2020-2-29"),
            Ok(range(date!(2020 - 02 - 29), date!(2020 - 03 - 01)))
        );
    }

    #[test]
    fn brackets() {
        let parse = |t| parse_sampling_date(t, TODAY);
        assert_eq!(
            parse("[2010-01-01,2010-12-31]"),
            Ok(range(date!(2010 - 01 - 01), date!(2011 - 01 - 01)))
        );
        assert_eq!(
            parse("( 2010-01-01 , 2010-12-31 )"),
            Ok(range(date!(2010 - 01 - 02), date!(2010 - 12 - 31)))
        );
        assert_eq!(parse("[2010-01-02,2010-01-01]"), Err(DateError::Reversed));
    }

    #[test]
    fn unknown_formats_are_null() {
        for text in ["", "  ", "30/11/2011", "2011.5", "around 2010", "20111"] {
            assert_eq!(parse_sampling_date(text, TODAY), Ok(None), "{text}");
        }
    }

    #[test]
    fn impossible_and_future_dates() {
        let parse = |t| parse_sampling_date(t, TODAY);
        assert_eq!(parse("2020-13"), Err(DateError::Impossible));
        assert_eq!(parse("2021-02-30"), Err(DateError::Impossible));
        assert_eq!(parse("2050"), Err(DateError::InFuture));
        assert_eq!(parse("2060-10-01"), Err(DateError::InFuture));
        assert_eq!(parse("[2024-06-16,2024-07-01]"), Err(DateError::InFuture));
        assert!(
            parse("2024").is_ok(),
            "the current year starts before today"
        );
        assert_eq!(
            excel_day(date!(2030 - 01 - 01), TODAY),
            Err(DateError::InFuture)
        );
        assert_eq!(
            excel_day(date!(2011 - 11 - 30), TODAY),
            Ok(DateRange {
                start: date!(2011 - 11 - 30),
                end: date!(2011 - 12 - 01)
            })
        );
    }
}
