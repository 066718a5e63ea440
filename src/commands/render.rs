//! How tours read in chat: cards, list rows, history lines and the help
//! text, as [`Message`]s. Free text is escaped here, once.

use super::parse::ALL_USAGES;
use crate::domain::{
    Dates, Event, HistoryEntry, Phase, Side, Status, Term, Tour, TourId, TourKind, TourSummary,
    UserId,
};
use crate::message::{MAX_SECTION, Message, escape, escape_into, truncate};
use chrono::{DateTime, NaiveDate, Utc};
use std::fmt::Write;

/// How many tours one list shows; the rest are counted, not shown.
pub const MAX_ROWS: usize = 40;

pub fn help() -> Message {
    usages("Alliance: tours of duty", &ALL_USAGES)
        .context(
            "Kinds: *rotational* (typically 1–2 years), *transformational* (typically 2–5 years), *foundational* (open-ended). \
             Lengths: `18m`, `2y`, `6 months`, `1 year` (1 month to 10 years; dates too). Dates: `YYYY-MM-DD`. \
             A member has one tour at a time. Tours are numbered: `/tour show 17`.",
        )
        .context(
            "Every button has a typed twin: `snooze` and `done` answer a reminder you got (`done` stops that kind for you only), \
             and `confirm` is the press of a question's button.",
        )
        .context("Also: `/1on1 help` for one-on-ones, `/alumni help` for the alumni network.")
}

/// A help answer: its title and one usage line per command, as typed.
pub fn usages(title: &str, usages: &[&str]) -> Message {
    let lines: Vec<String> = usages.iter().map(|u| format!("`{}`", escape(u))).collect();
    Message::new(title).header(title).section(lines.join("\n"))
}

fn when(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn kind_title(kind: TourKind) -> String {
    let name = kind.name();
    let mut chars = name.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// "2026-11-24 → 2027-11-24", or what is known before acceptance.
pub fn span(starts_on: Option<NaiveDate>, ends_on: Option<NaiveDate>, term: Term) -> String {
    let mut out = String::new();
    write_span(&mut out, starts_on, ends_on, term);
    out
}

fn write_span(
    out: &mut String,
    starts_on: Option<NaiveDate>,
    ends_on: Option<NaiveDate>,
    term: Term,
) {
    let _ = match (starts_on, ends_on, term) {
        (Some(from), to, _) => write!(out, "{}", Dates(from, to)),
        (None, _, Term::OpenEnded) => write!(out, "open-ended, from acceptance"),
        (None, _, term) => write!(out, "{} from acceptance", term.describe()),
    };
}

/// A day, or nothing when there is none.
pub fn day(day: Option<NaiveDate>) -> String {
    day.map(|d| d.to_string()).unwrap_or_default()
}

/// One line for an answer that chose a length outside the book's typical
/// range for its kind: allowed (real tours vary), but said.
pub fn typical_note(kind: TourKind, term: Term) -> Option<String> {
    if !term.outside_typical(kind) {
        return None;
    }
    let (min, max) = kind.typical_months()?;
    Some(format!(
        "Note: the book's typical {} tour runs {}–{} years.",
        kind.name(),
        min / 12,
        max / 12
    ))
}

/// "What the company gets" / "what <@member> gets" — never lower-case a
/// whole title: that would break the mention.
pub fn side_title(side: Side, tour: &Tour, capitalised: bool) -> String {
    side_title_for(side, tour, capitalised, None)
}

/// [`side_title`] as `viewer` reads it: "what you get" to the member.
pub fn side_title_for(
    side: Side,
    tour: &Tour,
    capitalised: bool,
    viewer: Option<&UserId>,
) -> String {
    let what = if capitalised { "What" } else { "what" };
    match side {
        Side::Company => format!("{what} the company gets"),
        Side::Member if viewer == Some(&tour.member) => format!("{what} you get"),
        Side::Member => format!("{what} {} gets", tour.member.mention()),
    }
}

/// One tour in a list as it stands on `today`, written into one buffer:
/// lists are the hot path.
pub fn row(t: &TourSummary, today: NaiveDate) -> String {
    let mut out = String::with_capacity(160 + t.mission.len().min(200));
    let _ = write!(
        out,
        "*{}* · {} · *{}* · ",
        t.id,
        t.kind.name(),
        t.phase(today).name()
    );
    write_span(&mut out, t.starts_on, t.ends_on, t.term);
    let _ = match t.objectives_total {
        0 => write!(
            out,
            "\n<@{}> → <@{}> · no objectives yet\n_",
            t.manager, t.member
        ),
        total => write!(
            out,
            "\n<@{}> → <@{}> · objectives {}/{total} done\n_",
            t.manager, t.member, t.objectives_done
        ),
    };
    if t.mission.len() <= MISSION_IN_LIST {
        escape_into(&mut out, &t.mission);
    } else {
        escape_into(&mut out, &truncate(&t.mission, MISSION_IN_LIST));
    }
    out.push('_');
    out
}

/// Where a tour's objectives stand, in a sentence: "2 of its 3 objectives
/// are done", "It has no objectives written down".
pub fn objectives_state(tour: &Tour) -> String {
    let s = tour.summary();
    let (done, total) = (s.objectives_done, s.objectives_total);
    match (done, total) {
        (_, 0) => "It has no objectives written down".to_string(),
        (1, 1) => "Its one objective is done".to_string(),
        (0, 1) => "Its one objective is still open".to_string(),
        (d, t) if d == t => format!("All {t} of its objectives are done"),
        (0, t) => format!("None of its {t} objectives is done yet"),
        (1, t) => format!("1 of its {t} objectives is done"),
        (d, t) => format!("{d} of its {t} objectives are done"),
    }
}

/// "objective 2", "objectives 2 and 3", "objectives 1, 4 and 5".
pub fn numbered(noun: &str, numbers: &[u32]) -> String {
    let list: Vec<String> = numbers.iter().map(u32::to_string).collect();
    match list.as_slice() {
        [] => String::new(),
        [one] => format!("{noun} {one}"),
        [rest @ .., last] => format!("{noun}s {} and {last}", rest.join(", ")),
    }
}

/// How much of a mission a list row shows.
const MISSION_IN_LIST: usize = 200;

/// A list of tours under a title, capped at [`MAX_ROWS`].
pub fn list(
    title: &str,
    tours: &[TourSummary],
    empty: &str,
    more: Option<&str>,
    today: NaiveDate,
) -> Message {
    let mut message = Message::new(title).section(format!("*{title}*"));
    if tours.is_empty() {
        return message.context(empty);
    }
    for tour in tours.iter().take(MAX_ROWS) {
        message = message.section(row(tour, today));
    }
    if tours.len() > MAX_ROWS {
        message = message.context(format!(
            "…and {} more. Use `/tour show &lt;id&gt;` for one tour.",
            tours.len() - MAX_ROWS
        ));
    } else if let Some(more) = more {
        message = message.context(more);
    }
    message
}

/// A tour's card as it stands on `today`; `chain` is the tours linked
/// before and after it (with itself), oldest first, shown when there is
/// more than this one.
pub fn card(tour: &Tour, viewer: &UserId, chain: &[(TourId, Phase)], today: NaiveDate) -> Message {
    let id = tour.id.0;
    let mut message = Message::new(format!(
        "Tour {}: {}",
        tour.id,
        escape(&truncate(&tour.mission, 200))
    ))
    .header(format!("Tour {} · {}", tour.id, kind_title(tour.kind)))
    .section(format!("*Mission*\n{}", escape(&tour.mission)))
    .section(format!(
        "*Manager* {}{}   *Member* {}\n*Status* {} · {}{}",
        tour.manager.mention(),
        managed_before(tour),
        tour.member.mention(),
        tour.phase(today).name(),
        span(tour.starts_on, tour.ends_on, tour.term),
        phase_line(tour, viewer, today)
    ));
    for side in [Side::Company, Side::Member] {
        let mut lines = vec![format!("*{}*", side_title(side, tour, true))];
        for (number, o) in tour.live_objectives().filter(|(_, o)| o.side == side) {
            let mark = if o.is_done() { "✓" } else { "○" };
            lines.push(format!("{mark} {number}. {}", escape(&o.text)));
        }
        if lines.len() == 1 {
            lines.push(format!(
                "_None yet: `/tour objective {id} add {} &lt;text&gt;`_",
                side.name()
            ));
        }
        message = message.section(lines.join("\n"));
    }
    if let Some(exit) = &tour.exit {
        let mut text = format!(
            "*Exit* last day {} · successor {} ({})",
            exit.on,
            exit.successor.mention(),
            if exit.handover_accepted {
                "handover accepted"
            } else {
                "handover not yet accepted"
            }
        );
        if let Some(notes) = &exit.notes {
            text.push_str(&format!("\n*Handover notes* {}", escape(notes)));
        }
        message = message.section(text);
    }
    if chain.len() > 1 {
        let links: Vec<String> = chain
            .iter()
            .map(|(id, phase)| {
                if *id == tour.id {
                    format!("*{id}* (this, {})", phase.name())
                } else {
                    format!("{id} ({})", phase.name())
                }
            })
            .collect();
        message = message.section(format!("*Alliance* {}", links.join(" → ")));
    }
    let mut footer = format!(
        "Proposed {} by {} · `/tour history {id}`",
        when(tour.proposed_at),
        tour.proposed_by().mention()
    );
    if tour.status == Status::Proposed && *viewer == tour.member {
        footer.push_str(&format!(
            " · Accept with `/tour accept {id}` or decline with `/tour decline {id} [reason]`"
        ));
    }
    if tour.role_of(viewer).is_none()
        && let Some(exit) = tour.exit.as_ref().filter(|_| tour.is_successor(viewer))
    {
        message = message.context(format!(
            "You see this tour because you take over from {} after their last day, {}. It is read-only for you.",
            tour.member.mention(),
            exit.on
        ));
    }
    message.context(&footer)
}

/// What the card adds under the status when the phase needs saying.
fn phase_line(tour: &Tour, viewer: &UserId, today: NaiveDate) -> String {
    let id = tour.id.0;
    match tour.phase(today) {
        Phase::Scheduled => match tour.previous {
            Some(previous) => format!(
                "\n_Starts on {}, after tour {previous}: a member has one tour at a time._",
                day(tour.starts_on)
            ),
            None => format!("\n_Starts on {}._", day(tour.starts_on)),
        },
        // Only the manager proposes the next tour.
        Phase::AwaitingDecision if *viewer == tour.member => format!(
            "\n_Its end date has passed and nothing is decided: extend it or plan an exit (`/tour extend|leave {id}`), complete it (`/tour complete {id}`), or ask {} for the next tour (`/tour talk`)._",
            tour.manager.mention()
        ),
        Phase::AwaitingDecision => format!(
            "\n_Its end date has passed and nothing is decided: propose the next tour, extend it or plan an exit (`/tour next|extend|leave {id}`), or complete it (`/tour complete {id}`)._"
        ),
        _ => String::new(),
    }
}

/// " (before: <@UA>, <@UB>)": who managed the tour before its manager.
fn managed_before(tour: &Tour) -> String {
    let before: Vec<String> = tour
        .previous_managers
        .iter()
        .filter(|p| **p != tour.manager)
        .map(UserId::mention)
        .collect();
    if before.is_empty() {
        String::new()
    } else {
        format!(" (before: {})", before.join(", "))
    }
}

/// A tour's history; `with_private` when the reader may see the entries
/// only the parties read ([`Event::is_for_parties_only`]): not a successor.
pub fn history(tour: &Tour, entries: &[HistoryEntry], with_private: bool) -> Message {
    let title = format!("History of tour {}", tour.id);
    let mut message = Message::new(&title).header(&title);
    let mut chunk = String::new();
    for entry in entries {
        if !with_private && entry.event.is_for_parties_only() {
            continue;
        }
        let line = format!(
            "`{}` {} {}\n",
            when(entry.at),
            entry.by.mention(),
            describe(&entry.event, tour, None)
        );
        if chunk.len() + line.len() > MAX_SECTION && !chunk.is_empty() {
            message = message.section(chunk.trim_end());
            chunk.clear();
        }
        chunk.push_str(&line);
    }
    if !chunk.is_empty() {
        message = message.section(chunk.trim_end());
    }
    message
}

/// What an entry did, after who did it; `viewer` reads "you" where they
/// are meant (change messages), `None` in history.
pub fn describe(event: &Event, tour: &Tour, viewer: Option<&UserId>) -> String {
    let quote = |text: &str| escape(&truncate(text, 300));
    match event {
        Event::Proposed {
            kind,
            term,
            mission,
        } => {
            format!(
                "proposed a {} tour ({}): “{}”",
                kind.name(),
                term.describe(),
                escape(&truncate(mission, 300))
            )
        }
        Event::ObjectiveAdded { number, side, text } => {
            format!(
                "added objective {number} ({}): “{}”",
                side_title_for(*side, tour, false, viewer),
                quote(text)
            )
        }
        Event::ObjectiveDone { number } => format!("marked objective {number} done"),
        Event::ObjectiveReopened { number } => {
            format!("reopened objective {number}: it is no longer done")
        }
        Event::ObjectiveEdited { number, from, to } => format!(
            "changed objective {number} from “{}” to “{}”",
            quote(from),
            quote(to)
        ),
        Event::ObjectiveRemoved { number, text } => {
            format!("removed objective {number}: “{}”", quote(text))
        }
        Event::MissionChanged { from, to } => format!(
            "changed the mission from “{}” to “{}”",
            quote(from),
            quote(to)
        ),
        Event::Reassigned { from, to } => match viewer {
            Some(v) if v == to => {
                format!("made you the manager, taking over from {}", from.mention())
            }
            Some(v) if v == from => format!("made {} the manager instead of you", to.mention()),
            _ => format!(
                "made {} the manager, taking over from {}",
                to.mention(),
                from.mention()
            ),
        },
        Event::Accepted {
            starts_on,
            ends_on: Some(to),
        } => {
            format!("accepted; the tour runs {} → {}", starts_on, to)
        }
        Event::Accepted {
            starts_on,
            ends_on: None,
        } => format!("accepted; open-ended from {}", starts_on),
        Event::Declined { reason: Some(r) } => format!("declined: “{}”", escape(&truncate(r, 300))),
        Event::Declined { reason: None } => "declined".to_string(),
        Event::Withdrawn => "withdrew the proposal".to_string(),
        Event::Extended { months, from, to } => {
            format!(
                "extended the tour by {}: {from} → {to}",
                crate::words::count(*months, "month")
            )
        }
        Event::Completed { open } if open.is_empty() => {
            "completed the tour, every objective done".to_string()
        }
        Event::Completed { open } => {
            let open: Vec<String> = open.iter().map(|n| n.to_string()).collect();
            let noun = if open.len() == 1 {
                "objective"
            } else {
                "objectives"
            };
            format!("completed the tour; {noun} {} still open", open.join(", "))
        }
        Event::NextProposed { next } => format!("proposed the next tour, {next}"),
        Event::NextAgreed { next, starts_on } => {
            format!("accepted the next tour, {next}, which starts on {starts_on}")
        }
        Event::NextCalledOff { next } => {
            format!("called off the next tour, {next}: what comes after this tour is open again")
        }
        Event::Rescheduled { starts_on, ends_on } => format!(
            "moved this tour with the one it follows: it now runs {}",
            Dates(*starts_on, *ends_on)
        ),
        Event::CalledOff { exit: false } => "called the tour off before it began".to_string(),
        Event::CalledOff { exit: true } => {
            "planned the member's exit from the tour before it, so this one was called off"
                .to_string()
        }
        Event::LeavePlanned { successor, on, .. } => format!(
            "planned the member's exit: last day {on}, successor {}",
            successor.mention()
        ),
        Event::HandoverAccepted => "accepted the handover".to_string(),
        Event::AlumniAnswered { .. } => "answered the alumni question".to_string(),
        Event::Left { .. } => "left on the last day; the tour ended".to_string(),
        Event::CheckedIn {
            number,
            notes: Some(notes),
        } => format!(
            "recorded check-in {number}: “{}”",
            escape(&truncate(notes, 300))
        ),
        Event::CheckedIn {
            number,
            notes: None,
        } => format!("answered check-in {number} in a conversation with the bot"),
        Event::CheckinCadence { months } => {
            format!(
                "set check-ins to {}, from that day",
                crate::words::every(*months, "month")
            )
        }
        Event::PromiseReviewed {
            checkin,
            objective,
            delivered,
        } => format!(
            "answered for the company about objective {objective} (check-in {checkin}): delivered? *{}*",
            delivered.name()
        ),
    }
}
