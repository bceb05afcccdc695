//! Public tests for `stage1::calculus`: run them with `cargo test -p stage1 --test calculus`.
