//! Public tests for `stage3::autograd` (being written).
