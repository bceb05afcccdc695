//! Mini-project 1 (being written).
