//! The small forms behind the end-of-tour buttons: extend a tour, plan an
//! exit, and join the alumni network with an optional personal contact.
//!
//! As with the propose form, a submission becomes the text a person would
//! have typed (`extend 17 6m`, `leave 17 successor <@U…> on 2027-01-31 …`)
//! and goes through the same parser and rules; a problem is shown inline on
//! the form. The tour's id travels in the form's state, and is checked
//! again like any typed id (a forged one meets the same rules).
//! The alumni answer is a rule call of its own (`tour::answer_alumni`),
//! which `/tour stay-in-touch` runs too.
//!
//! A form opened from a button carries the button's [`Origin`] after the
//! tour id in its state; once the submission goes through, that
//! message is replaced by what happened and its question counts as
//! answered (see [`super::buttons`]), and a form for a question already
//! answered is refused on the form.

use super::buttons::Origin;
use super::{Engine, Failure, Request, form, one_on_ones, tour};
use crate::domain::{TeamId, TourId, UserId};
use crate::message::Message;
use crate::message::{Form, FormAnswer, Input, Submission};
use chrono::{DateTime, Utc};

pub const EXTEND: &str = "tour.extend";
pub const EXIT: &str = "tour.leave";
pub const ALUMNI: &str = "alumni.join";

const BLOCK_LENGTH: &str = "length";
const BLOCK_SUCCESSOR: &str = "successor";
const BLOCK_LAST_DAY: &str = "last_day";
const BLOCK_NOTES: &str = "notes";
const BLOCK_CONTACT: &str = "contact";

pub fn extend_form(tour: TourId) -> Form {
    Form::new(
        EXTEND,
        tour.0.to_string(),
        "Extend the tour",
        "Extend",
        format!("Move the end of tour *{tour}* on. Both of you see it in the tour's history."),
    )
    .field(BLOCK_LENGTH, "By how long", Input::Line { max: 20 })
    .hint("A length like 6m or 1y.")
}

pub fn exit_form(tour: TourId) -> Form {
    Form::new(
        EXIT,
        tour.0.to_string(),
        "Plan an exit",
        "Plan exit",
        format!("Plan the member's early exit from tour *{tour}*: who takes over, and the last day. Leaving well is part of the alliance."),
    )
    .field(BLOCK_SUCCESSOR, "Successor", Input::Person)
    .placeholder("Who takes over")
    .field(BLOCK_LAST_DAY, "Last day", Input::Date)
    .optional()
    .hint("Leave empty for two weeks from today.")
    .field(
        BLOCK_NOTES,
        "Handover notes",
        Input::Paragraph {
            max: crate::domain::tour::MAX_OBJECTIVE,
        },
    )
    .optional()
}

pub fn alumni_form(tour: TourId) -> Form {
    Form::new(
        ALUMNI,
        tour.0.to_string(),
        "Join the alumni network",
        "Join",
        "Your former manager becomes your alumni liaison and checks in now and then. After your last day the bot can't reach you here, so you may leave a personal contact: only your liaison and the people team see it.".into(),
    )
    .field(
        BLOCK_CONTACT,
        "Personal contact",
        Input::Line {
            max: crate::domain::ending::MAX_CONTACT,
        },
    )
    .optional()
    .placeholder("An email, a phone number, a profile link")
}

impl Engine {
    /// A submitted form; `None` if it is not one of ours.
    pub fn submit_form(
        &self,
        team: &TeamId,
        user: &UserId,
        submitted: &Submission,
        now: DateTime<Utc>,
    ) -> Option<FormAnswer> {
        let _one_at_a_time = self.one_at_a_time();
        let callback_id = submitted.form.as_str();
        let private_metadata = submitted.state.as_str();
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
                    return Some(FormAnswer::problem(
                        first_block(callback_id),
                        &format!("You answered this on {on}, so nothing was changed."),
                    ));
                }
                Err(e) => {
                    tracing::error!(error = %e, callback_id, "form submission failed");
                    return Some(FormAnswer::problem(
                        first_block(callback_id),
                        "Sorry, something went wrong on my side; please try again.",
                    ));
                }
            }
        }
        let (block, outcome) = match (callback_id, id) {
            (form::CALLBACK_ID, _) => {
                let answer = self.submit_propose_form(team, user, id, submitted, now);
                if let (Some(origin), Some(after)) = (&origin, id)
                    && answer == FormAnswer::Done
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
                return Some(self.submit_one_on_one_notes(team, user, submitted, now));
            }
            (EXTEND, Some(id)) => {
                let length = submitted.get(BLOCK_LENGTH);
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
                let successor = submitted.get(BLOCK_SUCCESSOR);
                let on = submitted.get(BLOCK_LAST_DAY);
                let notes = submitted.get(BLOCK_NOTES);
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
                let contact = submitted.get(BLOCK_CONTACT);
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
                FormAnswer::Done
            }
            Err(Failure::User(message)) => FormAnswer::problem(block, &message.text),
            Err(Failure::Internal(e)) => {
                tracing::error!(error = %e, callback_id, "form submission failed");
                FormAnswer::problem(
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
