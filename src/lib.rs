//! Alliance: a self-hosted Slack bot that runs the Alliance framework of
//! employment — tours of duty with objectives for both sides, the
//! conversations about them, the next tour, successors and alumni.
//!
//! # Layout
//!
//! Data flows one way: a surface turns its input into a
//! [`commands::Request`] (or a button click), the engine parses it and
//! applies a rule from [`domain`] inside one [`store`] transaction — which
//! also writes the reminders the change plans and the messages it owes
//! people into the outbox — and the surface renders the
//! [`message::Message`] that comes back. The [`scheduler`] turns due
//! reminders into outbox entries on a cron tick; the delivery worker
//! ([`delivery`]) sends them through each surface's side of the
//! [`surface`] port. [`app`] assembles them.
//!
//! - [`domain`]: tours, objectives, history, who may do what, a member's
//!   tours in time (scheduled, ended, one at a time), when reminders fall due and what a snooze holds, working hours and away periods, one-on-ones and their dates, the check-in
//!   conversation state machine, the notices owed. Pure; `now` is an
//!   argument.
//! - [`commands`]: the `/tour`, `/alumni` and `/1on1` grammars, the engine
//!   every surface calls, the buttons, the forms, check-ins and the direct
//!   messages that answer them, how the bot's messages read, and what is
//!   coming (`/tour upcoming`, `alliance reminders`).
//! - [`store`]: sled behind a small backend trait, keys and indexes, the
//!   reminder index and the outbox; export/import and erasing a person.
//! - [`slack`]: signatures, the HTTP receiver, payload shapes, Block Kit, the
//!   app manifest and the Web API client.
//! - [`delivery`]: the outbox's delivery worker and its pacing, one per
//!   surface, exactly once.
//! - [`surface`]: the port delivery sends through (open a DM, post, update,
//!   look a person up, check an uncertain post, files); Slack and
//!   Mattermost implement it.
//! - [`mattermost`]: the second surface, begun: how a message reads there.
//! - [`shell`]: the local REPL surface.
//! - [`app`]: the receiver, the scheduler and the delivery worker, started
//!   and stopped together.
//! - [`scheduler`]: cron ticks that turn due reminders into outbox entries.
//! - [`picture`]: the timeline picture (`/tour timeline`), as a model, SVG
//!   and PNG.
//! - [`report`]: the people team's report (`alliance report`, `/tour report`).
//! - [`message`]: the engine's message (text, sections, buttons, pickers, a
//!   picture) that every surface renders its own way.
//! - [`metrics`]: what `GET /metrics` tells an operator.
//! - [`clock`]: what time it is, for the loops and the HTTP edge.
//! - [`config`]: settings, read once; the only reader of the environment.
//! - [`words`]: did-you-mean and counted nouns, for every surface's answers.

pub mod app;
pub mod clock;
pub mod commands;
pub mod config;
pub mod delivery;
pub mod domain;
pub mod mattermost;
pub mod message;
pub mod metrics;
pub mod picture;
pub mod report;
pub mod scheduler;
pub mod shell;
pub mod slack;
pub mod store;
pub mod surface;
pub mod words;
