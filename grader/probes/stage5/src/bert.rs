//! Glue for `stage5::bert`. The tokenizer (`tokenizer.json`) and the weights (safetensors)
//! travel as bytes: the student's code has no file system. A configuration travels as
//! `(vocab, hidden, layers, heads, intermediate, max_positions, type_vocab, eps)`; token ids and
//! masks as matrices of whole numbers, reaching the student as `U32` tensors. Everything runs in
//! `F32`, as MiniLM was trained (candle-nn's fused layer norm has no `F64` kernel on the CPU).

use crate::convert::{Ids, Stage5};
use candle_core::{DType, Device};
use candle_nn::VarBuilder;
use grader_protocol::Value;
use probe_runtime::glue::Arg;
use stage5::bert::{self, BertConfig};
use tokenizers::Tokenizer;

probe_runtime::glue! { Stage5;
    "stage5.bert.tokenize" => |tokenizer: Tok, texts: Vec<&str>| bert::encode(&tokenizer.0, &texts) => (ids, mask);
    "stage5.bert.forward" => |weights: &[u8], config: Config, ids: Ids, mask: Ids| {
        bert::bert_forward(&var_builder(weights, DType::F32), &config.0, &ids.0, &mask.0)
    };
    "stage5.bert.embed" => |weights: &[u8], tokenizer: Tok, texts: Vec<&str>| {
        bert::sentence_embeddings(&var_builder(weights, DType::F32), &BertConfig::minilm(), &tokenizer.0, &texts)
    };
}

fn var_builder(safetensors: &[u8], dtype: DType) -> VarBuilder<'static> {
    VarBuilder::from_buffered_safetensors(safetensors.to_vec(), dtype, &Device::Cpu).expect("glue: safetensors")
}

/// A tokenizer from its `tokenizer.json` bytes.
pub struct Tok(Tokenizer);

impl Arg<'_, Stage5> for Tok {
    fn arg(v: &Value) -> Tok {
        Tok(Tokenizer::from_bytes(v.bytes()).expect("glue: tokenizer.json"))
    }
}

pub struct Config(BertConfig);

impl Arg<'_, Stage5> for Config {
    fn arg(v: &Value) -> Config {
        let p = v.list();
        let n = |i: usize| p[i].usize();
        Config(BertConfig {
            vocab_size: n(0),
            hidden_size: n(1),
            num_hidden_layers: n(2),
            num_attention_heads: n(3),
            intermediate_size: n(4),
            max_position_embeddings: n(5),
            type_vocab_size: n(6),
            layer_norm_eps: p[7].float(),
        })
    }
}
