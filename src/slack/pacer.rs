//! Outbound pacing (to be written).
