//! Trains the course's pretrained network for Stage 4's linear-probe and transfer-learning
//! exercises and writes it as safetensors:
//!
//! ```text
//! RAYON_NUM_THREADS=1 cargo run --release -p stage4-solution --example pretrain_digits -- \
//!     datasets/digits/digits.csv datasets/digits/mlp-digits-even-rows.safetensors
//! ```
//!
//! The network is `64 → 32 → 32 → 10` with ReLU after the two hidden layers (tensors `layer0.*`,
//! `layer1.*`, `head.*`, `F32`, weights `(out, in)` as in candle-nn's `Linear`), trained on the
//! rows of scikit-learn's 8×8 digits with an even index (0, 2, 4, ...: 899 images), pixels
//! divided by 16. The odd rows are the other part, which the exercises fine-tune and probe on
//! (it prints the accuracy on the odd rows whose index ends in 1). Weights start He-normal from
//! the course's `Rng` (seed 2024), biases at 0; full-batch AdamW (lr 0.01, no weight decay), 400
//! steps, softmax cross-entropy. The same command rebuilds the same file bit for bit (one thread;
//! measured on this course's CI machine).
//!
//! Why rows and not classes: pretrained on the digits 0–4 and moved to 5–9, this network's
//! features did not beat training from scratch on 8×8 digits (measured: a linear probe on raw
//! pixels did as well as on either hidden layer), so the course transfers across examples.

use candle_core::{DType, Device, Tensor, Var, D};
use candle_nn::optim::{AdamW, Optimizer, ParamsAdamW};
use stage4::rng::Rng;
use std::collections::HashMap;

const NAMES: [&str; 3] = ["layer0", "layer1", "head"];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, csv, out] = args.as_slice() else {
        return Err("usage: pretrain_digits DIGITS_CSV OUT_SAFETENSORS".into());
    };
    let text = std::fs::read_to_string(csv)?;
    let (mut train, mut held) = (Vec::new(), Vec::new());
    for (i, line) in text.lines().skip(1).enumerate() {
        let v: Vec<f64> = line.split(',').map(str::parse).collect::<Result<_, _>>()?;
        let digit = v[64] as u32;
        let row = (v[..64].iter().map(|p| p / 16.0).collect::<Vec<f64>>(), digit);
        if i % 2 == 0 {
            train.push(row);
        } else if i % 10 == 1 {
            held.push(row);
        }
    }
    let dev = Device::Cpu;
    let batch = |rows: &[(Vec<f64>, u32)]| -> candle_core::Result<(Tensor, Tensor)> {
        let x: Vec<f64> = rows.iter().flat_map(|(p, _)| p.iter().copied()).collect();
        let y: Vec<u32> = rows.iter().map(|(_, d)| *d).collect();
        Ok((Tensor::from_vec(x, (rows.len(), 64), &dev)?, Tensor::from_vec(y, rows.len(), &dev)?))
    };
    let (x, y) = batch(&train)?;
    let (xh, yh) = batch(&held)?;

    let widths = [64, 32, 32, 10];
    let mut rng = Rng::new(2024);
    let mut vars = Vec::new();
    for w in widths.windows(2) {
        let std = (2.0 / w[0] as f64).sqrt();
        let weights: Vec<f64> = (0..w[0] * w[1]).map(|_| rng.next_normal() * std).collect();
        vars.push(Var::from_tensor(&Tensor::from_vec(weights, (w[1], w[0]), &dev)?)?);
        vars.push(Var::zeros(w[1], DType::F64, &dev)?);
    }
    let forward = |x: &Tensor| -> candle_core::Result<Tensor> {
        let mut h = x.clone();
        for l in 0..3 {
            h = h.matmul(&vars[2 * l].as_tensor().t()?)?.broadcast_add(vars[2 * l + 1].as_tensor())?;
            if l < 2 {
                h = h.relu()?;
            }
        }
        Ok(h)
    };
    let params = ParamsAdamW { lr: 0.01, weight_decay: 0.0, ..Default::default() };
    let mut opt = AdamW::new(vars.clone(), params)?;
    for step in 0..400 {
        let loss = candle_nn::loss::cross_entropy(&forward(&x)?, &y)?;
        opt.backward_step(&loss)?;
        if step % 100 == 0 {
            println!("step {step}: loss {:.4}", loss.to_scalar::<f64>()?);
        }
    }
    let accuracy = |x: &Tensor, y: &Tensor| -> candle_core::Result<f64> {
        let hits = forward(x)?.argmax(D::Minus1)?.eq(y)?.to_dtype(DType::F64)?.mean_all()?;
        hits.to_scalar::<f64>()
    };
    println!(
        "accuracy: {:.4} on the {} training rows, {:.4} on the {} rows left out",
        accuracy(&x, &y)?,
        train.len(),
        accuracy(&xh, &yh)?,
        held.len()
    );
    let mut tensors = HashMap::new();
    for (l, name) in NAMES.iter().enumerate() {
        tensors.insert(format!("{name}.weight"), vars[2 * l].as_tensor().to_dtype(DType::F32)?);
        tensors.insert(format!("{name}.bias"), vars[2 * l + 1].as_tensor().to_dtype(DType::F32)?);
    }
    candle_core::safetensors::save(&tensors, out)?;
    println!("wrote {out}");
    Ok(())
}
