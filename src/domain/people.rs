//! Identities as the surfaces hand them to us: Slack's workspaces (`T…`)
//! and people (`U…`/`W…`), and Mattermost's teams and people (26 lowercase
//! letters and digits). Typed so that a team id can never be passed where a
//! user id is meant, and validated once at the edge.
//!
//! Identity is (surface, workspace, user): a Mattermost team is stored as
//! `mm-<team id>` ([`TeamId::mattermost`]), which no Slack team id can be,
//! and every key starts with the workspace, so the two surfaces never see
//! each other's data even on one store. People are always looked up within
//! their workspace; Slack's ids are upper case and Mattermost's lower case.

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

/// Mattermost's ids: 26 lower-case letters and digits.
fn is_mattermost_id(s: &str) -> bool {
    s.len() == 26
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// How a Mattermost team's workspace id begins.
const MATTERMOST_TEAM: &str = "mm-";

impl UserId {
    /// Accepts Slack's `U…` and `W…` ids (what Slack puts in `user_id` and
    /// mentions) and Mattermost's.
    pub fn parse(s: &str) -> Option<UserId> {
        (is_slack_id(s, &['U', 'W']) || is_mattermost_id(s)).then(|| UserId(s.to_string()))
    }

    /// A Mattermost user id only (what Mattermost puts in `user_id`).
    pub fn mattermost(s: &str) -> Option<UserId> {
        is_mattermost_id(s).then(|| UserId(s.to_string()))
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
    /// A Slack team id, or a Mattermost team's workspace id (`mm-…`).
    pub fn parse(s: &str) -> Option<TeamId> {
        let mattermost = s
            .strip_prefix(MATTERMOST_TEAM)
            .is_some_and(is_mattermost_id);
        (is_slack_id(s, &['T', 'E']) || mattermost).then(|| TeamId(s.to_string()))
    }

    /// What people call the chat this workspace is on, for the few
    /// sentences that must name it ("your Slack time zone", "your
    /// Mattermost time zone").
    pub fn chat(&self) -> &'static str {
        if self.is_mattermost() {
            "Mattermost"
        } else {
            "Slack"
        }
    }

    /// A Mattermost team's workspace.
    pub fn is_mattermost(&self) -> bool {
        self.0.starts_with(MATTERMOST_TEAM)
    }

    /// The workspace of a Mattermost team, from its id.
    pub fn mattermost(team_id: &str) -> Option<TeamId> {
        is_mattermost_id(team_id).then(|| TeamId(format!("{MATTERMOST_TEAM}{team_id}")))
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
        // Mattermost's: 26 lower-case letters and digits.
        let mm = "hk7b3ydqwjgxbx6ijdmitqj9ah";
        assert!(UserId::parse(mm).is_some());
        for bad in [
            "hk7b3ydqwjgxbx6ijdmitqj9a",
            "Hk7b3ydqwjgxbx6ijdmitqj9ah",
            "hk7b3ydqwjgxbx6ijdmitqj9a_",
        ] {
            assert!(UserId::parse(bad).is_none(), "{bad}");
            assert!(TeamId::mattermost(bad).is_none(), "{bad}");
        }
        let team = TeamId::mattermost(mm).unwrap();
        assert_eq!(team.as_str(), format!("mm-{mm}"));
        assert_eq!(TeamId::parse(team.as_str()), Some(team));
        assert!(
            TeamId::parse(mm).is_none(),
            "a bare Mattermost id is not a workspace"
        );
        assert!(TeamId::parse("mm-T0001").is_none());
        for ok in ["Ev0123ABCD", "Ev1", "ev-2_x"] {
            assert!(EventId::parse(ok).is_some(), "{ok}");
        }
        let long = "E".repeat(65);
        for bad in ["", "\u{0}", "Ev\u{0}1", "Ev 1", "Év1", long.as_str()] {
            assert!(EventId::parse(bad).is_none(), "{bad:?}");
        }
    }
}
