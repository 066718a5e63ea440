//! What the engine does with Events API callbacks, whatever surface brought
//! them: a direct message answers a check-in conversation (see
//! [`super::checkin`], `Engine::direct_message`); `app_home_opened` is the
//! hook for the App Home tab.

use super::Engine;
use crate::domain::{TeamId, UserId};
use chrono::{DateTime, Utc};

/// What the surface must still do after an event was handled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AfterEvent {
    Nothing,
    /// Publish `user`'s App Home view (`views.publish`), after the answer.
    PublishHome {
        user: UserId,
    },
}

impl Engine {
    /// `user` opened the bot's App Home. The Home tab is not built yet:
    /// the surface is asked to publish it, and for now does nothing with
    /// that (see `slack::http`). Changes nothing, so a retried event is
    /// harmless.
    pub fn home_opened(&self, _team: &TeamId, user: &UserId, _now: DateTime<Utc>) -> AfterEvent {
        AfterEvent::PublishHome { user: user.clone() }
    }
}
