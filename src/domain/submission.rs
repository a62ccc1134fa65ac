//! The vocabulary of data submission shared by the workbook import, matching, the lifecycle
//! and the API: package states, matching states, match sources, verdicts and the two range
//! types the original stored as PostgreSQL ranges.

use serde::{Deserialize, Serialize};
use time::Date;

/// `Package.state` (django-fsm in the original).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    Draft,
    Pending,
    Accepted,
    Rejected,
    /// `""`: no transition uses it (packages of the pipelines).
    Unset,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Draft => "DRAFT",
            State::Pending => "PENDING",
            State::Accepted => "ACCEPTED",
            State::Rejected => "REJECTED",
            State::Unset => "",
        }
    }

    pub fn parse(text: &str) -> State {
        match text {
            "DRAFT" => State::Draft,
            "PENDING" => State::Pending,
            "ACCEPTED" => State::Accepted,
            "REJECTED" => State::Rejected,
            _ => State::Unset,
        }
    }

    /// Data of a package can change only in DRAFT and REJECTED.
    pub fn is_editable(self) -> bool {
        matches!(self, State::Draft | State::Rejected)
    }

    /// The label the admin shows on a transition button.
    pub fn label(self) -> &'static str {
        match self {
            State::Draft => "Draft",
            State::Pending => "Pending",
            State::Accepted => "Accepted",
            State::Rejected => "Rejected",
            State::Unset => "Unset",
        }
    }
}

/// `Package.matching_state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MatchingState {
    NeverMatched,
    Matched,
    Changed,
    Unset,
}

impl MatchingState {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchingState::NeverMatched => "NEVER_MATCHED",
            MatchingState::Matched => "MATCHED",
            MatchingState::Changed => "CHANGED",
            MatchingState::Unset => "",
        }
    }

    pub fn parse(text: &str) -> MatchingState {
        match text {
            "NEVER_MATCHED" => MatchingState::NeverMatched,
            "MATCHED" => MatchingState::Matched,
            "CHANGED" => MatchingState::Changed,
            _ => MatchingState::Unset,
        }
    }
}

/// How matching found (or did not find) an alias's sample: `SampleAlias.match_source`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MatchSource {
    NoMatch,
    FastqUploaded,
    FastqUploadedNewSample,
    FastqExisting,
    Ncbi,
    NcbiFastq,
    UserAlias,
}

impl MatchSource {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchSource::NoMatch => "NO_MATCH",
            MatchSource::FastqUploaded => "FASTQ_UPLOADED",
            MatchSource::FastqUploadedNewSample => "FASTQ_UPLOADED_NEW_SAMPLE",
            MatchSource::FastqExisting => "FASTQ_EXISTING",
            MatchSource::Ncbi => "NCBI",
            MatchSource::NcbiFastq => "NCBI_FASTQ",
            MatchSource::UserAlias => "USER_ALIAS",
        }
    }
}

/// Severity of a verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Info,
    Warning,
    Error,
}

/// One finding of matching on an alias or a FASTQ link, stored as a JSON list
/// `[{"verdict": …, "level": …}]` in the original's key order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    pub verdict: String,
    pub level: Level,
}

impl Verdict {
    pub fn new(level: Level, verdict: impl Into<String>) -> Verdict {
        Verdict {
            verdict: verdict.into(),
            level,
        }
    }
}

/// Parses a stored verdict list; anything unreadable counts as no verdicts.
pub fn parse_verdicts(json: &str) -> Vec<Verdict> {
    serde_json::from_str(json).unwrap_or_default()
}

pub fn verdicts_json(verdicts: &[Verdict]) -> String {
    serde_json::to_string(verdicts).expect("verdicts always serialise")
}

/// A sampling date range stored like PostgreSQL's canonical `daterange`: `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    pub start: Date,
    /// Exclusive.
    pub end: Date,
}

/// The bounds of a numeric range, as the two-character string PostgreSQL prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bounds {
    /// `[)`
    ClosedOpen,
    /// `[]`
    Closed,
    /// `(]`
    OpenClosed,
    /// `()`
    Open,
}

impl Bounds {
    pub fn as_str(self) -> &'static str {
        match self {
            Bounds::ClosedOpen => "[)",
            Bounds::Closed => "[]",
            Bounds::OpenClosed => "(]",
            Bounds::Open => "()",
        }
    }

    pub fn parse(text: &str) -> Option<Bounds> {
        match text {
            "[)" => Some(Bounds::ClosedOpen),
            "[]" => Some(Bounds::Closed),
            "(]" => Some(Bounds::OpenClosed),
            "()" => Some(Bounds::Open),
            _ => None,
        }
    }
}

/// A MIC value as a numeric range (`numrange` in the original); `None` = unbounded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NumRange {
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    pub bounds: Bounds,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_round_trip_in_the_original_shape() {
        let v = vec![Verdict::new(Level::Warning, "was not used in matching")];
        let json = verdicts_json(&v);
        assert_eq!(
            json,
            r#"[{"verdict":"was not used in matching","level":"warning"}]"#
        );
        assert_eq!(parse_verdicts(&json), v);
        assert!(parse_verdicts("not json").is_empty());
    }

    #[test]
    fn states_parse_what_they_print() {
        for s in [
            State::Draft,
            State::Pending,
            State::Accepted,
            State::Rejected,
        ] {
            assert_eq!(State::parse(s.as_str()), s);
        }
        assert!(State::Rejected.is_editable() && !State::Pending.is_editable());
        assert_eq!(
            MatchingState::parse("CHANGED").as_str(),
            MatchingState::Changed.as_str()
        );
        assert_eq!(Bounds::parse("(]"), Some(Bounds::OpenClosed));
    }
}
