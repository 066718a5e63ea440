//! One engine for every surface: a [`Request`] (who, in which workspace,
//! which command, what text) goes in, a [`Message`] comes out. Slack's HTTP
//! receiver and the local shell both call [`Engine::handle`]; no rule lives in
//! a surface.
//!
//! Two tiers of failure, as in triagebot: a person's mistake becomes a
//! friendly ephemeral answer with the usage line; a fault of ours is logged
//! and the person gets a short apology, never a Rust error string.

pub mod parse;
mod render;
mod tour;

use crate::domain::{TeamId, UserId};
use crate::slack::blocks::{self, Message};
use crate::store::{Store, StoreError};
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;

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
        Engine { store, admins }
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
        let result = match req.command.as_str() {
            "/tour" => tour::handle(self, req, now),
            "/1on1" => Ok(render::coming_soon("1on1")),
            "/alumni" => Ok(render::coming_soon("alumni")),
            other => Ok(blocks::problem(
                &format!(
                    "I don't know the command `{}`.",
                    blocks::escape(&blocks::truncate(other, 32))
                ),
                "/tour help",
            )),
        };
        match result {
            Ok(message) | Err(Failure::User(message)) => message,
            Err(Failure::Internal(e)) => {
                tracing::error!(error = %e, command = %req.command, team = %req.team, "command failed");
                blocks::Message::text(
                    "Sorry, something went wrong on my side and your command may not have been saved. \
                     Please try again in a minute; if it keeps happening, tell your Alliance admin.",
                )
            }
        }
    }
}
