//! `/1on1` (and `/tour 1on1 …`): one-on-ones between a manager and a
//! member — set up, list, log, stop, the agenda — and the messages and
//! buttons of their reminders. The rules and dates are
//! `domain::one_on_one`; the record and its reminders `store::one_on_ones`.
//!
//! Who may do what (decisions where the product text is silent):
//! - Anyone may set up a 1:1 with someone else and is its manager; setting
//!   it up again changes its day, time or cadence. The member is told at
//!   once, by DM, each time. One 1:1 per pair: while it runs, the member's
//!   attempt the other way round gets a plain private answer naming it and
//!   its manager (a refusal, not a mistake: no usage line); once stopped,
//!   either may set it up and manage it, with its log and agenda.
//! - A 1:1 is its two parties' only: `list` shows your own, and `agenda`,
//!   `stop`, `done`, `skip` need you to be a party. Admins see none of it
//!   in Slack (1:1 notes are between two people; `alliance export` holds
//!   everything for the people team). To anyone else a 1:1 does not exist:
//!   they get the same answer as for a pair that never met.
//! - Only the manager logs (`done`, `skip`, `moved`, the Done / Skipped /
//!   Moved buttons), and only the manager, who gets its questions, snoozes
//!   them (`snooze`, the Snooze buttons: the last one about it, later; see
//!   `reminders`). Typed, `done`, `skip` and `moved` log the 1:1 the
//!   question would be about (the latest begun and not logged), through
//!   the same rule as the buttons. Either party adds agenda items, and either may `stop` the
//!   1:1 (the other is told). Notes are seen by both, in the next agendas.
//! - `stop` keeps the record: set up again, the 1:1 resumes with its log
//!   and open agenda. A stopped 1:1 is not listed.
//! - The agenda, in the DM on the morning of each 1:1 and in
//!   `/1on1 agenda @person`: every tour running between the two (active,
//!   or ending with an exit planned; newest first, whichever of them is
//!   the tour's manager — the 1:1's manager is whoever typed it first),
//!   each with its mission, objectives of both sides with their state,
//!   and its last check-in's blockers and support asks, or its notes
//!   ([`last_checkin`]); then the open items either of them added, and
//!   the last 1:1 held with its notes.
//! - The agenda carries no buttons: it is about one morning, and snoozing it
//!   would bring it after its 1:1. "Did it happen?" and the overdue nudge
//!   carry Snooze 1 week / Snooze until…; Done asks for optional notes in a
//!   small form. A snooze holds that kind of reminder for the pair until
//!   then (`schedule::Snooze::holds`): a "did it happen?" about a later 1:1
//!   that falls due before the snoozed one comes back is not asked (the
//!   snoozed question comes once; `/1on1 done` and `skip` log any 1:1).

use super::buttons::{AfterClick, Click, Origin};
use super::notify::{self, parse_reminder_value, reminder_value};
use super::parse::{self, OneOnOneCommand, Usage};
use super::refusal::{refusal, refused};
use super::{Engine, Failure, Request, render};
use crate::domain::hours::parse_tz;
use crate::domain::notice::{Notice, NoticeKind};
use crate::domain::one_on_one::{OneOnOne, OneOnOneError, Outcome, SetUp, Step, describe_slot};
use crate::domain::schedule::Series;
use crate::domain::{Side, TeamId, Tour, UserId};
use crate::message::{self, Element, Message, escape, truncate};
use crate::message::{Form, FormAnswer, Input, Submission};
use crate::store::alumni::NO_TOUR;
use crate::store::outbox::UserCache;
use crate::store::{Store, StoreError};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// Buttons of "did it happen?"; they carry `reminder_value(0, series, round)`.
pub const DONE: &str = "oneonone.done";
pub const SKIPPED: &str = "oneonone.skipped";
pub const MOVED: &str = "oneonone.moved";
/// The notes form that Done opens. Its state is the button's
/// value, then the clicked message's channel and ts, a line each.
pub const NOTES_VIEW: &str = "oneonone.notes";
const BLOCK_NOTES: &str = "notes";
/// The most running tours an agenda shows (newest first): a pair rarely has
/// more than two (one ending, the next begun), and a message has 50 blocks.
const AGENDA_TOURS: usize = 5;

pub(super) fn handle_text(
    engine: &Engine,
    req: &Request,
    now: DateTime<Utc>,
) -> Result<Message, Failure> {
    let command = parse::parse_one_on_one(&req.text)
        .map_err(|Usage { problem, usage }| Failure::User(message::problem(&problem, usage)))?;
    handle(engine, req, command, now)
}

/// The running 1:1 between `me` and `other`, either way round (the one I
/// manage first).
fn between(
    store: &Store,
    team: &TeamId,
    me: &UserId,
    other: &UserId,
) -> Result<Option<OneOnOne>, StoreError> {
    for (manager, member) in [(me, other), (other, me)] {
        if let Some(o) = store.one_on_one(team, manager, member)?
            && o.is_active()
        {
            return Ok(Some(o));
        }
    }
    Ok(None)
}

pub(super) fn handle(
    engine: &Engine,
    req: &Request,
    command: OneOnOneCommand,
    now: DateTime<Utc>,
) -> Result<Message, Failure> {
    let me = &req.user;
    let team = &req.team;
    let store = engine.store();
    match command {
        OneOnOneCommand::Help => Ok(help()),
        OneOnOneCommand::Set {
            member,
            cadence,
            weekday,
            time,
            tz,
        } => {
            let cached = store.user(team, me)?.tz;
            let slack_tz = cached.as_deref().and_then(parse_tz);
            let wanted = SetUp {
                cadence,
                weekday,
                time,
                zone: tz,
            };
            let o = store
                .set_up_one_on_one(team, me, &member, now, |old, reversed| {
                    let changed = old.is_some_and(|(o, _)| o.is_active());
                    let o = OneOnOne::set_up(
                        old.map(|(o, _)| o),
                        reversed,
                        me,
                        &member,
                        &wanted,
                        slack_tz.unwrap_or(engine.default_tz()),
                        now,
                    )?;
                    let zone = o.schedule.zone(cached.as_deref());
                    let next = o.next_slot(zone, now).ok_or(OneOnOneError::NoDate)?;
                    let text = format!(
                        "{} {} a 1:1 with you: {}. The next one is {}. On the morning of each, you both get its agenda: the objectives of your tour and what either of you added with `/1on1 agenda {} add &lt;text&gt;`.",
                        me.mention(),
                        if changed { "changed" } else { "set up" },
                        o.schedule.describe(zone),
                        slack_date(next, zone),
                        me.mention()
                    );
                    let notice = Notice {
                        tour: NO_TOUR,
                        to: member.clone(),
                        kind: NoticeKind::Note {
                            key: format!("1on1:{me}:{member}:set:{}", now.timestamp_micros()),
                            text,
                        },
                    };
                    Ok((o, vec![notice]))
                })?
                .map_err(|e| match e {
                    // Well formed, and refused: a plain answer.
                    OneOnOneError::TheirsToChange { .. } => {
                        Failure::User(Message::text(e.to_string()))
                    }
                    e => refusal(parse::USAGE_1ON1_SET)(e),
                })?;
            let zone = o.schedule.zone(cached.as_deref());
            let next = o.next_slot(zone, now);
            let zone_note = match (o.schedule.follows_slack, tz, slack_tz) {
                (false, Some(_), _) => format!("In {}, as you said: it stays there.", zone.name()),
                (false, _, _) => format!(
                    "In {}, the time zone you gave it before: it stays there. Add `tz {}` to make the 1:1 follow your {} time zone instead.",
                    zone.name(),
                    team.chat().to_lowercase(),
                    team.chat()
                ),
                (true, _, Some(_)) => format!(
                    "In your {} time zone, {}: the 1:1 follows it. Add `tz Area/City` to fix another.",
                    team.chat(),
                    zone.name()
                ),
                (true, _, None) => format!(
                    "In {}, the workspace's default: I haven't seen your {} time zone yet. The 1:1 follows it once I do (the first time I remind you of something), and I'll tell you both if that moves it; add `tz Area/City` to set it now.",
                    zone.name(),
                    team.chat()
                ),
            };
            Ok(Message::text(format!(
                "Your 1:1 with {}: {}. The next one is {}. You both get its agenda on the morning of each, and afterwards I ask you whether it happened.",
                member.mention(),
                o.schedule.describe(zone),
                next.map(|n| describe_slot(n, zone)).unwrap_or_default()
            ))
            .context(zone_note))
        }
        OneOnOneCommand::List => {
            let mine: Vec<OneOnOne> = store
                .one_on_ones_of(team, me)?
                .into_iter()
                .filter(OneOnOne::is_active)
                .collect();
            let mut message = Message::new("Your 1:1s").section("*Your 1:1s*");
            if mine.is_empty() {
                return Ok(message.context(
                    "No 1:1s yet. `/1on1 @member every week on tuesday at 10:00` sets one up.",
                ));
            }
            let total = mine.len();
            for o in mine.into_iter().take(render::MAX_ROWS) {
                let tz = store.one_on_one_zone(team, &o)?;
                message = message.section(row(&o, me, tz, now));
            }
            if total > render::MAX_ROWS {
                message = message.context(format!("…and {} more.", total - render::MAX_ROWS));
            }
            Ok(message)
        }
        OneOnOneCommand::Done { member, notes } => log(
            engine,
            req,
            &member,
            Outcome::Held,
            notes.as_deref(),
            now,
            refusal(parse::USAGE_1ON1_DONE),
        ),
        OneOnOneCommand::Skip { member } => log(
            engine,
            req,
            &member,
            Outcome::Skipped,
            None,
            now,
            refusal(parse::USAGE_1ON1_SKIP),
        ),
        OneOnOneCommand::Moved { member } => {
            log(engine, req, &member, Outcome::Moved, None, now, refused)
        }
        OneOnOneCommand::Snooze { member, until } => {
            let o = between(store, team, me, &member)?
                .ok_or_else(|| refused(OneOnOneError::NotFound(member.mention())))?;
            if &o.manager != me {
                return Err(refused(OneOnOneError::NotManager(o.manager.mention())));
            }
            let Some(at) = super::reminders::snooze_until(until, now) else {
                return Err(Failure::User(Message::text(
                    super::reminders::NOT_AFTER_TODAY,
                )));
            };
            let last = store.last_reminder_sent(
                team,
                &format!("tour:{}:1on1:{}:{}:", NO_TOUR.0, o.manager, o.member),
                me,
                |series| {
                    matches!(
                        series,
                        Series::OneOnOne {
                            step: Step::Happened | Step::Overdue,
                            ..
                        }
                    )
                },
            )?;
            let Some((series, round)) = last else {
                return Err(Failure::User(Message::text(format!(
                    "No question about your 1:1 with {} came to you yet, so there is nothing to snooze.",
                    member.mention()
                ))));
            };
            engine.snooze_reminder(team, me, NO_TOUR, &series, round, at, now)?;
            Ok(Message::text(snoozed(&o.member, at)))
        }
        OneOnOneCommand::Stop { person } => {
            let usage = parse::USAGE_1ON1_STOP;
            let o = between(store, team, me, &person)?
                .ok_or_else(|| refusal(usage)(OneOnOneError::NotFound(person.mention())))?;
            store
                .change_one_on_one(team, &o.manager, &o.member, now, |old| {
                    let (o, tz) = old.ok_or_else(|| OneOnOneError::NotFound(person.mention()))?;
                    let stopped = o.stop(me, now)?;
                    let text = format!(
                        "{} stopped your 1:1 ({}). No more agendas or reminders about it; its notes and agenda are kept if it is set up again.",
                        me.mention(),
                        o.schedule.describe(tz)
                    );
                    let notice = Notice {
                        tour: NO_TOUR,
                        to: person.clone(),
                        kind: NoticeKind::Note {
                            key: format!(
                                "1on1:{}:{}:stop:{}",
                                o.manager,
                                o.member,
                                now.timestamp_micros()
                            ),
                            text,
                        },
                    };
                    Ok((stopped, vec![notice]))
                })?
                .map_err(refusal::<OneOnOneError>(usage))?;
            // Only its manager sets a 1:1 up.
            let again = if *me == o.manager {
                format!(
                    "You can set it up again with `/1on1 {} every …`",
                    o.member.mention()
                )
            } else {
                format!("{} can set it up again", o.manager.mention())
            };
            Ok(Message::text(format!(
                "Stopped your 1:1 with {}: no more agendas or reminders about it. {again}; its notes and open agenda are kept.",
                person.mention(),
            )))
        }
        OneOnOneCommand::Agenda { person, add } => {
            let usage = parse::USAGE_1ON1_AGENDA;
            let o = between(store, team, me, &person)?
                .ok_or_else(|| refusal(usage)(OneOnOneError::NotFound(person.mention())))?;
            let Some(text) = add else {
                let tz = store.one_on_one_zone(team, &o)?;
                let slot = o.next_slot(tz, now);
                return Ok(agenda(store, team, &o, me, slot, tz, now)?);
            };
            let o = store
                .change_one_on_one(team, &o.manager, &o.member, now, |old| {
                    let (o, _) = old.ok_or_else(|| OneOnOneError::NotFound(person.mention()))?;
                    Ok((o.add_item(me, &text, now)?, Vec::new()))
                })?
                .map_err(refusal::<OneOnOneError>(usage))?;
            let tz = store.one_on_one_zone(team, &o)?;
            Ok(Message::text(format!(
                "Added to the agenda of your next 1:1 with {}{}: {}",
                person.mention(),
                o.next_slot(tz, now)
                    .map(|n| format!(" ({})", describe_slot(n, tz)))
                    .unwrap_or_default(),
                escape(text.trim())
            ))
            .context(format!(
                "{} now. You both see the agenda on the morning of the 1:1; logging the 1:1 as held closes its items.",
                agenda_items(o.open_items().count(), "open ")
            )))
        }
    }
}

/// `done` and `skip`: the manager logs the 1:1 with `member`.
fn log(
    engine: &Engine,
    req: &Request,
    member: &UserId,
    outcome: Outcome,
    notes: Option<&str>,
    now: DateTime<Utc>,
    refuse: impl Fn(OneOnOneError) -> Failure,
) -> Result<Message, Failure> {
    let (me, team, store) = (&req.user, &req.team, engine.store());
    if !store
        .one_on_one(team, me, member)?
        .is_some_and(|o| o.is_active())
    {
        let error = match between(store, team, me, member)? {
            Some(o) => OneOnOneError::NotManager(o.manager.mention()),
            None => OneOnOneError::NotFound(member.mention()),
        };
        return Err(refuse(error));
    }
    let o = store
        .change_one_on_one(team, me, member, now, |old| {
            let (o, tz) = old.ok_or_else(|| OneOnOneError::NotFound(member.mention()))?;
            let (logged, _) = o.log(me, outcome, None, notes, tz, now)?;
            Ok((logged, Vec::new()))
        })?
        .map_err(refuse)?;
    let tz = store.one_on_one_zone(team, &o)?;
    let Some(meeting) = o.meetings.last() else {
        return Err(Failure::Internal(StoreError::Engine(
            "a logged 1:1 has no meeting".into(),
        )));
    };
    let closed = o.agenda.iter().filter(|i| i.done_at == Some(now)).count();
    let mut text = format!(
        "Logged your 1:1 with {} of {} as *{}*",
        member.mention(),
        describe_slot(meeting.slot, tz),
        outcome.name()
    );
    if meeting.notes.is_some() {
        text.push_str(", with your notes");
    }
    // Logging ahead passed over 1:1s logged before: say which.
    if let Some(nearest) = o.scheduled_after(tz, now)
        && nearest < meeting.slot
    {
        let before = o
            .schedule
            .number_at(meeting.slot, tz)
            .and_then(|n| o.schedule.slot(n.checked_sub(1)?, tz))
            .filter(|before| *before > nearest);
        text.push_str(&match before {
            None => format!(
                " (the one of {} is logged already)",
                describe_slot(nearest, tz)
            ),
            Some(before) => format!(
                " (those of {} to {} are logged already)",
                describe_slot(nearest, tz),
                describe_slot(before, tz)
            ),
        });
    }
    text.push('.');
    if closed > 0 {
        text.push_str(&format!(
            " {} discussed and closed.",
            agenda_items(closed, "")
        ));
    }
    if let Some(next) = o.next_slot(tz, now) {
        text.push_str(&format!(" The next one is {}.", describe_slot(next, tz)));
    }
    Ok(Message::text(text))
}

fn help() -> Message {
    render::usages("Alliance: one-on-ones", &parse::ONE_ON_ONE_USAGES)
        .context(
            "The manager sets a 1:1 up and logs it; either of you adds to its agenda (`@person` is the other one of you) or stops it. \
             Times are in the manager's time zone: a zone given with `tz` stays until `tz slack` (on Mattermost `tz mattermost`). Also `/tour 1on1 …`; tours themselves are in `/tour help`.",
        )
}

/// The delivery worker's hook for what `users.info` told about `user`:
/// cached, and followed by the 1:1s they manage, whose parties are told
/// when that moves one ([`Store::save_user_following`], [`zone_moved`]).
pub fn cache_user(
    store: &Store,
    team: &TeamId,
    user: &UserId,
    cache: &UserCache,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    store.save_user_following(team, user, cache, now, |o, from, to, next| {
        zone_moved(team, o, from, to, next, now)
    })
}

/// What the two of `o` hear when its manager's Slack zone moved it from
/// `from` to `to`, with `next` its next 1:1: one message each, keyed by
/// the instant it was learned.
fn zone_moved(
    team: &TeamId,
    o: &OneOnOne,
    from: Tz,
    to: Tz,
    next: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<Notice> {
    let was = format!("{} ({})", o.schedule.time.format("%H:%M"), from.name());
    let manager = format!(
        "Your 1:1 with {} now follows your {} time zone, {}: {}, no longer at {was}. The next one is {}. To keep it in another zone, set it up again with `tz Area/City`.",
        o.member.mention(),
        team.chat(),
        to.name(),
        o.schedule.describe(to),
        slack_date(next, to)
    );
    let member = format!(
        "Your 1:1 with {} moved: it follows {}'s {} time zone, {}, and is {}, no longer at {was}. The next one is {}.",
        o.manager.mention(),
        o.manager.mention(),
        team.chat(),
        to.name(),
        o.schedule.describe(to),
        slack_date(next, to)
    );
    [(&o.manager, manager), (&o.member, member)]
        .into_iter()
        .map(|(to, text)| Notice {
            tour: NO_TOUR,
            to: to.clone(),
            kind: NoticeKind::Note {
                key: format!(
                    "1on1:{}:{}:zone:{}:{to}",
                    o.manager,
                    o.member,
                    now.timestamp()
                ),
                text,
            },
        })
        .collect()
}

/// Slack shows `slot` in each reader's own zone; the fallback names it in `tz`.
fn slack_date(slot: DateTime<Utc>, tz: Tz) -> String {
    format!(
        "<!date^{}^{{date_long_pretty}} at {{time}}|{}>",
        slot.timestamp(),
        describe_slot(slot, tz)
    )
}

/// One 1:1 in `/1on1 list`, as `me` sees it.
fn row(o: &OneOnOne, me: &UserId, tz: Tz, now: DateTime<Utc>) -> String {
    let whose = if me == &o.manager {
        "you manage it".to_string()
    } else {
        format!("{} manages it", o.manager.mention())
    };
    let mut out = format!(
        "*With {}* ({whose}) · {}",
        o.other(me).mention(),
        o.schedule.describe(tz)
    );
    if let Some(next) = o.next_slot(tz, now) {
        out.push_str(&format!("\nNext: {}", describe_slot(next, tz)));
    }
    match o.last_held() {
        Some(m) => out.push_str(&format!(" · last held: {}", describe_slot(m.slot, tz))),
        None => out.push_str(" · none held yet"),
    }
    out.push_str(&format!(
        " · {}",
        agenda_items(o.open_items().count(), "open ")
    ));
    out
}

/// "no open agenda items", "1 open agenda item", "2 open agenda items".
fn agenda_items(n: usize, open: &str) -> String {
    match n {
        0 => format!("no {open}agenda items"),
        1 => format!("1 {open}agenda item"),
        n => format!("{n} {open}agenda items"),
    }
}

/// The tours running between the two on `day` (under way, ending with an
/// exit planned, or past their end with nothing decided yet — that is worth
/// a word), newest first, at most [`AGENDA_TOURS`]: what the 1:1 talks
/// about. A next tour still to start is not one of them. Either of them may
/// be a tour's manager: the 1:1 was set up by whoever typed it first.
fn running_tours(
    store: &Store,
    team: &TeamId,
    o: &OneOnOne,
    day: chrono::NaiveDate,
) -> Result<Vec<Tour>, StoreError> {
    use crate::domain::timeline::Phase;
    let mut tours = Vec::new();
    for t in store.tours_of(team, &o.member)? {
        let between = t.role_of(&o.manager).is_some() && t.role_of(&o.member).is_some();
        let running = matches!(
            t.phase(day),
            Phase::Active | Phase::ActiveNextAgreed | Phase::Leaving | Phase::AwaitingDecision
        );
        if !between || !running {
            continue;
        }
        if tours.len() == AGENDA_TOURS {
            break;
        }
        if let Some(tour) = store.tour(team, t.id)? {
            tours.push(tour);
        }
    }
    Ok(tours)
}

/// What the last check-in of a tour raised, for the agenda.
pub struct CheckinAsks {
    pub at: DateTime<Utc>,
    pub blockers: Vec<String>,
    pub support: Vec<String>,
    /// A check-in recorded as notes rather than a conversation.
    pub notes: Option<String>,
}

/// The blockers and support asks of `tour`'s last check-in (a conversation
/// or written notes), if there is one with anything to say.
fn last_checkin(
    store: &Store,
    team: &TeamId,
    tour: &Tour,
) -> Result<Option<CheckinAsks>, StoreError> {
    use crate::domain::checkin::Question;
    let Some(last) = store.checkins(team, tour.id)?.pop() else {
        return Ok(None);
    };
    let said = |q: Question| -> Vec<String> {
        last.answers
            .iter()
            .filter(|a| a.question == q)
            .filter_map(|a| a.text.clone())
            .collect()
    };
    let blockers = said(Question::Blockers);
    let support = said(Question::Support);
    if blockers.is_empty() && support.is_empty() && last.notes.is_none() {
        return Ok(None);
    }
    Ok(Some(CheckinAsks {
        at: last.at,
        blockers,
        support,
        notes: last.notes,
    }))
}

/// The agenda of `o` for `to`, about `slot` (the next one, if any); the
/// tours are those running on the day of the slot (else of `now`).
fn agenda(
    store: &Store,
    team: &TeamId,
    o: &OneOnOne,
    to: &UserId,
    slot: Option<DateTime<Utc>>,
    tz: Tz,
    now: DateTime<Utc>,
) -> Result<Message, StoreError> {
    let other = o.other(to);
    let headline = match slot {
        Some(slot) => format!(
            "Your 1:1 with {} is coming up: {}.",
            other.mention(),
            slack_date(slot, tz)
        ),
        None => format!("The agenda of your 1:1 with {}.", other.mention()),
    };
    let mut message = Message::new(headline.clone()).section(headline);
    let day = slot.unwrap_or(now).date_naive();
    let tours = running_tours(store, team, o, day)?;
    if tours.is_empty() {
        message = message
            .context("No tour of duty between you is running: `/tour propose` writes one down.");
    }
    for tour in &tours {
        message = message.section(tour_part(tour));
        if let Some(asks) = last_checkin(store, team, tour)? {
            message = message.section(checkin_part(&asks));
        }
    }
    let items: Vec<String> = o
        .open_items()
        .enumerate()
        .map(|(i, item)| {
            format!(
                "{}. {} — {}",
                i + 1,
                escape(&truncate(&item.text, 300)),
                item.by.mention()
            )
        })
        .collect();
    message = message.section(if items.is_empty() {
        "*On the agenda*\nNothing added yet.".to_string()
    } else {
        format!("*On the agenda*\n{}", items.join("\n"))
    });
    if let Some(last) = o.last_held() {
        message = message.context(format!(
            "Last 1:1: {}{}",
            describe_slot(last.slot, tz),
            last.notes
                .as_ref()
                .map(|n| format!(" — “{}”", escape(&truncate(n, 500))))
                .unwrap_or_default()
        ));
    }
    Ok(message.context(format!(
        "Add to it: `/1on1 agenda {} add &lt;text&gt;`",
        other.mention()
    )))
}

fn tour_part(tour: &Tour) -> String {
    let mut out = format!(
        "*Tour {}* · {} · {} · {}\n_{}_",
        tour.id,
        tour.kind.name(),
        tour.status.name(),
        render::span(tour.starts_on, tour.ends_on, tour.term),
        escape(&truncate(&tour.mission, 300))
    );
    for side in [Side::Company, Side::Member] {
        let objectives: Vec<String> = tour
            .objectives
            .iter()
            .enumerate()
            .filter(|(_, o)| o.side == side)
            .map(|(i, o)| {
                format!(
                    "{} {}. {}",
                    if o.done_at.is_some() { "☑" } else { "☐" },
                    i + 1,
                    escape(&truncate(&o.text, 200))
                )
            })
            .collect();
        if !objectives.is_empty() {
            out.push_str(&format!(
                "\n*{}*\n{}",
                render::side_title(side, tour, true),
                objectives.join("\n")
            ));
        }
    }
    if tour.objectives.is_empty() {
        out.push_str("\nNo objectives written down yet.");
    }
    out
}

fn checkin_part(asks: &CheckinAsks) -> String {
    let list = |items: &[String]| {
        items
            .iter()
            .map(|i| format!("• {}", escape(&truncate(i, 200))))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let mut out = format!("*Last check-in* ({})", asks.at.date_naive());
    if !asks.blockers.is_empty() {
        out.push_str(&format!("\n_Blockers_\n{}", list(&asks.blockers)));
    }
    if !asks.support.is_empty() {
        out.push_str(&format!("\n_Support asked for_\n{}", list(&asks.support)));
    }
    if let Some(notes) = &asks.notes {
        out.push_str(&format!("\n_Notes_\n{}", escape(&truncate(notes, 500))));
    }
    out
}

/// The message for a 1:1 reminder, from the store as it is now.
pub(super) fn render_reminder(
    store: &Store,
    team: &TeamId,
    notice: &Notice,
) -> Result<Message, StoreError> {
    let NoticeKind::Reminder {
        series:
            series @ Series::OneOnOne {
                manager,
                member,
                step,
                slot,
            },
        round,
        ..
    } = &notice.kind
    else {
        return Ok(Message::text("This 1:1 reminder is no longer available."));
    };
    let Some(o) = store
        .one_on_one(team, manager, member)?
        .filter(OneOnOne::is_active)
    else {
        return Ok(Message::text("This 1:1 is no longer running."));
    };
    let tz = store.one_on_one_zone(team, &o)?;
    let value = reminder_value(NO_TOUR.0, series, *round);
    let snooze = vec![
        Element::button("Snooze 1 week", notify::SNOOZE_WEEK, &value, None),
        Element::datepicker(notify::SNOOZE_UNTIL, "Snooze until…"),
    ];
    Ok(match step {
        Step::Agenda => agenda(store, team, &o, &notice.to, Some(*slot), tz, *slot)?,
        Step::Happened => Message::text(format!(
            "Did your 1:1 with {} happen? It was {}.",
            member.mention(),
            slack_date(*slot, tz)
        ))
        .actions(vec![
            Element::button("Done", DONE, &value, Some("primary")),
            Element::button("Skipped", SKIPPED, &value, None),
            Element::button("Moved", MOVED, &value, None),
        ])
        .actions_for(Some(&value), snooze)
        .context("Done asks for notes, if you like: you both see them in the next agenda."),
        Step::Overdue => Message::text(format!(
            "No 1:1 with {} has been held since {}, and yours is {}. Even a short one keeps the alliance going.",
            member.mention(),
            o.overdue_since().date_naive(),
            o.schedule.describe(tz)
        ))
        .actions_for(Some(&value), snooze)
        .context(format!(
            "If it did happen, `/1on1 done {} [notes]` logs it.",
            member.mention()
        )),
    })
}

impl Engine {
    /// Done / Skipped / Moved on "did it happen?": the manager's only.
    pub(super) fn one_on_one_click(
        &self,
        click: &Click,
        now: DateTime<Utc>,
    ) -> Result<AfterClick, StoreError> {
        let Some((_, series, round)) = click.value.as_deref().and_then(parse_reminder_value) else {
            return Ok(AfterClick::Nothing);
        };
        let Series::OneOnOne {
            manager,
            member,
            slot,
            ..
        } = series.clone()
        else {
            return Ok(AfterClick::Nothing);
        };
        if click.user != manager {
            let text = if click.user == member {
                OneOnOneError::NotManager(manager.mention()).to_string()
            } else {
                OneOnOneError::NotFound(member.mention()).to_string()
            };
            self.note(click, None, &text, now)?;
            return Ok(AfterClick::Nothing);
        }
        let outcome = match click.action_id.as_str() {
            DONE => {
                let value = reminder_value(NO_TOUR.0, &series, round);
                return Ok(AfterClick::OpenForm(notes_form(
                    &value,
                    click.channel.as_deref().unwrap_or_default(),
                    click.message_ts.as_deref().unwrap_or_default(),
                    &member,
                )));
            }
            SKIPPED => Outcome::Skipped,
            _ => Outcome::Moved,
        };
        let logged: Result<OneOnOne, OneOnOneError> =
            self.store()
                .change_one_on_one(&click.team, &manager, &member, now, |old| {
                    let (o, tz) = old.ok_or_else(|| OneOnOneError::NotFound(member.mention()))?;
                    let (logged, _) = o.log(&click.user, outcome, Some(slot), None, tz, now)?;
                    Ok((logged, Vec::new()))
                })?;
        match logged {
            Ok(_) => {
                let text = match outcome {
                    Outcome::Moved => format!(
                        "Noted: your 1:1 with {} moved. When it happens, `/1on1 done {} [notes]` logs it.",
                        member.mention(),
                        member.mention()
                    ),
                    _ => format!("Noted: your 1:1 with {} was skipped.", member.mention()),
                };
                self.replace_with_note(click, NO_TOUR, text, now)?;
            }
            Err(e) => self.note(click, None, &e.to_string(), now)?,
        }
        Ok(AfterClick::Nothing)
    }

    /// Snooze on a 1:1 reminder: only its recipient may.
    pub(super) fn snooze_one_on_one(
        &self,
        click: &Click,
        series: &Series,
        round: u32,
        now: DateTime<Utc>,
    ) -> Result<AfterClick, StoreError> {
        let Series::OneOnOne {
            manager, member, ..
        } = series
        else {
            return Ok(AfterClick::Nothing);
        };
        if click.action_id == notify::DONE {
            return Ok(AfterClick::Nothing);
        }
        if &click.user != manager {
            let text = OneOnOneError::NotFound(member.mention()).to_string();
            self.note(click, None, &text, now)?;
            return Ok(AfterClick::Nothing);
        }
        let Some(until) = super::buttons::snooze_until(click, now) else {
            self.note(click, None, "Pick a date after today to snooze until.", now)?;
            return Ok(AfterClick::Nothing);
        };
        self.snooze_reminder(&click.team, &click.user, NO_TOUR, series, round, until, now)?;
        self.replace_with_note(click, NO_TOUR, snoozed(member, until), now)?;
        Ok(AfterClick::Nothing)
    }

    /// The notes form of Done, submitted: logs the 1:1 as held with them
    /// and replaces the question it came from. Slack expects `clear`, or
    /// the problem shown on the form.
    pub(super) fn submit_one_on_one_notes(
        &self,
        team: &TeamId,
        user: &UserId,
        submitted: &Submission,
        now: DateTime<Utc>,
    ) -> FormAnswer {
        let private_metadata = submitted.state.as_str();
        let inline = |message: &str| FormAnswer::problem(BLOCK_NOTES, message);
        // The button's value, then the message it was on (see `Origin`).
        let origin = Origin::decode(&mut private_metadata.lines());
        let mut lines = private_metadata.lines();
        let Some((
            _,
            Series::OneOnOne {
                manager,
                member,
                slot,
                ..
            },
            _,
        )) = lines.next().and_then(parse_reminder_value)
        else {
            return inline("This form is out of date; type `/1on1 done @member [notes]` instead.");
        };
        let notes = submitted.get(BLOCK_NOTES);
        // The notes arrive as typed, not entity-encoded like command text.
        let logged = self
            .store()
            .change_one_on_one(team, &manager, &member, now, |old| {
                let Some((o, tz)) = old.filter(|(o, _)| o.role_of(user).is_some()) else {
                    return Err(OneOnOneError::NotFound(member.mention()));
                };
                let (logged, _) = o.log(user, Outcome::Held, Some(slot), Some(notes), tz, now)?;
                Ok((logged, Vec::new()))
            });
        match logged {
            Ok(Ok(_)) => {
                if let Some(origin) = &origin {
                    let text = format!(
                        "✅ Logged your 1:1 with {} as held{}.",
                        member.mention(),
                        if notes.trim().is_empty() {
                            ""
                        } else {
                            ", with your notes"
                        }
                    );
                    // The question's answer, like a press on it (`buttons`).
                    if let Err(e) = self.answer_origin(team, user, origin, NO_TOUR, text, now) {
                        tracing::error!(error = %e, "could not replace a 1:1 question");
                    }
                }
                FormAnswer::Done
            }
            Ok(Err(e)) => inline(&e.to_string()),
            Err(e) => {
                tracing::error!(error = %e, "1:1 notes failed");
                inline("Sorry, something went wrong on my side; please try again.")
            }
        }
    }
}

/// The answer to a 1:1 reminder's Snooze (pressed or typed).
fn snoozed(member: &UserId, until: DateTime<Utc>) -> String {
    format!(
        "⏰ Snoozed until {}: I'll bring your 1:1 with {} up again then.",
        until.date_naive(),
        member.mention()
    )
}

/// The small form Done opens: optional notes.
pub(super) fn notes_form(value: &str, channel: &str, ts: &str, member: &UserId) -> Form {
    let state = format!("{value}\n{channel}\n{ts}");
    Form::new(
        NOTES_VIEW,
        state.trim_end().to_string(),
        "1:1 done",
        "Log it",
        format!(
            "Your 1:1 with {} happened. Notes, if you like: you both see them in the next agenda.",
            member.mention()
        ),
    )
    .field(
        BLOCK_NOTES,
        "Notes",
        Input::Paragraph {
            max: crate::domain::one_on_one::MAX_NOTES,
        },
    )
    .optional()
}
