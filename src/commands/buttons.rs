//! What a click on one of the bot's buttons does. Accept and Decline run
//! exactly the `/tour accept|decline` path as the person who clicked; the
//! reminder buttons snooze or switch off a series. The clicked message is
//! then replaced in place (through the outbox, like every message the bot
//! sends), so it shows what happened instead of buttons that no longer apply.
//!
//! Decisions: only a party of the tour may act on its buttons (anyone else is
//! told so privately); "Snooze until" takes a date after today and brings the
//! reminder back at the start of that day; "Done" stops that kind of reminder
//! about that tour for the person who clicked, not for the other party.

use super::notify::{self, parse_reminder_value};
use super::{Engine, Failure, Request};
use crate::domain::notice::{Notice, NoticeKind};
use crate::domain::{TeamId, Tour, TourId, UserId};
use crate::store::StoreError;
use crate::store::outbox::{Delivery, OutboxEntry};
use chrono::{DateTime, Duration, NaiveDate, Utc};

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
    /// Open the propose form for the next tour of `member`.
    OpenProposeForm {
        member: UserId,
    },
    /// Replace the clicked message with this one through the click's
    /// `response_url` (an ephemeral message can change no other way).
    /// Nothing of it is stored.
    Respond(crate::slack::blocks::Message),
}

impl Engine {
    pub fn click(&self, click: &Click, now: DateTime<Utc>) -> AfterClick {
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
        match click.action_id.as_str() {
            notify::ACCEPT | notify::DECLINE => {
                let Some(id) = click.value.as_deref().and_then(|v| v.parse::<u64>().ok()) else {
                    return Ok(AfterClick::Nothing);
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
            notify::FORGET_ME => self.forget_me(click, now),
            notify::PROPOSE_NEXT | notify::EXTEND | notify::PLAN_EXIT => {
                let Some((id, _, _)) = click.value.as_deref().and_then(parse_reminder_value) else {
                    return Ok(AfterClick::Nothing);
                };
                let Some(tour) = self.party_tour(click, TourId(id), now)? else {
                    return Ok(AfterClick::Nothing);
                };
                match click.action_id.as_str() {
                    notify::PROPOSE_NEXT if tour.manager == click.user => {
                        Ok(AfterClick::OpenProposeForm {
                            member: tour.member.clone(),
                        })
                    }
                    notify::PROPOSE_NEXT => {
                        let text = format!(
                            "The next tour is proposed by your manager, {}. Tell them you are ready to talk about it.",
                            tour.manager.mention()
                        );
                        self.note(click, Some(tour.id), &text, now)?;
                        Ok(AfterClick::Nothing)
                    }
                    _ => {
                        let text = format!(
                            "Extending a tour and planning an exit come with the next release of Alliance. \
                             Until then, agree it with each other and record the next tour with `/tour propose` (tour *{}*).",
                            tour.id
                        );
                        self.note(click, Some(tour.id), &text, now)?;
                        Ok(AfterClick::Nothing)
                    }
                }
            }
            other => {
                tracing::info!(action = %other, "click on an unknown action ignored");
                Ok(AfterClick::Nothing)
            }
        }
    }

    fn reminder_click(&self, click: &Click, now: DateTime<Utc>) -> Result<AfterClick, StoreError> {
        let identity = click.block_id.as_deref().or(click.value.as_deref());
        let Some((id, series, round)) = identity.and_then(parse_reminder_value) else {
            return Ok(AfterClick::Nothing);
        };
        let Some(tour) = self.party_tour(click, TourId(id), now)? else {
            return Ok(AfterClick::Nothing);
        };
        let store = self.store();
        let text = match click.action_id.as_str() {
            notify::DONE => {
                store.dismiss(&click.team, tour.id, series.family(), &click.user, now)?;
                format!(
                    "✅ Done: no more reminders of this kind about tour *{}* for you.",
                    tour.id
                )
            }
            action => {
                let until = if action == notify::SNOOZE_WEEK {
                    Some(now + Duration::weeks(1))
                } else {
                    click
                        .selected_date
                        .as_deref()
                        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                        .filter(|d| *d > now.date_naive())
                        .and_then(|d| d.and_hms_opt(0, 0, 0))
                        .map(|t| t.and_utc())
                };
                let Some(until) = until else {
                    self.note(
                        click,
                        Some(tour.id),
                        "Pick a date after today to snooze until.",
                        now,
                    )?;
                    return Ok(AfterClick::Nothing);
                };
                store.snooze(&click.team, tour.id, &series, &click.user, round + 1, until)?;
                format!(
                    "⏰ Snoozed until {}: I'll bring tour *{}* up again then.",
                    until.date_naive(),
                    tour.id
                )
            }
        };
        self.replace(
            click,
            tour.id,
            NoticeKind::Note {
                key: click.action_ts.clone(),
                text,
            },
            now,
        )?;
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
                self.note(
                    click,
                    None,
                    &format!("There is no tour {id} that you can act on."),
                    now,
                )?;
                Ok(None)
            }
        }
    }

    /// Replaces the clicked message with the current rendering of `kind`.
    fn replace(
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
        let entry = OutboxEntry {
            key: format!("{}:update:{}", notice.key(), click.action_ts),
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
