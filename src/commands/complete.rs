//! `/tour complete`: what cannot be undone is confirmed first. The command
//! answers, privately, with what completing will do and two buttons,
//! **Complete tour #N** and **Cancel**; the press completes the tour.
//!
//! Decisions (modelled on `/tour forget-me`, see `privacy.rs`):
//! - The prompt checks the same rule the button runs (`Tour::complete`, on
//!   the tour as it is then, nothing stored), so a tour that cannot be
//!   completed is refused at once instead of offering a button that would
//!   fail; the press runs the rule again on the tour as it is by then.
//! - Only the person who typed the command can press: the buttons carry
//!   their id, and anyone else's press is refused privately and changes
//!   nothing.
//! - The answer to a press replaces the prompt in place (Slack's
//!   `response_url`: the prompt is ephemeral). A second press — the prompt
//!   seen on another device, a double click — changes nothing and says that
//!   the tour is already completed. **Cancel** leaves the tour as it is.
//! - Typed, `/tour complete <id>` only asks; `/tour complete <id> confirm`
//!   is the press of **Complete tour #N**, for whoever types it (the same
//!   rule and answer, [`confirmed`]), so a tour can be completed without
//!   buttons. Cancel needs nothing typed: not confirming changes nothing.

use super::buttons::{AfterClick, Click};
use super::{Engine, Failure, Request, notify, render};
use crate::domain::{Event, Role, Status, Tour, TourError, TourId, UserId};
use crate::message::{Element, Message, escape, truncate};
use crate::store::StoreError;
use chrono::{DateTime, Utc};

/// The explanation and the buttons, for the person who asked only.
pub(super) fn prompt(
    engine: &Engine,
    req: &Request,
    id: TourId,
    now: DateTime<Utc>,
) -> Result<Message, Failure> {
    let me = &req.user;
    let tour = match engine.store().tour(&req.team, id)? {
        Some(tour) => tour,
        None => return Err(super::refusal::refused(TourError::NotFound(id))),
    };
    let open = tour
        .check_may_change(me, engine.is_admin(me))
        .and_then(|()| tour.complete(me, now))
        .map_err(super::refusal::refused)?
        .1;
    let Event::Completed { open } = open.event else {
        return Err(super::refusal::refused(TourError::NotFound(id)));
    };
    let summary = tour.summary();
    let stays = match open.as_slice() {
        [] => String::new(),
        [_] if summary.objectives_done == 0 => ", and stays open in its record".to_string(),
        _ if summary.objectives_done == 0 => ", and they stay open in its record".to_string(),
        [_] => format!(
            "; {} stays open in its record",
            render::numbered("objective", &open)
        ),
        _ => format!(
            "; {} stay open in its record",
            render::numbered("objective", &open)
        ),
    };
    let other = if me == &tour.manager {
        &tour.member
    } else {
        &tour.manager
    };
    let value = format!("{}|{}", id.0, me);
    let title = format!("Complete tour {id}?");
    Ok(Message::new(&title)
        .section(format!(
            "*Complete tour {id}?* {}\nCompleting closes it for good: it can't be extended or changed afterwards. {}{stays}. You and {} are both asked what comes next.",
            escape(&truncate(&tour.mission, 200)),
            render::objectives_state(&tour),
            other.mention()
        ))
        .actions(vec![
            Element::button(
                &format!("Complete tour {id}"),
                notify::COMPLETE,
                &value,
                Some("primary"),
            ),
            Element::button("Cancel", notify::COMPLETE_CANCEL, &value, None),
        ])
        .context(format!(
            "Nothing happens until you press a button (or type `/tour complete {} confirm`).",
            id.0
        )))
}

/// What a button of the prompt carries: the tour and who asked.
fn read_value(value: Option<&str>) -> Option<(TourId, UserId)> {
    let (id, user) = value?.split_once('|')?;
    Some((TourId(id.parse().ok()?), UserId::parse(user)?))
}

impl Engine {
    /// **Complete tour #N** or **Cancel** on the prompt.
    pub(super) fn complete_click(
        &self,
        click: &Click,
        now: DateTime<Utc>,
    ) -> Result<AfterClick, StoreError> {
        let Some((id, asked_by)) = read_value(click.value.as_deref()) else {
            return Ok(AfterClick::Nothing);
        };
        if asked_by != click.user {
            self.note(
                click,
                None,
                &format!(
                    "Only {}, who asked to complete tour {id}, can answer that; nothing was changed.",
                    asked_by.mention()
                ),
                now,
            )?;
            return Ok(AfterClick::Nothing);
        }
        if click.action_id == notify::COMPLETE_CANCEL {
            let status = match self.store().tour(&click.team, id)? {
                Some(t) if t.visible_to(&click.user, self.is_admin(&click.user)) => {
                    format!(" is still {}", t.status.name())
                }
                _ => String::new(),
            };
            return Ok(AfterClick::Respond(Message::text(format!(
                "Nothing changed: tour *{id}*{status}."
            ))));
        }
        let req = Request {
            team: click.team.clone(),
            user: click.user.clone(),
            command: "/tour".into(),
            text: String::new(),
        };
        Ok(AfterClick::Respond(confirmed(self, &req, id, now)?))
    }
}

/// Completes the tour as `req.user` — **Complete tour #N**, pressed or
/// typed (`confirm`) — and says what came of it: done, already done
/// (a second press), or why not.
pub(super) fn confirmed(
    engine: &Engine,
    req: &Request,
    id: TourId,
    now: DateTime<Utc>,
) -> Result<Message, StoreError> {
    Ok(match super::tour::complete(engine, req, id, now) {
        Ok(changed) => match changed.first() {
            Some(tour) => completed(tour, &req.user, &super::tour::moved_next(&changed)),
            None => return Err(StoreError::Engine("a change returned no tour".into())),
        },
        Err(Failure::User(refusal)) => match engine.store().tour(&req.team, id)? {
            Some(t)
                if t.status == Status::Completed
                    && t.visible_to(&req.user, engine.is_admin(&req.user)) =>
            {
                Message::text(format!(
                    "Tour *{id}* is already completed; nothing changed."
                ))
            }
            _ => refusal,
        },
        Err(Failure::Internal(e)) => return Err(e),
    })
}

/// The answer once a tour is completed, to whoever completed it.
/// `moved`: what happened to the next tour already agreed, if one was.
fn completed(tour: &Tour, me: &UserId, moved: &str) -> Message {
    let id = tour.id;
    let next = if !moved.is_empty() {
        moved.trim_start().to_string()
    } else if tour.role_of(me) == Some(Role::Manager) {
        format!(
            "What comes next? `/tour next {} <kind> <length> <mission…>` proposes the follow-up.",
            id.0
        )
    } else {
        "What comes next? Your manager proposes the next tour; `/tour talk` asks them for the conversation.".to_string()
    };
    Message::text(format!(
        "✅ Tour *{id}* is completed. {}. {next}",
        render::objectives_state(tour)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_button_value_names_the_tour_and_who_asked() {
        assert_eq!(
            read_value(Some("17|UANA")),
            Some((TourId(17), UserId::parse("UANA").unwrap()))
        );
        for bad in ["", "17", "x|UANA", "17|nobody", "17|"] {
            assert_eq!(read_value(Some(bad)), None, "{bad}");
        }
        assert_eq!(read_value(None), None);
    }
}
