//! How the bot's own messages read: a [`Notice`] rendered from the tour as
//! it is when the message goes out, with the buttons that act on it.
//!
//! Button `action_id`s are the contract with [`super::buttons`]: `tour.accept`
//! / `tour.decline` carry the tour id; `reminder.*` and `tour.propose_next`,
//! `tour.extend`, `tour.plan_exit` carry `tour|series|round`.
//!
//! Every button has a typed twin that runs the same rule (`/tour snooze`,
//! `/tour handover <id> accept`, …): a new button needs one, and a row in
//! the README's "Buttons and their typed equivalents", which
//! `tests/typed.rs` checks against every button a scenario makes the bot
//! send.

use super::render;
use crate::domain::alumni::Alumnus;
use crate::domain::notice::{Notice, NoticeKind};
use crate::domain::schedule::Series;
use crate::domain::{Event, HistoryEntry, Status, TeamId, Tour, TourKind, UserId};
use crate::message::{Element, MAX_SECTION, Message, escape, truncate};
use crate::store::{Store, StoreError};

pub const ACCEPT: &str = "tour.accept";
pub const DECLINE: &str = "tour.decline";
pub const SNOOZE_WEEK: &str = "reminder.snooze_week";
pub const SNOOZE_UNTIL: &str = "reminder.snooze_until";
pub const DONE: &str = "reminder.done";
pub const PROPOSE_NEXT: &str = "tour.propose_next";
pub const EXTEND: &str = "tour.extend";
pub const PLAN_EXIT: &str = "tour.plan_exit";
pub const ACCEPT_HANDOVER: &str = "tour.accept_handover";
pub const ALUMNI_JOIN: &str = "alumni.join";
pub const ALUMNI_DECLINE: &str = "alumni.decline";
pub const ALUMNI_TOUCH: &str = "alumni.touch";
pub const ALUMNI_STOP: &str = "alumni.stop";
/// On `/alumni rehire`'s answer: open the propose form for that person.
pub const PROPOSE_FOR: &str = "tour.propose_for";
/// On the `/tour forget-me` prompt; carries the id of the person it erases.
pub const FORGET_ME: &str = "privacy.forget_me";
/// On the `/tour complete` prompt: `tour|user`, the person who asked.
pub const COMPLETE: &str = "tour.complete";
pub const COMPLETE_CANCEL: &str = "tour.complete_cancel";
/// On the `/alumni remove` prompt: `asker|alumnus`. Remove, or keep them.
pub const ALUMNI_REMOVE: &str = "alumni.remove";
pub const ALUMNI_REMOVE_CANCEL: &str = "alumni.remove_cancel";

/// The value reminder buttons carry: `tour|series|round`.
pub fn reminder_value(tour: u64, series: &Series, round: u32) -> String {
    format!("{tour}|{}|{round}", series.key())
}

pub fn parse_reminder_value(value: &str) -> Option<(u64, Series, u32)> {
    let mut parts = value.split('|');
    let tour = parts.next()?.parse().ok()?;
    let series = Series::parse(parts.next()?)?;
    let round = parts.next()?.parse().ok()?;
    parts.next().is_none().then_some((tour, series, round))
}

/// The message for `notice`, from what the store holds now: the tour it is
/// about, or for an alumni reminder the alumnus and their last tour.
pub fn render_from(store: &Store, team: &TeamId, notice: &Notice) -> Result<Message, StoreError> {
    if let NoticeKind::Reminder {
        series: series @ Series::KeepInTouch(who, _),
        round,
        ..
    } = &notice.kind
    {
        let alumnus = store.alumnus(team, who)?;
        let last_tour = match alumnus.as_ref().and_then(|a| a.last_tour) {
            Some(id) => store.tour(team, id)?,
            None => None,
        };
        return Ok(keep_in_touch(
            alumnus.as_ref(),
            last_tour.as_ref(),
            series,
            *round,
        ));
    }
    match &notice.kind {
        NoticeKind::Reminder {
            series: Series::Checkin(_),
            round,
            ..
        } => return super::checkin::render_reminder(store, team, notice, *round),
        NoticeKind::CheckedIn { number } => {
            return super::checkin::render_checked_in(store, team, notice, *number);
        }
        NoticeKind::Reminder {
            series: Series::OneOnOne { .. },
            ..
        } => return super::one_on_ones::render_reminder(store, team, notice),
        NoticeKind::Changes { .. } => {
            return Ok(match store.changes_to_tell(team, notice)? {
                Some((tour, told)) => changes(&tour, &told, &notice.to),
                None => Message::text(format!(
                    "Tour *{}* changed; `/tour history {}` shows how.",
                    notice.tour, notice.tour.0
                )),
            });
        }
        NoticeKind::Reassigned { entry } => {
            let tour = store.tour(team, notice.tour)?;
            let entry = store.history_entry(team, notice.tour, *entry)?;
            return Ok(match (tour, entry) {
                (Some(tour), Some(entry)) => reassigned(&tour, &entry, &notice.to),
                (tour, _) => render(notice, tour.as_ref()),
            });
        }
        NoticeKind::Timeline { .. } => {
            return Ok(match super::files::draw_timeline(store, team, notice)? {
                Some(timeline) => super::files::timeline_message(&timeline),
                None => render(notice, None),
            });
        }
        NoticeKind::Report { today, .. } => {
            return Ok(super::files::report_message(*today));
        }
        _ => {}
    }
    let tour = store.tour(team, notice.tour)?;
    let message = render(notice, tour.as_ref());
    // An agreed next tour moves with this one: say where it is now.
    if let (NoticeKind::Extended { .. } | NoticeKind::Completed, Some(tour)) = (&notice.kind, &tour)
        && let Some(next) = tour
            .next
            .map(|id| store.tour(team, id))
            .transpose()?
            .flatten()
        && next.previous == Some(tour.id)
        && next.status.is_agreed()
    {
        return Ok(message.context(format!(
            "Tour *{}*, which follows it, runs {}.",
            next.id,
            render::span(next.starts_on, next.ends_on, next.term)
        )));
    }
    Ok(message)
}

/// To an alumnus' liaison: time to get in touch, with what to talk about.
fn keep_in_touch(
    alumnus: Option<&Alumnus>,
    last_tour: Option<&Tour>,
    series: &Series,
    round: u32,
) -> Message {
    let Some(alumnus) = alumnus else {
        return Message::text("That person is no longer in the alumni network.");
    };
    let mut text = format!(
        "Time to get in touch with {}, who is in the alumni network",
        alumnus.user.mention()
    );
    if let Some(left) = alumnus.left_on {
        text.push_str(&format!(" (left on {left})"));
    }
    text.push('.');
    if let Some(tour) = last_tour {
        text.push_str(&format!(
            "\nTheir last tour: *{}* — {}",
            tour.id,
            escape(&truncate(&tour.mission, 200))
        ));
    }
    match alumnus.contacts.last() {
        Some(c) => text.push_str(&format!(
            "\nLast contact: {} by {}{}",
            c.at.date_naive(),
            c.by.mention(),
            c.note
                .as_ref()
                .map(|n| format!(" — “{}”", escape(&truncate(n, 300))))
                .unwrap_or_default()
        )),
        None => text.push_str("\nNo contact logged yet."),
    }
    if let Some(contact) = &alumnus.contact {
        text.push_str(&format!("\nThey left a contact: {}", escape(contact)));
    }
    let value = reminder_value(0, series, round);
    Message::text(text)
        .context("You are their alumni liaison. A short note, a coffee, news from the team: the alliance outlives the job.")
        .actions(vec![
            Element::button("Logged a contact", ALUMNI_TOUCH, &value, Some("primary")),
            Element::button("Not any more", ALUMNI_STOP, &value, None),
        ])
        .actions_for(
            Some(&value),
            vec![
                Element::button("Snooze 1 week", SNOOZE_WEEK, &value, None),
                Element::datepicker(SNOOZE_UNTIL, "Snooze until…"),
            ],
        )
}

/// The message for `notice`; `tour` is `None` if it no longer exists.
pub fn render(notice: &Notice, tour: Option<&Tour>) -> Message {
    match &notice.kind {
        NoticeKind::Note { text, .. } => return Message::text(text.clone()),
        NoticeKind::Chat { text, pause, .. } => {
            return super::checkin::render_chat(notice.tour, text, *pause);
        }
        // Drawn from the store by `render_from`.
        NoticeKind::Timeline { .. } => return Message::text("The timeline you asked for."),
        NoticeKind::Report { .. } => return Message::text("The report you asked for."),
        _ => {}
    }
    let Some(tour) = tour else {
        return Message::text("This tour is no longer available.");
    };
    let id = tour.id;
    let mission = escape(&truncate(&tour.mission, 300));
    match &notice.kind {
        NoticeKind::Proposal => proposal(
            tour,
            &format!(
                "{} proposes a tour of duty to you: *{id}*",
                tour.manager.mention()
            ),
        ),
        NoticeKind::Accepted => Message::text(format!(
            "{} accepted tour *{id}*: {mission}\n{} {}.",
            tour.member.mention(),
            // Accepted to start later: after the tour it follows, or on its dates.
            if tour.starts_on > tour.accepted_on {
                "It is scheduled: it runs"
            } else {
                "It runs"
            },
            render::span(tour.starts_on, tour.ends_on, tour.term)
        )),
        NoticeKind::Declined { reason } => Message::text(match reason {
            Some(r) => format!(
                "{} declined tour *{id}*: “{}”",
                tour.member.mention(),
                escape(r)
            ),
            None => format!("{} declined tour *{id}*.", tour.member.mention()),
        }),
        NoticeKind::Withdrawn if tour.accepted_on.is_some() => Message::text(format!(
            "{} called off tour *{id}*, which was to start on {}: {mission}",
            tour.manager.mention(),
            render::day(tour.starts_on)
        )),
        NoticeKind::Withdrawn => Message::text(format!(
            "{} withdrew the proposal of tour *{id}*: {mission}",
            tour.manager.mention()
        )),
        NoticeKind::Note { .. }
        | NoticeKind::Chat { .. }
        | NoticeKind::Timeline { .. }
        | NoticeKind::Report { .. } => {
            unreachable!("rendered above")
        }
        // Rendered from the check-in record by `render_from`.
        NoticeKind::CheckedIn { number } => Message::text(format!(
            "Check-in {number} of tour *{id}* was recorded. `/tour history {}` shows it.",
            id.0
        )),
        NoticeKind::Extended { .. } => Message::text(format!(
            "Tour *{id}* ({mission}) was extended: it now runs {}. `/tour history {}` shows who and when.",
            render::span(tour.starts_on, tour.ends_on, tour.term),
            id.0
        )),
        NoticeKind::Completed => completed(tour, &notice.to),
        // Rendered from history by `render_from`; these are what is left
        // when that history is gone.
        NoticeKind::Changes { .. } => Message::text(format!(
            "Tour *{id}* ({mission}) changed; `/tour history {}` shows how.",
            id.0
        )),
        NoticeKind::Reassigned { .. } => Message::text(format!(
            "Tour *{id}* ({mission}) is managed by {} now.",
            tour.manager.mention()
        )),
        NoticeKind::LeavePlanned => match &tour.exit {
            Some(exit) => Message::text(format!(
                "An exit from tour *{id}* ({mission}) is planned: {} is {}, and {} takes over. {}",
                last_day_of(tour, &notice.to),
                exit.on,
                exit.successor.mention(),
                checklist_sentence(exit, "You")
            )),
            None => Message::text(format!("The exit from tour *{id}* is no longer planned.")),
        },
        NoticeKind::HandoverAsked => handover_asked(tour),
        NoticeKind::Home { .. } => Message::text("Your Alliance Home tab was updated."),
        NoticeKind::Talk { from, note, .. } => {
            let mut text = format!(
                "{} would like a conversation with you about their next move.",
                from.mention()
            );
            if let Some(note) = note {
                text.push_str(&format!("\n>{}", escape(&truncate(note, 500))));
            }
            Message::text(text).context(format!(
                "Only you and {} see this. It is their Right of First Conversation: they came to you first, and raising it is safe — find a time to talk soon.",
                from.mention()
            ))
        }
        NoticeKind::HandoverAccepted => Message::text(format!(
            "The handover of tour *{id}* ({mission}) was accepted{}.",
            tour.exit
                .as_ref()
                .map(|e| format!(" by {}", e.successor.mention()))
                .unwrap_or_default()
        )),
        NoticeKind::Left => Message::text(format!(
            "{} left today; tour *{id}* ({mission}) has ended. {}",
            tour.member.mention(),
            if tour
                .exit
                .as_ref()
                .and_then(|e| e.alumni.as_ref())
                .is_some_and(|a| a.join)
            {
                "They chose to stay in touch: you are their alumni liaison (`/alumni show` them)."
            } else {
                "They did not join the alumni network."
            }
        )),
        NoticeKind::Reminder { series, round, on } => {
            reminder(tour, series, *round, *on, &notice.to)
        }
    }
}

/// A proposal: the term sheet, with Accept / Decline while it is open.
fn proposal(tour: &Tour, headline: &str) -> Message {
    let id = tour.id.0;
    let mut objectives = String::new();
    for (number, o) in tour.live_objectives() {
        objectives.push_str(&format!(
            "\n{number}. ({}) {}",
            o.side.name(),
            escape(&o.text)
        ));
    }
    let mut message = Message::new(headline).section(headline).section(format!(
        "*Mission*\n{}\n*Kind* {} · {}",
        escape(&tour.mission),
        tour.kind.name(),
        render::span(tour.starts_on, tour.ends_on, tour.term)
    ));
    if !objectives.is_empty() {
        message = message.section(format!("*Objectives*{objectives}"));
    }
    match tour.status {
        Status::Proposed => message.actions(vec![
            Element::button("Accept", ACCEPT, &id.to_string(), Some("primary")),
            Element::button("Decline", DECLINE, &id.to_string(), Some("danger")),
        ]),
        status => message.context(format!(
            "This proposal is now *{}*. `/tour show {id}` has the details.",
            status.name()
        )),
    }
}

/// A tour's reminder; `on` is the day it was due (for a snoozed one, the
/// day it comes back).
fn reminder(
    tour: &Tour,
    series: &Series,
    round: u32,
    on: Option<chrono::NaiveDate>,
    to: &UserId,
) -> Message {
    let id = tour.id;
    let end = tour.ends_on.map(|d| d.to_string()).unwrap_or_default();
    let text = match series {
        Series::Waiting => {
            let value = reminder_value(id.0, series, round);
            return proposal(
                tour,
                &format!(
                    "Tour *{id}* from {} is waiting for your answer.",
                    tour.manager.mention()
                ),
            )
            .actions_for(Some(&value), reminder_buttons(tour, series, round));
        }
        Series::WaitingManager => format!(
            "{} hasn't answered your proposal of tour *{id}* yet. A conversation may help more than a reminder.",
            tour.member.mention()
        ),
        Series::Ending(days) => {
            // A snoozed one comes after its milestone: it says what is left.
            let days = match (on, tour.ends_on) {
                (Some(on), Some(end)) if round > 0 => (end - on).num_days(),
                _ => i64::from(*days),
            };
            let left = match days {
                ..=0 => format!("reached its end date, {end}"),
                days => format!(
                    "ends in {}, on {end}",
                    crate::words::count(days.unsigned_abs(), "day")
                ),
            };
            format!(
                "Your {} tour *{id}* with {} {left}. Now is the time to plan the next tour together.",
                tour.kind.name(),
                other_party(tour, to).mention(),
            )
        }
        // Only the manager proposes the next tour; either extends or plans
        // an exit.
        Series::Ended(_) if *to == tour.member => format!(
            "Your tour *{id}* ended on {end} and no decision is recorded: extend it, plan an exit, or ask {} for the next tour.",
            tour.manager.mention()
        ),
        Series::Ended(_) => format!(
            "Tour *{id}* with {} ended on {end} and no decision is recorded: propose the next tour, extend it, or plan an exit.",
            tour.member.mention()
        ),
        Series::Handover(_) => return handover_checklist(tour, series, round, to),
        Series::AlumniAsk => return alumni_ask(tour, series, round),
        Series::Exit => format!("Tour *{id}* ends today."),
        Series::KeepInTouch(..) => format!("Keep in touch (tour *{id}*)."),
        // Rendered from the member's conversation by `render_from`.
        Series::Checkin(_) => format!("Time for your check-in on tour *{id}*."),
        Series::OneOnOne { .. } => format!("A 1:1 reminder (tour *{id}*)."),
        Series::Recommit(years) => format!(
            "Foundational tour *{id}* is {years} year{} old: time for the yearly re-commitment. Does the mission still fit you both?",
            if *years == 1 { "" } else { "s" }
        ),
    };
    let mut message =
        Message::text(text).context(format!("_{}_", escape(&truncate(&tour.mission, 200))));
    if matches!(series, Series::Ending(_) | Series::Ended(_)) && tour.kind != TourKind::Foundational
    {
        let value = reminder_value(id.0, series, round);
        let first = if *to == tour.member {
            Element::button(
                "Ask for a conversation",
                super::home::TALK,
                "talk",
                Some("primary"),
            )
        } else {
            Element::button("Propose next tour", PROPOSE_NEXT, &value, Some("primary"))
        };
        message = message.actions(vec![
            first,
            Element::button("Extend", EXTEND, &value, None),
            Element::button("Plan exit", PLAN_EXIT, &value, None),
        ]);
    }
    message.actions_for(
        Some(&reminder_value(id.0, series, round)),
        reminder_buttons(tour, series, round),
    )
}

/// After `/tour complete`: what came of it, and what comes next.
fn completed(tour: &Tour, to: &crate::domain::UserId) -> Message {
    let id = tour.id;
    let text = format!(
        "Tour *{id}* ({}) is completed. {}. What comes next is a conversation worth having now.",
        escape(&truncate(&tour.mission, 200)),
        render::objectives_state(tour)
    );
    let message = Message::text(text);
    if to == &tour.manager && tour.next.is_none() {
        let value = reminder_value(id.0, &Series::Ended(0), 0);
        message.actions(vec![Element::button(
            "Propose next tour",
            PROPOSE_NEXT,
            &value,
            Some("primary"),
        )])
    } else if let Some(next) = tour.next.filter(|_| to == &tour.manager) {
        message.context(format!(
            "Its next tour, *{next}*, is already proposed: `/tour show {}`.",
            next.0
        ))
    } else {
        message.context(format!(
            "{} proposes the next tour; `/tour talk` asks them for the conversation.",
            tour.manager.mention()
        ))
    }
}

/// To the successor named in an exit plan, with Accept.
fn handover_asked(tour: &Tour) -> Message {
    let id = tour.id;
    let Some(exit) = &tour.exit else {
        return Message::text(format!("The exit from tour *{id}* is no longer planned."));
    };
    let mut text = format!(
        "{} is leaving on {} and you are named as the successor for tour *{id}*: {}",
        tour.member.mention(),
        exit.on,
        escape(&truncate(&tour.mission, 300))
    );
    if let Some(notes) = &exit.notes {
        text.push_str(&format!(
            "
*Handover notes* {}",
            escape(notes)
        ));
    }
    let message = Message::text(text).context(format!(
        "`/tour show {}` shows the tour and its objectives, and `/tour history {}` how it went; both are read-only for you.",
        id.0, id.0
    ));
    if exit.handover_accepted {
        message.context("You accepted this handover.")
    } else {
        message.actions(vec![Element::button(
            "Accept handover",
            ACCEPT_HANDOVER,
            &id.0.to_string(),
            Some("primary"),
        )])
    }
}

/// What a planned exit's handover checklist will be, for `whom` ("You",
/// "You and @UALICE"): weekly until the last day, or none when the last
/// day is less than a week away (see `schedule::handover_day`).
pub(crate) fn checklist_sentence(exit: &crate::domain::ending::Exit, whom: &str) -> String {
    if crate::domain::schedule::handover_day(exit, 0).is_some() {
        format!("{whom} get a short handover checklist each week until then.")
    } else if exit.on <= exit.planned_at.date_naive() {
        "That is today, so there is no weekly handover checklist: hand over in person today."
            .to_string()
    } else {
        "That is less than a week away, so there is no weekly handover checklist: hand over in person before then."
            .to_string()
    }
}

/// "your last day" to the leaving member, "@member's last day" to others.
fn last_day_of(tour: &Tour, to: &UserId) -> String {
    if *to == tour.member {
        "your last day".to_string()
    } else {
        format!("{}'s last day", tour.member.mention())
    }
}

/// The weekly handover checklist, to the leaving member and the manager.
fn handover_checklist(tour: &Tour, series: &Series, round: u32, to: &UserId) -> Message {
    let id = tour.id;
    let Some(exit) = &tour.exit else {
        return Message::text(format!("The exit from tour *{id}* is no longer planned."));
    };
    let tick = |done: bool| if done { "☑" } else { "☐" };
    let open = tour.live_objectives().filter(|(_, o)| !o.is_done()).count();
    let text = format!(
        "Handover for tour *{id}*: {} is {}.
{} handover notes written
{} successor ({}) accepted
{} open objectives handed over ({open} open)
{} alumni question answered",
        last_day_of(tour, to),
        exit.on,
        tick(exit.notes.is_some()),
        tick(exit.handover_accepted),
        exit.successor.mention(),
        tick(open == 0),
        tick(exit.alumni.is_some()),
    );
    Message::text(text).actions_for(
        Some(&reminder_value(id.0, series, round)),
        reminder_buttons(tour, series, round),
    )
}

/// To the leaving member, privately: stay in touch?
fn alumni_ask(tour: &Tour, series: &Series, round: u32) -> Message {
    let id = tour.id;
    let value = reminder_value(id.0, series, round);
    Message::text(
        "Before your last day: would you like to join the alumni network? In the Alliance, the relationship outlives the job — your former manager would check in now and then, and doors stay open.",
    )
    .context(
        "Once your account here is deactivated the bot can't reach you, so you can leave a personal contact (email, phone, a profile) — only your liaison and the people team will see it. Saying no is fine and changes nothing.",
    )
    .actions(vec![
        Element::button("Join, and leave a contact…", ALUMNI_JOIN, &value, Some("primary")),
        Element::button("No, thanks", ALUMNI_DECLINE, &value, None),
    ])
}

/// How many sections of changes one message holds; the rest are counted.
const MAX_CHANGE_SECTIONS: usize = 20;

/// Gathered changes to a tour, to one of its parties (see
/// `domain::notice`): who changed what, and when, in their own time zone.
fn changes(tour: &Tour, told: &[HistoryEntry], to: &UserId) -> Message {
    let id = tour.id;
    let headline = format!(
        "Changes to your tour *{id}*: {}",
        escape(&truncate(&tour.mission, 200))
    );
    let mut message = Message::new(&headline).section(&headline);
    let mut sections: Vec<String> = Vec::new();
    let mut left_out = 0;
    for entry in told {
        let line = format!(
            "• <!date^{}^{{date_short_pretty}} at {{time}}|{}> {} {}\n",
            entry.at.timestamp(),
            entry.at.format("%Y-%m-%d %H:%M UTC"),
            entry.by.mention(),
            render::describe(&entry.event, tour, Some(to))
        );
        let fits = sections
            .last()
            .is_some_and(|last| last.len() + line.len() <= MAX_SECTION);
        if fits && let Some(last) = sections.last_mut() {
            last.push_str(&line);
        } else if sections.len() < MAX_CHANGE_SECTIONS {
            sections.push(line);
        } else {
            left_out += 1;
        }
    }
    for section in &sections {
        message = message.section(section.trim_end());
    }
    let more = match left_out {
        0 => String::new(),
        1 => "1 more change is in its history. ".to_string(),
        n => format!("{n} more changes are in its history. "),
    };
    message.context(format!(
        "{more}`/tour show {}` shows the tour as it is now, `/tour history {}` every change.",
        id.0, id.0
    ))
}

/// A tour changed managers; to the member, the old and the new manager.
fn reassigned(tour: &Tour, entry: &HistoryEntry, to: &UserId) -> Message {
    let id = tour.id;
    let mission = escape(&truncate(&tour.mission, 200));
    let Event::Reassigned { from, to: new } = &entry.event else {
        return Message::text(format!(
            "Tour *{id}* ({mission}) is managed by {} now.",
            tour.manager.mention()
        ));
    };
    let by = if &entry.by == from || &entry.by == new {
        String::new()
    } else {
        format!(" {} made the change.", entry.by.mention())
    };
    let text = if to == new {
        format!(
            "You are now the manager of tour *{id}* with {}, taking over from {}: {mission}\nIts reminders come to you from now on.{by}",
            tour.member.mention(),
            from.mention()
        )
    } else if to == from {
        format!(
            "You are no longer the manager of tour *{id}* with {}: {} is, from now on, and its reminders go to them.{by}",
            tour.member.mention(),
            new.mention()
        )
    } else {
        format!(
            "Your manager for tour *{id}* ({mission}) is now {}, taking over from {}.{by}",
            new.mention(),
            from.mention()
        )
    };
    let message = Message::text(text);
    if to == from {
        message
    } else {
        message.context(format!(
            "`/tour show {}` shows the tour as it is now.",
            id.0
        ))
    }
}

/// The party of `tour` who is not `to`.
fn other_party(tour: &Tour, to: &UserId) -> UserId {
    if *to == tour.member {
        tour.manager.clone()
    } else {
        tour.member.clone()
    }
}

fn reminder_buttons(tour: &Tour, series: &Series, round: u32) -> Vec<Element> {
    let value = reminder_value(tour.id.0, series, round);
    vec![
        Element::button("Snooze 1 week", SNOOZE_WEEK, &value, None),
        Element::datepicker(SNOOZE_UNTIL, "Snooze until…"),
        Element::button("Done", DONE, &value, None),
    ]
}

/// One message of every family the bot sends by DM, built as delivery
/// builds them: every kind of notice about a tour (a proposal with its
/// buttons, an ending with its questions), every reminder series, a
/// check-in question with its pause buttons. What each surface's renderer
/// is tested with.
#[cfg(test)]
pub(crate) fn samples() -> Vec<(String, Message)> {
    use crate::domain::one_on_one::Step;
    use crate::domain::tour::{Term, TourKind};
    use crate::domain::{Side, TourId};
    let at = chrono::Utc::now();
    let manager = UserId::parse("UBOSS").expect("an id");
    let member = UserId::parse("UANA").expect("an id");
    let (proposed, _) = Tour::propose(
        TourId(7),
        &manager,
        &member,
        TourKind::Rotational,
        Term::Months(12),
        "Run *support* & <on-call> for the whole of the EMEA region, with a long mission",
        at,
    )
    .expect("a tour");
    let (with_goal, _) = proposed
        .add_objective(
            &manager,
            Side::Company,
            "Answer every ticket within a day",
            at,
        )
        .expect("an objective");
    let (active, _) = with_goal.accept(&member, at).expect("accepted");
    let series = [
        Series::Waiting,
        Series::WaitingManager,
        Series::Ending(30),
        Series::Ended(0),
        Series::Recommit(1),
        Series::Handover(0),
        Series::AlumniAsk,
        Series::KeepInTouch(member.clone(), 1),
        Series::Checkin(1),
        Series::OneOnOne {
            manager: manager.clone(),
            member: member.clone(),
            step: Step::Happened,
            slot: at,
        },
    ];
    let mut kinds = vec![
        NoticeKind::Proposal,
        NoticeKind::Accepted,
        NoticeKind::Declined {
            reason: Some("Not <now> & not here".into()),
        },
        NoticeKind::Withdrawn,
        NoticeKind::Extended { entry: 2 },
        NoticeKind::Completed,
        NoticeKind::Changes { from: 1 },
        NoticeKind::Reassigned { entry: 2 },
        NoticeKind::LeavePlanned,
        NoticeKind::HandoverAsked,
        NoticeKind::HandoverAccepted,
        NoticeKind::Left,
        NoticeKind::Talk {
            from: member.clone(),
            note: Some("About *next year*".into()),
            asked_at: at,
        },
        NoticeKind::Note {
            key: "k".into(),
            text: "✅ Done.".into(),
        },
        NoticeKind::CheckedIn { number: 1 },
    ];
    kinds.extend(series.into_iter().map(|series| NoticeKind::Reminder {
        series,
        round: 1,
        on: None,
    }));
    let mut samples: Vec<(String, Message)> = kinds
        .into_iter()
        .map(|kind| {
            let tour = if kind == NoticeKind::Proposal {
                &with_goal
            } else {
                &active
            };
            let notice = Notice {
                tour: tour.id,
                to: member.clone(),
                kind: kind.clone(),
            };
            (format!("{kind:?}"), render(&notice, Some(tour)))
        })
        .collect();
    samples.push((
        "check-in question".into(),
        super::checkin::render_chat(active.id, "How is *support* going?", true),
    ));
    // And the answers to commands, from a workspace with one tour.
    let engine = super::Engine::new(crate::store::Store::in_memory(), Default::default());
    let team = crate::domain::TeamId::parse("T1").expect("a team");
    for (user, command, text) in [
        (
            &manager,
            "/tour",
            "propose <@UANA> rotational 1y Run *support* & <on-call>",
        ),
        (&member, "/tour", "accept 1"),
        (
            &manager,
            "/tour",
            "objective 1 add company Answer every ticket",
        ),
        (&manager, "/tour", "help"),
        (&manager, "/tour", "list team"),
        (&member, "/tour", "show 1"),
        (&member, "/tour", "history 1"),
        (&manager, "/tour", "complete 1"),
        (&manager, "/tour", "lst"),
        (&manager, "/1on1", "help"),
        (&manager, "/1on1", "<@UANA> every week on tue at 10:00"),
        (&manager, "/alumni", "help"),
    ] {
        let request = super::Request {
            team: team.clone(),
            user: user.clone(),
            command: command.into(),
            text: text.into(),
        };
        samples.push((format!("{command} {text}"), engine.handle(&request, at)));
    }
    samples
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Term, TourId, UserId};
    use chrono::{TimeZone, Utc};

    fn tour() -> Tour {
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap();
        let (m, a) = (UserId::parse("UM").unwrap(), UserId::parse("UA").unwrap());
        Tour::propose(
            TourId(4),
            &m,
            &a,
            TourKind::Rotational,
            Term::Months(12),
            "Run <support>",
            now,
        )
        .unwrap()
        .0
    }

    #[test]
    fn a_proposal_has_buttons_only_while_open() {
        let t = tour();
        let notice = Notice {
            tour: t.id,
            to: t.member.clone(),
            kind: NoticeKind::Proposal,
        };
        let open = format!("{:?}", render(&notice, Some(&t)));
        assert!(
            open.contains(ACCEPT) && open.contains(DECLINE) && open.contains("Run &lt;support&gt;"),
            "{open}"
        );
        let accepted = t.accept(&t.member, Utc::now()).unwrap().0;
        let closed = format!("{:?}", render(&notice, Some(&accepted)));
        assert!(
            !closed.contains(ACCEPT) && closed.contains("now *active*"),
            "{closed}"
        );
    }

    #[test]
    fn reminders_carry_snooze_and_done_with_a_value_that_reads_back() {
        let t = tour();
        let notice = Notice {
            tour: t.id,
            to: t.member.clone(),
            kind: NoticeKind::Reminder {
                series: Series::Waiting,
                round: 1,
                on: None,
            },
        };
        let json = format!("{:?}", render(&notice, Some(&t)));
        for id in [SNOOZE_WEEK, SNOOZE_UNTIL, DONE, ACCEPT] {
            assert!(json.contains(id), "{id}: {json}");
        }
        assert_eq!(
            parse_reminder_value("4|waiting|1"),
            Some((4, Series::Waiting, 1))
        );
        assert_eq!(
            parse_reminder_value(&reminder_value(9, &Series::Ending(30), 0)),
            Some((9, Series::Ending(30), 0))
        );
        for bad in ["", "4", "4|nope|1", "x|waiting|1", "4|waiting|1|extra"] {
            assert_eq!(parse_reminder_value(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_snoozed_plan_the_next_tour_reminder_says_how_long_is_left_when_it_comes() {
        let t = tour()
            .accept(&UserId::parse("UA").unwrap(), Utc::now())
            .unwrap()
            .0;
        let end = t.ends_on.unwrap();
        let said = |round: u32, on: chrono::NaiveDate| {
            let notice = Notice {
                tour: t.id,
                to: t.member.clone(),
                kind: NoticeKind::Reminder {
                    series: Series::Ending(90),
                    round,
                    on: Some(on),
                },
            };
            render(&notice, Some(&t)).text
        };
        let milestone = end - chrono::Duration::days(90);
        assert!(said(0, milestone).contains("ends in 90 days"));
        // Snoozed for 60 days: 30 are left when it comes back.
        let back = milestone + chrono::Duration::days(60);
        assert!(
            said(1, back).contains("ends in 30 days"),
            "{}",
            said(1, back)
        );
        let eve = end - chrono::Duration::days(1);
        assert!(said(1, eve).contains("ends in 1 day,"), "{}", said(1, eve));
        let after = end + chrono::Duration::days(3);
        assert!(
            said(1, after).contains(&format!("reached its end date, {end}")),
            "{}",
            said(1, after)
        );
    }
}
