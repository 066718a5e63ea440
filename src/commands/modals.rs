//! The small forms behind the end-of-tour buttons: extend a tour, plan an
//! exit, and join the alumni network with an optional personal contact.
//!
//! As with the propose form, a submission becomes the text a person would
//! have typed (`extend 17 6m`, `leave 17 successor <@U…> on 2027-01-31 …`)
//! and goes through the same parser and rules; a problem is shown inline on
//! the form. The tour's id travels in the view's `private_metadata`, and is
//! checked again like any typed id (a forged one meets the same rules).
//! The alumni answer is a rule call of its own (`tour::answer_alumni`),
//! which `/tour stay-in-touch` runs too.
//!
//! A form opened from a button carries the button's [`Origin`] after the
//! tour id in `private_metadata`; once the submission goes through, that
//! message is replaced by what happened and its question counts as
//! answered (see [`super::buttons`]), and a form for a question already
//! answered is refused on the form.

use super::buttons::Origin;
use super::{Engine, Failure, Request, form, one_on_ones, tour};
use crate::domain::{TeamId, TourId, UserId};
use crate::message::Message;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

pub const EXTEND: &str = "tour.extend";
pub const EXIT: &str = "tour.leave";
pub const ALUMNI: &str = "alumni.join";

const BLOCK_LENGTH: &str = "length";
const ACTION_LENGTH: &str = "length.text";
const BLOCK_SUCCESSOR: &str = "successor";
const ACTION_SUCCESSOR: &str = "successor.user";
const BLOCK_LAST_DAY: &str = "last_day";
const ACTION_LAST_DAY: &str = "last_day.date";
const BLOCK_NOTES: &str = "notes";
const ACTION_NOTES: &str = "notes.text";
const BLOCK_CONTACT: &str = "contact";
const ACTION_CONTACT: &str = "contact.text";

fn plain(text: &str) -> Value {
    json!({ "type": "plain_text", "text": text, "emoji": true })
}

fn modal(callback_id: &str, tour: TourId, title: &str, submit: &str, blocks: Value) -> Value {
    json!({
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": tour.0.to_string(),
        "title": plain(title),
        "submit": plain(submit),
        "close": plain("Cancel"),
        "blocks": blocks,
    })
}

pub fn extend_view(tour: TourId) -> Value {
    modal(
        EXTEND,
        tour,
        "Extend the tour",
        "Extend",
        json!([
            {
                "type": "section",
                "text": { "type": "mrkdwn", "text": format!("Move the end of tour *{tour}* on. Both of you see it in the tour's history.") },
            },
            {
                "type": "input",
                "block_id": BLOCK_LENGTH,
                "label": plain("By how long"),
                "hint": plain("A length like 6m or 1y."),
                "element": { "type": "plain_text_input", "action_id": ACTION_LENGTH, "max_length": 20 },
            },
        ]),
    )
}

pub fn exit_view(tour: TourId) -> Value {
    modal(
        EXIT,
        tour,
        "Plan an exit",
        "Plan exit",
        json!([
            {
                "type": "section",
                "text": { "type": "mrkdwn", "text": format!("Plan the member's early exit from tour *{tour}*: who takes over, and the last day. Leaving well is part of the alliance.") },
            },
            {
                "type": "input",
                "block_id": BLOCK_SUCCESSOR,
                "label": plain("Successor"),
                "element": { "type": "users_select", "action_id": ACTION_SUCCESSOR, "placeholder": plain("Who takes over") },
            },
            {
                "type": "input",
                "block_id": BLOCK_LAST_DAY,
                "optional": true,
                "label": plain("Last day"),
                "hint": plain("Leave empty for two weeks from today."),
                "element": { "type": "datepicker", "action_id": ACTION_LAST_DAY },
            },
            {
                "type": "input",
                "block_id": BLOCK_NOTES,
                "optional": true,
                "label": plain("Handover notes"),
                "element": { "type": "plain_text_input", "action_id": ACTION_NOTES, "multiline": true, "max_length": crate::domain::tour::MAX_OBJECTIVE },
            },
        ]),
    )
}

pub fn alumni_view(tour: TourId) -> Value {
    modal(
        ALUMNI,
        tour,
        "Join the alumni network",
        "Join",
        json!([
            {
                "type": "section",
                "text": { "type": "mrkdwn", "text": "Your former manager becomes your alumni liaison and checks in now and then. After your last day the bot can't reach you in Slack, so you may leave a personal contact: only your liaison and the people team see it." },
            },
            {
                "type": "input",
                "block_id": BLOCK_CONTACT,
                "optional": true,
                "label": plain("Personal contact (optional)"),
                "element": { "type": "plain_text_input", "action_id": ACTION_CONTACT, "max_length": crate::domain::ending::MAX_CONTACT, "placeholder": plain("An email, a phone number, a profile link") },
            },
        ]),
    )
}

fn text<'a>(values: &'a Map<String, Value>, block: &str, action: &str, key: &str) -> &'a str {
    values
        .get(block)
        .and_then(|b| b.get(action))
        .and_then(|a| a.get(key))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .trim()
}

fn inline(block: &str, message: &str) -> Value {
    json!({
        "response_action": "errors",
        "errors": { block: message.replace('`', "") },
    })
}

impl Engine {
    /// A submitted end-of-tour form; `None` if `callback_id` is not one of
    /// ours. The answer is what Slack expects: `clear`, or inline errors.
    pub fn submit_view(
        &self,
        team: &TeamId,
        user: &UserId,
        callback_id: &str,
        private_metadata: &str,
        values: &Map<String, Value>,
        now: DateTime<Utc>,
    ) -> Option<Value> {
        let _one_at_a_time = self.one_at_a_time();
        // The tour's id, then (for a form a button opened) where it came from.
        let mut lines = private_metadata.lines();
        let id = lines.next().and_then(|l| l.parse::<u64>().ok()).map(TourId);
        let origin = match callback_id {
            one_on_ones::NOTES_VIEW => None,
            _ => Origin::decode(&mut lines),
        };
        if let Some(origin) = &origin {
            match self.earlier_answer(team, origin, user) {
                Ok(None) => {}
                Ok(Some(earlier)) => {
                    let on = earlier.created_at.date_naive();
                    return Some(inline(
                        first_block(callback_id),
                        &format!("You answered this on {on}, so nothing was changed."),
                    ));
                }
                Err(e) => {
                    tracing::error!(error = %e, callback_id, "form submission failed");
                    return Some(inline(
                        first_block(callback_id),
                        "Sorry, something went wrong on my side; please try again.",
                    ));
                }
            }
        }
        let (block, outcome) = match (callback_id, id) {
            (form::CALLBACK_ID, _) => {
                let answer = self.submit_propose_form(team, user, id, values, now);
                if let (Some(origin), Some(after)) = (&origin, id)
                    && answer["response_action"] == "clear"
                {
                    let next = self
                        .store()
                        .tour(team, after)
                        .ok()
                        .flatten()
                        .and_then(|t| t.next);
                    let text = match next {
                        Some(next) => format!(
                            "✅ You proposed tour *{next}*, the next after *{after}*. `/tour show {}` has it.",
                            next.0
                        ),
                        None => format!("✅ You proposed the tour that follows *{after}*."),
                    };
                    self.record_origin(team, user, origin, after, text, now);
                }
                return Some(answer);
            }
            (one_on_ones::NOTES_VIEW, _) => {
                return Some(self.submit_one_on_one_notes(
                    team,
                    user,
                    private_metadata,
                    values,
                    now,
                ));
            }
            (EXTEND, Some(id)) => {
                let length = text(values, BLOCK_LENGTH, ACTION_LENGTH, "value");
                (
                    BLOCK_LENGTH,
                    self.typed(
                        team,
                        user,
                        format!("extend {} {}", id.0, form::encode(length)),
                        now,
                    )
                    .map(|m| (id, m.text)),
                )
            }
            (EXIT, Some(id)) => {
                let successor = text(values, BLOCK_SUCCESSOR, ACTION_SUCCESSOR, "selected_user");
                let on = text(values, BLOCK_LAST_DAY, ACTION_LAST_DAY, "selected_date");
                let notes = text(values, BLOCK_NOTES, ACTION_NOTES, "value");
                let mut typed = format!("leave {} successor <@{successor}>", id.0);
                if !on.is_empty() {
                    typed.push_str(&format!(" on {on}"));
                }
                if !notes.is_empty() {
                    // Quoted, so notes that start with `on` stay notes.
                    let notes: Vec<&str> = notes.lines().map(str::trim).collect();
                    typed.push_str(&format!(" \"{}\"", form::encode(&notes.join(" "))));
                }
                let block = if successor.is_empty() {
                    BLOCK_SUCCESSOR
                } else {
                    BLOCK_LAST_DAY
                };
                (
                    block,
                    self.typed(team, user, typed, now).map(|m| (id, m.text)),
                )
            }
            (ALUMNI, Some(id)) => {
                let contact = text(values, BLOCK_CONTACT, ACTION_CONTACT, "value");
                let contact = Some(contact).filter(|c| !c.is_empty());
                let req = Request {
                    team: team.clone(),
                    user: user.clone(),
                    command: "/tour".into(),
                    text: String::new(),
                };
                let outcome = tour::answer_alumni(self, &req, id, true, contact, now)
                    .map(|t| (id, tour::alumni_joined(&t, contact.is_some())));
                (BLOCK_CONTACT, outcome)
            }
            _ => return None,
        };
        Some(match outcome {
            Ok((id, text)) => {
                if let Some(origin) = &origin {
                    self.record_origin(team, user, origin, id, text, now);
                }
                json!({ "response_action": "clear" })
            }
            Err(Failure::User(message)) => inline(block, &message.text),
            Err(Failure::Internal(e)) => {
                tracing::error!(error = %e, callback_id, "form submission failed");
                inline(
                    block,
                    "Sorry, something went wrong on my side; please try again.",
                )
            }
        })
    }

    /// Runs `text` as a `/tour` command typed by `user`; its answer.
    fn typed(
        &self,
        team: &TeamId,
        user: &UserId,
        text: String,
        now: DateTime<Utc>,
    ) -> Result<Message, Failure> {
        let req = Request {
            team: team.clone(),
            user: user.clone(),
            command: "/tour".into(),
            text,
        };
        self.try_handle(&req, now)
    }

    /// The form went through: the message it was opened from shows what
    /// happened, and its question counts as answered. (The change itself
    /// is saved; a failure here is only logged.)
    fn record_origin(
        &self,
        team: &TeamId,
        user: &UserId,
        origin: &Origin,
        tour: TourId,
        text: String,
        now: DateTime<Utc>,
    ) {
        if let Err(e) = self.answer_origin(team, user, origin, tour, text, now) {
            tracing::error!(error = %e, "could not update the message a form came from");
        }
    }
}

/// The input block a form-wide problem is shown on.
fn first_block(callback_id: &str) -> &'static str {
    match callback_id {
        EXTEND => BLOCK_LENGTH,
        EXIT => BLOCK_SUCCESSOR,
        ALUMNI => BLOCK_CONTACT,
        _ => form::BLOCK_MISSION,
    }
}
