//! Messages the bot owes people, as intent: who, about which tour, what kind.
//! They are written to the outbox in the same transaction as the change that
//! caused them and rendered only when delivered, so a DM always shows the tour
//! as it is when it goes out.
//!
//! Every notice has an idempotency key (`tour:17:proposal`,
//! `tour:17:ending:30d:U123`): the outbox sends a key at most once, ever.
//!
//! **Changes are gathered.** Answers, extensions, completion, exits and
//! reassignments are told at once, each in its own message. Edits and
//! objective changes ([`gathers`]: an objective added, done, reopened,
//! edited or removed, the mission or the check-in cadence changed) reach the
//! other party as one "changes to tour #N" message instead:
//! - the first change opens an hour; the message goes when the hour is up
//!   (then waits for the recipient's working hours), and every change made
//!   until it goes joins it — including those made while it waits overnight;
//! - a change made once it is on its way (due within [`JOIN_MARGIN_SECS`],
//!   or sent) opens the next hour, which ends no sooner than an hour after
//!   the previous message was due: so nobody gets more than one such message
//!   about a tour in any hour, whatever the clock says at the edges;
//! - each message lists the changes from the one that opened it up to the
//!   one that opened the next (keys `tour:17:changes:U123:0000000005` name
//!   that first history entry), made by others than the recipient, rendered
//!   from history when it goes; changes the member's proposal message
//!   already showed them are left out, and a message left with nothing to
//!   tell is dropped.

use super::people::UserId;
use super::schedule::Series;
use super::tour::{Event, HistoryEntry, Tour, TourId};
use chrono::{DateTime, Duration, NaiveDate, Utc};
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
    /// Gathered changes to a tour, to the other party: everything
    /// [`gathers`] from history entry `from` on (see the module docs).
    Changes {
        from: u32,
    },
    /// The tour has a new manager; to the member and both managers (but not
    /// whoever did it). `entry`: the history entry that says so.
    Reassigned {
        entry: u32,
    },
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
    /// The timeline picture `to` asked for (`/tour timeline`), drawn as of
    /// `today` (their date when they asked) from what the store holds when
    /// it goes: one file per page, uploaded into their DM. `admin`: they
    /// were an admin when they asked (what `scope` may show them).
    Timeline {
        scope: ListScope,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        admin: bool,
        asked_at: DateTime<Utc>,
        today: NaiveDate,
    },
    /// The people team's report (`/tour report`, admins), as an HTML file
    /// in `to`'s DM, as of `today`.
    Report {
        asked_at: DateTime<Utc>,
        today: NaiveDate,
    },
}

/// Whose tours a list or a picture shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListScope {
    /// Every tour I am a party to.
    Mine,
    /// Tours where I am the manager.
    Team,
    /// Every tour in the workspace (admins).
    All,
    /// Tours of that person that I may see.
    Of(UserId),
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
            // Zero-padded, so one person's change messages about a tour
            // sort in the order they were opened.
            NoticeKind::Changes { from } => {
                format!("tour:{tour}:changes:{}:{from:010}", self.to)
            }
            NoticeKind::Reassigned { entry } => {
                format!("tour:{tour}:reassigned:{entry}:{}", self.to)
            }
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
            // Each asking is its own file.
            NoticeKind::Timeline { asked_at, .. } => {
                format!("timeline:{}:{}", self.to, asked_at.timestamp_micros())
            }
            NoticeKind::Report { asked_at, .. } => {
                format!("report:{}:{}", self.to, asked_at.timestamp_micros())
            }
        }
    }

    /// Whether it answers someone's action now (sent at once) rather than
    /// being a reminder (sent in the recipient's working hours).
    pub fn is_immediate(&self) -> bool {
        !matches!(
            self.kind,
            NoticeKind::Reminder { .. } | NoticeKind::Talk { .. } | NoticeKind::Changes { .. }
        )
    }

    /// The prefix of the keys of every change message owed to `to` about
    /// `tour`, in the order they were opened.
    pub fn changes_prefix(tour: TourId, to: &UserId) -> String {
        format!("tour:{}:changes:{to}:", tour.0)
    }

    /// A file (a picture or a report) rather than a message.
    pub fn is_file(&self) -> bool {
        matches!(
            self.kind,
            NoticeKind::Timeline { .. } | NoticeKind::Report { .. }
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
        Event::Withdrawn | Event::CalledOff { exit: false } => {
            vec![notice(&tour.member, NoticeKind::Withdrawn)]
        }
        // Its parties hear of the exit itself (`LeavePlanned`); the tour a
        // scheduled one follows is answered for by the change that moved it.
        Event::CalledOff { exit: true }
        | Event::NextAgreed { .. }
        | Event::NextCalledOff { .. }
        | Event::Rescheduled { .. } => Vec::new(),
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
        // Everyone concerned but whoever did it (they have the answer).
        Event::Reassigned { from, to } => [&tour.member, from, to]
            .into_iter()
            .filter(|person| *person != &entry.by)
            .map(|person| {
                notice(
                    person,
                    NoticeKind::Reassigned {
                        entry: tour.history_len.saturating_sub(1),
                    },
                )
            })
            .collect(),
        Event::CheckedIn { number, .. } => {
            vec![notice(other, NoticeKind::CheckedIn { number: *number })]
        }
        // Gathered instead: see `gathers` and `changes_for`.
        Event::CheckinCadence { .. }
        | Event::ObjectiveAdded { .. }
        | Event::ObjectiveDone { .. }
        | Event::ObjectiveReopened { .. }
        | Event::ObjectiveEdited { .. }
        | Event::ObjectiveRemoved { .. }
        | Event::MissionChanged { .. } => Vec::new(),
        Event::PromiseReviewed { .. }
        | Event::NextProposed { .. }
        | Event::AlumniAnswered { .. } => Vec::new(),
    }
}

/// Changes the other party hears about in a gathered message, rather than
/// at once or not at all.
pub fn gathers(event: &Event) -> bool {
    matches!(
        event,
        Event::ObjectiveAdded { .. }
            | Event::ObjectiveDone { .. }
            | Event::ObjectiveReopened { .. }
            | Event::ObjectiveEdited { .. }
            | Event::ObjectiveRemoved { .. }
            | Event::MissionChanged { .. }
            | Event::CheckinCadence { .. }
    )
}

/// How long changes gather before the other party hears of them, and the
/// least time between two such messages about a tour.
pub const GATHER_SECS: i64 = 60 * 60;
/// A change made this close to the moment its message is due opens the
/// next one instead of joining it: the message may be on its way already.
pub const JOIN_MARGIN_SECS: i64 = 60;

/// The change message a gathered change would open: to the party who did
/// not make it, starting at its history entry. `None` for a change that is
/// not gathered, or made by someone who is not a party.
pub fn changes_for(tour: &Tour, entry: &HistoryEntry) -> Option<Notice> {
    if !gathers(&entry.event) {
        return None;
    }
    let to = match tour.role_of(&entry.by)? {
        super::tour::Role::Manager => &tour.member,
        super::tour::Role::Member => &tour.manager,
    };
    Some(Notice {
        tour: tour.id,
        to: to.clone(),
        kind: NoticeKind::Changes {
            from: tour.history_len.saturating_sub(1),
        },
    })
}

/// The latest change message owed or sent to someone about a tour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LastChanges {
    /// Not sent yet (pending or on its way).
    pub open: bool,
    /// When it may go (pending) or went.
    pub at: DateTime<Utc>,
}

/// What a gathered change made at `now` does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gather {
    /// A message waiting for later will tell it.
    Join,
    /// A new message, from this change on, to go at `not_before`.
    Open { not_before: DateTime<Utc> },
}

pub fn gather(now: DateTime<Utc>, last: Option<LastChanges>) -> Gather {
    let hour = Duration::seconds(GATHER_SECS);
    match last {
        Some(last) if last.open && last.at > now + Duration::seconds(JOIN_MARGIN_SECS) => {
            Gather::Join
        }
        Some(last) => Gather::Open {
            not_before: last.at.max(now) + hour,
        },
        None => Gather::Open {
            not_before: now + hour,
        },
    }
}

/// What the change message opened at history entry `from` tells `to`:
/// `entries` are the tour's history from `from` up to where the next
/// message begins; `shown_before`, when the recipient's proposal message
/// already showed the tour as it was until then.
pub fn to_tell<'a>(
    entries: &'a [HistoryEntry],
    to: &UserId,
    shown_before: Option<DateTime<Utc>>,
) -> Vec<&'a HistoryEntry> {
    entries
        .iter()
        .filter(|e| gathers(&e.event) && &e.by != to)
        .filter(|e| shown_before.is_none_or(|shown| e.at >= shown))
        .collect()
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

    #[test]
    fn changes_gather_for_an_hour_and_come_at_most_once_an_hour() {
        let t = |h: u32, m: u32| Utc.with_ymd_and_hms(2026, 11, 24, h, m, 0).unwrap();
        assert_eq!(
            gather(t(10, 5), None),
            Gather::Open {
                not_before: t(11, 5)
            },
            "the first change opens an hour"
        );
        let waiting = LastChanges {
            open: true,
            at: t(11, 5),
        };
        assert_eq!(gather(t(10, 40), Some(waiting)), Gather::Join);
        assert_eq!(
            gather(t(11, 4) + Duration::seconds(30), Some(waiting)),
            Gather::Open {
                not_before: t(12, 5)
            },
            "too close to its sending: the next hour, counted from it"
        );
        let held_overnight = LastChanges {
            open: true,
            at: t(9, 0) + Duration::days(1),
        };
        assert_eq!(
            gather(t(20, 30), Some(held_overnight)),
            Gather::Join,
            "a message waiting for the morning gathers the evening's changes"
        );
        let sent = LastChanges {
            open: false,
            at: t(11, 5),
        };
        assert_eq!(
            gather(t(11, 6), Some(sent)),
            Gather::Open {
                not_before: t(12, 6)
            }
        );
    }

    #[test]
    fn a_change_message_goes_to_the_other_party_and_tells_only_what_others_did() {
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
        assert_eq!(changes_for(&t, &e), None, "a proposal has its own message");
        let (t, by_manager) = t
            .add_objective(&m, crate::domain::Side::Company, "Ship", now)
            .unwrap();
        let owed = changes_for(&t, &by_manager).unwrap();
        assert_eq!(owed.to, a);
        assert_eq!(owed.key(), "tour:17:changes:UA:0000000001");
        assert!(!owed.is_immediate(), "it waits for working hours");
        assert!(
            owed.key()
                .starts_with(&Notice::changes_prefix(TourId(17), &a))
        );
        let (t, by_member) = t
            .add_objective(
                &a,
                crate::domain::Side::Member,
                "Course",
                now + Duration::minutes(5),
            )
            .unwrap();
        assert_eq!(changes_for(&t, &by_member).unwrap().to, m);
        let entries = vec![by_manager.clone(), by_member.clone()];
        assert_eq!(to_tell(&entries, &a, None), vec![&by_manager]);
        assert_eq!(to_tell(&entries, &m, None), vec![&by_member]);
        assert!(
            to_tell(&entries, &a, Some(now + Duration::minutes(1))).is_empty(),
            "what the proposal message showed is not told again"
        );
    }

    #[test]
    fn a_reassignment_tells_the_member_and_both_managers_but_not_whoever_did_it() {
        let u = |s: &str| UserId::parse(s).unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap();
        let t = Tour::propose(
            TourId(4),
            &u("UM"),
            &u("UA"),
            TourKind::Rotational,
            Term::Months(12),
            "x",
            now,
        )
        .unwrap()
        .0;
        let (by_admin, e) = t.reassign(&u("UADMIN"), true, &u("UN"), now).unwrap();
        let told: Vec<String> = for_change(&by_admin, &e).iter().map(Notice::key).collect();
        assert_eq!(
            told,
            vec![
                "tour:4:reassigned:1:UA",
                "tour:4:reassigned:1:UM",
                "tour:4:reassigned:1:UN"
            ]
        );
        let (by_manager, e) = t.reassign(&u("UM"), false, &u("UN"), now).unwrap();
        let told: Vec<String> = for_change(&by_manager, &e)
            .iter()
            .map(|n| n.to.to_string())
            .collect();
        assert_eq!(told, vec!["UA", "UN"]);
    }
}
