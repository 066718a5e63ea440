//! How tours read in chat: cards, list rows, history lines and the help
//! text, as [`Message`]s. Free text is escaped here, once.

use super::parse::ALL_USAGES;
use crate::domain::{Event, HistoryEntry, Side, Status, Term, Tour, TourKind, UserId};
use crate::slack::blocks::{MAX_SECTION, Message, escape, truncate};
use chrono::{DateTime, NaiveDate, Utc};

/// How many tours one list shows; the rest are counted, not shown.
pub const MAX_ROWS: usize = 40;

pub fn help() -> Message {
    let lines: Vec<String> = ALL_USAGES
        .iter()
        .map(|u| format!("`{}`", escape(u)))
        .collect();
    Message::new("Alliance: tours of duty")
        .header("Alliance: tours of duty")
        .section(&lines.join("\n"))
        .context(
            "Kinds: *rotational* (1–2 years), *transformational* (2–5 years), *foundational* (open-ended). \
             Lengths: `18m`, `2y`, `6 months`, `1 year`. Dates: `YYYY-MM-DD`. Tours are numbered: `/tour show 17`.",
        )
}

pub fn coming_soon(what: &str) -> Message {
    let line =
        format!("`/{what}` is coming in a later release of Alliance. Here is what works today:");
    let help = help();
    let mut message = Message::text(&line);
    for block in help.blocks {
        message.blocks.push(block);
    }
    message
}

pub fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
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

/// "runs 2026-11-24 → 2027-11-24", or what is known before acceptance.
pub fn span(tour: &Tour) -> String {
    match (tour.starts_on, tour.ends_on, tour.term) {
        (Some(from), Some(to), _) => format!("{} → {}", date(from), date(to)),
        (Some(from), None, _) => format!("open-ended since {}", date(from)),
        (None, _, Term::OpenEnded) => "open-ended, from acceptance".to_string(),
        (None, _, term) => format!("{} from acceptance", term.describe()),
    }
}

/// "What the company gets" / "what <@member> gets" — never lower-case a
/// whole title: that would break the mention.
pub fn side_title(side: Side, tour: &Tour, capitalised: bool) -> String {
    let what = if capitalised { "What" } else { "what" };
    match side {
        Side::Company => format!("{what} the company gets"),
        Side::Member => format!("{what} {} gets", tour.member.mention()),
    }
}

fn objectives_done(tour: &Tour) -> String {
    let done = tour
        .objectives
        .iter()
        .filter(|o| o.done_at.is_some())
        .count();
    format!("objectives {done}/{} done", tour.objectives.len())
}

pub fn row(tour: &Tour) -> String {
    format!(
        "*{}* · {} · *{}* · {}\n{} → {} · {}\n_{}_",
        tour.id,
        tour.kind.name(),
        tour.status.name(),
        span(tour),
        tour.manager.mention(),
        tour.member.mention(),
        objectives_done(tour),
        escape(&truncate(&tour.mission, 200)),
    )
}

/// A list of tours under a title, capped at [`MAX_ROWS`].
pub fn list(title: &str, tours: &[&Tour], empty: &str, more: Option<&str>) -> Message {
    let mut message = Message::new(title).section(&format!("*{title}*"));
    if tours.is_empty() {
        return message.context(empty);
    }
    for tour in tours.iter().take(MAX_ROWS) {
        message = message.section(&row(tour));
    }
    if tours.len() > MAX_ROWS {
        message = message.context(&format!(
            "…and {} more. Use `/tour show &lt;id&gt;` for one tour.",
            tours.len() - MAX_ROWS
        ));
    } else if let Some(more) = more {
        message = message.context(more);
    }
    message
}

pub fn card(tour: &Tour, viewer: &UserId) -> Message {
    let id = tour.id.0;
    let mut message = Message::new(&format!(
        "Tour {}: {}",
        tour.id,
        escape(&truncate(&tour.mission, 200))
    ))
    .header(&format!("Tour {} · {}", tour.id, kind_title(tour.kind)))
    .section(&format!("*Mission*\n{}", escape(&tour.mission)))
    .section(&format!(
        "*Manager* {}   *Member* {}\n*Status* {} · {}",
        tour.manager.mention(),
        tour.member.mention(),
        tour.status.name(),
        span(tour)
    ));
    for side in [Side::Company, Side::Member] {
        let mut lines = vec![format!("*{}*", side_title(side, tour, true))];
        for (i, o) in tour
            .objectives
            .iter()
            .enumerate()
            .filter(|(_, o)| o.side == side)
        {
            let mark = if o.done_at.is_some() { "✓" } else { "○" };
            lines.push(format!("{mark} {}. {}", i + 1, escape(&o.text)));
        }
        if lines.len() == 1 {
            lines.push(format!(
                "_None yet: `/tour objective {id} add {} &lt;text&gt;`_",
                side.name()
            ));
        }
        message = message.section(&lines.join("\n"));
    }
    let mut footer = format!(
        "Proposed {} by {} · `/tour history {id}`",
        when(tour.proposed_at),
        tour.manager.mention()
    );
    if tour.status == Status::Proposed && *viewer == tour.member {
        footer.push_str(&format!(
            " · Accept with `/tour accept {id}` or decline with `/tour decline {id} [reason]`"
        ));
    }
    message.context(&footer)
}

pub fn history(tour: &Tour, entries: &[HistoryEntry]) -> Message {
    let title = format!("History of tour {}", tour.id);
    let mut message = Message::new(&title).header(&title);
    let mut chunk = String::new();
    for entry in entries {
        let line = format!(
            "`{}` {} {}\n",
            when(entry.at),
            entry.by.mention(),
            describe(&entry.event, tour)
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

fn describe(event: &Event, tour: &Tour) -> String {
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
                side_title(*side, tour, false),
                escape(&truncate(text, 300))
            )
        }
        Event::ObjectiveDone { number } => format!("marked objective {number} done"),
        Event::Accepted {
            starts_on,
            ends_on: Some(to),
        } => {
            format!(
                "accepted; the tour runs {} → {}",
                date(*starts_on),
                date(*to)
            )
        }
        Event::Accepted {
            starts_on,
            ends_on: None,
        } => format!("accepted; open-ended from {}", date(*starts_on)),
        Event::Declined { reason: Some(r) } => format!("declined: “{}”", escape(&truncate(r, 300))),
        Event::Declined { reason: None } => "declined".to_string(),
        Event::Withdrawn => "withdrew the proposal".to_string(),
    }
}
