//! Everything that speaks Slack: request signatures, the HTTP receiver and
//! the Socket Mode client (one dispatcher behind both), the shapes of what
//! Slack sends, Block Kit, the app manifest, and the Web API client, which
//! is Slack's side of the delivery port (`crate::surface`).

pub mod api;
pub mod blocks;
pub mod http;
pub mod inbound;
pub mod manifest;
pub mod socket;
pub mod verify;
