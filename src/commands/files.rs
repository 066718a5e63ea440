//! What the bot sends as files: `/tour timeline [team|all|@user]`, the
//! picture of the tours the asker may see, and `/tour report`, the people
//! team's report (admins). Asking writes one outbox entry (a
//! `Delivery::Upload`) and answers at once; the delivery worker draws it
//! from the store as it is when it goes and uploads it into the asker's DM
//! (files cannot be ephemeral), so it is exactly-once, retried and paced
//! like every message.
//!
//! Decisions:
//! - The timeline shows what `/tour list` with the same words would list
//!   ([`super::tour::in_sight`]), with the same refusal of `all` and the
//!   same words when there is nothing: then nothing is owed. An admin's
//!   `all` and `@user` are decided when they ask (a person who stops being
//!   an admin meanwhile still gets what they were allowed to ask for).
//! - Alumni rows: an admin's `all` (or `@user`) shows every alumnus who
//!   left in the window; anyone else's picture marks only people who are
//!   on it already (someone who left their team), so a picture never
//!   names a person the asker could not list.
//! - Each asking is its own file (keyed by the instant): asking twice is
//!   two pictures, as typing `/tour list` twice is two answers.
//! - The message with the file is a short text summary (people, tours,
//!   gaps, decisions awaited, people leaving), so the DM reads without
//!   opening the picture, and screen readers get it.

use super::tour::{NOT_ALL, in_sight, scope_words};
use super::{Engine, Failure, Request, refusal::refused};
use crate::domain::alumni::Alumnus;
use crate::domain::notice::{ListScope, Notice, NoticeKind};
use crate::domain::{TeamId, Tour, UserId};
use crate::message::Message;
use crate::picture::{self, Timeline};
use crate::store::alumni::NO_TOUR;
use crate::store::outbox::OutboxEntry;
use crate::store::{Store, StoreError};
use chrono::{DateTime, Utc};
use std::collections::{BTreeSet, HashMap};

/// `/tour timeline …`: owes the picture, or says why not.
pub(super) fn timeline(
    engine: &Engine,
    req: &Request,
    scope: ListScope,
    now: DateTime<Utc>,
) -> Result<Message, Failure> {
    let admin = engine.is_admin(&req.user);
    let Some(tours) = in_sight(engine.store(), &req.team, &req.user, &scope, admin, 1)? else {
        return Err(refused(NOT_ALL));
    };
    if tours.is_empty() {
        return Ok(Message::text(scope_words(&scope).1));
    }
    owe_file(
        engine,
        req,
        NoticeKind::Timeline {
            scope,
            admin,
            asked_at: now,
            today: now.date_naive(),
        },
        now,
        "I'm drawing the timeline; it arrives in your direct messages with me in a moment (a file cannot be shown only to you here).",
    )
}

/// Owes the asker a file (`kind`), and says so.
fn owe_file(
    engine: &Engine,
    req: &Request,
    kind: NoticeKind,
    now: DateTime<Utc>,
    answer: &str,
) -> Result<Message, Failure> {
    let notice = Notice {
        tour: NO_TOUR,
        to: req.user.clone(),
        kind,
    };
    engine
        .store()
        .enqueue(&OutboxEntry::post(&req.team, notice, now))?;
    Ok(Message::text(answer))
}

/// `/tour report`: owes the report to an admin.
pub(super) fn report(
    engine: &Engine,
    req: &Request,
    now: DateTime<Utc>,
) -> Result<Message, Failure> {
    if !engine.is_admin(&req.user) {
        return Err(refused(
            "Only Alliance admins can have the report: it covers everyone's tours. `/tour timeline` draws yours.",
        ));
    }
    owe_file(
        engine,
        req,
        NoticeKind::Report {
            asked_at: now,
            today: now.date_naive(),
        },
        now,
        "I'm putting the report together; it arrives in your direct messages with me as an HTML file you can open in a browser or forward.",
    )
}

/// The message the report goes with.
pub fn report_message(today: chrono::NaiveDate) -> Message {
    Message::text(format!(
        "*The Alliance report* as of {today}: tours by kind and status, endings ahead, decisions awaited, check-ins, 1:1s, the company's promises and alumni. Open the file in a browser."
    ))
}

/// The timeline a [`NoticeKind::Timeline`] asks for, drawn from the store
/// as it is now; `None` for another notice.
pub fn draw_timeline(
    store: &Store,
    team: &TeamId,
    notice: &Notice,
) -> Result<Option<Timeline>, StoreError> {
    let NoticeKind::Timeline {
        scope,
        admin,
        today,
        ..
    } = &notice.kind
    else {
        return Ok(None);
    };
    let me = &notice.to;
    let summaries = in_sight(store, team, me, scope, *admin, usize::MAX)?.unwrap_or_default();
    let mut tours: Vec<Tour> = Vec::with_capacity(summaries.len());
    for summary in &summaries {
        if let Some(tour) = store.tour(team, summary.id)? {
            tours.push(tour);
        }
    }
    let on_it: BTreeSet<&UserId> = tours.iter().map(|t| &t.member).collect();
    let everyone = *admin && matches!(scope, ListScope::All);
    let alumni: Vec<Alumnus> = store
        .alumni(team)?
        .into_iter()
        .filter(|a| match scope {
            _ if everyone => true,
            ListScope::Of(user) if *admin => &a.user == user,
            _ => on_it.contains(&a.user),
        })
        .collect();
    let mut names = HashMap::new();
    for person in on_it.iter().copied().chain(alumni.iter().map(|a| &a.user)) {
        if let Some(name) = store.user(team, person)?.name {
            names.insert(person.clone(), name);
        }
    }
    let name_of = |user: &UserId| {
        names
            .get(user)
            .cloned()
            .unwrap_or_else(|| user.as_str().to_string())
    };
    let (title, _) = scope_words(scope);
    Ok(Some(picture::build(
        &plain_title(&title, scope, &name_of),
        &tours,
        &alumni,
        &name_of,
        *today,
    )))
}

/// A title without Slack's mention markup (the picture is not Slack text).
fn plain_title(title: &str, scope: &ListScope, name_of: &dyn Fn(&UserId) -> String) -> String {
    match scope {
        ListScope::Of(user) => format!("Tours of {}", name_of(user)),
        _ => title.to_string(),
    }
}

/// The message a timeline goes with: what it shows, in words.
pub fn timeline_message(timeline: &Timeline) -> Message {
    let s = timeline.summary();
    let mut text = format!(
        "*{}* as of {}: {} {}, {} {}.",
        timeline.title,
        timeline.today,
        s.people,
        plural(s.people, "person", "people"),
        s.tours,
        plural(s.tours, "tour", "tours"),
    );
    let mut notes = Vec::new();
    if s.gaps > 0 {
        notes.push(format!(
            "{} ending within {} days with no next tour agreed",
            s.gaps,
            picture::GAP_WITHIN_DAYS
        ));
    }
    if s.awaiting > 0 {
        notes.push(format!("{} ended and awaiting a decision", s.awaiting));
    }
    if s.leaving > 0 {
        notes.push(format!("{} leaving", s.leaving));
    }
    if !notes.is_empty() {
        text.push_str(&format!(" {}.", capitalise(&notes.join("; "))));
    }
    let pages = timeline.pages().len();
    if pages > 1 {
        text.push_str(&format!(
            " In {pages} pictures of {} people each.",
            picture::ROWS_PER_PAGE
        ));
    }
    let left_out = timeline.not_drawn();
    if left_out > 0 {
        text.push_str(&format!(
            " {left_out} more {} not drawn: `/tour timeline @user` draws one person.",
            plural(left_out, "person is", "people are")
        ));
    }
    Message::text(text)
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A file to upload: its name, its title in Slack, its bytes.
pub struct Attachment {
    pub filename: String,
    pub title: String,
    pub bytes: Vec<u8>,
}

/// The timeline's pages as PNG files, "1 of 3" in their titles.
pub fn timeline_files(timeline: &Timeline) -> Result<Vec<Attachment>, picture::png::RenderError> {
    let pages = timeline.pages();
    let total = pages.len();
    pages
        .iter()
        .enumerate()
        .map(|(i, page)| {
            let (filename, title) = if total == 1 {
                (
                    format!("timeline-{}.png", timeline.today),
                    format!("{} — {}", timeline.title, timeline.today),
                )
            } else {
                (
                    format!("timeline-{}-{}-of-{total}.png", timeline.today, i + 1),
                    format!(
                        "{} — {} ({} of {total})",
                        timeline.title,
                        timeline.today,
                        i + 1
                    ),
                )
            };
            Ok(Attachment {
                filename,
                title,
                bytes: picture::png::render(&page.svg())?,
            })
        })
        .collect()
}

/// People on a picture who are named by their id only (no name cached).
pub fn unnamed(timeline: &Timeline) -> Vec<UserId> {
    timeline
        .rows
        .iter()
        .filter(|row| row.name == row.person.as_str())
        .map(|row| row.person.clone())
        .collect()
}

/// The report a [`NoticeKind::Report`] asks for, as one HTML file (the
/// outer error: the store; the inner: the drawing).
pub fn report_files(
    store: &Store,
    team: &TeamId,
    notice: &Notice,
) -> Result<Result<Vec<Attachment>, String>, StoreError> {
    let NoticeKind::Report { today, .. } = &notice.kind else {
        return Ok(Err("not a file".into()));
    };
    let report = crate::report::Report::build(store, team, *today, &mut |_| {})?;
    Ok(Ok(vec![Attachment {
        filename: format!("alliance-report-{today}.html"),
        title: format!("Alliance report — {today}"),
        bytes: report.html().into_bytes(),
    }]))
}
