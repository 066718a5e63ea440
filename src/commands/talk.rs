//! `/tour talk [note…]`: the Right of First Conversation. A member tells
//! their manager, privately, that they would like a conversation about their
//! next move — and the framework's promise is that raising it is safe.
//!
//! Decisions:
//! - "Their manager" is the manager of the member's most recent open tour
//!   (proposed, active or leaving) where they are the member. With no such
//!   tour Alliance knows no manager, and says so.
//! - The request is one DM to the manager, in the manager's working hours
//!   (it is not an emergency). A member asks the same manager at most once
//!   in [`ONCE_PER_DAYS`] days: asking again within the week owes nothing
//!   and gets a private answer saying when they asked and that the manager
//!   has it (a manager is not paged twice for one conversation; a new
//!   manager is a new pair). A request that reached nobody does not count. It is not a change to any tour: no history
//!   entry, no list, no admin view shows it. The note travels in the outbox
//!   entry only until it is delivered, then is dropped; the entry (kept so
//!   the message is never sent twice) holds who asked whom, and when.
//! - Views leave it out: another person's `--person` export (the
//!   manager's too), `alliance outbox` and `reminders`. The asker's own
//!   export shows it, and so does the full export, because that is the
//!   backup: a restore must still owe a request not yet delivered (see
//!   `store::export`). Erasing the asker removes it.

use super::{Engine, Failure, Request};
use crate::domain::notice::{Notice, NoticeKind};
use crate::domain::{Role, TourError, UserId};
use crate::message::{self, Message};
use crate::store::outbox::{OutboxEntry, OutboxState};
use chrono::{DateTime, Duration, Utc};

/// The longest note a request may carry.
pub const MAX_NOTE: usize = 500;

/// A member asks the same manager at most once in this many days.
pub const ONCE_PER_DAYS: i64 = 7;

fn once_per() -> Duration {
    Duration::days(ONCE_PER_DAYS)
}

/// The answer to a second ask within the week: when they asked, and that
/// the manager has it (or will, in their working hours).
fn already_asked(manager: &UserId, earlier: &OutboxEntry) -> Message {
    let asked = match &earlier.notice.kind {
        NoticeKind::Talk { asked_at, .. } => *asked_at,
        _ => earlier.created_at,
    };
    let whereabouts = match earlier.state {
        OutboxState::Sent { .. } | OutboxState::Redirected { .. } => "they have it",
        _ => "it reaches them in their working hours",
    };
    Message::text(format!(
        "You already asked {} for a conversation on {}: {whereabouts}, and nothing more was sent. You can ask again from {} — or simply talk to them: raising it is safe.",
        manager.mention(),
        asked.date_naive(),
        (asked + once_per()).date_naive()
    ))
}

pub(super) fn handle(
    engine: &Engine,
    req: &Request,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Message, Failure> {
    let me = &req.user;
    let manager = engine
        .store()
        .tours_of(&req.team, me)?
        .into_iter()
        .filter(|t| t.role_of(me) == Some(Role::Member) && t.status.is_open())
        .max_by_key(|t| t.id)
        .map(|t| (t.id, t.manager));
    let Some((tour, manager)) = manager else {
        return Err(super::refusal::refused(
            "You have no current tour, so Alliance doesn't know who your manager is. Talk to them directly: raising it is safe.",
        ));
    };
    let len = note.map_or(0, |n| n.chars().count());
    if len > MAX_NOTE {
        return Err(Failure::User(message::problem(
            &TourError::TooLong { len, max: MAX_NOTE }.to_string(),
            crate::commands::parse::USAGE_TALK,
        )));
    }
    let notice = Notice {
        tour,
        to: manager.clone(),
        kind: NoticeKind::Talk {
            from: me.clone(),
            note: note.map(str::to_string),
            asked_at: now,
        },
    };
    let request = OutboxEntry::post(&req.team, notice, now);
    // Counted in days, as the answer says them: a request on the 24th holds
    // until the 1st begins (UTC).
    let since = (now.date_naive() - once_per() + Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .map_or(now - once_per(), |d| d.and_utc());
    if let Err(earlier) = engine.store().ask_for_talk(&request, since)? {
        return Ok(already_asked(&manager, &earlier));
    }
    Ok(Message::text(format!(
        "I've told {} privately that you'd like a conversation about your next move. Only the two of you see this.",
        manager.mention()
    ))
    .context(
        "In the Alliance, talking about what comes next is part of the deal, not a threat: your manager has promised that raising it is safe.",
    ))
}
