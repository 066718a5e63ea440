//! `/tour away`: a holiday pause. `/tour away until YYYY-MM-DD` holds
//! every reminder to me until the day I'm back; what fell due meanwhile
//! comes once then, one message per series, in my working hours.
//! `/tour away off` ends it early (what waited comes now), `/tour away`
//! says where it stands. The rules (the day must be after my today, at
//! most a year ahead; my return is the start of that day in my zone) are
//! `domain::hours`; the record and what it holds `store::away`; the worker
//! applies it beside working hours (`delivery`).
//!
//! Decisions:
//! - The date is the day you are back, not your last day away: "away until
//!   Monday" brings your reminders on Monday morning.
//! - Only reminders wait. Answers to what you (or others) do — a proposal,
//!   the next question of a check-in you are answering, an accepted
//!   handover — still reach you, as do gathered change messages.
//! - Your Home tab says you are away; the manager of your tours sees it too
//!   (`commands::home`). Nobody else is told.
//! - A refusal (a day not after today, more than a year ahead, `off` when
//!   you are not away) is a plain answer and changes nothing; a syntax
//!   mistake shows the usage line.

use super::parse::AwayCommand;
use super::{Engine, Failure, Request};
use crate::domain::hours::{back_at, check_back_on, local_time, parse_tz};
use crate::domain::one_on_one::weekday_name;
use crate::domain::{TeamId, UserId};
use crate::message::Message;
use crate::store::{Store, StoreError};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;

/// "Monday 2026-12-28".
pub(super) fn day_named(day: NaiveDate) -> String {
    format!("{} {day}", weekday_name(day.weekday()))
}

/// What an away period means, said to the person away.
fn away_text(back_on: NaiveDate) -> String {
    format!(
        "You're away until {}. Your reminders wait until then, and what falls due meanwhile comes once when you're back: one message of each kind, in your working hours. Answers to what you and others do still reach you. `/tour away off` ends it early.",
        day_named(back_on)
    )
}

/// The day `user` is back, if they are away at `now` (their return read
/// in their Slack zone, else `default_tz`).
pub(crate) fn away_until(
    store: &Store,
    default_tz: Tz,
    team: &TeamId,
    user: &UserId,
    now: DateTime<Utc>,
) -> Result<Option<NaiveDate>, StoreError> {
    let Some(away) = store.away(team, user)? else {
        return Ok(None);
    };
    let tz = store
        .user(team, user)?
        .tz
        .as_deref()
        .and_then(parse_tz)
        .unwrap_or(default_tz);
    Ok((now < back_at(away.back_on, tz)).then_some(away.back_on))
}

pub(super) fn handle(
    engine: &Engine,
    req: &Request,
    command: AwayCommand,
    now: DateTime<Utc>,
) -> Result<Message, Failure> {
    let (team, user) = (&req.team, &req.user);
    let text = match command {
        AwayCommand::Show => match away_until(engine.store(), engine.default_tz(), team, user, now)? {
            Some(back_on) => away_text(back_on),
            None => "You're not away: your reminders reach you in your working hours. `/tour away until YYYY-MM-DD` holds them until the day you're back.".to_string(),
        },
        AwayCommand::Until(back_on) => {
            let tz = engine.zone_of(team, user)?;
            let today = local_time(now, tz).map_or(now.date_naive(), |t| t.date());
            if let Err(refused) = check_back_on(back_on, today) {
                return Ok(Message::text(refused.to_string()));
            }
            let back = back_at(back_on, tz);
            let held_until = engine.working_hours().reminder_time(now, tz, Some(back));
            engine
                .store()
                .set_away(team, user, back_on, held_until, now)?;
            away_text(back_on)
        }
        AwayCommand::Off => {
            let was_away =
                away_until(engine.store(), engine.default_tz(), team, user, now)?.is_some();
            engine.store().end_away(team, user, now)?;
            if was_away {
                "Welcome back: you're no longer away. The reminders that waited come now, one of each kind, in your working hours.".to_string()
            } else {
                "You weren't away, so nothing changed.".to_string()
            }
        }
    };
    Ok(Message::text(text))
}
