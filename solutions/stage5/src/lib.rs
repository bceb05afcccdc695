//! Reference solutions: convolutional, recurrent and Transformer networks.
pub mod bert;
pub mod cnn;
pub mod conv;
pub mod rnn;
pub mod seq2seq;
pub mod transformer;
