//! The Alliance framework's rules, pure: tours of duty, their objectives and
//! history, and who may do what.
//!
//! Nothing here touches sled, the network, tokio or the wall clock: the
//! current time is always an argument, so every rule can be tested with plain
//! values. Surfaces and the store call into this module; it calls nothing.

pub mod alumni;
pub mod checkin;
pub mod edits;
pub mod ending;
pub mod hours;
pub mod notice;
pub mod one_on_one;
pub mod people;
pub mod schedule;
pub mod timeline;
pub mod tour;

pub use people::{EventId, TeamId, UserId};
pub use timeline::Phase;
pub use tour::{
    Dates, Event, HistoryEntry, Objective, Role, Side, Status, Term, Tour, TourError, TourId,
    TourKind, TourSummary,
};
