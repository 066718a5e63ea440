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
    /// `user` opened the bot's App Home: remember it (changes to their tours
    /// publish it again from now on, see `commands::home`) and ask the
    /// surface to publish it after the answer. A retried event is harmless.
    pub fn home_opened(&self, team: &TeamId, user: &UserId, _now: DateTime<Utc>) -> AfterEvent {
        if let Err(e) = self.store().mark_home_opened(team, user) {
            tracing::error!(error = %e, "could not record a Home tab opening");
        }
        AfterEvent::PublishHome { user: user.clone() }
    }
}
