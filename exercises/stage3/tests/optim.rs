//! Public tests for `stage3::optim` (being written).
