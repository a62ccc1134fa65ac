//! The package lifecycle (django-fsm in the original): which transitions exist, from which
//! states, under which guard, and who may fire them. The database side applies the effects.

use super::submission::{MatchingState, State};

/// A transition a person asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    /// The submitter sends a matched package for review (`to_pending`).
    Submit,
    /// Staff accept a pending package (`pending_to_accepted`).
    Accept,
    /// Staff reject a pending package with a reason (`pending_to_rejected`).
    Reject { reason: String },
    /// Staff hand a pending or rejected package back to its submitter as a draft.
    ToDraft,
}

/// Why a transition is refused. Texts are the original's django-fsm messages, which the
/// frontend shows as they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransitionError {
    NotAllowed {
        from: State,
        method: &'static str,
    },
    ConditionsNotMet {
        method: &'static str,
    },
    /// The rejection reason is outside 4–2048 characters.
    BadReason(String),
}

impl TransitionError {
    pub fn message(&self) -> String {
        match self {
            TransitionError::NotAllowed { from, method } => {
                format!(
                    "Can't switch from state '{}' using method '{method}'",
                    from.as_str()
                )
            }
            TransitionError::ConditionsNotMet { method } => {
                format!("Transition conditions have not been met for method '{method}'")
            }
            TransitionError::BadReason(message) => message.clone(),
        }
    }
}

pub const REASON_MIN: usize = 4;
pub const REASON_MAX: usize = 2048;

/// A rejection reason must hold 4–2048 characters (surrounding blanks do not count).
pub fn check_reason(reason: &str) -> Result<(), TransitionError> {
    let length = reason.trim().chars().count();
    if (REASON_MIN..=REASON_MAX).contains(&length) {
        Ok(())
    } else {
        Err(TransitionError::BadReason(format!(
            "The reason must be {REASON_MIN} to {REASON_MAX} characters long."
        )))
    }
}

impl Transition {
    /// The original's method name, used in messages and logs.
    pub fn method(&self) -> &'static str {
        match self {
            Transition::Submit => "to_pending",
            Transition::Accept => "pending_to_accepted",
            Transition::Reject { .. } => "pending_to_rejected",
            Transition::ToDraft => "to_draft",
        }
    }

    /// The transition a method name stands for (the admin's buttons name them so);
    /// `reason` goes to a rejection.
    pub fn from_method(method: &str, reason: String) -> Option<Transition> {
        Some(match method {
            "to_pending" => Transition::Submit,
            "pending_to_accepted" => Transition::Accept,
            "pending_to_rejected" => Transition::Reject { reason },
            "to_draft" => Transition::ToDraft,
            _ => return None,
        })
    }

    /// The state it leads to (the admin titles its buttons with it).
    pub fn goal(&self) -> State {
        match self {
            Transition::Submit => State::Pending,
            Transition::Accept => State::Accepted,
            Transition::Reject { .. } => State::Rejected,
            Transition::ToDraft => State::Draft,
        }
    }

    /// Only staff may review.
    pub fn needs_staff(&self) -> bool {
        !matches!(self, Transition::Submit)
    }

    /// The target state when the transition is allowed from `state`.
    pub fn target(&self, state: State, matching: MatchingState) -> Result<State, TransitionError> {
        let method = self.method();
        let not_allowed = Err(TransitionError::NotAllowed {
            from: state,
            method,
        });
        match self {
            Transition::Submit => {
                if !state.is_editable() {
                    return not_allowed;
                }
                if matching != MatchingState::Matched {
                    return Err(TransitionError::ConditionsNotMet { method });
                }
                Ok(State::Pending)
            }
            Transition::Accept => match state {
                State::Pending => Ok(State::Accepted),
                _ => not_allowed,
            },
            Transition::Reject { reason } => {
                check_reason(reason)?;
                match state {
                    State::Pending => Ok(State::Rejected),
                    _ => not_allowed,
                }
            }
            Transition::ToDraft => match state {
                State::Pending | State::Rejected => Ok(State::Draft),
                _ => not_allowed,
            },
        }
    }

    /// Every transition allowed from this state for a reviewer (the admin's buttons).
    pub fn available(state: State, matching: MatchingState) -> Vec<Transition> {
        [
            Transition::Submit,
            Transition::Accept,
            Transition::Reject {
                reason: "....".into(),
            },
            Transition::ToDraft,
        ]
        .into_iter()
        .filter(|t| t.target(state, matching).is_ok())
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use MatchingState::*;

    #[test]
    fn submit_needs_an_editable_matched_package() {
        assert_eq!(
            Transition::Submit.target(State::Draft, Matched),
            Ok(State::Pending)
        );
        assert_eq!(
            Transition::Submit.target(State::Rejected, Matched),
            Ok(State::Pending)
        );
        assert_eq!(
            Transition::Submit
                .target(State::Draft, Changed)
                .unwrap_err()
                .message(),
            "Transition conditions have not been met for method 'to_pending'"
        );
        assert_eq!(
            Transition::Submit
                .target(State::Pending, Matched)
                .unwrap_err()
                .message(),
            "Can't switch from state 'PENDING' using method 'to_pending'"
        );
    }

    #[test]
    fn reviews_start_from_pending() {
        for state in [State::Draft, State::Accepted, State::Rejected] {
            assert!(Transition::Accept.target(state, Matched).is_err());
        }
        let reject = Transition::Reject {
            reason: "ugly".into(),
        };
        assert_eq!(reject.target(State::Pending, Matched), Ok(State::Rejected));
        let short = Transition::Reject {
            reason: "no".into(),
        };
        assert!(matches!(
            short.target(State::Pending, Matched),
            Err(TransitionError::BadReason(_))
        ));
        assert_eq!(
            Transition::ToDraft.target(State::Rejected, Changed),
            Ok(State::Draft)
        );
        assert!(Transition::ToDraft
            .target(State::Accepted, Matched)
            .is_err());
        assert!(Transition::Accept.needs_staff() && !Transition::Submit.needs_staff());
    }

    #[test]
    fn available_transitions_follow_the_state() {
        let methods = |s, m| -> Vec<&str> {
            Transition::available(s, m)
                .iter()
                .map(Transition::method)
                .collect()
        };
        assert_eq!(
            methods(State::Pending, Matched),
            ["pending_to_accepted", "pending_to_rejected", "to_draft"]
        );
        assert_eq!(methods(State::Draft, Matched), ["to_pending"]);
        assert!(methods(State::Accepted, Matched).is_empty());
    }
}
