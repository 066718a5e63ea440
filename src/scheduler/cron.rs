//! The scheduler's tick (to be written).
