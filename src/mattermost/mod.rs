//! Mattermost, the second surface (issue 13), beside `slack/` and the shell:
//! it depends on the engine (`crate::message`, `commands`), never on Slack.
//!
//! What is here so far: how the engine's [`crate::message::Message`] reads
//! on Mattermost ([`render`]: Markdown, and buttons as message-attachment
//! actions whose `context` carries our own HMAC, because Mattermost signs
//! nothing it sends to an integration). Next: the `/mattermost/command`,
//! `/mattermost/actions` and `/mattermost/dialogs` endpoints, the delivery
//! adapter behind `crate::surface::Surface`, and identity keyed by surface.

pub mod render;
