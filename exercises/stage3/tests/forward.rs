//! Public tests for `stage3::forward` (being written).
