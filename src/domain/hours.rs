//! Working hours (to be written).
