//! Check-ins, around the state machine of `domain::checkin`: `/tour checkin`
//! (record notes, start a conversation now, set the cadence), the member's
//! direct messages that answer a conversation, its buttons (Later, Snooze,
//! and the manager's Yes / Partly / No about the company's promises), and
//! how all of it reads.
//!
//! Every change goes through one store transaction ([`Store::checkin_tx`]):
//! the person's chat, the tour and its history, the check-in record, the
//! reminder that ends a pause, and the messages owed — which go to the
//! outbox, never straight to Slack. A conversation's messages answer the
//! person, so they go at once; only the check-in that starts on its own (the
//! `checkin:nN` reminder) waits for the member's working hours.
//!
//! Decisions:
//! - A scheduled check-in opens when its reminder is *sent* (see
//!   [`before_send`]), not when it fell due, so a check-in that waited
//!   overnight does not take a 05:00 message as the answer to a question
//!   not yet asked. Its message is the first question, with **Later**
//!   (a few hours), **Snooze 1 week** and **Snooze until…**; later
//!   questions come one per answer, as plain messages.
//! - If the member is in another conversation, a new one waits; its
//!   reminder says so, and it starts when the current one ends.
//! - `/tour checkin <id>` starts a conversation with the tour's member (the
//!   manager may ask for one); either party may record notes or set the
//!   cadence. Admins see tours but act on none; to anyone else the tour does
//!   not exist.
//! - A conversation's messages are keyed `chat:<user>:<n>` (zero-padded),
//!   numbered by the person's chat, so they go out in the order said.
//! - A direct message when nothing is being asked gets a short pointer to
//!   `/tour help`.
//! - Every button has its typed twin, through the same rule: **Later** is
//!   `later` written in the conversation, the snoozes are `/tour snooze
//!   <id> checkin 1w|until YYYY-MM-DD` ([`Engine::pause_checkin`]), and the
//!   manager's **Yes** / **Partly** / **No** are `/tour checkin <id>
//!   delivered <n> yes|partly|no` ([`Engine::review_promise`]), which
//!   answers for the newest check-in that asked about objective `n` (else
//!   the newest, whose answer then says why not).

use super::buttons::{AfterClick, Click};
use super::parse;
use super::{Engine, Failure, Request};
use crate::domain::checkin::{
    Asking, Chat, CheckIn, Conversation, Delivered, Offered, Question, Reply, Step,
};
use crate::domain::notice::{Notice, NoticeKind};
use crate::domain::schedule::{self, Series};
use crate::domain::{EventId, Side, TeamId, Tour, TourError, TourId, UserId};
use crate::message::{Element, Message, escape, truncate};
use crate::store::checkins::CheckinTx;
use crate::store::{Store, StoreError, TxFail};
use chrono::{DateTime, Duration, Utc};
use std::convert::Infallible;

/// Every check-in button's `action_id` starts with this.
pub const PREFIX: &str = "checkin.";
/// On a check-in question: pause for a few hours.
pub const LATER: &str = "checkin.later";
pub const SNOOZE_WEEK: &str = "checkin.snooze_week";
pub const SNOOZE_UNTIL: &str = "checkin.snooze_until";
/// On the manager's summary: did the company deliver? (`tour|n|objective`)
pub const DELIVERED_YES: &str = "checkin.delivered_yes";
pub const DELIVERED_PARTLY: &str = "checkin.delivered_partly";
pub const DELIVERED_NO: &str = "checkin.delivered_no";

/// The words that work at every question.
const HINT: &str = "Reply here in one message. `skip` skips this question, `later` pauses, `stop` ends the check-in (what you answered is kept).";

/// `/tour checkin …`.
pub(super) fn handle(
    engine: &Engine,
    req: &Request,
    command: parse::TourCommand,
    now: DateTime<Utc>,
) -> Result<Message, Failure> {
    match command {
        parse::TourCommand::CheckinNotes { tour, notes } => {
            record_notes(engine, req, tour, &notes, now)
        }
        parse::TourCommand::CheckinEvery { tour, months } => {
            let tour = super::tour::change(engine, req, tour, parse::USAGE_CHECKIN, |t| {
                t.set_checkin_every(&req.user, months, now)
            })?;
            let next = schedule::due_at(&tour, engine.store().policy(), &Series::Checkin(1))
                .map(|at| format!(" The next one is due on {}.", at.date_naive()))
                .unwrap_or_default();
            Ok(Message::text(format!(
                "Check-ins on tour *{}* now come {}, counted from today.{next} Both of you see it in the tour's history.",
                tour.id,
                crate::words::every(months, "month")
            )))
        }
        parse::TourCommand::CheckinStart { tour } => start(engine, req, tour, now),
        parse::TourCommand::CheckinDelivered {
            tour,
            objective,
            delivered,
        } => review(engine, req, tour, objective, delivered, now),
        _ => Ok(super::render::help()),
    }
}

fn refusal(e: TourError) -> Failure {
    super::refusal::refusal(parse::USAGE_CHECKIN)(e)
}

/// A tour the caller may try to change (for anyone else it does not exist;
/// its successor only reads it).
fn visible(
    engine: &Engine,
    ctx: &CheckinTx,
    user: &UserId,
    id: TourId,
) -> Result<Result<Tour, TourError>, TxFail> {
    Ok(match ctx.tour(id)? {
        Some(t) => t.check_may_change(user, engine.is_admin(user)).map(|()| t),
        None => Err(TourError::NotFound(id)),
    })
}

fn record_notes(
    engine: &Engine,
    req: &Request,
    id: TourId,
    notes: &str,
    now: DateTime<Utc>,
) -> Result<Message, Failure> {
    let recorded = engine
        .store()
        .checkin_tx(&req.team, None, now, |ctx| {
            let tour = match visible(engine, ctx, &req.user, id)? {
                Ok(t) => t,
                Err(e) => return Ok(Err(e)),
            };
            let (checked, entry, record) = match tour.check_in(&req.user, Some(notes), None, now) {
                Ok(done) => done,
                Err(e) => return Ok(Err(e)),
            };
            ctx.put_tour(&tour, &checked, &entry)?;
            ctx.save_checkin(&record)?;
            Ok(Ok((checked, record)))
        })?
        .unwrap_or(Err(TourError::NotFound(id)))
        .map_err(refusal)?;
    let (tour, record) = recorded;
    let other = if req.user == tour.manager {
        &tour.member
    } else {
        &tour.manager
    };
    Ok(Message::text(format!(
        "Recorded check-in {} on tour *{}*. {} gets your notes{}.",
        record.number,
        tour.id,
        other.mention(),
        if other == &tour.manager && !record.promises.is_empty() {
            ", with the company's side to answer"
        } else {
            ""
        }
    )))
}

/// `/tour checkin <id> delivered <n> yes|partly|no`: the manager's Yes /
/// Partly / No on the newest check-in that asked about objective `n`.
fn review(
    engine: &Engine,
    req: &Request,
    id: TourId,
    objective: u32,
    delivered: Delivered,
    now: DateTime<Utc>,
) -> Result<Message, Failure> {
    let store = engine.store();
    match store.tour(&req.team, id)? {
        Some(t) => t
            .check_may_change(&req.user, engine.is_admin(&req.user))
            .map_err(super::refusal::refused)?,
        None => return Err(super::refusal::refused(TourError::NotFound(id))),
    }
    let records = store.checkins(&req.team, id)?;
    let asked = records
        .iter()
        .rev()
        .find(|r| r.promises.iter().any(|p| p.objective == objective))
        .or(records.last());
    let Some(record) = asked else {
        return Err(Failure::User(Message::text(format!(
            "No check-in of tour *{id}* is recorded yet, so there is nothing to answer for the company."
        ))));
    };
    let number = record.number;
    engine
        .review_promise(&req.team, &req.user, id, number, objective, delivered, now)?
        .map_err(super::refusal::refused)?;
    Ok(Message::text(format!(
        "Recorded for check-in {number} of tour *{id}*: did the company deliver objective {objective}, as promised? *{}*. You both see it in the tour's history.",
        delivered.name()
    )))
}

/// `/tour checkin <id>`: a conversation with the member, now.
fn start(
    engine: &Engine,
    req: &Request,
    id: TourId,
    now: DateTime<Utc>,
) -> Result<Message, Failure> {
    let origin = format!("start:{}:{}", req.user, now.timestamp_micros());
    let started = engine
        .store()
        .checkin_tx(&req.team, None, now, |ctx| {
            let tour = match visible(engine, ctx, &req.user, id)? {
                Ok(t) => t,
                Err(e) => return Ok(Err(e)),
            };
            if let Err(e) = tour.check_checkin_start(&req.user, now) {
                return Ok(Err(e));
            }
            let member = &tour.member;
            let mut chat = ctx.chat(member)?;
            let offered = chat.offer(Conversation::open(&tour, 0, &origin, now));
            if offered == Offered::Started {
                let intro = if req.user == tour.manager {
                    format!(
                        "{} asked for a check-in on tour *{}*: a few short questions, one at a time.",
                        tour.manager.mention(),
                        tour.id
                    )
                } else {
                    format!("Your check-in on tour *{}*: a few short questions, one at a time.", tour.id)
                };
                let question = question_text(chat.current.as_ref(), 0);
                say(ctx, member, &mut chat, tour.id, format!("{intro}\n\n{question}"), true, now)?;
            }
            ctx.save_chat(member, &chat)?;
            Ok(Ok((tour, offered)))
        })?
        .unwrap_or(Err(TourError::NotFound(id)))
        .map_err(refusal)?;
    let (tour, offered) = started;
    let member_is_me = req.user == tour.member;
    let text = match offered {
        Offered::Started if member_is_me => format!(
            "Your check-in on tour *{}* has started: the first question is in your DMs with me.",
            tour.id
        ),
        Offered::Started => format!(
            "I've started a check-in on tour *{}* with {} by DM. You'll get a summary, and the company's side to answer, when they're done.",
            tour.id,
            tour.member.mention()
        ),
        Offered::Queued { behind } => format!(
            "{} in the middle of the check-in on tour *{behind}*; the one on tour *{}* starts right after it.",
            if member_is_me {
                "You're".to_string()
            } else {
                format!("{} is", tour.member.mention())
            },
            tour.id
        ),
        Offered::Already => format!(
            "A check-in on tour *{}* is already under way with {}.",
            tour.id,
            tour.member.mention()
        ),
    };
    Ok(Message::text(text))
}

/// Says `text` to `to` in the conversation: the chat's next message, at once.
fn say(
    ctx: &CheckinTx,
    to: &UserId,
    chat: &mut Chat,
    tour: TourId,
    text: String,
    pause: bool,
    now: DateTime<Utc>,
) -> Result<(), TxFail> {
    let notice = Notice {
        tour,
        to: to.clone(),
        kind: NoticeKind::Chat {
            seq: chat.next_message(),
            text,
            pause,
        },
    };
    ctx.enqueue(&notice, now).map(|_| ())
}

/// What the steps of `user`'s chat owe: questions, pauses, records.
fn apply(
    ctx: &CheckinTx,
    user: &UserId,
    chat: &mut Chat,
    steps: Vec<Step>,
    now: DateTime<Utc>,
) -> Result<(), TxFail> {
    for step in steps {
        match step {
            Step::Ask {
                tour,
                index,
                asking,
            } => {
                let question = question_text(chat.current.as_ref(), index);
                let text = match intro(tour, asking) {
                    Some(intro) => format!("{intro}\n\n{question}"),
                    None => question,
                };
                let pause = asking != Asking::Continued;
                say(ctx, user, chat, tour, text, pause, now)?;
            }
            Step::Paused {
                tour,
                n,
                until,
                round,
            } => {
                ctx.plan_resume(tour, n, user, round, until)?;
                let text = format!(
                    "⏸ Paused. I'll bring your check-in on tour *{tour}* back {} — or just answer here whenever you like.",
                    when(until, now)
                );
                say(ctx, user, chat, tour, text, false, now)?;
            }
            Step::Ended(ended) => {
                let id = ended.conversation.tour;
                let text = if ended.answered() == 0 {
                    format!(
                        "Stopped. Nothing was answered, so no check-in is recorded for tour *{id}*."
                    )
                } else {
                    match ctx.tour(id)? {
                        None => format!(
                            "Tour *{id}* is no longer available, so this check-in was not recorded."
                        ),
                        Some(tour) => match tour.check_in(user, None, Some(&ended), now) {
                            Ok((checked, entry, record)) => {
                                ctx.put_tour(&tour, &checked, &entry)?;
                                ctx.save_checkin(&record)?;
                                format!(
                                    "{} Check-in {} on tour *{id}* is recorded, and {} gets a summary.",
                                    if ended.stopped {
                                        "Stopped — what you answered is kept."
                                    } else {
                                        "Thank you, that's all."
                                    },
                                    record.number,
                                    tour.manager.mention()
                                )
                            }
                            Err(e) => format!("I couldn't record this check-in: {e}"),
                        },
                    }
                };
                say(ctx, user, chat, id, text, false, now)?;
            }
            Step::Idle => {
                let text = "There's no check-in waiting for your answer right now. `/tour help` shows what I can do.".to_string();
                say(ctx, user, chat, TourId(0), text, false, now)?;
            }
        }
    }
    Ok(())
}

fn intro(tour: TourId, asking: Asking) -> Option<String> {
    match asking {
        Asking::Opened => Some(format!(
            "Time for your check-in on tour *{tour}*: a few short questions, one at a time."
        )),
        Asking::Next => Some(format!("Next, your check-in on tour *{tour}*.")),
        Asking::Resumed => Some(format!("Back to your check-in on tour *{tour}*.")),
        Asking::Continued => None,
    }
}

/// "in a few hours" or "on 2026-12-01".
fn when(until: DateTime<Utc>, now: DateTime<Utc>) -> String {
    if until - now <= Duration::hours(12) {
        "in a few hours (in your working hours)".to_string()
    } else {
        format!("on {}", until.date_naive())
    }
}

/// Question `index` of a conversation, numbered.
fn question_text(conversation: Option<&Conversation>, index: usize) -> String {
    let Some(c) = conversation else {
        return String::new();
    };
    let Some(question) = c.question(index) else {
        return String::new();
    };
    let n = format!("*Question {} of {}.*", index + 1, c.questions.len());
    match question {
        Question::Objective {
            number,
            side: Side::Company,
            text,
        } => format!(
            "{n} How is objective {number} going — what you deliver: “{}”?",
            escape(&truncate(text, 300))
        ),
        Question::Objective { number, text, .. } => format!(
            "{n} Objective {number} is what the company promised you: “{}”. Are you getting it?",
            escape(&truncate(text, 300))
        ),
        Question::Blockers => format!("{n} What is blocking you?"),
        Question::Support => format!(
            "{n} What support do you need — from {} or the company?",
            c.manager.mention()
        ),
    }
}

/// The buttons that pause a conversation about `tour`.
fn pause_buttons(tour: TourId) -> Vec<Element> {
    let value = tour.0.to_string();
    vec![
        Element::button("Later", LATER, &value, None),
        Element::button("Snooze 1 week", SNOOZE_WEEK, &value, None),
        Element::datepicker(SNOOZE_UNTIL, "Snooze until…"),
    ]
}

/// A conversation message (`NoticeKind::Chat`).
pub(super) fn render_chat(tour: TourId, text: &str, pause: bool) -> Message {
    let message = Message::text(text);
    if pause {
        // The date picker has no value of its own: the block names the tour.
        message
            .context(HINT)
            .actions_for(Some(&tour.0.to_string()), pause_buttons(tour))
    } else {
        message
    }
}

/// The check-in reminder: the current question of the member's
/// conversation about the tour, as it is when the message goes out.
pub(super) fn render_reminder(
    store: &Store,
    team: &TeamId,
    notice: &Notice,
    round: u32,
) -> Result<Message, StoreError> {
    let chat = store.chat(team, &notice.to)?;
    let id = notice.tour;
    Ok(match (chat.position(id), chat.current.as_ref()) {
        (Some(0), Some(c)) => {
            let asking = if round == 0 && c.step() == 0 {
                Asking::Opened
            } else {
                Asking::Resumed
            };
            let text = format!(
                "{}\n\n{}",
                intro(id, asking).unwrap_or_default(),
                question_text(Some(c), c.step())
            );
            render_chat(id, &text, true)
        }
        (Some(_), Some(c)) => Message::text(format!(
            "Your check-in on tour *{id}* is due. It starts as soon as we finish the one on tour *{}*.",
            c.tour
        )),
        _ => Message::text(format!(
            "Your check-in on tour *{id}* has nothing waiting for you right now."
        )),
    })
}

/// A recorded check-in, to the other party: the answers or notes, and for
/// the manager the company's side to answer.
pub(super) fn render_checked_in(
    store: &Store,
    team: &TeamId,
    notice: &Notice,
    number: u32,
) -> Result<Message, StoreError> {
    let (Some(tour), Some(record)) = (
        store.tour(team, notice.tour)?,
        store.checkin(team, notice.tour, number)?,
    ) else {
        return Ok(Message::text(format!(
            "Check-in {number} of tour *{}* is no longer available.",
            notice.tour
        )));
    };
    Ok(summary(&tour, &record, &notice.to))
}

fn summary(tour: &Tour, record: &CheckIn, to: &UserId) -> Message {
    let id = tour.id;
    let headline = match &record.notes {
        Some(_) => format!(
            "{} recorded check-in {} on tour *{id}* ({}).",
            record.by.mention(),
            record.number,
            record.at.date_naive()
        ),
        None => format!(
            "{} answered check-in {} on tour *{id}* ({}).",
            record.by.mention(),
            record.number,
            record.at.date_naive()
        ),
    };
    let mut message = Message::new(&headline).section(&headline);
    if let Some(notes) = &record.notes {
        message = message.section(format!("> {}", escape(notes)));
    }
    if !record.answers.is_empty() {
        let mut text = String::new();
        for answer in &record.answers {
            let q = match &answer.question {
                Question::Objective { number, side, text } => format!(
                    "*Objective {number}* ({}): {}",
                    match side {
                        Side::Company => "what they deliver",
                        Side::Member => "what the company promised",
                    },
                    escape(&truncate(text, 200))
                ),
                Question::Blockers => "*Blocking*".to_string(),
                Question::Support => "*Support needed*".to_string(),
            };
            let a = answer
                .text
                .as_deref()
                .map(|t| escape(&truncate(t, 600)))
                .unwrap_or_else(|| "_no answer_".to_string());
            text.push_str(&format!("{q}\n>{a}\n"));
        }
        message = message.section(text.trim_end());
    }
    if record.stopped {
        message = message.context("They stopped before the last question.");
    }
    if to != &tour.manager || record.promises.is_empty() {
        return message;
    }
    message = message.section(
        "*The company's side.* For each promise to the member: did we deliver what we promised this period?",
    );
    for promise in &record.promises {
        let line = format!(
            "Objective {}: {}",
            promise.objective,
            escape(&truncate(&promise.text, 300))
        );
        match promise.delivered {
            Some(d) => {
                message = message.section(format!("{line}\n→ delivered: *{}*", d.name()));
            }
            None => {
                let value = format!("{}|{}|{}", id.0, record.number, promise.objective);
                message = message.section(line).actions(vec![
                    Element::button("Yes", DELIVERED_YES, &value, Some("primary")),
                    Element::button("Partly", DELIVERED_PARTLY, &value, None),
                    Element::button("No", DELIVERED_NO, &value, None),
                ]);
            }
        }
    }
    message
}

/// What a message changes as it goes out (called by delivery right before
/// it renders and posts). A scheduled check-in opens the member's
/// conversation now, when its first question is sent; a resume takes the
/// conversation out of its pause. Safe to repeat.
pub fn before_send(
    store: &Store,
    team: &TeamId,
    notice: &Notice,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let NoticeKind::Reminder {
        series: Series::Checkin(n),
        round,
        ..
    } = &notice.kind
    else {
        return Ok(());
    };
    let origin = notice.key();
    store.checkin_tx(team, None, now, |ctx| {
        let mut chat = ctx.chat(&notice.to)?;
        let changed = if *round == 0 {
            match ctx.tour(notice.tour)? {
                Some(tour) if tour.member == notice.to => {
                    chat.offer(Conversation::open(&tour, *n, &origin, now)) != Offered::Already
                }
                _ => false,
            }
        } else {
            chat.resume(notice.tour, *round).is_some()
        };
        if changed {
            ctx.save_chat(&notice.to, &chat)?;
        }
        Ok(Ok::<(), Infallible>(()))
    })?;
    Ok(())
}

impl Engine {
    /// A person wrote `text` to the bot in its DM: the answer to the
    /// question they are being asked, `skip`, `stop` or `later`. With
    /// `event` (an Events API id) it has an effect once, however often it
    /// arrives. Returns false for a repeat. Durable before it returns.
    pub fn direct_message(
        &self,
        team: &TeamId,
        user: &UserId,
        event: Option<&EventId>,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let Some(reply) = Reply::parse(&parse::decode_entities(text)) else {
            return Ok(true);
        };
        let done = self.store().checkin_tx(team, event, now, |ctx| {
            let mut chat = ctx.chat(user)?;
            let steps = chat.reply(reply.clone(), now);
            apply(ctx, user, &mut chat, steps, now)?;
            ctx.save_chat(user, &chat)?;
            Ok(Ok::<(), Infallible>(()))
        })?;
        Ok(done.is_some())
    }

    /// A click on a check-in button.
    pub(super) fn checkin_click(
        &self,
        click: &Click,
        now: DateTime<Utc>,
    ) -> Result<AfterClick, StoreError> {
        let action = click.action_id.as_str();
        if let Some(delivered) = match action {
            DELIVERED_YES => Some(Delivered::Yes),
            DELIVERED_PARTLY => Some(Delivered::Partly),
            DELIVERED_NO => Some(Delivered::No),
            _ => None,
        } {
            return self.review_click(click, delivered, now);
        }
        let Some(id) = click
            .value
            .as_deref()
            .or(click.block_id.as_deref())
            .and_then(|v| v.parse::<u64>().ok())
            .map(TourId)
        else {
            return self.out_of_date(click, now);
        };
        let until = match action {
            LATER => Some(now + Duration::hours(crate::domain::checkin::LATER_HOURS)),
            SNOOZE_WEEK | SNOOZE_UNTIL => super::buttons::snooze_until(click, now),
            _ => return self.out_of_date(click, now),
        };
        let Some(until) = until else {
            self.note(
                click,
                Some(id),
                "Pick a date after today to snooze until.",
                now,
            )?;
            return Ok(AfterClick::Nothing);
        };
        match self.pause_checkin(&click.team, &click.user, id, until, now)? {
            Ok(text) => self.replace_with_note(click, id, text, now)?,
            Err(text) => self.note(click, Some(id), &text, now)?,
        }
        Ok(AfterClick::Nothing)
    }

    /// Pauses `user`'s check-in on tour `id` until `until` — **Later**, a
    /// snooze, pressed or typed — if it is their current one. The answer:
    /// paused (`Ok`), or why not.
    pub(super) fn pause_checkin(
        &self,
        team: &TeamId,
        user: &UserId,
        id: TourId,
        until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Result<String, String>, StoreError> {
        let paused = self
            .store()
            .checkin_tx(team, None, now, |ctx| {
                let mut chat = ctx.chat(user)?;
                let Some(Step::Paused { n, round, .. }) = chat.pause(id, until) else {
                    return Ok(Ok::<_, Infallible>(false));
                };
                ctx.plan_resume(id, n, user, round, until)?;
                ctx.save_chat(user, &chat)?;
                Ok(Ok(true))
            })?
            .is_some_and(|r| r.unwrap_or(false));
        Ok(if paused {
            Ok(format!(
                "⏸ Your check-in on tour *{id}* is paused. I'll ask again {} — or just answer here whenever you like.",
                when(until, now)
            ))
        } else {
            Err(format!(
                "There's no check-in of yours on tour {id} waiting to be paused."
            ))
        })
    }

    /// Yes / Partly / No on the manager's summary.
    fn review_click(
        &self,
        click: &Click,
        delivered: Delivered,
        now: DateTime<Utc>,
    ) -> Result<AfterClick, StoreError> {
        let mut parts = click.value.as_deref().unwrap_or_default().split('|');
        let mut number = || parts.next().and_then(|p| p.parse::<u64>().ok());
        let (Some(id), Some(checkin), Some(objective)) = (number(), number(), number()) else {
            return self.out_of_date(click, now);
        };
        let (id, checkin, objective) = (TourId(id), checkin as u32, objective as u32);
        match self.review_promise(
            &click.team,
            &click.user,
            id,
            checkin,
            objective,
            delivered,
            now,
        )? {
            Ok(()) => self.replace(click, id, NoticeKind::CheckedIn { number: checkin }, now)?,
            Err(e) => self.note(click, Some(id), &e.to_string(), now)?,
        }
        Ok(AfterClick::Nothing)
    }

    /// The manager's answer for the company about objective `objective` in
    /// check-in `checkin` of tour `id`: **Yes** / **Partly** / **No**, pressed
    /// or typed. Recorded in the check-in and the tour's history, once.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn review_promise(
        &self,
        team: &TeamId,
        user: &UserId,
        id: TourId,
        checkin: u32,
        objective: u32,
        delivered: Delivered,
        now: DateTime<Utc>,
    ) -> Result<Result<(), TourError>, StoreError> {
        let reviewed = self
            .store()
            .checkin_tx(team, None, now, |ctx| {
                let tour = match visible(self, ctx, user, id)? {
                    Ok(t) => t,
                    Err(e) => return Ok(Err(e)),
                };
                let Some(record) = ctx.checkin(id, checkin)? else {
                    return Ok(Err(TourError::NotFound(id)));
                };
                match tour.review_promise(user, &record, objective, delivered, now) {
                    Ok((changed, entry, record)) => {
                        ctx.put_tour(&tour, &changed, &entry)?;
                        ctx.save_checkin(&record)?;
                        Ok(Ok(()))
                    }
                    Err(e) => Ok(Err(e)),
                }
            })?
            .unwrap_or(Err(TourError::NotFound(id)));
        Ok(reviewed)
    }
}
