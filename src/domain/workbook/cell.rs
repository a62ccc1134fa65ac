//! One non-empty cell and its text as pandas gave it to the original (`dtype=str` reading):
//! the validation messages quote that text, so `2016.0` must read `2016` and `1e-07` must
//! stay `1e-07`.

use time::Date;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Number(f64),
    Bool(bool),
    /// An Excel date-typed cell; `seconds` is the time of day.
    DateTime {
        date: Date,
        seconds: u32,
    },
    /// `#N/A`, `#DIV/0!`…: kept as written.
    Error(String),
}

impl Value {
    /// The cell as text, in pandas' "everything as text" form.
    pub fn text(&self) -> String {
        match self {
            Value::Text(s) | Value::Error(s) => s.clone(),
            Value::Number(x) => python_number(*x),
            Value::Bool(true) => "True".into(),
            Value::Bool(false) => "False".into(),
            Value::DateTime { date, seconds } => format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                date.year(),
                u8::from(date.month()),
                date.day(),
                seconds / 3600,
                seconds / 60 % 60,
                seconds % 60
            ),
        }
    }

    /// Blank for the purpose of "fully blank row": nothing but whitespace.
    pub fn is_blank(&self) -> bool {
        matches!(self, Value::Text(s) if s.trim().is_empty())
    }
}

/// pandas turned integral floats into ints (`8.0` → `8`) and printed the others with
/// Python's `repr`: shortest round-trip digits, scientific below 1e-4 and from 1e16.
pub fn python_number(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    if x.fract() == 0.0 {
        // `{:.0}` prints the exact integer, as Python's `int(x)` does; `-0.0` is `0`.
        return if x == 0.0 {
            "0".into()
        } else {
            format!("{x:.0}")
        };
    }
    let sci = format!("{x:e}"); // shortest digits, e.g. `-1.5e-7`
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    if (-4..16).contains(&exponent) {
        let point = exponent + 1; // digits before the decimal point
        if point <= 0 {
            format!(
                "{sign}0.{}{digits}",
                "0".repeat(point.unsigned_abs() as usize)
            )
        } else {
            let point = point as usize;
            let padded = format!("{digits:0<point$}");
            let (int, frac) = padded.split_at(point);
            let frac = if frac.is_empty() { "0" } else { frac };
            format!("{sign}{int}.{frac}")
        }
    } else {
        let (first, rest) = digits.split_at(1);
        let rest = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if exponent < 0 { '-' } else { '+' };
        format!("{sign}{first}{rest}e{esign}{:02}", exponent.unsigned_abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn numbers_read_like_pandas() {
        let cases = [
            (8.0, "8"),
            (2016.0, "2016"),
            (0.06, "0.06"),
            (3.2, "3.2"),
            (0.015, "0.015"),
            (1e-7, "1e-07"),
            (0.0001, "0.0001"),
            (0.00012, "0.00012"),
            (-2.5, "-2.5"),
            (123456.789, "123456.789"),
            (1.5e20, "150000000000000000000"),
            (1e16, "10000000000000000"),
            (1.5e-10, "1.5e-10"),
            (-0.0, "0"),
            (1.0 / 3.0, "0.3333333333333333"),
            (2.5e-5, "2.5e-05"),
        ];
        for (x, text) in cases {
            assert_eq!(python_number(x), text, "{x}");
        }
    }

    #[test]
    fn other_cells_read_like_pandas() {
        let date = Value::DateTime {
            date: date!(2011 - 11 - 30),
            seconds: 3661,
        };
        assert_eq!(date.text(), "2011-11-30 01:01:01");
        assert_eq!(Value::Bool(true).text(), "True");
        assert!(Value::Text("  ".into()).is_blank());
        assert!(!Value::Number(0.0).is_blank());
    }
}
