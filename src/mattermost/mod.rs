//! Mattermost, the second surface (issue 13), beside `slack/` and the shell:
//! it depends on the engine (`crate::message`, `commands`), never on Slack.
//!
//! What is here so far: the slash commands (`command`: `/tour`, `/1on1`,
//! `/alumni` at `POST /mattermost/command`, verified by their tokens, with
//! `@name`s looked up through `api`), and how the engine's
//! [`crate::message::Message`] reads on Mattermost ([`render`]: Markdown,
//! and buttons as message-attachment actions whose `context` carries our
//! own HMAC, because Mattermost signs nothing it sends to an integration).
//! Next: `/mattermost/actions` and `/mattermost/dialogs`, and the delivery
//! adapter behind `crate::surface::Surface` (DMs, reminders, time zones).

pub mod actions;
pub mod api;
pub mod command;
pub mod dialogs;
pub mod events;
pub mod render;
pub mod setup;
