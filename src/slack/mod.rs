//! Everything that speaks Slack: request signatures, the HTTP receiver and
//! the Socket Mode client (one dispatcher behind both), the shapes of what
//! Slack sends, Block Kit, the app manifest, the Web API client, its pacing,
//! and the outbox delivery worker.

pub mod api;
pub mod blocks;
pub mod http;
pub mod inbound;
pub mod manifest;
pub mod outbox;
pub mod pacer;
pub mod socket;
pub mod verify;
