//! `/tour forget-me`: a person erases their own data from the workspace,
//! after confirming with a button. What goes and what stays is decided in
//! `store::erase`; this is the conversation around it.
//!
//! Decisions:
//! - Only the person can confirm: the button carries their id, and a click
//!   by anyone else is refused privately and changes nothing.
//! - Nobody erases someone else from Slack, admins included
//!   (`/tour forget-me @ana` is refused): that is an operator's deliberate
//!   act on the server, `alliance erase --person U…`.
//! - The answer to the click replaces the ephemeral prompt through Slack's
//!   `response_url` and is stored nowhere: a message owed to the person in
//!   the outbox would itself be a trace of them. (Without a bot token the
//!   erase still happens; the prompt just stays as it was.)
//! - A second press of the button (a replay, a second tap before the prompt
//!   was replaced) finds nothing left to erase and says so, changing
//!   nothing; no record of the first press is kept, since it would be a
//!   trace of the person.
//! - In the shell its button is pressed like any other (`/press`), on the
//!   shell's own data; the replaced prompt is printed there.
//! - `/tour forget-me confirm` is the press, typed: the same erase and the
//!   same answer ([`erase`]), for whoever types it. Without `confirm` it
//!   only asks.

use super::buttons::{AfterClick, Click};
use super::{Engine, Failure, Request, notify};
use crate::domain::{TeamId, UserId};
use crate::message::{Element, Message};
use crate::store::StoreError;
use chrono::{DateTime, Utc};

/// `/tour forget-me [confirm]`: the prompt, or (confirmed) the erase.
pub(super) fn handle(
    engine: &Engine,
    req: &Request,
    other: Option<&UserId>,
    confirmed: bool,
) -> Result<Message, Failure> {
    if let Some(other) = other.filter(|o| *o != &req.user) {
        return Err(super::refusal::refused(format!(
            "You can only erase your own data here. Erasing {}'s data is done on the server by \
             whoever runs Alliance, with `alliance erase --person {other}`.",
            other.mention()
        )));
    }
    if confirmed {
        return Ok(erase(engine, &req.team, &req.user)?);
    }
    let tours = engine.store().tours_of(&req.team, &req.user)?.len();
    let shared = match tours {
        0 => "You are not a party to any tour.".to_string(),
        1 => "Your *1 tour* stays for the other party,".to_string(),
        n => format!("Your *{n} tours* stay for the other party,"),
    };
    let shared = if tours == 0 {
        shared
    } else {
        format!(
            "{shared} with you replaced by an anonymous placeholder: what was agreed and written \
             belongs to both of you, so it stays (mentions of you in it are replaced too)."
        )
    };
    Ok(Message::new("Erase your data from Alliance?")
        .header("Erase your data from Alliance?")
        .section(format!(
            "This erases what Alliance holds about you in this workspace, for good:\n\
             • {shared}\n\
             • Deleted: your reminders and the messages waiting for you, the reminders you \
             switched off, your alumni record with any personal contact you left, and what your chat \
             told Alliance about you (your DM channel, your time zone)."
        ))
        .actions(vec![Element::button(
            "Yes, erase my data",
            notify::FORGET_ME,
            req.user.as_str(),
            Some("danger"),
        )])
        .context(format!(
            "Nothing happens until you press the button (or type `{USAGE_FORGET_ME_CONFIRM}`), and it cannot be undone."
        )))
}

/// What the prompt's context names as the typed confirmation.
const USAGE_FORGET_ME_CONFIRM: &str = "/tour forget-me confirm";

/// Erases `user` from `team` — **Yes, erase my data**, pressed or typed —
/// and says what came of it. Nothing of it is stored (see the module docs).
fn erase(engine: &Engine, team: &TeamId, user: &UserId) -> Result<Message, StoreError> {
    let done = engine.store().erase_person(user, Some(team))?;
    if done.removed + done.rewritten == 0 {
        // A second press (or a replay): nothing left, and it says so.
        return Ok(Message::text(
            "There is nothing of yours left to erase: Alliance holds no data about you in this workspace, so nothing was changed.",
        ));
    }
    tracing::info!(team = %team, removed = done.removed, rewritten = done.rewritten, "a person erased their data");
    let kept = match done.tours_kept {
        0 => String::new(),
        1 => " Your tour stays for the other party, without your name.".into(),
        n => format!(" Your {n} tours stay for the other party, without your name."),
    };
    Ok(Message::text(format!(
        "🧹 Your data was erased from Alliance.{kept} If you use Alliance again, you start afresh."
    )))
}

impl Engine {
    /// The confirmation button: erases the clicker, if it is their button.
    pub(super) fn forget_me(
        &self,
        click: &Click,
        now: DateTime<Utc>,
    ) -> Result<AfterClick, StoreError> {
        if click.value.as_deref() != Some(click.user.as_str()) {
            self.note(
                click,
                None,
                "Only the person whose data it is can confirm its erasure; nothing was changed.",
                now,
            )?;
            return Ok(AfterClick::Nothing);
        }
        Ok(AfterClick::Respond(erase(self, &click.team, &click.user)?))
    }
}
