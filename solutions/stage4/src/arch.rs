//! Architecture: what a network costs, and what depth and width buy.
//!
//! Before training a network, know what it will cost: how many parameters it learns, how many
//! floating-point operations one forward pass takes, and how much memory training holds at once.
//! These are exact integers computed from the architecture alone, and they decide whether a model
//! fits on a GPU and how long an epoch takes.

/// Why a cost could not be computed.
#[derive(Debug, Clone, PartialEq)]
pub enum ArchError {
    /// Fewer than two widths (a network needs an input and an output), or a width of 0.
    InvalidShape,
    /// A count does not fit in a `u64`.
    Overflow,
}

/// The cost of one multilayer perceptron (see [`mlp_cost`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Cost {
    /// Learned numbers: every weight and every bias.
    pub parameters: u64,
    /// Floating-point operations of one forward pass over the batch.
    pub forward_flops: u64,
    /// Bytes that training with Adam holds at once.
    pub training_bytes: u64,
}

/// The cost of a dense network with layer widths `widths = [d_0, d_1, ..., d_L]` (`d_0` inputs,
/// `d_L` outputs, one dense layer `d_(l-1) → d_l` per step), on a batch of `batch` samples, with
/// numbers of `bytes_per_value` bytes (4 for `F32`, 2 for `F16`).
///
/// - `parameters = Σ_l (d_(l-1) · d_l + d_l)`: a weight matrix and a bias per layer.
/// - `forward_flops = Σ_l (2 · batch · d_(l-1) · d_l + batch · d_l)`: a matrix product costs one
///   multiplication and one addition per weight and sample (2 FLOPs, the usual convention), the
///   bias one addition per output; activations are not counted.
/// - `training_bytes = bytes_per_value · (4 · parameters + batch · Σ_(l=0..L) d_l)`: training with
///   Adam holds the parameters, their gradients and Adam's two moment estimates (4 numbers per
///   parameter), plus every layer's input and the network's output for the backward pass (the
///   activations, `batch` numbers per width, input layer included).
///
/// Errors: fewer than 2 widths or any width 0 is `Err(ArchError::InvalidShape)`; a count that
/// does not fit in a `u64` is `Err(ArchError::Overflow)` (use `checked_mul` and `checked_add`:
/// widths of a few million overflow the FLOPs of a large batch). A batch of 0 is fine: no FLOPs,
/// no activations.
pub fn mlp_cost(widths: &[usize], batch: usize, bytes_per_value: usize) -> Result<Cost, ArchError> {
    if widths.len() < 2 || widths.contains(&0) {
        return Err(ArchError::InvalidShape);
    }
    let (b, bytes) = (batch as u64, bytes_per_value as u64);
    let add = |a: u64, b: u64| a.checked_add(b).ok_or(ArchError::Overflow);
    let mul = |a: u64, b: u64| a.checked_mul(b).ok_or(ArchError::Overflow);
    let (mut parameters, mut forward_flops, mut activations) = (0u64, 0u64, 0u64);
    for w in widths.windows(2) {
        let (d_in, d_out) = (w[0] as u64, w[1] as u64);
        parameters = add(parameters, add(mul(d_in, d_out)?, d_out)?)?;
        let matmul = mul(mul(2, b)?, mul(d_in, d_out)?)?;
        forward_flops = add(forward_flops, add(matmul, mul(b, d_out)?)?)?;
    }
    for &d in widths {
        activations = add(activations, mul(b, d as u64)?)?;
    }
    let training_bytes = mul(bytes, add(mul(4, parameters)?, activations)?)?;
    Ok(Cost { parameters, forward_flops, training_bytes })
}

// ---------------------------------------------------------------------------------------------
// Depth, width and capacity: ReLU networks of one input and one output

/// One dense layer `y = W x + b` of a ReLU network: `w` has one row per output unit, each of the
/// layer's input width; `b` one number per output unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Dense {
    pub w: Vec<Vec<f64>>,
    pub b: Vec<f64>,
}

/// A ReLU network, given: every layer is followed by ReLU except the last, which is linear.
/// `layers` must chain (each layer's input width is the previous one's output width); the
/// input is `x`. (Given code, not graded: use it to evaluate the networks you build.)
pub fn relu_net(layers: &[Dense], x: &[f64]) -> Vec<f64> {
    let mut h = x.to_vec();
    for (l, layer) in layers.iter().enumerate() {
        let mut next: Vec<f64> = layer
            .w
            .iter()
            .zip(&layer.b)
            .map(|(row, b)| b + row.iter().zip(&h).map(|(w, v)| w * v).sum::<f64>())
            .collect();
        if l + 1 < layers.len() {
            next.iter_mut().for_each(|v| *v = v.max(0.0));
        }
        h = next;
    }
    h
}

/// The tent map on `[0, 1]`: `t(x) = 2x` for `x <= 1/2`, `2 − 2x` after. Composed `k` times it is
/// a sawtooth with `2^(k−1)` teeth and `2^k` linear pieces.
pub fn tent_power(x: f64, k: usize) -> f64 {
    (0..k).fold(x, |y, _| if y <= 0.5 { 2.0 * y } else { 2.0 - 2.0 * y })
}

/// A deep, narrow ReLU network that computes the tent map composed `k` times on `[0, 1]`
/// (Telgarsky, 2016): why depth helps.
///
/// One tent is two ReLUs: `t(y) = 2·relu(y) − 4·relu(y − ½)` for `y` in `[0, 1]`. Composing is
/// stacking: each hidden layer takes the previous tent's value (a linear combination of the
/// previous layer's two units) and applies the two ReLUs again. So the network is `k` hidden
/// layers of 2 units, then one linear output: `1 → 2 → 2 → ... → 2 → 1`, about `6k` parameters
/// for `2^k` linear pieces. A network with one hidden layer makes at most `units + 1` pieces, so
/// it needs about `2^k` units for the same function: depth buys pieces exponentially, width
/// only linearly.
///
/// Shapes: `k + 1` layers: the first `(2 × 1)`, then `k − 1` of `(2 × 2)`, then the output
/// `(1 × 2)`. `k = 0` is the identity: one layer `(1 × 1)` with weight 1 and bias 0.
/// Returned layers are checked by evaluating them (with [`relu_net`]'s rules) on many points of
/// `[0, 1]`: any weights that compute the sawtooth with these shapes are right.
pub fn sawtooth_network(k: usize) -> Vec<Dense> {
    if k == 0 {
        return vec![Dense { w: vec![vec![1.0]], b: vec![0.0] }];
    }
    let mut layers = vec![Dense { w: vec![vec![1.0], vec![1.0]], b: vec![0.0, -0.5] }];
    for _ in 1..k {
        // y = 2 h0 − 4 h1, then the two ReLU units of the next tent: y and y − ½.
        layers.push(Dense { w: vec![vec![2.0, -4.0], vec![2.0, -4.0]], b: vec![0.0, -0.5] });
    }
    layers.push(Dense { w: vec![vec![2.0, -4.0]], b: vec![0.0] });
    layers
}

/// A network with one hidden ReLU layer that passes through the points `(knots[i], values[i])`
/// and is linear between them: the constructive proof of universal approximation in one
/// dimension (a continuous function on an interval is approximated as closely as you like by
/// interpolating it on a fine enough grid, one hidden unit per piece).
///
/// With slopes `s_i = (values[i+1] − values[i]) / (knots[i+1] − knots[i])` and `s_(−1) = 0`:
///
/// ```text
/// f(x) = values[0] + Σ_(i=0..m−2) (s_i − s_(i−1)) · relu(x − knots[i])
/// ```
///
/// Each unit `relu(x − knots[i])` switches on at a knot and changes the slope there. Shapes:
/// for `m` knots, a hidden layer of `m − 1` units `(m−1 × 1)` (weight 1, bias `−knots[i]`), and
/// an output `(1 × m−1)` with bias `values[0]`. On `[knots[0], knots[m−1]]` the network equals
/// the interpolant; left of `knots[0]` it is the constant `values[0]`. One knot gives the
/// constant network: a hidden layer of 0 units and an output `(1 × 0)` with bias `values[0]`.
///
/// Errors: fewer than 1 knot, `values` of another length, knots not strictly increasing or not
/// finite, or a value not finite: `Err(ArchError::InvalidShape)`.
pub fn interpolating_network(knots: &[f64], values: &[f64]) -> Result<Vec<Dense>, ArchError> {
    let increasing = knots.windows(2).all(|p| p[0] < p[1]);
    let finite = knots.iter().chain(values).all(|v| v.is_finite());
    if knots.is_empty() || values.len() != knots.len() || !increasing || !finite {
        return Err(ArchError::InvalidShape);
    }
    let m = knots.len();
    let slopes: Vec<f64> = (0..m - 1).map(|i| (values[i + 1] - values[i]) / (knots[i + 1] - knots[i])).collect();
    let hidden = Dense { w: vec![vec![1.0]; m - 1], b: knots[..m - 1].iter().map(|k| -k).collect() };
    let changes = (0..m - 1).map(|i| slopes[i] - if i == 0 { 0.0 } else { slopes[i - 1] }).collect();
    Ok(vec![hidden, Dense { w: vec![changes], b: vec![values[0]] }])
}

/// The number of linear regions a ReLU network with one input makes along `[a, b]`: the number
/// of maximal intervals on which every hidden unit keeps its state (active, `z > 0`, or not).
///
/// Follow the segment layer by layer. On an interval where every earlier unit keeps its state,
/// each unit's pre-activation `z(x)` is affine in `x`; where it changes sign strictly inside the
/// interval, at `x* = −z(lo) / slope` with a nonzero slope, the interval splits in two. A
/// pre-activation that only touches 0 at an end of the interval, or is identically 0, splits
/// nothing. Count the intervals after the last hidden layer. Carry each interval's affine map
/// (slope and intercept of every unit) rather than re-evaluating the network, and use
/// [`relu_net`]'s rules (ReLU after every layer but the last).
///
/// Shapes: the first layer takes 1 input; a network of one layer (no hidden units) is affine: 1
/// region. `a == b` is 1 region. Errors: `a > b`, either not finite, or a first layer that does
/// not take exactly 1 input: `Err(ArchError::InvalidShape)`.
pub fn linear_regions(layers: &[Dense], a: f64, b: f64) -> Result<usize, ArchError> {
    if !(a.is_finite() && b.is_finite()) || a > b || layers.is_empty() || layers[0].w.iter().any(|r| r.len() != 1) {
        return Err(ArchError::InvalidShape);
    }
    // Each piece: [lo, hi] and, for the current layer's input, the affine maps (slope, intercept).
    let mut pieces: Vec<(f64, f64, Vec<(f64, f64)>)> = vec![(a, b, vec![(1.0, 0.0)])];
    for layer in &layers[..layers.len() - 1] {
        let mut next = Vec::new();
        for (lo, hi, maps) in pieces {
            let z: Vec<(f64, f64)> = layer
                .w
                .iter()
                .zip(&layer.b)
                .map(|(row, bias)| {
                    row.iter().zip(&maps).fold((0.0, *bias), |(s, c), (w, (ms, mc))| (s + w * ms, c + w * mc))
                })
                .collect();
            let mut cuts: Vec<f64> =
                z.iter().filter(|(s, _)| *s != 0.0).map(|(s, c)| -c / s).filter(|&x| x > lo && x < hi).collect();
            cuts.sort_by(f64::total_cmp);
            cuts.dedup();
            let mut bounds = vec![lo];
            bounds.extend(cuts);
            bounds.push(hi);
            for p in bounds.windows(2) {
                let mid = 0.5 * (p[0] + p[1]);
                let out = z.iter().map(|&(s, c)| if s * mid + c > 0.0 { (s, c) } else { (0.0, 0.0) }).collect();
                next.push((p[0], p[1], out));
            }
        }
        pieces = next;
    }
    Ok(pieces.len())
}

/// Depth against width at an equal parameter budget, measured on the sawtooth of
/// [`sawtooth_network`]`(k)`.
#[derive(Debug, Clone, PartialEq)]
pub struct DepthWidth {
    /// Parameters of the deep network (all weights and biases).
    pub deep_parameters: usize,
    /// The largest hidden width `m` of a one-hidden-layer network `1 → m → 1` whose parameters
    /// (`3m + 1`) do not exceed the deep network's.
    pub wide_units: usize,
    pub wide_parameters: usize,
    /// Mean squared error against [`tent_power`]`(x, k)` over the points `x_j = j / (samples − 1)`,
    /// `j = 0..samples`.
    pub deep_error: f64,
    pub wide_error: f64,
    /// Linear regions of each network on `[0, 1]` ([`linear_regions`]).
    pub deep_regions: usize,
    pub wide_regions: usize,
}

/// Builds the deep sawtooth network and the widest one-hidden-layer network with no more
/// parameters (the [`interpolating_network`] of the sawtooth on `wide_units + 1` evenly spaced
/// knots `i / wide_units`), and measures both: parameters, error on the samples, regions.
///
/// The deep network is exact (error 0 up to rounding) with `2^k` regions from about `6k`
/// parameters; the wide one has at most `wide_units + 1` regions and misses most teeth: for
/// `k >= 5` its error is that of a flat line.
///
/// Errors: `k = 0` or `samples < 2`: `Err(ArchError::InvalidShape)`.
pub fn depth_vs_width(k: usize, samples: usize) -> Result<DepthWidth, ArchError> {
    if k == 0 || samples < 2 {
        return Err(ArchError::InvalidShape);
    }
    let count = |layers: &[Dense]| layers.iter().map(|l| l.b.len() + l.w.iter().map(Vec::len).sum::<usize>()).sum();
    let deep = sawtooth_network(k);
    let deep_parameters = count(&deep);
    let wide_units = (deep_parameters - 1) / 3;
    let knots: Vec<f64> = (0..=wide_units).map(|i| i as f64 / wide_units as f64).collect();
    let values: Vec<f64> = knots.iter().map(|&x| tent_power(x, k)).collect();
    let wide = interpolating_network(&knots, &values)?;
    let mse = |layers: &[Dense]| {
        (0..samples)
            .map(|j| {
                let x = j as f64 / (samples - 1) as f64;
                (relu_net(layers, &[x])[0] - tent_power(x, k)).powi(2)
            })
            .sum::<f64>()
            / samples as f64
    };
    Ok(DepthWidth {
        deep_parameters,
        wide_units,
        wide_parameters: count(&wide),
        deep_error: mse(&deep),
        wide_error: mse(&wide),
        deep_regions: linear_regions(&deep, 0.0, 1.0)?,
        wide_regions: linear_regions(&wide, 0.0, 1.0)?,
    })
}
