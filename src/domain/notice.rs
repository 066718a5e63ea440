//! Messages the bot owes people, as intent: who, about which tour, what kind.
//! They are written to the outbox in the same transaction as the change that
//! caused them and rendered only when delivered, so a DM always shows the tour
//! as it is when it goes out.
//!
//! Every notice has an idempotency key (`tour:17:proposal`,
//! `tour:17:ending:30d:U123`): the outbox sends a key at most once, ever.

use super::people::UserId;
use super::schedule::Series;
use super::tour::{Event, HistoryEntry, Tour, TourId};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub tour: TourId,
    pub to: UserId,
    pub kind: NoticeKind,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum NoticeKind {
    /// A new proposal, to the member, with Accept / Decline.
    Proposal,
    /// The member's answer, to the manager.
    Accepted,
    Declined {
        reason: Option<String>,
    },
    /// The manager took the proposal back, to the member.
    Withdrawn,
    /// A scheduled reminder; `round` counts snoozes (0 = the first time).
    /// `on` is the day it was planned for (in its key, so the same
    /// milestone of a moved end date is a new message); older entries lack it.
    Reminder {
        series: Series,
        round: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        on: Option<NaiveDate>,
    },
    /// One party extended the tour; to the other. `entry`: its history number.
    Extended {
        entry: u32,
    },
    /// The tour was completed; to both, with the question of what comes next.
    Completed,
    /// An early exit was planned; to the party who did not plan it.
    LeavePlanned,
    /// To the successor: take over, with an Accept button.
    HandoverAsked,
    /// The successor accepted; to the member and the manager.
    HandoverAccepted,
    /// The member left on the exit date; to the manager.
    Left,
    /// Not a message: the recipient's App Home tab is published again after
    /// history entry `entry` of the tour changed it.
    Home {
        entry: u32,
    },
    /// The Right of First Conversation: `from` (a member) asks their manager
    /// for a conversation about their next move. Private to the two of them:
    /// the note is dropped once delivered, and no list, admin view or
    /// other person's export shows it (`from`'s own export does, and the
    /// full export, the operator's backup, keeps it until delivered).
    Talk {
        from: UserId,
        note: Option<String>,
        asked_at: chrono::DateTime<chrono::Utc>,
    },
    /// A short answer to a button, keyed by what caused it.
    Note {
        key: String,
        text: String,
    },
    /// A check-in was recorded; to the other party. The manager's copy
    /// asks the company's side of it.
    CheckedIn {
        number: u32,
    },
    /// A message of a check-in conversation (a question, a thank-you), as
    /// said; `seq` numbers the recipient's conversation messages. With
    /// `pause` it carries the Later / Snooze buttons.
    Chat {
        seq: u32,
        text: String,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        pause: bool,
    },
}

impl Notice {
    pub fn key(&self) -> String {
        let tour = self.tour.0;
        match &self.kind {
            NoticeKind::Proposal => format!("tour:{tour}:proposal"),
            NoticeKind::Accepted => format!("tour:{tour}:accepted"),
            NoticeKind::Declined { .. } => format!("tour:{tour}:declined"),
            NoticeKind::Withdrawn => format!("tour:{tour}:withdrawn"),
            NoticeKind::Reminder { series, round, on } => {
                let on = on.map(|d| format!(":{d}")).unwrap_or_default();
                let round = if *round == 0 {
                    String::new()
                } else {
                    format!(":s{round}")
                };
                format!("tour:{tour}:{}{on}:{}{round}", series.key(), self.to)
            }
            NoticeKind::Extended { entry } => format!("tour:{tour}:extended:{entry}:{}", self.to),
            NoticeKind::Completed => format!("tour:{tour}:completed:{}", self.to),
            NoticeKind::LeavePlanned => format!("tour:{tour}:leave:{}", self.to),
            NoticeKind::HandoverAsked => format!("tour:{tour}:handover:{}", self.to),
            NoticeKind::HandoverAccepted => {
                format!("tour:{tour}:handover-accepted:{}", self.to)
            }
            NoticeKind::Left => format!("tour:{tour}:left:{}", self.to),
            NoticeKind::Home { entry } => format!("home:{}:tour:{tour}:h{entry}", self.to),
            // Not about a tour in anyone's record: keyed by the asker and the
            // instant (several requests over time are several messages).
            NoticeKind::Talk { from, asked_at, .. } => {
                format!("talk:{from}:{}", asked_at.timestamp_micros())
            }
            NoticeKind::Note { key, .. } => format!("tour:{tour}:note:{key}"),
            NoticeKind::CheckedIn { number } => {
                format!("tour:{tour}:checked-in:{number}:{}", self.to)
            }
            // Numbered by the person's chat, zero-padded so that messages
            // due in the same second go out in the order they were said.
            NoticeKind::Chat { seq, .. } => format!("chat:{}:{seq:010}", self.to),
        }
    }

    /// Whether it answers someone's action now (sent at once) rather than
    /// being a reminder (sent in the recipient's working hours).
    pub fn is_immediate(&self) -> bool {
        !matches!(
            self.kind,
            NoticeKind::Reminder { .. } | NoticeKind::Talk { .. }
        )
    }

    /// A Right of First Conversation request from `who`.
    pub fn is_talk_from(&self, who: &UserId) -> bool {
        matches!(&self.kind, NoticeKind::Talk { from, .. } if from == who)
    }
}

/// What a change owes people right away.
pub fn for_change(tour: &Tour, entry: &HistoryEntry) -> Vec<Notice> {
    let notice = |to: &UserId, kind| Notice {
        tour: tour.id,
        to: to.clone(),
        kind,
    };
    // The party who did not make the change.
    let other = if entry.by == tour.manager {
        &tour.member
    } else {
        &tour.manager
    };
    match &entry.event {
        Event::Proposed { .. } => vec![notice(&tour.member, NoticeKind::Proposal)],
        Event::Accepted { .. } => vec![notice(&tour.manager, NoticeKind::Accepted)],
        Event::Declined { reason } => vec![notice(
            &tour.manager,
            NoticeKind::Declined {
                reason: reason.clone(),
            },
        )],
        Event::Withdrawn => vec![notice(&tour.member, NoticeKind::Withdrawn)],
        Event::Extended { .. } => vec![notice(
            other,
            NoticeKind::Extended {
                entry: tour.history_len.saturating_sub(1),
            },
        )],
        Event::Completed { .. } => vec![
            notice(&tour.manager, NoticeKind::Completed),
            notice(&tour.member, NoticeKind::Completed),
        ],
        Event::LeavePlanned { successor, .. } => {
            let mut owed = vec![notice(successor, NoticeKind::HandoverAsked)];
            if other != successor {
                owed.push(notice(other, NoticeKind::LeavePlanned));
            }
            owed
        }
        Event::HandoverAccepted => vec![
            notice(&tour.member, NoticeKind::HandoverAccepted),
            notice(&tour.manager, NoticeKind::HandoverAccepted),
        ],
        Event::Left { .. } => vec![notice(&tour.manager, NoticeKind::Left)],
        Event::CheckedIn { number, .. } => {
            vec![notice(other, NoticeKind::CheckedIn { number: *number })]
        }
        Event::CheckinCadence { .. } | Event::PromiseReviewed { .. } => Vec::new(),
        Event::ObjectiveAdded { .. }
        | Event::ObjectiveDone { .. }
        | Event::NextProposed { .. }
        | Event::AlumniAnswered { .. } => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::tour::{Term, TourKind};
    use chrono::{TimeZone, Utc};

    #[test]
    fn each_answer_goes_to_the_other_party_with_a_stable_key() {
        let (m, a) = (UserId::parse("UM").unwrap(), UserId::parse("UA").unwrap());
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap();
        let (t, e) = Tour::propose(
            TourId(17),
            &m,
            &a,
            TourKind::Rotational,
            Term::Months(12),
            "x",
            now,
        )
        .unwrap();
        let proposal = for_change(&t, &e);
        assert_eq!(proposal.len(), 1);
        assert_eq!(
            (proposal[0].to.as_str(), proposal[0].key().as_str()),
            ("UA", "tour:17:proposal")
        );
        let (t, e) = t.accept(&a, now).unwrap();
        assert_eq!(for_change(&t, &e)[0].to, m);
        let (_, e) = t
            .add_objective(&m, crate::domain::Side::Company, "x", now)
            .unwrap();
        assert!(for_change(&t, &e).is_empty());
        let reminder = Notice {
            tour: TourId(17),
            to: a.clone(),
            kind: NoticeKind::Reminder {
                series: Series::Ending(30),
                round: 0,
                on: None,
            },
        };
        assert_eq!(
            reminder.key(),
            "tour:17:ending:30d:UA",
            "as schema 1 keyed it"
        );
        let dated = Notice {
            kind: NoticeKind::Reminder {
                series: Series::Ending(30),
                round: 0,
                on: NaiveDate::from_ymd_opt(2027, 6, 1),
            },
            ..reminder.clone()
        };
        assert_eq!(dated.key(), "tour:17:ending:30d:2027-06-01:UA");
        assert!(!reminder.is_immediate());
        let snoozed = Notice {
            kind: NoticeKind::Reminder {
                series: Series::Ending(30),
                round: 2,
                on: None,
            },
            ..reminder
        };
        assert_eq!(snoozed.key(), "tour:17:ending:30d:UA:s2");
    }
}
