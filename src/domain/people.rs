//! Identities as Slack hands them to us: workspaces (`T…`) and people
//! (`U…`/`W…`). Typed so that a team id can never be passed where a user id
//! is meant, and validated once at the edge.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A person, by their Slack user id (`U…`, or `W…` on Enterprise Grid).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(String);

/// A workspace, by its Slack team id (`T…`). Every stored key starts with it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TeamId(String);

/// One Events API delivery, by Slack's `event_id` (`Ev0123ABCD`): what makes
/// a retried event have its effect once. Stored as a key, so it is checked
/// here, at the edge, and by the importer, with the same rule.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EventId(String);

impl EventId {
    /// Slack's event ids are short ASCII alphanumerics; also accepted: `-`
    /// and `_`, up to 64 characters. Empty, control characters (a NUL would
    /// end the key's id early), spaces and anything else are not event ids.
    pub fn parse(s: &str) -> Option<EventId> {
        ((1..=64).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        .then(|| EventId(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Slack ids are short upper-case alphanumerics; anything else is not an id.
fn is_slack_id(s: &str, first: &[char]) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if first.contains(&c))
        && (2..=32).contains(&s.len())
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

impl UserId {
    /// Accepts `U…` and `W…` ids (what Slack puts in `user_id` and mentions).
    pub fn parse(s: &str) -> Option<UserId> {
        is_slack_id(s, &['U', 'W']).then(|| UserId(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// How Slack's mrkdwn shows a person: their name, resolved by the client.
    pub fn mention(&self) -> String {
        format!("<@{}>", self.0)
    }
}

impl TeamId {
    pub fn parse(s: &str) -> Option<TeamId> {
        is_slack_id(s, &['T', 'E']).then(|| TeamId(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for TeamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_validated() {
        for ok in ["U123", "W0ABC", "U02AB3CDEF"] {
            assert!(UserId::parse(ok).is_some(), "{ok}");
        }
        for bad in [
            "",
            "U",
            "u123",
            "T123",
            "U12-3",
            "U 12",
            "@U123",
            "U12345678901234567890123456789012345",
        ] {
            assert!(UserId::parse(bad).is_none(), "{bad}");
        }
        assert!(TeamId::parse("T0001").is_some());
        assert!(TeamId::parse("U0001").is_none());
        for ok in ["Ev0123ABCD", "Ev1", "ev-2_x"] {
            assert!(EventId::parse(ok).is_some(), "{ok}");
        }
        let long = "E".repeat(65);
        for bad in ["", "\u{0}", "Ev\u{0}1", "Ev 1", "Év1", long.as_str()] {
            assert!(EventId::parse(bad).is_none(), "{bad:?}");
        }
    }
}
