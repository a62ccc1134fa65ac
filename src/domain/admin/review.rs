//! Package review in the admin (§8.1): which transition buttons a package offers, what the
//! page says after one, and the list actions on packages and API tokens. The transitions
//! themselves are the API's (`domain::lifecycle`, applied by `PackageStore`).

use crate::domain::admin::resource::ListAction;
use crate::domain::lifecycle::Transition;
use crate::domain::packages::MESSAGE_MAX;
use crate::domain::submission::{MatchingState, State};

/// "Schedule associated samples for bionformatic analysis." (sic, the original's text).
pub const SCHEDULE_ANALYSIS: ListAction = ListAction {
    name: "schedule_analysis",
    label: "Schedule associated samples for bionformatic analysis.",
};

pub const REVOKE_TOKENS: ListAction = ListAction {
    name: "revoke_tokens",
    label: "Revoke the selected API tokens",
};

/// The status a scheduled sample gets, and the rule for which samples qualify: reached
/// through the package's aliases, not yet in the pipeline, and *M. tuberculosis*.
pub const SCHEDULED_STATUS: &str = "Unprocessed";
pub const TUBERCULOSIS_TAXON: i64 = 1773;

/// A transition button: the form value and the title (the target state's label).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Button {
    pub method: &'static str,
    pub title: &'static str,
    /// Rejections first ask for a reason.
    pub asks_reason: bool,
}

/// The buttons a package in this state offers, in the lifecycle's order.
pub fn buttons(state: State, matching: MatchingState) -> Vec<Button> {
    Transition::available(state, matching)
        .iter()
        .map(|t| Button {
            method: t.method(),
            title: t.goal().label(),
            asks_reason: matches!(t, Transition::Reject { .. }),
        })
        .collect()
}

pub fn applied(t: &Transition) -> String {
    format!("Transition {} applied", t.goal().label())
}

pub fn not_allowed(t: &Transition) -> String {
    format!("Transition {} is not allowed", t.goal().label())
}

pub fn not_a_transition(method: &str) -> String {
    format!("{method} is not a transition method")
}

/// What is wrong with a reply typed in the admin (blank, or longer than the API allows).
pub fn reply_error(content: &str) -> Option<String> {
    if content.trim().is_empty() {
        Some("Set required field".into())
    } else if content.chars().count() > MESSAGE_MAX {
        Some(format!(
            "Ensure this field has no more than {MESSAGE_MAX} characters."
        ))
    } else {
        None
    }
}

pub fn scheduled(samples: u64) -> String {
    format!("{samples} samples were scheduled for analysis.")
}

pub fn revoked(tokens: u64) -> String {
    format!("{tokens} API tokens were revoked.")
}

/// The keys of the rows selected in a list form (`_selected_action`, as Django names them):
/// positive integers only, each once.
pub fn selected_ids(fields: &[(String, String)]) -> Vec<i64> {
    let mut ids: Vec<i64> = fields
        .iter()
        .filter(|(k, _)| k == "_selected_action")
        .filter_map(|(_, v)| v.trim().parse().ok())
        .filter(|id| *id > 0)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

#[cfg(test)]
mod tests {
    use super::*;
    use MatchingState::*;

    #[test]
    fn buttons_are_titled_by_their_target() {
        let titles = |s, m| -> Vec<&str> { buttons(s, m).iter().map(|b| b.title).collect() };
        assert_eq!(
            titles(State::Pending, Matched),
            ["Accepted", "Rejected", "Draft"]
        );
        assert_eq!(titles(State::Draft, Matched), ["Pending"]);
        assert!(titles(State::Draft, Changed).is_empty());
        assert!(titles(State::Accepted, Matched).is_empty());
        assert!(buttons(State::Pending, Matched)[1].asks_reason);
        assert_eq!(applied(&Transition::Accept), "Transition Accepted applied");
        assert_eq!(
            not_allowed(&Transition::Submit),
            "Transition Pending is not allowed"
        );
    }

    #[test]
    fn selection_keeps_positive_ids_once() {
        let fields: Vec<(String, String)> = [
            ("_selected_action", "3"),
            ("x", "4"),
            ("_selected_action", "3"),
            ("_selected_action", "-1"),
            ("_selected_action", "a"),
            ("_selected_action", "1"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(selected_ids(&fields), [1, 3]);
    }
}
