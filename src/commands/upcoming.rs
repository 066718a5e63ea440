//! What is coming: the reminders the bot will send, when, and in words —
//! `/tour upcoming` for one person, `alliance reminders` for the operator.
//!
//! Both read the reminder index as delivery will, and decide nothing of
//! their own: whether an occurrence is still owed, and to whom, is
//! `Store::would_reach` (the check delivery makes, snoozes, "Done" and
//! paused check-ins included); the occurrences after it are
//! `Store::following` (the planning delivery does); when it reaches someone
//! is the worker's rule, `WorkingHours::reminder_time` (their working hours
//! in their Slack zone, their return if they are away) and a 1:1 agenda's
//! morning (`one_on_one::hold_until`). Each occurrence is named by one
//! function, [`describe`], in words (never an internal key). Neither view
//! writes anything.
//!
//! Decisions:
//! - `/tour upcoming` covers the next [`UPCOMING_DAYS`] days and only what
//!   comes to you: reminders planned, those already waiting in the outbox
//!   for your working hours or your return, and the last day of a tour of
//!   yours with an exit planned (not a message, but what the reminders lead
//!   to). Times are in your Slack time zone as the bot last saw it, else
//!   the workspace's default, which the answer names. At most
//!   [`MAX_LINES`] lines, soonest first.
//! - `alliance reminders --at` lists every series due by then with, for
//!   each recipient, when it would be sent, in their zone (named), and the
//!   times of the next [`NEXT_OCCURRENCES`] occurrences of the series.
//! - Cost: the index is ordered by time, not by person, so `/tour
//!   upcoming` reads every reminder planned in the next 30 days and checks
//!   those of its asker (a few milliseconds per thousand planned).

use super::Engine;
use super::away::away_until;
use crate::domain::hours::{WorkingHours, back_at, local_time, parse_tz};
use crate::domain::notice::NoticeKind;
use crate::domain::one_on_one::{self, Step};
use crate::domain::schedule::Series;
use crate::domain::{TeamId, UserId};
use crate::message::Message;
use crate::store::outbox::Lane;
use crate::store::reminders::DueReminder;
use crate::store::{Store, StoreError};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use std::collections::BTreeSet;

/// How far ahead `/tour upcoming` looks.
pub const UPCOMING_DAYS: i64 = 30;
/// How many next occurrences `alliance reminders` shows of each series.
pub const NEXT_OCCURRENCES: usize = 3;
/// The most lines `/tour upcoming` shows.
const MAX_LINES: usize = 40;
/// The most occurrences of one series followed through a window (a weekly
/// series has five in 30 days).
const MAX_PER_SERIES: usize = 12;

/// How a person is named: a Slack mention in chat, `@U…` in a terminal.
pub type Name<'a> = &'a dyn Fn(&UserId) -> String;

/// A reminder in words, as its recipient `to` reads it (the other party
/// of a 1:1 is the one named): "plan the next tour of #3 (30 days before
/// its end)", "check-in on #1", "1:1 agenda with @UBOB".
pub fn describe(due: &DueReminder, to: Option<&UserId>, name: Name) -> String {
    let tour = due.tour;
    let text = match &due.series {
        Series::Waiting | Series::WaitingManager => {
            format!("proposal {tour} is waiting for an answer")
        }
        Series::Ending(days) => format!(
            "plan the next tour of {tour} ({} before its end)",
            crate::words::count(*days, "day")
        ),
        Series::Ended(_) => {
            format!("{tour} ended with no decision (weekly, until one is made)")
        }
        Series::Recommit(year) => {
            format!("the yearly re-commitment of {tour} (year {year})")
        }
        Series::Handover(_) => {
            format!("the handover checklist of {tour} (weekly, until the last day)")
        }
        Series::AlumniAsk => format!("whether to join the alumni network ({tour})"),
        Series::Exit => format!("the last day of {tour}: the tour ends (not a message)"),
        Series::KeepInTouch(who, _) => format!("keep in touch with {}", name(who)),
        Series::Checkin(_) if due.round > 0 => {
            format!("check-in on {tour}, back from its pause")
        }
        Series::Checkin(_) => format!("check-in on {tour}"),
        Series::OneOnOne {
            manager,
            member,
            step,
            ..
        } => {
            let other = name(if to == Some(member) { manager } else { member });
            match step {
                Step::Agenda => format!("1:1 agenda with {other}"),
                Step::Happened => format!("did the 1:1 with {other} happen?"),
                Step::Overdue => format!("no 1:1 held with {other} lately"),
            }
        }
    };
    if due.round > 0 && !matches!(due.series, Series::Checkin(_)) {
        format!("{text} (snoozed)")
    } else {
        text
    }
}

/// One occurrence, and when it would reach one person.
#[derive(Clone, Debug)]
pub struct Coming {
    pub due: DueReminder,
    /// Whom it reaches; for a last day, each party of the tour.
    pub to: UserId,
    /// When it would be sent (for a last day: the day).
    pub send_at: DateTime<Utc>,
    /// The zone `send_at` is read in: theirs, else the default.
    pub tz: Tz,
    /// The zone is the workspace's default: theirs is not known yet.
    pub default_zone: bool,
    /// They are away when it falls due: it waits for their return, where
    /// only the latest of its series goes.
    pub while_away: bool,
}

/// What the views need besides the store.
#[derive(Clone, Copy)]
pub struct Rules<'a> {
    pub store: &'a Store,
    pub hours: &'a WorkingHours,
    pub default_tz: Tz,
    pub now: DateTime<Utc>,
}

impl Rules<'_> {
    /// `user`'s zone, and whether it is only the default.
    fn zone(&self, team: &TeamId, user: &UserId) -> Result<(Tz, bool), StoreError> {
        Ok(
            match self
                .store
                .user(team, user)?
                .tz
                .as_deref()
                .and_then(parse_tz)
            {
                Some(tz) => (tz, false),
                None => (self.default_tz, true),
            },
        )
    }

    /// Whom `due` would reach, and when: the worker's rule.
    fn reaching(&self, due: &DueReminder) -> Result<Vec<Coming>, StoreError> {
        let team = &due.team;
        if due.series == Series::Exit {
            let Some(tour) = self.store.departure(due)? else {
                return Ok(Vec::new());
            };
            let mut out = Vec::new();
            for to in [&tour.member, &tour.manager] {
                let (tz, default_zone) = self.zone(team, to)?;
                out.push(Coming {
                    due: due.clone(),
                    to: to.clone(),
                    send_at: due.at,
                    tz,
                    default_zone,
                    while_away: false,
                });
            }
            return Ok(out);
        }
        let mut out = Vec::new();
        for to in self.store.would_reach(due)? {
            let (tz, default_zone) = self.zone(team, &to)?;
            let back = away_until(self.store, self.default_tz, team, &to, self.now)?
                .map(|day| back_at(day, tz));
            let mut send_at = self.hours.reminder_time(due.at.max(self.now), tz, back);
            if let Some(morning) = one_on_one::hold_until(&due.series, tz, self.hours) {
                send_at = send_at.max(morning);
            }
            out.push(Coming {
                due: due.clone(),
                to,
                send_at,
                tz,
                default_zone,
                // Looked at before their first working moment back: held
                // for the return, as the worker holds it.
                while_away: back
                    .is_some_and(|back| due.at.max(self.now) < self.hours.next_open(back, tz)),
            });
        }
        Ok(out)
    }

    /// Reminders fired and not yet fanned out, then those planned up to
    /// `until`.
    fn planned(&self, until: DateTime<Utc>) -> Result<Vec<DueReminder>, StoreError> {
        let mut all = self.store.fired_reminders(usize::MAX)?;
        all.extend(self.store.due_reminders(until, usize::MAX)?);
        Ok(all)
    }
}

/// What the bot will send `user` in the next [`UPCOMING_DAYS`] days,
/// soonest first (see the module docs).
pub fn for_person(rules: Rules, team: &TeamId, user: &UserId) -> Result<Vec<Coming>, StoreError> {
    let until = rules.now + Duration::days(UPCOMING_DAYS);
    let mut starts: Vec<DueReminder> = rules
        .planned(until)?
        .into_iter()
        .filter(|d| &d.team == team && (d.recipients.contains(user) || d.series == Series::Exit))
        .collect();
    // Fanned out already, waiting for their working hours or their return.
    for entry in rules.store.queued_for(team, Lane::Reminders, user)? {
        if let NoticeKind::Reminder { series, round, .. } = entry.notice.kind {
            starts.push(DueReminder {
                at: entry.created_at,
                team: team.clone(),
                tour: entry.notice.tour,
                series,
                to: (round > 0).then(|| user.clone()),
                round,
                recipients: vec![user.clone()],
            });
        }
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for start in starts {
        let mut next = Some(start);
        for _ in 0..MAX_PER_SERIES {
            let Some(due) = next.take().filter(|d| d.at <= until) else {
                break;
            };
            if seen.insert(due.key()) {
                out.extend(
                    rules
                        .reaching(&due)?
                        .into_iter()
                        .filter(|c| &c.to == user && c.send_at <= until),
                );
            }
            next = rules.store.following(&due)?;
        }
    }
    // What waits for their return comes once per series: the latest.
    out.sort_by_key(|c| std::cmp::Reverse(c.due.at));
    let mut returning = BTreeSet::new();
    out.retain(|c| !c.while_away || returning.insert((c.due.tour, c.due.series.thread())));
    out.sort_by_key(|c| c.send_at);
    Ok(out)
}

/// A time as the person reads it: `Thu 2026-12-24 09:00`.
pub fn local(at: DateTime<Utc>, tz: Tz) -> String {
    local_time(at, tz)
        .map(|t| t.format("%a %Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| at.format("%Y-%m-%d %H:%M UTC").to_string())
}

/// A day as the person reads it: `Fri 2026-12-04`.
fn local_day(at: DateTime<Utc>, tz: Tz) -> String {
    local_time(at, tz)
        .map(|t| t.format("%a %Y-%m-%d").to_string())
        .unwrap_or_else(|| at.format("%Y-%m-%d").to_string())
}

/// `/tour upcoming`.
pub(super) fn answer(
    engine: &Engine,
    team: &TeamId,
    user: &UserId,
    now: DateTime<Utc>,
) -> Result<Message, StoreError> {
    let rules = Rules {
        store: engine.store(),
        hours: engine.working_hours(),
        default_tz: engine.default_tz(),
        now,
    };
    let coming = for_person(rules, team, user)?;
    let (tz, default_zone) = rules.zone(team, user)?;
    let zone = if default_zone {
        format!(
            "times in {}, the workspace's zone, until I learn yours from {}",
            tz.name(),
            team.chat()
        )
    } else {
        format!("times in {}, your {} time zone", tz.name(), team.chat())
    };
    let mut text = String::new();
    if let Some(back_on) = away_until(rules.store, rules.default_tz, team, user, now)? {
        text.push_str(&format!(
            "You're away until {}: what falls due before then waits, and comes once when you're back.\n",
            super::away::day_named(back_on)
        ));
    }
    if coming.is_empty() {
        text.push_str(&format!(
            "Nothing is coming to you from me in the next {UPCOMING_DAYS} days."
        ));
        return Ok(Message::text(text));
    }
    text.push_str(&format!(
        "*What I'll send you in the next {UPCOMING_DAYS} days* ({zone}):"
    ));
    let name = |u: &UserId| u.mention();
    for c in coming.iter().take(MAX_LINES) {
        let when = if c.due.series == Series::Exit {
            local_day(c.send_at, c.tz)
        } else {
            local(c.send_at, c.tz)
        };
        text.push_str(&format!(
            "\n• {when} — {}",
            describe(&c.due, Some(&c.to), &name)
        ));
    }
    if coming.len() > MAX_LINES {
        text.push_str(&format!("\n…and {} more.", coming.len() - MAX_LINES));
    }
    Ok(Message::text(text))
}

/// One series due by a time, for `alliance reminders`.
#[derive(Clone, Debug)]
pub struct SeriesDue {
    pub due: DueReminder,
    /// Whom it would reach, and when.
    pub reaching: Vec<Coming>,
    /// When the next occurrences of its series are planned.
    pub next: Vec<DateTime<Utc>>,
}

/// Every series with an occurrence due by `at` that is still owed to
/// someone (or a last day still planned), oldest first, with its next
/// [`NEXT_OCCURRENCES`] occurrences.
pub fn due_by(rules: Rules, at: DateTime<Utc>) -> Result<Vec<SeriesDue>, StoreError> {
    let mut out = Vec::new();
    for due in rules.planned(at)? {
        let reaching = rules.reaching(&due)?;
        if reaching.is_empty() {
            continue;
        }
        let mut next = Vec::new();
        let mut following = rules.store.following(&due)?;
        while let Some(n) = following.take() {
            if next.len() == NEXT_OCCURRENCES {
                break;
            }
            next.push(n.at);
            following = rules.store.following(&n)?;
        }
        out.push(SeriesDue {
            due,
            reaching,
            next,
        });
    }
    Ok(out)
}

/// `alliance reminders`' lines for [`due_by`]: each series in words, whom it
/// reaches and when in their zone, and when it comes next.
pub fn report_lines(due: &[SeriesDue]) -> Vec<String> {
    let name = |u: &UserId| format!("@{u}");
    let mut lines = Vec::new();
    for s in due {
        let d = &s.due;
        lines.push(format!(
            "  {}  {}  {}",
            d.at.format("%Y-%m-%d %H:%M UTC"),
            d.team,
            describe(d, s.reaching.first().map(|c| &c.to), &name)
        ));
        if d.series == Series::Exit {
            let parties: Vec<String> = s.reaching.iter().map(|c| name(&c.to)).collect();
            lines.push(format!("      for {}", parties.join(" and ")));
        } else {
            for c in &s.reaching {
                lines.push(format!(
                    "      → {}: {} ({}{}){}",
                    name(&c.to),
                    local(c.send_at, c.tz),
                    c.tz.name(),
                    if c.default_zone {
                        ", the default zone"
                    } else {
                        ""
                    },
                    if c.while_away {
                        ", when they are back: only the latest of its series goes then"
                    } else {
                        ""
                    }
                ));
            }
        }
        if !s.next.is_empty() {
            let next: Vec<String> = s
                .next
                .iter()
                .map(|t| t.format("%Y-%m-%d").to_string())
                .collect();
            lines.push(format!("      next: {}", next.join(", ")));
        }
    }
    lines
}
