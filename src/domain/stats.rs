//! Resistance statistics as the overview pages show them: S/R/I counts per drug or country
//! with their ratios (`/overview/global-drugs/`, `/map`), and the global resistance summary
//! (`/overview/global-samples/`).
//!
//! Ratios use real division (the original's `global-samples` divided integers and so showed
//! 0.0 almost always) and a total of 0 gives 0.0 (the original answered 500).

use serde::Serialize;
use time::{Date, Month};

use super::filters::{integer, FilterError};

/// `part` as a percentage of `total`; 0.0 when the total is 0.
pub fn percentage(part: i64, total: i64) -> f64 {
    if total == 0 {
        0.0
    } else {
        part as f64 * 100.0 / total as f64
    }
}

/// A number as Django REST framework's `DecimalField` serialises a float: the shortest decimal
/// text of the float (Python's `str(float)`), rounded half-to-even to `places` decimals.
pub fn decimal_string(value: f64, places: usize) -> String {
    if !value.is_finite() {
        return decimal_string(0.0, places);
    }
    let text = format!("{}", value.abs());
    let negative = value < 0.0;
    let (int_part, frac_part) = text.split_once('.').unwrap_or((&text, ""));
    let mut digits: Vec<u8> = int_part
        .bytes()
        .chain(frac_part.bytes())
        .map(|b| b - b'0')
        .collect();
    let int_len = int_part.len();
    let keep = int_len + places;
    if digits.len() > keep {
        let first_dropped = digits[keep];
        let rest_nonzero = digits[keep + 1..].iter().any(|&d| d != 0);
        let last_kept_odd = keep > 0 && digits[keep - 1] % 2 == 1;
        let round_up = first_dropped > 5 || (first_dropped == 5 && (rest_nonzero || last_kept_odd));
        digits.truncate(keep);
        if round_up {
            let mut i = keep;
            loop {
                if i == 0 {
                    digits.insert(0, 1);
                    break;
                }
                i -= 1;
                if digits[i] == 9 {
                    digits[i] = 0;
                } else {
                    digits[i] += 1;
                    break;
                }
            }
        }
    } else {
        digits.resize(keep, 0);
    }
    let split = digits.len() - places;
    let int_text: String = digits[..split]
        .iter()
        .map(|d| char::from(b'0' + d))
        .collect();
    let frac_text: String = digits[split..]
        .iter()
        .map(|d| char::from(b'0' + d))
        .collect();
    let is_zero = digits.iter().all(|&d| d == 0);
    let sign = if negative && !is_zero { "-" } else { "" };
    if places == 0 {
        format!("{sign}{int_text}")
    } else {
        format!("{sign}{int_text}.{frac_text}")
    }
}

/// Phenotypic (DST) or genotypic (predicted) resistance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResistanceType {
    Pheno,
    Geno,
}

impl ResistanceType {
    pub fn parse(value: &str) -> Result<ResistanceType, FilterError> {
        match value {
            "Pheno" => Ok(ResistanceType::Pheno),
            "Geno" => Ok(ResistanceType::Geno),
            other => Err(FilterError::invalid_choice("resistance_type", other)),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ResistanceType::Pheno => "Pheno",
            ResistanceType::Geno => "Geno",
        }
    }
}

/// The sampling years asked for (`yearGte`, `yearLte`) as a half-open date window
/// `[from, until)`. A sample counts when its sampling period overlaps the window; a sample
/// without a sampling date always counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct YearWindow {
    pub from: Option<Date>,
    pub until: Option<Date>,
}

/// The years a date can hold, with room for `yearLte + 1`.
const YEARS: std::ops::RangeInclusive<i64> = 1..=9998;

impl YearWindow {
    pub fn parse(gte: Option<&str>, lte: Option<&str>) -> Result<YearWindow, FilterError> {
        let year = |attr: &str, value: Option<&str>| -> Result<Option<i32>, FilterError> {
            match value {
                None => Ok(None),
                Some(v) => {
                    let y = integer(attr, v)?;
                    if YEARS.contains(&y) {
                        Ok(Some(y as i32))
                    } else {
                        Err(FilterError::new(
                            attr,
                            "invalid",
                            format!(
                                "Enter a year between {} and {}.",
                                YEARS.start(),
                                YEARS.end()
                            ),
                        ))
                    }
                }
            }
        };
        let january_first =
            |y: i32| Date::from_calendar_date(y, Month::January, 1).expect("a year in range");
        Ok(YearWindow {
            from: year("year_gte", gte)?.map(january_first),
            until: year("year_lte", lte)?.map(|y| january_first(y + 1)),
        })
    }
}

/// Summed S/R/I counts of one group (a drug or a country).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub susceptible: i64,
    pub resistant: i64,
    pub intermediate: i64,
}

/// The numbers every resistance-stats item carries, ratios as strings with one decimal.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResistanceNumbers {
    pub susceptible: i64,
    pub resistant: i64,
    pub intermediate: i64,
    pub total: i64,
    pub ratio_susceptible: String,
    pub ratio_resistant: String,
    pub ratio_intermediate: String,
}

impl From<Counts> for ResistanceNumbers {
    fn from(c: Counts) -> Self {
        let total = c.susceptible + c.resistant + c.intermediate;
        let ratio = |part| decimal_string(percentage(part, total), 1);
        ResistanceNumbers {
            susceptible: c.susceptible,
            resistant: c.resistant,
            intermediate: c.intermediate,
            total,
            ratio_susceptible: ratio(c.susceptible),
            ratio_resistant: ratio(c.resistant),
            ratio_intermediate: ratio(c.intermediate),
        }
    }
}

/// An item of `/overview/global-drugs/`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DrugResistance {
    pub drug: i64,
    #[serde(flatten)]
    pub numbers: ResistanceNumbers,
}

/// An item of `/overview/global-drugs/map/`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CountryResistance {
    #[serde(rename = "countryId")]
    pub country_id: Option<String>,
    #[serde(flatten)]
    pub numbers: ResistanceNumbers,
}

/// The one row of the global resistance summary table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GlobalResistance {
    pub total_samples: i64,
    pub mono_resistant: i64,
    pub poly_resistant: i64,
    pub multidrug_resistant: i64,
    pub extensive_drug_resistant: i64,
    pub rifampicin_resistant: i64,
}

/// `/overview/global-samples/`, keys exactly as the original's view writes them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GlobalSamples {
    pub countries: Vec<String>,
    pub total: GlobalTotals,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GlobalTotals {
    pub total_sum: i64,
    pub mono_res_sum: i64,
    pub poly_res_sum: i64,
    pub multi_drug_res_sum: i64,
    pub ext_drug_res_sum: i64,
    pub rif_res_sum: i64,
    pub ratio_mono_res: f64,
    pub ratio_poly_res: f64,
    pub ratio_multi_drug_res: f64,
    pub ratio_ext_drug_res: f64,
    pub ratio_rif_res: f64,
}

impl From<GlobalResistance> for GlobalSamples {
    fn from(g: GlobalResistance) -> Self {
        let ratio = |part| percentage(part, g.total_samples);
        GlobalSamples {
            countries: Vec::new(),
            total: GlobalTotals {
                total_sum: g.total_samples,
                mono_res_sum: g.mono_resistant,
                poly_res_sum: g.poly_resistant,
                multi_drug_res_sum: g.multidrug_resistant,
                ext_drug_res_sum: g.extensive_drug_resistant,
                rif_res_sum: g.rifampicin_resistant,
                ratio_mono_res: ratio(g.mono_resistant),
                ratio_poly_res: ratio(g.poly_resistant),
                ratio_multi_drug_res: ratio(g.multidrug_resistant),
                ratio_ext_drug_res: ratio(g.extensive_drug_resistant),
                ratio_rif_res: ratio(g.rifampicin_resistant),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn decimals_round_half_to_even_on_the_shortest_text() {
        assert_eq!(decimal_string(50.0, 2), "50.00");
        assert_eq!(decimal_string(200.0 / 3.0, 1), "66.7");
        assert_eq!(decimal_string(100.0 / 3.0, 1), "33.3");
        assert_eq!(decimal_string(0.05, 1), "0.0");
        assert_eq!(decimal_string(0.15, 1), "0.2");
        assert_eq!(decimal_string(0.25, 1), "0.2");
        assert_eq!(decimal_string(99.95, 1), "100.0");
        assert_eq!(decimal_string(99.96, 1), "100.0");
        assert_eq!(decimal_string(9.999, 2), "10.00");
        assert_eq!(decimal_string(0.0, 1), "0.0");
        assert_eq!(decimal_string(100.0, 1), "100.0");
        // Python's str(12.345) is "12.345", a tie that goes to the even digit.
        assert_eq!(decimal_string(12.345, 2), "12.34");
        assert_eq!(decimal_string(1e-7, 2), "0.00");
        assert_eq!(decimal_string(-2.5, 0), "-2");
        assert_eq!(decimal_string(f64::NAN, 1), "0.0");
    }

    #[test]
    fn ratios_use_real_division_and_survive_zero() {
        let n = ResistanceNumbers::from(Counts {
            susceptible: 1,
            resistant: 2,
            intermediate: 0,
        });
        assert_eq!(n.total, 3);
        assert_eq!(n.ratio_resistant, "66.7");
        assert_eq!(n.ratio_susceptible, "33.3");
        assert_eq!(n.ratio_intermediate, "0.0");
        let zero = ResistanceNumbers::from(Counts::default());
        assert_eq!(zero.ratio_resistant, "0.0");
        assert_eq!(percentage(1, 4), 25.0);
    }

    #[test]
    fn years_become_a_half_open_window() {
        let w = YearWindow::parse(Some("1964"), Some("2024")).unwrap();
        assert_eq!(w.from, Some(date!(1964 - 01 - 01)));
        assert_eq!(w.until, Some(date!(2025 - 01 - 01)));
        assert_eq!(
            YearWindow::parse(None, None).unwrap(),
            YearWindow::default()
        );
        let err = YearWindow::parse(Some("abc"), None).unwrap_err();
        assert_eq!((err.attr.as_str(), err.code), ("year_gte", "invalid"));
        assert!(YearWindow::parse(None, Some("99999")).is_err());
        assert!(YearWindow::parse(None, Some("0")).is_err());
    }

    #[test]
    fn resistance_types_are_a_choice() {
        assert_eq!(ResistanceType::parse("Geno"), Ok(ResistanceType::Geno));
        assert_eq!(
            ResistanceType::parse("pheno").unwrap_err().code,
            "invalid_choice"
        );
    }

    #[test]
    fn global_samples_keep_the_original_keys() {
        let json = serde_json::to_value(GlobalSamples::from(GlobalResistance {
            total_samples: 4,
            multidrug_resistant: 1,
            ..GlobalResistance::default()
        }))
        .unwrap();
        assert_eq!(json["countries"], serde_json::json!([]));
        assert_eq!(json["total"]["totalSum"], 4);
        assert_eq!(json["total"]["multiDrugResSum"], 1);
        assert_eq!(json["total"]["ratioMultiDrugRes"], 25.0);
        assert_eq!(json["total"]["ratioRifRes"], 0.0);
    }
}
