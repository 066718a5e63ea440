//! The App Home tab: pull before push. What a person sees when they open
//! Alliance in Slack — their tours, their team's tours with what is due, and
//! buttons for the common actions — so the bot needs to send fewer DMs.
//!
//! It is published (`views.publish`) when someone opens the tab (after the
//! event is acknowledged) and, through the outbox, whenever one of their
//! tours changes — for people who have opened it at least once (nobody's
//! tab is published unasked). The view is rendered from the store at
//! publish time, so a refresh always shows the latest state.
//!
//! Decisions:
//! - Only what the viewer may see: their own tours (as either party), and as
//!   a manager the tours they manage. Nothing about anyone else, and never a
//!   Right of First Conversation.
//! - "What is due" for a team tour is derived from its phase on the day
//!   (`domain::timeline`), not from the reminder index: a proposal waiting
//!   for an answer, an end date within 180 days ("plan the next tour"), an
//!   end date passed with no decision, an exit planned. A scheduled tour,
//!   or one whose next tour is agreed, needs nothing. Then the person's upcoming 1:1s (soonest first, in
//!   Slack's own date formatting, so each viewer reads their own time zone)
//!   and the check-in conversations waiting for their answers.
//! - An away period (`/tour away`) shows at the top of one's own tab, and
//!   to the manager of one's open tours beside their team's tours (a
//!   manager wants to know who will not answer); nobody else sees it.
//! - A "Timeline" button (for anyone with tours) draws `/tour timeline`
//!   into their DM; once one was shared, the tab shows the latest as an
//!   image (and is published again when a new one is shared).
//! - Tours are listed newest first. Slack allows 100 blocks in a Home view; the team section is paged
//!   ([`TEAM_PAGE`] tours a page, Previous/Next buttons), own tours are
//!   capped at [`MINE_MAX`] with a pointer to `/tour list`. Both caps keep a
//!   view under 60 blocks.

use super::{Engine, away, render};
use crate::domain::{Phase, Role, TeamId, TourSummary, UserId};
use crate::message::{Element, Message};
use crate::store::{Store, StoreError};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// Team tours on one page of the Home tab.
pub const TEAM_PAGE: usize = 15;
/// Own tours shown on the Home tab.
pub const MINE_MAX: usize = 15;

pub const PAGE: &str = "home.page";
pub const PROPOSE: &str = "home.propose";
pub const TIMELINE: &str = "home.timeline";
pub const TALK: &str = "home.talk";

impl Engine {
    /// The Home view of `user`, showing page `page` (from 0) of their team.
    pub fn home_view(
        &self,
        team: &TeamId,
        user: &UserId,
        page: usize,
        now: DateTime<Utc>,
    ) -> Result<Message, StoreError> {
        view(self.store(), self.default_tz(), team, user, page, now)
    }
}

/// [`Engine::home_view`], for the delivery worker (which has only the store
/// and the workspace's default zone).
pub fn view(
    store: &Store,
    default_tz: Tz,
    team: &TeamId,
    user: &UserId,
    page: usize,
    now: DateTime<Utc>,
) -> Result<Message, StoreError> {
    let tours = store.tours_of(team, user)?;
    let (managed, mine): (Vec<&TourSummary>, Vec<&TourSummary>) = tours
        .iter()
        .partition(|t| t.role_of(user) == Some(Role::Manager));
    let mut message = Message::new("Alliance").header("Alliance: your tours of duty");
    let away = |who: &UserId| away::away_until(store, default_tz, team, who, now);
    if let Some(back_on) = away(user)? {
        message = message.section(format!(
            ":palm_tree: *You're away until {}.* Your reminders wait until then; answers to what you do still reach you. `/tour away off` ends it.",
            away::day_named(back_on)
        ));
    }

    message = message.section("*Your tours*");
    if mine.is_empty() && managed.is_empty() {
        message =
            message.context("You have no tours yet. A manager starts one with `/tour propose`.");
    } else if mine.is_empty() {
        message = message.context("You aren't the member of a tour yourself; your manager starts one with `/tour propose`.");
    }
    let today = now.date_naive();
    for t in mine.iter().take(MINE_MAX) {
        message = message.section(render::row(t, today));
    }
    if mine.len() > MINE_MAX {
        message = message.context(format!(
            "…and {} older ones: `/tour list`.",
            mine.len() - MINE_MAX
        ));
    }

    if !managed.is_empty() {
        let pages = managed.len().div_ceil(TEAM_PAGE);
        let page = page.min(pages - 1);
        message = message.divider().section(format!(
            "*Your team's tours* ({} · page {} of {pages})",
            managed.len(),
            page + 1
        ));
        // Who of the team is away (each once, from the tours still open).
        let mut members: Vec<&UserId> = managed
            .iter()
            .filter(|t| t.status.is_open())
            .map(|t| &t.member)
            .collect();
        members.sort();
        members.dedup();
        let mut away_now = Vec::new();
        for member in members {
            if let Some(back_on) = away(member)? {
                away_now.push(format!(
                    ":palm_tree: {} is away until {}.",
                    member.mention(),
                    away::day_named(back_on)
                ));
            }
        }
        if !away_now.is_empty() {
            message = message.context(away_now.join("\n"));
        }
        for t in managed.iter().skip(page * TEAM_PAGE).take(TEAM_PAGE) {
            let mut row = render::row(t, today);
            if let Some(due) = what_is_due(t, now) {
                row.push_str(&format!("\n:hourglass_flowing_sand: {due}"));
            }
            message = message.section(row);
        }
        let mut nav = Vec::new();
        if page > 0 {
            nav.push(Element::button(
                "Previous page",
                PAGE,
                &(page - 1).to_string(),
                None,
            ));
        }
        if page + 1 < pages {
            nav.push(Element::button(
                "Next page",
                PAGE,
                &(page + 1).to_string(),
                None,
            ));
        }
        if !nav.is_empty() {
            message = message.actions(nav);
        }
    }

    // Upcoming 1:1s (the running ones, soonest first) and check-ins waiting
    // for the person's answers.
    let mut upcoming = Vec::new();
    for o in store.one_on_ones_of(team, user)? {
        if !o.is_active() {
            continue;
        }
        let zone = store.one_on_one_zone(team, &o)?;
        if let Some(slot) = o.next_slot(zone, now) {
            upcoming.push((slot, o.other(user).clone()));
        }
    }
    upcoming.sort();
    let chat = store.chat(team, user)?;
    let waiting: Vec<_> = chat.current.iter().chain(chat.queue.iter()).collect();
    if !upcoming.is_empty() || !waiting.is_empty() {
        message = message.divider();
    }
    if !upcoming.is_empty() {
        let lines: Vec<String> = upcoming
            .iter()
            .take(MINE_MAX)
            .map(|(slot, with)| {
                format!(
                    "• with {} — <!date^{}^{{date_short_pretty}} at {{time}}|{}>",
                    with.mention(),
                    slot.timestamp(),
                    slot.format("%Y-%m-%d %H:%M UTC")
                )
            })
            .collect();
        message = message.section(format!("*Upcoming 1:1s*\n{}", lines.join("\n")));
    }
    if !waiting.is_empty() {
        let lines: Vec<String> = waiting
            .iter()
            .map(|c| {
                format!(
                    "• tour {}: answer in our DM (`skip`, `later` and `stop` work too)",
                    c.tour
                )
            })
            .collect();
        message = message.section(format!("*Check-ins waiting for you*\n{}", lines.join("\n")));
    }

    if let Some(file) = store.user(team, user)?.timeline {
        message = message
            .divider()
            .section("*Your latest timeline*")
            .image(
                &file,
                "The timeline of your tours and your team's, as last drawn; its summary is in our direct messages.",
            );
    }
    let mut actions = vec![Element::button(
        "Propose a tour",
        PROPOSE,
        "propose",
        Some("primary"),
    )];
    if !tours.is_empty() {
        actions.push(Element::button("Timeline", TIMELINE, "timeline", None));
    }
    if mine.iter().any(|t| t.status.is_open()) {
        actions.push(Element::button(
            "Ask for a conversation",
            TALK,
            "talk",
            None,
        ));
    }
    message = message
        .divider()
        .actions(actions)
        .context("Everything here is private to you. `/tour help` lists every command.");
    Ok(message)
}

/// What a team tour needs from its manager now, if anything: from its
/// phase on that day (a scheduled or followed tour needs nothing).
fn what_is_due(t: &TourSummary, now: DateTime<Utc>) -> Option<String> {
    let today = now.date_naive();
    match t.phase(today) {
        Phase::Proposed => Some(format!("waiting for {}'s answer", t.member.mention())),
        Phase::AwaitingDecision => Some(format!(
            "ended on {} with no decision: propose the next tour, extend it or plan an exit (`/tour next|extend|leave {}`)",
            render::day(t.ends_on),
            t.id.0
        )),
        Phase::Active => {
            let days = (t.ends_on? - today).num_days();
            (days <= 180).then(|| {
                let when = match days {
                    0 => "ends today".to_string(),
                    d => format!("ends in {}", crate::words::count(d.unsigned_abs(), "day")),
                };
                format!(
                    "{when}: plan the next tour together (`/tour next {}`)",
                    t.id.0
                )
            })
        }
        Phase::Leaving => Some("an exit is planned: see the handover checklist".to_string()),
        _ => None,
    }
}

/// The value a Home button carries back: which page.
pub fn page_of(value: Option<&str>) -> usize {
    value.and_then(|v| v.parse().ok()).unwrap_or(0)
}
