//! The scheduler: cron ticks that turn due reminders into outbox entries.

pub mod cron;
