//! What a click on one of the bot's buttons does. Accept and Decline run
//! exactly the `/tour accept|decline` path as the person who clicked; the
//! reminder buttons snooze or switch off a series; Propose next tour, Extend
//! and Plan exit open the form for `/tour next|extend|leave` (see
//! [`super::modals`]); Accept handover is the successor's; the alumni
//! question's Join opens a form for an optional contact and No, thanks
//! answers at once; `/tour complete`'s Complete and Cancel are the asker's
//! (see [`super::complete`]). The clicked message is then replaced in place (through
//! the outbox, like every message the bot sends), so it shows what happened
//! instead of buttons that no longer apply.
//!
//! Decisions: only a party of the tour may act on its buttons (anyone else is
//! told so privately); "Snooze until" takes a date after today and brings the
//! reminder back at the start of that day (then the clicker's working hours);
//! "Done" stops that kind of reminder about that tour for the person who
//! clicked, not for the other party. A snooze moves that series for the
//! clicker only: nothing of it reaches them before the chosen time, the
//! snoozed reminder comes once then, and a repeating series goes on after
//! it without a second one right beside it (`schedule::Snooze::holds`; the
//! store keeps the snooze, and delivery checks it like "Done").
//!
//! No rule lives here: each press calls the function its typed twin calls
//! (`Engine::snooze_reminder` and `stop_reminders` in `reminders`,
//! `tour::accept_handover`, `tour::answer_alumni`, `alumni::keep_in_touch`,
//! `Engine::pause_checkin` and `review_promise`, `complete::confirmed`…),
//! or runs the command itself (Accept, Decline, the forms); what is left
//! here is reading the press and answering its message.
//!
//! **Every press answers, once.** A press either updates its message in
//! place or answers the presser privately (a DM); never nothing. And a
//! message's question is answered once: the answer is the in-place update
//! itself, an outbox entry keyed by what it answers — the message (its
//! channel and `ts`) and the value its buttons carry (one value per
//! question: a reminder's buttons share theirs; a check-in summary has one
//! per objective) — instead of by the click. Before any press does anything
//! that key is looked up: if the question was answered, by a button or by
//! the form a button opened (Join, Extend, Plan exit, Propose next tour,
//! a 1:1's Done carry the message in their state), the press
//! changes nothing and the message is shown again with the earlier answer
//! and "You answered this on …". So a stale copy, a replay or a double
//! click can never undo an answer. The rules add their own guard where the
//! same question reaches someone twice in different messages (a proposal
//! and its waiting reminder, the alumni question asked again): the tour's
//! state refuses a second answer. Presses are handled one at a time (a lock
//! in the engine; the store belongs to one process), so the check, the
//! change and the record of the answer cannot interleave with another press.
//! Buttons that only navigate or open a form (App Home, Propose their tour)
//! and those on ephemeral prompts, answered through `response_url`
//! (`/tour forget-me`, `/alumni remove`), rely on state alone: a second
//! press finds nothing left to do and says so.

use super::alumni::KeepInTouch;
use super::notify::{self, parse_reminder_value};
use super::parse::SnoozeFor;
use super::{Engine, Failure, Request, form, home, modals, one_on_ones, reminders, tour};
use crate::domain::notice::{Notice, NoticeKind};
use crate::domain::schedule::Series;
use crate::domain::{TeamId, Tour, TourId, UserId};
use crate::message::Form;
use crate::store::StoreError;
use crate::store::outbox::{Delivery, OutboxEntry};
use chrono::{DateTime, NaiveDate, Utc};

/// One click, as any surface reports it.
#[derive(Clone, Debug)]
pub struct Click {
    pub team: TeamId,
    pub user: UserId,
    pub action_id: String,
    pub value: Option<String>,
    pub block_id: Option<String>,
    pub selected_date: Option<String>,
    /// The clicked message, to replace in place.
    pub channel: Option<String>,
    pub message_ts: Option<String>,
    /// Unique per click: keys the messages a click causes.
    pub action_ts: String,
}

/// What the surface must still do after the click was recorded.
#[derive(Clone, Debug, PartialEq)]
pub enum AfterClick {
    Nothing,
    /// Open this form (the surface opens it with the click's trigger id).
    OpenForm(Form),
    /// Publish this App Home view for the clicker.
    PublishView {
        view: crate::message::Message,
    },
    /// Replace the clicked message with this one through the click's
    /// `response_url` (an ephemeral message can change no other way).
    /// Nothing of it is stored.
    Respond(crate::message::Message),
}

/// Where a button was pressed, and what it answered there: the message it
/// sits on and the value its buttons carry. A form opened from the button
/// carries it in its state (`value`, `channel`, `ts` on lines of their
/// own), so its submission answers that same message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub value: String,
    pub channel: String,
    pub ts: String,
}

impl Origin {
    /// The outbox key of the answer `user` gave to this message's question.
    pub fn answer_key(&self, user: &UserId) -> String {
        format!("answer:{}:{}:{}:{user}", self.channel, self.ts, self.value)
    }

    pub fn encode(&self) -> String {
        format!("{}\n{}\n{}", self.value, self.channel, self.ts)
    }

    /// Reads what [`Origin::encode`] wrote, from the next three lines.
    pub fn decode<'a>(lines: &mut impl Iterator<Item = &'a str>) -> Option<Origin> {
        let (value, channel, ts) = (lines.next()?, lines.next()?, lines.next()?);
        (!value.is_empty() && !channel.is_empty() && !ts.is_empty()).then(|| Origin {
            value: value.to_string(),
            channel: channel.to_string(),
            ts: ts.to_string(),
        })
    }

    /// `form` with this origin after the first line of its state.
    pub fn attach(origin: Option<Origin>, mut form: Form) -> Form {
        if let Some(origin) = origin {
            form.state = format!("{}\n{}", form.state, origin.encode());
        }
        form
    }
}

/// Whether a press of `action` answers the question of its message (as
/// opposed to paging, opening a form that is not an answer, or an
/// ephemeral prompt answered through `response_url`).
fn answers(action: &str) -> bool {
    matches!(
        action,
        notify::ACCEPT
            | notify::DECLINE
            | notify::SNOOZE_WEEK
            | notify::SNOOZE_UNTIL
            | notify::DONE
            | notify::PROPOSE_NEXT
            | notify::EXTEND
            | notify::PLAN_EXIT
            | notify::ACCEPT_HANDOVER
            | notify::ALUMNI_JOIN
            | notify::ALUMNI_DECLINE
            | notify::ALUMNI_TOUCH
            | notify::ALUMNI_STOP
            | one_on_ones::DONE
            | one_on_ones::SKIPPED
            | one_on_ones::MOVED
    ) || action.starts_with(super::checkin::PREFIX)
}

impl Click {
    /// The message and question this press answers, if it answers one.
    pub fn origin(&self) -> Option<Origin> {
        if !answers(&self.action_id) {
            return None;
        }
        Some(Origin {
            value: self.value.clone().or_else(|| self.block_id.clone())?,
            channel: self.channel.clone()?,
            ts: self.message_ts.clone()?,
        })
    }

    fn answer_key(&self) -> Option<String> {
        self.origin().map(|o| o.answer_key(&self.user))
    }
}

impl Engine {
    pub fn click(&self, click: &Click, now: DateTime<Utc>) -> AfterClick {
        let _one_at_a_time = self.one_at_a_time();
        match self.try_click(click, now) {
            Ok(after) => after,
            Err(e) => {
                tracing::error!(error = %e, action = %click.action_id, "button failed");
                let _ = self.note(click, None, "Sorry, something went wrong on my side; nothing was changed. Please try again.", now);
                AfterClick::Nothing
            }
        }
    }

    fn try_click(&self, click: &Click, now: DateTime<Utc>) -> Result<AfterClick, StoreError> {
        if let Some(origin) = click.origin()
            && let Some(earlier) = self.earlier_answer(&click.team, &origin, &click.user)?
        {
            self.already_answered(click, &earlier, now)?;
            return Ok(AfterClick::Nothing);
        }
        match click.action_id.as_str() {
            notify::ACCEPT | notify::DECLINE => {
                let Some(id) = click.value.as_deref().and_then(|v| v.parse::<u64>().ok()) else {
                    return self.out_of_date(click, now);
                };
                let verb = if click.action_id == notify::ACCEPT {
                    "accept"
                } else {
                    "decline"
                };
                let request = Request {
                    team: click.team.clone(),
                    user: click.user.clone(),
                    command: "/tour".into(),
                    text: format!("{verb} {id}"),
                };
                match self.try_handle(&request, now) {
                    Ok(_) => self.replace(click, TourId(id), NoticeKind::Proposal, now)?,
                    Err(Failure::User(problem)) => {
                        self.note(click, Some(TourId(id)), &problem.text, now)?
                    }
                    Err(Failure::Internal(e)) => return Err(e),
                }
                Ok(AfterClick::Nothing)
            }
            notify::SNOOZE_WEEK | notify::SNOOZE_UNTIL | notify::DONE => {
                self.reminder_click(click, now)
            }
            one_on_ones::DONE | one_on_ones::SKIPPED | one_on_ones::MOVED => {
                self.one_on_one_click(click, now)
            }
            notify::FORGET_ME => self.forget_me(click, now),
            notify::COMPLETE | notify::COMPLETE_CANCEL => self.complete_click(click, now),
            notify::ALUMNI_REMOVE | notify::ALUMNI_REMOVE_CANCEL => {
                self.alumni_remove_click(click, now)
            }
            notify::PROPOSE_NEXT | notify::EXTEND | notify::PLAN_EXIT => {
                let Some((id, _, _)) = click.value.as_deref().and_then(parse_reminder_value) else {
                    return self.out_of_date(click, now);
                };
                let Some(tour) = self.party_tour(click, TourId(id), now)? else {
                    return Ok(AfterClick::Nothing);
                };
                let origin = click.origin();
                match click.action_id.as_str() {
                    notify::PROPOSE_NEXT if tour.manager == click.user => {
                        Ok(AfterClick::OpenForm(Origin::attach(
                            origin,
                            form::propose_form(Some(&tour.member), Some(tour.id)),
                        )))
                    }
                    notify::PROPOSE_NEXT => {
                        let text = format!(
                            "The next tour is proposed by your manager, {}. Tell them you are ready to talk about it.",
                            tour.manager.mention()
                        );
                        self.note(click, Some(tour.id), &text, now)?;
                        Ok(AfterClick::Nothing)
                    }
                    notify::EXTEND => Ok(AfterClick::OpenForm(Origin::attach(
                        origin,
                        modals::extend_form(tour.id),
                    ))),
                    _ => Ok(AfterClick::OpenForm(Origin::attach(
                        origin,
                        modals::exit_form(tour.id),
                    ))),
                }
            }
            home::PAGE => Ok(AfterClick::PublishView {
                view: self.home_view(
                    &click.team,
                    &click.user,
                    home::page_of(click.value.as_deref()),
                    now,
                )?,
            }),
            home::TIMELINE => {
                let request = Request {
                    team: click.team.clone(),
                    user: click.user.clone(),
                    command: "/tour".into(),
                    text: "timeline".into(),
                };
                match self.try_handle(&request, now) {
                    // The picture itself is on its way to their DM.
                    Ok(_) => {}
                    Err(Failure::User(message)) => self.note(click, None, &message.text, now)?,
                    Err(Failure::Internal(e)) => return Err(e),
                }
                Ok(AfterClick::Nothing)
            }
            home::PROPOSE => Ok(AfterClick::OpenForm(form::propose_form(None, None))),
            home::TALK => {
                let request = Request {
                    team: click.team.clone(),
                    user: click.user.clone(),
                    command: "/tour".into(),
                    text: "talk".into(),
                };
                let text = match self.try_handle(&request, now) {
                    Ok(message) | Err(Failure::User(message)) => message.text,
                    Err(Failure::Internal(e)) => return Err(e),
                };
                self.note(click, None, &text, now)?;
                Ok(AfterClick::Nothing)
            }
            notify::PROPOSE_FOR => {
                let Some(member) = click.value.as_deref().and_then(UserId::parse) else {
                    return self.out_of_date(click, now);
                };
                Ok(AfterClick::OpenForm(form::propose_form(
                    Some(&member),
                    None,
                )))
            }
            notify::ALUMNI_TOUCH | notify::ALUMNI_STOP => {
                let Some((_, Series::KeepInTouch(who, _), _)) =
                    click.value.as_deref().and_then(parse_reminder_value)
                else {
                    return self.out_of_date(click, now);
                };
                let touch = click.action_id == notify::ALUMNI_TOUCH;
                let change = if touch {
                    KeepInTouch::Touch(None)
                } else {
                    KeepInTouch::Stop
                };
                let changed = super::alumni::keep_in_touch(
                    self,
                    &click.team,
                    &click.user,
                    &who,
                    &change,
                    now,
                )?;
                let text = match changed {
                    Ok(_) if touch => format!(
                        "✅ Logged a contact with {}. Add a note any time with `/alumni touch {} &lt;note&gt;`.",
                        who.mention(),
                        who.mention()
                    ),
                    Ok(_) => super::alumni::stopped(&who),
                    Err(e) => {
                        self.note(click, None, &e.to_string(), now)?;
                        return Ok(AfterClick::Nothing);
                    }
                };
                self.replace_with_note(click, crate::store::alumni::NO_TOUR, text, now)?;
                Ok(AfterClick::Nothing)
            }
            notify::ACCEPT_HANDOVER => {
                let Some(id) = click.value.as_deref().and_then(|v| v.parse::<u64>().ok()) else {
                    return self.out_of_date(click, now);
                };
                let id = TourId(id);
                let accepted = tour::accept_handover(self, &click.team, &click.user, id, now);
                self.after_rule(click, id, accepted, NoticeKind::HandoverAsked, now)
            }
            notify::ALUMNI_JOIN | notify::ALUMNI_DECLINE => {
                let Some((id, _, _)) = click.value.as_deref().and_then(parse_reminder_value) else {
                    return self.out_of_date(click, now);
                };
                let id = TourId(id);
                if click.action_id == notify::ALUMNI_JOIN {
                    // Refused up front, like every other button: the form
                    // opens only if its answer could be taken now.
                    let Some(tour) = self.party_tour(click, id, now)? else {
                        return Ok(AfterClick::Nothing);
                    };
                    if let Err(e) = tour.answer_alumni(&click.user, true, None, now) {
                        self.note(click, Some(id), &e.to_string(), now)?;
                        return Ok(AfterClick::Nothing);
                    }
                    return Ok(AfterClick::OpenForm(Origin::attach(
                        click.origin(),
                        modals::alumni_form(id),
                    )));
                }
                let request = Request {
                    team: click.team.clone(),
                    user: click.user.clone(),
                    command: "/tour".into(),
                    text: String::new(),
                };
                let answered = tour::answer_alumni(self, &request, id, false, None, now);
                let text = tour::ALUMNI_DECLINED.to_string();
                self.after_rule(
                    click,
                    id,
                    answered,
                    NoticeKind::Note {
                        key: click.action_ts.clone(),
                        text,
                    },
                    now,
                )
            }
            action if action.starts_with(super::checkin::PREFIX) => self.checkin_click(click, now),
            other => {
                tracing::info!(action = %other, "click on an unknown action");
                self.out_of_date(click, now)
            }
        }
    }

    /// The answer `user` already gave to the question of `origin`, if any.
    pub(super) fn earlier_answer(
        &self,
        team: &TeamId,
        origin: &Origin,
        user: &UserId,
    ) -> Result<Option<OutboxEntry>, StoreError> {
        self.store().outbox_entry(team, &origin.answer_key(user))
    }

    /// A press on a question answered before: nothing changes; the message
    /// shows the earlier answer again (so a stale copy loses its buttons)
    /// and says so.
    fn already_answered(
        &self,
        click: &Click,
        earlier: &OutboxEntry,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let said = format!(
            "You answered this on {}: pressing again changed nothing.",
            earlier.created_at.date_naive()
        );
        let tour = earlier.notice.tour;
        let kind = match &earlier.notice.kind {
            NoticeKind::Note { key, text } => NoticeKind::Note {
                key: key.clone(),
                text: format!("{text}\n_{said}_"),
            },
            other => other.clone(),
        };
        let shows_it = matches!(kind, NoticeKind::Note { .. });
        let (Some(channel), Some(ts)) = (click.channel.clone(), click.message_ts.clone()) else {
            return self.note(click, Some(tour), &said, now);
        };
        let notice = Notice {
            tour,
            to: click.user.clone(),
            kind,
        };
        self.store().enqueue(&OutboxEntry {
            key: format!("{}:again:{}", earlier.key, click.action_ts),
            action: Delivery::Update { channel, ts },
            in_working_hours: false,
            ..OutboxEntry::post(&click.team, notice, now)
        })?;
        if !shows_it {
            // The message shows the tour as it is now; the words go privately.
            self.note(click, Some(tour), &said, now)?;
        }
        Ok(())
    }

    /// A button this build cannot read (a forged value, or one from an
    /// older message): said privately, nothing changes.
    pub(super) fn out_of_date(
        &self,
        click: &Click,
        now: DateTime<Utc>,
    ) -> Result<AfterClick, StoreError> {
        self.note(
            click,
            None,
            "That button is out of date, so nothing was changed.",
            now,
        )?;
        Ok(AfterClick::Nothing)
    }

    /// Records `text` as the answer to the message a form was opened from
    /// (replacing it in place), like a press on it would have.
    pub(super) fn answer_origin(
        &self,
        team: &TeamId,
        user: &UserId,
        origin: &Origin,
        tour: TourId,
        text: String,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let notice = Notice {
            tour,
            to: user.clone(),
            kind: NoticeKind::Note {
                key: origin.answer_key(user),
                text,
            },
        };
        self.store()
            .enqueue(&OutboxEntry {
                key: origin.answer_key(user),
                action: Delivery::Update {
                    channel: origin.channel.clone(),
                    ts: origin.ts.clone(),
                },
                in_working_hours: false,
                ..OutboxEntry::post(team, notice, now)
            })
            .map(|_| ())
    }

    /// After a rule ran for a click: replace the message with `kind` if it
    /// held, or tell the clicker privately why not.
    fn after_rule(
        &self,
        click: &Click,
        id: TourId,
        outcome: Result<Tour, Failure>,
        kind: NoticeKind,
        now: DateTime<Utc>,
    ) -> Result<AfterClick, StoreError> {
        match outcome {
            Ok(_) => self.replace(click, id, kind, now)?,
            Err(Failure::User(problem)) => self.note(click, Some(id), &problem.text, now)?,
            Err(Failure::Internal(e)) => return Err(e),
        }
        Ok(AfterClick::Nothing)
    }

    fn reminder_click(&self, click: &Click, now: DateTime<Utc>) -> Result<AfterClick, StoreError> {
        let identity = click.block_id.as_deref().or(click.value.as_deref());
        let Some((id, series, round)) = identity.and_then(parse_reminder_value) else {
            return self.out_of_date(click, now);
        };
        if let Series::KeepInTouch(who, _) = &series {
            return self.snooze_keep_in_touch(click, who, &series, round, now);
        }
        if let Series::OneOnOne { .. } = &series {
            return self.snooze_one_on_one(click, &series, round, now);
        }
        let Some(tour) = self.party_tour(click, TourId(id), now)? else {
            return Ok(AfterClick::Nothing);
        };
        let text = match click.action_id.as_str() {
            notify::DONE => {
                self.stop_reminders(&click.team, &click.user, tour.id, series.family(), now)?;
                reminders::done(tour.id, series.kind())
            }
            _ => {
                let Some(until) = snooze_until(click, now) else {
                    self.note(
                        click,
                        Some(tour.id),
                        "Pick a date after today to snooze until.",
                        now,
                    )?;
                    return Ok(AfterClick::Nothing);
                };
                self.snooze_reminder(
                    &click.team,
                    &click.user,
                    tour.id,
                    &series,
                    round,
                    until,
                    now,
                )?;
                reminders::snoozed(tour.id, until)
            }
        };
        self.replace_with_note(click, tour.id, text, now)?;
        Ok(AfterClick::Nothing)
    }

    /// Snooze on a keep-in-touch reminder: the liaison's (or an admin's).
    fn snooze_keep_in_touch(
        &self,
        click: &Click,
        who: &UserId,
        series: &Series,
        round: u32,
        now: DateTime<Utc>,
    ) -> Result<AfterClick, StoreError> {
        let admin = self.is_admin(&click.user);
        let steward = self
            .store()
            .alumnus(&click.team, who)?
            .is_some_and(|a| a.is_steward(&click.user, admin));
        let until = snooze_until(click, now);
        let text = match (steward, until) {
            (false, _) => format!(
                "{} isn't in the alumni network that you look after.",
                who.mention()
            ),
            (true, None) => "Pick a date after today to snooze until.".to_string(),
            (true, Some(until)) => {
                self.snooze_reminder(
                    &click.team,
                    &click.user,
                    crate::store::alumni::NO_TOUR,
                    series,
                    round,
                    until,
                    now,
                )?;
                super::alumni::snoozed(who, until)
            }
        };
        if steward && until.is_some() {
            self.replace_with_note(click, crate::store::alumni::NO_TOUR, text, now)?;
        } else {
            self.note(click, None, &text, now)?;
        }
        Ok(AfterClick::Nothing)
    }

    /// The tour, if the clicker is one of its parties; otherwise tells them.
    fn party_tour(
        &self,
        click: &Click,
        id: TourId,
        now: DateTime<Utc>,
    ) -> Result<Option<Tour>, StoreError> {
        match self.store().tour(&click.team, id)? {
            Some(tour) if tour.role_of(&click.user).is_some() => Ok(Some(tour)),
            _ => {
                self.note(click, None, &reminders::cannot_act_on(id), now)?;
                Ok(None)
            }
        }
    }

    /// Replaces the clicked message with a short note of what happened.
    pub(super) fn replace_with_note(
        &self,
        click: &Click,
        tour: TourId,
        text: String,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let kind = NoticeKind::Note {
            key: click.action_ts.clone(),
            text,
        };
        self.replace(click, tour, kind, now)
    }

    /// Replaces the clicked message with the current rendering of `kind`:
    /// the answer to its question, when the press answers one.
    pub(super) fn replace(
        &self,
        click: &Click,
        tour: TourId,
        kind: NoticeKind,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (Some(channel), Some(ts)) = (click.channel.clone(), click.message_ts.clone()) else {
            // Not a message we can edit (e.g. an ephemeral one): say it as a DM.
            let text = match &kind {
                NoticeKind::Note { text, .. } => text.clone(),
                _ => return Ok(()),
            };
            return self.note(click, Some(tour), &text, now);
        };
        let notice = Notice {
            tour,
            to: click.user.clone(),
            kind,
        };
        // Keyed by the question it answers (see the module docs), or, for a
        // press that answers none, by the press.
        let key = click
            .answer_key()
            .unwrap_or_else(|| format!("{}:update:{}", notice.key(), click.action_ts));
        let entry = OutboxEntry {
            key,
            action: Delivery::Update { channel, ts },
            in_working_hours: false,
            ..OutboxEntry::post(&click.team, notice, now)
        };
        self.store().enqueue(&entry).map(|_| ())
    }

    /// A private DM answering the click.
    pub(super) fn note(
        &self,
        click: &Click,
        tour: Option<TourId>,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let notice = Notice {
            tour: tour.unwrap_or(TourId(0)),
            to: click.user.clone(),
            kind: NoticeKind::Note {
                key: click.action_ts.clone(),
                text: text.to_string(),
            },
        };
        self.store()
            .enqueue(&OutboxEntry::post(&click.team, notice, now))
            .map(|_| ())
    }
}

/// When a snooze click brings the reminder back: a week on (**Snooze 1
/// week**), or the start of the picked day, which must be after today
/// (**Snooze until…**). The same as typed (`reminders::snooze_until`).
pub(super) fn snooze_until(click: &Click, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let asked = if matches!(
        click.action_id.as_str(),
        notify::SNOOZE_WEEK | super::checkin::SNOOZE_WEEK
    ) {
        SnoozeFor::Weeks(1)
    } else {
        let day = click.selected_date.as_deref()?;
        SnoozeFor::Until(NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?)
    };
    reminders::snooze_until(asked, now)
}
