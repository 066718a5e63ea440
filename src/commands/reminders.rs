//! A reminder's **Snooze** and **Done**, whichever way they come: pressed
//! on the reminder (`buttons`, and the keep-in-touch and 1:1 buttons), or
//! typed — `/tour snooze|done`, `/1on1 snooze`, `/alumni snooze`. Each of
//! them ends in one of the two calls here, [`Engine::snooze_reminder`] and
//! [`Engine::stop_reminders`], so what a snooze does is decided in one
//! place. A check-in's snooze pauses its conversation instead
//! ([`Engine::pause_checkin`]), as its own buttons do.
//!
//! Decisions, for the typed ones:
//! - A typed snooze answers the reminder its person last got: the newest
//!   one of that kind sent to them about the tour (without a kind, of any
//!   kind with a Snooze button), at the place in its series its buttons
//!   carry — so it is a press of that message's **Snooze**. If none came,
//!   there is nothing to snooze, and the answer says so. A check-in's
//!   snooze needs no message: it pauses the person's current check-in on
//!   that tour.
//! - `1w` is a week from now, like **Snooze 1 week** (`2w` … `52w` too);
//!   `until YYYY-MM-DD`, like **Snooze until…**, brings it back at the start
//!   of that day, which must be after today.
//! - `done` switches a kind off for whoever types it, like **Done**, and
//!   needs no message: it may be typed before the first one comes. A
//!   check-in has no Done: it can be snoozed, not switched off.
//! - Only those who may press the button may type it: the tour's parties
//!   (a 1:1's manager, an alumnus' liaison or an admin). Anyone else hears
//!   what their press would have told them.
//! - A typed answer is private and leaves the message it stands for as it
//!   is: pressing its button afterwards does it again, as typing again
//!   would.

use super::parse::SnoozeFor;
use super::{Engine, Failure, Request};
use crate::domain::schedule::{ReminderKind, Series};
use crate::domain::{TeamId, TourId, UserId};
use crate::message::Message;
use crate::store::StoreError;
use chrono::{DateTime, Duration, Utc};

impl Engine {
    /// What every Snooze of a reminder does: `series`, at the place `round`
    /// of the message it answers, comes back to `user` at `until` (`now`:
    /// when they snoozed; see `Store::snooze`, whose arguments these are).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn snooze_reminder(
        &self,
        team: &TeamId,
        user: &UserId,
        tour: TourId,
        series: &Series,
        round: u32,
        until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.store()
            .snooze(team, tour, series, user, round + 1, until, now)
    }

    /// What every Done of a reminder does: no more reminders of `family`
    /// (a series' [`Series::family`]) about `tour` for `user`.
    pub(super) fn stop_reminders(
        &self,
        team: &TeamId,
        user: &UserId,
        tour: TourId,
        family: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.store().dismiss(team, tour, family, user, now)
    }
}

/// When a snooze brings its reminder back: weeks from now, or the start of
/// the day asked for — `None` if that day is not after today.
pub(super) fn snooze_until(until: SnoozeFor, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    match until {
        SnoozeFor::Weeks(n) => Some(now + Duration::weeks(i64::from(n))),
        SnoozeFor::Until(day) => (day > now.date_naive())
            .then(|| day.and_hms_opt(0, 0, 0))
            .flatten()
            .map(|t| t.and_utc()),
    }
}

/// A typed snooze to a day that is not after today.
pub(super) const NOT_AFTER_TODAY: &str =
    "A snooze brings a reminder back later: give a date after today, or `1w`.";

/// What a snooze of a tour reminder answers.
pub(super) fn snoozed(tour: TourId, until: DateTime<Utc>) -> String {
    format!(
        "⏰ Snoozed until {}: I'll bring tour *{tour}* up again then.",
        until.date_naive()
    )
}

/// What Done answers; `kind` names the reminders, if they have a name.
pub(super) fn done(tour: TourId, kind: Option<ReminderKind>) -> String {
    format!(
        "✅ Done: no more {} about tour *{tour}* for you.",
        kind.map_or("reminders of this kind", ReminderKind::describe)
    )
}

/// To someone who is not a party of the tour (or when it does not exist).
pub(super) fn cannot_act_on(tour: TourId) -> String {
    format!("There is no tour {tour} that you can act on.")
}

/// A plain private answer.
fn plain(text: impl Into<String>) -> Failure {
    Failure::User(Message::text(text))
}

/// The tour's parties only, as for its buttons.
fn check_party(engine: &Engine, req: &Request, id: TourId) -> Result<(), Failure> {
    match engine.store().tour(&req.team, id)? {
        Some(tour) if tour.role_of(&req.user).is_some() => Ok(()),
        _ => Err(plain(cannot_act_on(id))),
    }
}

/// `/tour snooze <id> [<what>] <until>`: a press of **Snooze** on the last
/// such reminder the caller got (see the module docs).
pub(super) fn snooze(
    engine: &Engine,
    req: &Request,
    id: TourId,
    what: Option<ReminderKind>,
    until: SnoozeFor,
    now: DateTime<Utc>,
) -> Result<Message, Failure> {
    check_party(engine, req, id)?;
    let Some(at) = snooze_until(until, now) else {
        return Err(plain(NOT_AFTER_TODAY));
    };
    let last = match what {
        Some(ReminderKind::Checkin) => None,
        _ => engine.store().last_reminder_sent(
            &req.team,
            &format!("tour:{}:{}", id.0, what.map_or("", ReminderKind::name)),
            &req.user,
            |series| series.kind().is_some_and(|k| what.is_none_or(|w| w == k)),
        )?,
    };
    match (what, last) {
        (Some(ReminderKind::Checkin), _) | (_, Some((Series::Checkin(_), _))) => {
            match engine.pause_checkin(&req.team, &req.user, id, at, now)? {
                Ok(text) => Ok(Message::text(text)),
                Err(text) => Err(plain(text)),
            }
        }
        (_, Some((series, round))) => {
            engine.snooze_reminder(&req.team, &req.user, id, &series, round, at, now)?;
            Ok(Message::text(snoozed(id, at)))
        }
        (what, None) => Err(plain(format!(
            "No {} about tour *{id}* came to you yet, so there is nothing to snooze.",
            what.map_or("reminders", ReminderKind::describe)
        ))),
    }
}

/// `/tour done <id> <what>`: a press of **Done** on such a reminder.
pub(super) fn stop(
    engine: &Engine,
    req: &Request,
    id: TourId,
    what: ReminderKind,
    now: DateTime<Utc>,
) -> Result<Message, Failure> {
    check_party(engine, req, id)?;
    if what == ReminderKind::Checkin {
        return Err(plain(format!(
            "Check-ins can't be switched off: they keep tour *{id}* on track for you both. Snooze one instead: `/tour snooze {} checkin 1w`.",
            id.0
        )));
    }
    engine.stop_reminders(&req.team, &req.user, id, what.name(), now)?;
    Ok(Message::text(done(id, Some(what))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone};

    #[test]
    fn a_snooze_comes_back_weeks_on_or_at_the_start_of_a_later_day() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 15, 30, 0).unwrap();
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(
            snooze_until(SnoozeFor::Weeks(1), now),
            Some(Utc.with_ymd_and_hms(2026, 12, 8, 15, 30, 0).unwrap())
        );
        assert_eq!(
            snooze_until(SnoozeFor::Weeks(3), now),
            Some(Utc.with_ymd_and_hms(2026, 12, 22, 15, 30, 0).unwrap())
        );
        assert_eq!(
            snooze_until(SnoozeFor::Until(day("2026-12-02")), now),
            Some(Utc.with_ymd_and_hms(2026, 12, 2, 0, 0, 0).unwrap())
        );
        for not_later in ["2026-12-01", "2026-11-30", "2020-01-01"] {
            assert_eq!(
                snooze_until(SnoozeFor::Until(day(not_later)), now),
                None,
                "{not_later}"
            );
        }
    }
}
