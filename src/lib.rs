//! Alliance: a self-hosted Slack bot that runs the Alliance framework of
//! employment — tours of duty with objectives for both sides, the
//! conversations about them, the next tour, successors and alumni.
//!
//! # Layout
//!
//! Data flows one way: a surface turns its input into a
//! [`commands::Request`], the engine parses it and applies a rule from
//! [`domain`] inside one [`store`] transaction, and the surface renders the
//! [`slack::blocks::Message`] that comes back.
//!
//! - [`domain`]: tours, objectives, history and who may do what. Pure; `now`
//!   is an argument.
//! - [`commands`]: the `/tour` grammar and the engine every surface calls.
//! - [`store`]: sled behind a small backend trait, keys and indexes.
//! - [`slack`]: signatures, the HTTP receiver, payload shapes, Block Kit, the
//!   app manifest, the Web API client and the outbox delivery worker.
//! - [`shell`]: the local REPL surface.
//! - [`scheduler`]: cron ticks that turn due reminders into outbox entries.
//! - [`clock`]: what time it is, for the loops and the HTTP edge.
//! - [`config`]: settings, read once; the only reader of the environment.

pub mod app;
pub mod clock;
pub mod commands;
pub mod config;
pub mod domain;
pub mod scheduler;
pub mod shell;
pub mod slack;
pub mod store;
