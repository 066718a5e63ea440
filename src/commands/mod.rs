//! One engine for every surface: a [`Request`] (who, in which workspace,
//! which command, what text) goes in, a [`Message`] comes out. Slack's HTTP
//! receiver and the local shell both call [`Engine::handle`]; no rule lives in
//! a surface.
//!
//! Two tiers of failure, as in triagebot: a person's mistake becomes a
//! friendly ephemeral answer (with the usage line when it was how they
//! typed, see `refusal`); a fault of ours is logged and the person gets a
//! short apology, never a Rust error string.

mod alumni;
pub(crate) mod away;
pub mod buttons;
pub mod checkin;
mod complete;
pub mod events;
pub mod files;
pub mod form;
pub mod home;
pub mod modals;
pub mod notify;
pub mod one_on_ones;
pub mod parse;
mod privacy;
mod refusal;
mod reminders;
mod render;
mod talk;
mod tour;
pub mod upcoming;

use crate::domain::Side;
use crate::domain::hours::WorkingHours;
use crate::domain::notice::{Notice, NoticeKind};
use crate::store::outbox::OutboxEntry;

use crate::domain::{TeamId, UserId};
use crate::message::{self, FormAnswer, Message};
use crate::store::{Store, StoreError};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// A command as any surface hands it over.
#[derive(Clone, Debug)]
pub struct Request {
    pub team: TeamId,
    pub user: UserId,
    /// With its slash: `/tour`, `/1on1`, `/alumni`.
    pub command: String,
    pub text: String,
}

/// The engine's dependencies: the store and who the admins are.
#[derive(Clone)]
pub struct Engine {
    store: Store,
    admins: BTreeSet<UserId>,
    alumni_directory_for_everyone: bool,
    /// The zone a 1:1 is set up in while its manager's Slack zone is unknown.
    default_tz: Tz,
    /// When reminders may reach people (what `/tour upcoming` and an away
    /// period's return are reckoned in; the worker holds them to it).
    hours: WorkingHours,
    /// Button presses and form submissions, one at a time: whether a
    /// message was answered, the change, and the record of the answer must
    /// not interleave with another press (see [`buttons`]).
    presses: Arc<Mutex<()>>,
}

/// The form a command opens instead of an answer, on a surface that can
/// show forms: `/tour propose` with nothing after it opens the propose form.
pub fn form_for(req: &Request) -> Option<crate::message::Form> {
    (req.command == "/tour" && parse::wants_form(&req.text)).then(|| form::propose_form(None, None))
}

/// One of each form the engine opens, filled in as far as the engine
/// fills them: what a surface's renderer is tested with ([`form_fields`]
/// reads it too).
pub fn every_form() -> Vec<crate::message::Form> {
    let tour = crate::domain::TourId(17);
    let member = UserId::parse("U2ANA").expect("a user id");
    let origin = buttons::Origin {
        value: "v".into(),
        channel: "D1".into(),
        ts: "1.2".into(),
    };
    vec![
        form::propose_form(None, None),
        form::propose_form(Some(&member), Some(tour)),
        buttons::Origin::attach(Some(origin), modals::extend_form(tour)),
        modals::exit_form(tour),
        modals::alumni_form(tour),
        one_on_ones::notes_form("0|1on1|x", "D1", "1.2", &member),
    ]
}

/// The names of the fields of the form `id` (empty if it is not ours): a
/// surface that must tell a field's problem from the form's asks.
pub fn form_fields(id: &str) -> Vec<String> {
    every_form()
        .into_iter()
        .find(|f| f.id == id)
        .map(|f| f.fields.into_iter().map(|f| f.name).collect())
        .unwrap_or_default()
}

/// Why a command did not produce its normal answer.
pub(crate) enum Failure {
    /// The person's mistake: they get this message.
    User(Message),
    /// Ours: logged, and the person gets an apology.
    Internal(StoreError),
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure::Internal(e)
    }
}

impl Engine {
    pub fn new(store: Store, admins: BTreeSet<UserId>) -> Engine {
        Engine {
            store,
            admins,
            alumni_directory_for_everyone: true,
            default_tz: Tz::UTC,
            hours: WorkingHours::default(),
            presses: Arc::default(),
        }
    }

    /// Holds presses and submissions to one at a time while it lives.
    pub(crate) fn one_at_a_time(&self) -> MutexGuard<'_, ()> {
        self.presses.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The workspace's default time zone (`reminders.default_timezone`).
    pub fn with_default_tz(self, default_tz: Tz) -> Engine {
        Engine { default_tz, ..self }
    }

    pub fn default_tz(&self) -> Tz {
        self.default_tz
    }

    /// The working hours reminders wait for (`reminders.working_hours_*`).
    pub fn with_working_hours(self, hours: WorkingHours) -> Engine {
        Engine { hours, ..self }
    }

    pub fn working_hours(&self) -> &WorkingHours {
        &self.hours
    }

    /// `user`'s time zone as the bot last saw it in Slack, else the
    /// workspace's default.
    pub fn zone_of(&self, team: &TeamId, user: &UserId) -> Result<Tz, StoreError> {
        Ok(self
            .store
            .user(team, user)?
            .tz
            .as_deref()
            .and_then(crate::domain::hours::parse_tz)
            .unwrap_or(self.default_tz))
    }

    /// Whether everyone in the workspace sees the alumni directory (the
    /// default), or only admins and liaisons.
    pub fn with_alumni_directory(self, for_everyone: bool) -> Engine {
        Engine {
            alumni_directory_for_everyone: for_everyone,
            ..self
        }
    }

    pub fn alumni_directory_for_everyone(&self) -> bool {
        self.alumni_directory_for_everyone
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn is_admin(&self, user: &UserId) -> bool {
        self.admins.contains(user)
    }

    /// Runs one command at `now`. Any change it makes is durable before this
    /// returns.
    pub fn handle(&self, req: &Request, now: DateTime<Utc>) -> Message {
        match self.try_handle(req, now) {
            Ok(message) | Err(Failure::User(message)) => message,
            Err(Failure::Internal(e)) => {
                tracing::error!(error = %e, command = %req.command, team = %req.team, "command failed");
                message::Message::text(
                    "Sorry, something went wrong on my side and your command may not have been saved. \
                     Please try again in a minute; if it keeps happening, tell your Alliance admin.",
                )
            }
        }
    }

    /// [`Engine::handle`], telling a person's mistake from a fault of ours.
    pub(crate) fn try_handle(&self, req: &Request, now: DateTime<Utc>) -> Result<Message, Failure> {
        match req.command.as_str() {
            "/tour" => tour::handle(self, req, now),
            "/1on1" => one_on_ones::handle_text(self, req, now),
            "/alumni" => alumni::handle_text(self, req, now),
            other => Ok(message::problem(
                &format!(
                    "I don't know the command `{}`.",
                    message::escape(&message::truncate(other, 32))
                ),
                "/tour help",
            )),
        }
    }

    /// A submitted propose form: the same parser and rule as `/tour propose
    /// …`, then its objectives. Done closes the form; problems are shown on
    /// their fields.
    pub(crate) fn submit_propose_form(
        &self,
        team: &TeamId,
        user: &UserId,
        after: Option<crate::domain::TourId>,
        values: &crate::message::Submission,
        now: DateTime<Utc>,
    ) -> FormAnswer {
        let inline = |errors: Vec<(String, String)>| {
            FormAnswer::Problems(
                errors
                    .into_iter()
                    .map(|(field, message)| (field, message.replace('`', "")))
                    .collect(),
            )
        };
        let submitted = match form::read_submission(values) {
            Ok(submitted) => submitted,
            Err(errors) => return inline(errors),
        };
        let req = Request {
            team: team.clone(),
            user: user.clone(),
            command: "/tour".into(),
            text: submitted.command_text,
        };
        let problem =
            |text: String| inline(vec![(form::block_for_problem(&text).to_string(), text)]);
        let (member, kind, term, mission) = match parse::parse(&req.text) {
            Ok(parse::TourCommand::Propose {
                member,
                kind,
                term,
                mission,
            }) => (member, kind, term, mission),
            Ok(_) => return problem("This form only proposes tours.".into()),
            Err(usage) => return problem(usage.problem),
        };
        let proposed = match after {
            Some(after) => tour::next(self, &req, after, Some(&member), kind, term, &mission, now),
            None => tour::propose(self, &req, &member, kind, term, &mission, now),
        };
        let tour = match proposed {
            Ok(tour) => tour,
            Err(Failure::User(message)) => return problem(message.text),
            Err(Failure::Internal(e)) => {
                tracing::error!(error = %e, "propose form failed");
                return problem("Sorry, something went wrong on my side; please try again.".into());
            }
        };
        for (side, text) in &submitted.objectives {
            let side = if *side == "member" {
                Side::Member
            } else {
                Side::Company
            };
            if let Err(Failure::Internal(e)) = tour::add_objective(
                self,
                &req,
                tour.id,
                side,
                &parse::decode_entities(text),
                now,
            ) {
                tracing::error!(error = %e, "an objective from the propose form was not saved");
            }
        }
        let confirmation = Notice {
            tour: tour.id,
            to: user.clone(),
            kind: NoticeKind::Note {
                key: "proposed".into(),
                text: format!(
                    "You proposed tour *{}* to {}. They have it in a DM with Accept and Decline.{}",
                    tour.id,
                    member.mention(),
                    render::typical_note(tour.kind, tour.term)
                        .map(|note| format!("\n{note}"))
                        .unwrap_or_default()
                ),
            },
        };
        if let Err(e) = self
            .store
            .enqueue(&OutboxEntry::post(team, confirmation, now))
        {
            tracing::error!(error = %e, "could not confirm a proposal");
        }
        FormAnswer::Done
    }
}
