//! Public tests for `stage3::perceptron` (being written).
