//! Convolutional, recurrent and Transformer networks, on candle.
//!
//! Each module is a week of the study plan; `grader check stage5` grades them.

#![allow(unused_variables)]
pub mod bert;
pub mod cnn;
pub mod conv;
pub mod rnn;
pub mod seq2seq;
pub mod transformer;
