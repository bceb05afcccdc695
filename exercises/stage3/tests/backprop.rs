//! Public tests for `stage3::backprop` (being written).
