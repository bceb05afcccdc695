//! The instructor gradebook (being written).
