//! Mattermost, the second surface, beside `slack/` and the shell: it
//! depends on the engine (`crate::message`, `commands`, `delivery`), never
//! on Slack.
//!
//! - [`command`]: `/tour`, `/1on1`, `/alumni` at `POST /mattermost/command`,
//!   verified by their tokens, with `@name`s looked up through [`api`].
//! - [`render`]: how the engine's [`crate::message::Message`] reads here
//!   (Markdown, and buttons as message-attachment actions whose `context`
//!   carries our own HMAC, because Mattermost signs nothing it sends to an
//!   integration); [`actions`] takes the presses at `/mattermost/actions`.
//! - [`dialogs`]: the engine's forms as interactive dialogs, submitted to
//!   `/mattermost/dialogs`, their state signed the same way.
//! - [`api`]: the bot account's side of `crate::surface::Surface` for the
//!   delivery worker (DMs, updates in place, time zones, files), and the
//!   lookups commands need.
//! - [`events`]: check-in answers from the bot's WebSocket event stream.
//! - [`setup`]: `alliance mattermost-setup`, what an admin pastes.

pub mod actions;
pub mod api;
pub mod command;
pub mod dialogs;
pub mod events;
pub mod render;
pub mod setup;
