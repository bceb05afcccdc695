//! Public tests for `stage3::activations` (being written).
