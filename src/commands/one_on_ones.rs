//! `/1on1` (and `/tour 1on1 …`): one-on-ones between a manager and a
//! member — set up, list, log, stop, the agenda — and the messages and
//! buttons of their reminders. The rules and dates are
//! `domain::one_on_one`; the record and its reminders `store::one_on_ones`.
//!
//! Who may do what (decisions where the product text is silent):
//! - Anyone may set up a 1:1 with someone else and is its manager; setting
//!   it up again changes its day, time or cadence. The member is told at
//!   once, by DM, each time.
//! - A 1:1 is its two parties' only: `list` shows your own, and `agenda`,
//!   `stop`, `done`, `skip` need you to be a party. Admins see none of it
//!   in Slack (1:1 notes are between two people; `alliance export` holds
//!   everything for the people team). To anyone else a 1:1 does not exist:
//!   they get the same answer as for a pair that never met.
//! - Only the manager logs (`done`, `skip`, the Done / Skipped / Moved
//!   buttons). Either party adds agenda items, and either may `stop` the
//!   1:1 (the other is told). Notes are seen by both, in the next agendas.
//! - `stop` keeps the record: set up again, the 1:1 resumes with its log
//!   and open agenda. A stopped 1:1 is not listed.
//! - The agenda, in the DM on the morning of each 1:1 and in
//!   `/1on1 agenda @person`: the active tour between the two (its
//!   mission, objectives of both sides with their state), the last
//!   check-in's blockers and support asks, or its notes
//!   ([`last_checkin`]), the open items either of them added, and the
//!   last 1:1 held with its notes.
//! - The agenda carries no buttons: it is about one morning, and snoozing it
//!   would bring it after its 1:1. "Did it happen?" and the overdue nudge
//!   carry Snooze 1 week / Snooze until…; Done asks for optional notes in a
//!   small form.

use super::buttons::{AfterClick, Click, Origin};
use super::notify::{self, parse_reminder_value, reminder_value};
use super::parse::{self, OneOnOneCommand, Usage};
use super::{Engine, Failure, Request, render};
use crate::domain::hours::parse_tz;
use crate::domain::notice::{Notice, NoticeKind};
use crate::domain::one_on_one::{OneOnOne, OneOnOneError, Outcome, Step, describe_slot};
use crate::domain::schedule::Series;
use crate::domain::{Side, Status, TeamId, Tour, UserId};
use crate::slack::blocks::{self, Element, Message, escape, truncate};
use crate::store::alumni::NO_TOUR;
use crate::store::{Store, StoreError};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value, json};

/// Buttons of "did it happen?"; they carry `reminder_value(0, series, round)`.
pub const DONE: &str = "oneonone.done";
pub const SKIPPED: &str = "oneonone.skipped";
pub const MOVED: &str = "oneonone.moved";
/// The notes form that Done opens. Its `private_metadata` is the button's
/// value, then the clicked message's channel and ts, a line each.
pub const NOTES_VIEW: &str = "oneonone.notes";
const BLOCK_NOTES: &str = "notes";
const ACTION_NOTES: &str = "notes.text";

pub(super) fn handle_text(
    engine: &Engine,
    req: &Request,
    now: DateTime<Utc>,
) -> Result<Message, Failure> {
    let command = parse::parse_one_on_one(&req.text)
        .map_err(|Usage { problem, usage }| Failure::User(blocks::problem(&problem, usage)))?;
    handle(engine, req, command, now)
}

fn refusal(usage: &'static str) -> impl Fn(OneOnOneError) -> Failure {
    move |e| Failure::User(blocks::problem(&e.to_string(), usage))
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
            let slack_tz = store.user(team, me)?.tz.as_deref().and_then(parse_tz);
            let (zone, follows_slack) = match tz {
                Some(tz) => (tz, false),
                None => (slack_tz.unwrap_or(engine.default_tz()), true),
            };
            let o = store
                .change_one_on_one(team, me, &member, now, |old| {
                    let changed = old.is_some_and(|(o, _)| o.is_active());
                    let o = OneOnOne::set_up(
                        old.map(|(o, _)| o),
                        me,
                        &member,
                        cadence,
                        weekday,
                        time,
                        zone,
                        follows_slack,
                        now,
                    )?;
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
                .map_err(refusal(parse::USAGE_1ON1_SET))?;
            let next = o.next_slot(zone, now);
            let zone_note = match (tz, slack_tz) {
                (Some(tz), _) => format!("In {}, as you said: it stays there.", tz.name()),
                (None, Some(tz)) => format!(
                    "In your Slack time zone, {}: the 1:1 follows it. Add `tz Area/City` to fix another.",
                    tz.name()
                ),
                (None, None) => format!(
                    "In {}, the workspace's default: I haven't seen your Slack time zone yet. The 1:1 follows it once I do (the first time I remind you of something); add `tz Area/City` to set it now.",
                    zone.name()
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
            parse::USAGE_1ON1_DONE,
        ),
        OneOnOneCommand::Skip { member } => log(
            engine,
            req,
            &member,
            Outcome::Skipped,
            None,
            now,
            parse::USAGE_1ON1_SKIP,
        ),
        OneOnOneCommand::Stop { person } => {
            let usage = parse::USAGE_1ON1_STOP;
            let o = between(store, team, me, &person)?
                .ok_or_else(|| refusal(usage)(OneOnOneError::NotFound(person.mention())))?;
            let stopped = store
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
                .map_err(refusal(usage))?;
            Ok(Message::text(format!(
                "Stopped your 1:1 with {}: no more agendas or reminders about it. {} can set it up again; its notes and open agenda are kept.",
                person.mention(),
                stopped.manager.mention()
            )))
        }
        OneOnOneCommand::Agenda { person, add } => {
            let usage = parse::USAGE_1ON1_AGENDA;
            let o = between(store, team, me, &person)?
                .ok_or_else(|| refusal(usage)(OneOnOneError::NotFound(person.mention())))?;
            let Some(text) = add else {
                let tz = store.one_on_one_zone(team, &o)?;
                return Ok(agenda(store, team, &o, me, o.next_slot(tz, now), tz)?);
            };
            let o = store
                .change_one_on_one(team, &o.manager, &o.member, now, |old| {
                    let (o, _) = old.ok_or_else(|| OneOnOneError::NotFound(person.mention()))?;
                    Ok((o.add_item(me, &text, now)?, Vec::new()))
                })?
                .map_err(refusal(usage))?;
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
                "{} open item(s). Both of you see them on the morning of the 1:1; a 1:1 logged as held closes them.",
                o.open_items().count()
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
    usage: &'static str,
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
        return Err(refusal(usage)(error));
    }
    let o = store
        .change_one_on_one(team, me, member, now, |old| {
            let (o, tz) = old.ok_or_else(|| OneOnOneError::NotFound(member.mention()))?;
            let (logged, _) = o.log(me, outcome, None, notes, tz, now)?;
            Ok((logged, Vec::new()))
        })?
        .map_err(refusal(usage))?;
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
    text.push('.');
    if closed > 0 {
        text.push_str(&format!(" {closed} agenda item(s) discussed and closed."));
    }
    if let Some(next) = o.next_slot(tz, now) {
        text.push_str(&format!(" The next one is {}.", describe_slot(next, tz)));
    }
    Ok(Message::text(text))
}

fn help() -> Message {
    let lines: Vec<String> = parse::ONE_ON_ONE_USAGES
        .iter()
        .map(|u| format!("`{}`", escape(u)))
        .collect();
    Message::new("Alliance: one-on-ones")
        .header("Alliance: one-on-ones")
        .section(lines.join("\n"))
        .context(
            "The manager sets a 1:1 up and logs it; either of you adds to its agenda (`@person` is the other one of you) or stops it. \
             Times are in the manager's time zone. Also `/tour 1on1 …`.",
        )
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
        " · {} open agenda item(s)",
        o.open_items().count()
    ));
    out
}

/// The active tour between the two, newest first: the one the 1:1 talks about.
fn active_tour(store: &Store, team: &TeamId, o: &OneOnOne) -> Result<Option<Tour>, StoreError> {
    let found = store.tours_of(team, &o.member)?.into_iter().find(|t| {
        t.manager == o.manager
            && t.member == o.member
            && matches!(t.status, Status::Active | Status::Leaving)
    });
    match found {
        Some(t) => store.tour(team, t.id),
        None => Ok(None),
    }
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

/// The agenda of `o` for `to`, about `slot` (the next one, if any).
fn agenda(
    store: &Store,
    team: &TeamId,
    o: &OneOnOne,
    to: &UserId,
    slot: Option<DateTime<Utc>>,
    tz: Tz,
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
    let tour = active_tour(store, team, o)?;
    match &tour {
        Some(tour) => {
            message = message.section(tour_part(tour));
            if let Some(asks) = last_checkin(store, team, tour)? {
                message = message.section(checkin_part(&asks));
            }
        }
        None => {
            message = message.context(
                "No tour of duty between you is running: `/tour propose` writes one down.",
            );
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
        Step::Agenda => agenda(store, team, &o, &notice.to, Some(*slot), tz)?,
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
                return Ok(AfterClick::OpenView {
                    view: notes_view(&value, click, &member),
                });
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
        self.store()
            .snooze(&click.team, NO_TOUR, series, &click.user, round + 1, until)?;
        let text = format!(
            "⏰ Snoozed until {}: I'll bring your 1:1 with {} up again then.",
            until.date_naive(),
            member.mention()
        );
        self.replace_with_note(click, NO_TOUR, text, now)?;
        Ok(AfterClick::Nothing)
    }

    /// The notes form of Done, submitted: logs the 1:1 as held with them
    /// and replaces the question it came from. Slack expects `clear`, or
    /// the problem shown on the form.
    pub(super) fn submit_one_on_one_notes(
        &self,
        team: &TeamId,
        user: &UserId,
        private_metadata: &str,
        values: &Map<String, Value>,
        now: DateTime<Utc>,
    ) -> Value {
        let inline = |message: &str| {
            json!({
                "response_action": "errors",
                "errors": { BLOCK_NOTES: message.replace('`', "") },
            })
        };
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
        let notes = values
            .get(BLOCK_NOTES)
            .and_then(|b| b.get(ACTION_NOTES))
            .and_then(|a| a.get("value"))
            .and_then(Value::as_str)
            .unwrap_or_default();
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
                json!({ "response_action": "clear" })
            }
            Ok(Err(e)) => inline(&e.to_string()),
            Err(e) => {
                tracing::error!(error = %e, "1:1 notes failed");
                inline("Sorry, something went wrong on my side; please try again.")
            }
        }
    }
}

/// The small form Done opens: optional notes.
fn notes_view(value: &str, click: &Click, member: &UserId) -> Value {
    let plain = |text: &str| json!({ "type": "plain_text", "text": text, "emoji": true });
    let metadata = format!(
        "{value}\n{}\n{}",
        click.channel.as_deref().unwrap_or_default(),
        click.message_ts.as_deref().unwrap_or_default()
    );
    json!({
        "type": "modal",
        "callback_id": NOTES_VIEW,
        "private_metadata": metadata.trim_end(),
        "title": plain("1:1 done"),
        "submit": plain("Log it"),
        "close": plain("Cancel"),
        "blocks": [
            {
                "type": "section",
                "text": { "type": "mrkdwn", "text": format!("Your 1:1 with {} happened. Notes, if you like: you both see them in the next agenda.", member.mention()) },
            },
            {
                "type": "input",
                "block_id": BLOCK_NOTES,
                "optional": true,
                "label": plain("Notes"),
                "element": { "type": "plain_text_input", "action_id": ACTION_NOTES, "multiline": true, "max_length": crate::domain::one_on_one::MAX_NOTES },
            },
        ],
    })
}
