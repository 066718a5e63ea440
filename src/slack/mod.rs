//! Everything that speaks Slack: request signatures, the HTTP receiver, the
//! shapes of what Slack sends, Block Kit, and the app manifest.

pub mod api;
pub mod blocks;
pub mod http;
pub mod inbound;
pub mod manifest;
pub mod pacer;
pub mod verify;
