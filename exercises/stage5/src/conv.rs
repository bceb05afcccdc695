//! Convolutions and pooling from scratch, on candle tensors: the output-size arithmetic, a 2-D
//! convolution written as loops, the same convolution as one matrix product (im2col), its
//! backward pass by hand, max and average pooling forward and backward, and a filter learned by
//! gradient descent from a real photograph.
//!
//! A convolutional layer slides a small kernel over the image and takes a dot product at each
//! position. Compared with a dense layer on the flattened image it has two properties that suit
//! images: *locality* (each output sees only a `kh × kw` window) and *weight sharing* (the same
//! kernel everywhere, so a feature detector found in one corner works in every corner, and a
//! 3×3 kernel over 3 channels has 27 weights whatever the image size).
//!
//! Shapes follow candle and PyTorch (`NCHW`):
//!
//! | tensor | shape |
//! |---|---|
//! | input `x` | `(N, C, H, W)`: batch, channels, height, width |
//! | weights `w` | `(O, C, kh, kw)`: one `C × kh × kw` kernel per output channel |
//! | bias `b` | `(O,)` |
//! | output | `(N, O, H_out, W_out)` |
//!
//! For each sample `n`, output channel `o` and output position `(y, x)`:
//!
//! `out[n, o, y, x] = b[o] + Σ_c Σ_i Σ_j w[o, c, i, j] · xp[n, c, y·s + i·d, x·s + j·d]`
//!
//! where `xp` is `x` with `padding` zeros added on every side, `s` the stride and `d` the
//! dilation. (Strictly this is cross-correlation: the kernel is not flipped. Every deep-learning
//! library calls it convolution, and so do we.)
//!
//! The grader sends `F64` tensors on the CPU for the correctness cases, and compares your
//! outputs with candle's own `conv2d`, `max_pool2d`, `avg_pool2d` and autograd as well as with
//! the reference. Written from scratch: these functions may not call candle's convolutions or
//! pooling (`.conv2d`, `.conv1d`, `.conv_transpose2d`, `.max_pool2d`, `.avg_pool2d`), candle-nn,
//! or candle's autograd (`Var`, `.backward`), except [`learn_filter`], where training is the
//! point: keep what it uses inside its body, since an import at the top of the file counts
//! against every exercise of the file.

use candle_core::Tensor;

/// Why a function of this module refused its input.
#[derive(Debug, Clone, PartialEq)]
pub enum ConvError {
    /// A kernel size, stride or dilation of 0.
    InvalidParameter,
    /// The (dilated) kernel is wider than the (padded) input: no output position exists.
    KernelTooLarge,
    /// An input is not of the documented rank, or two inputs disagree (channels, output size).
    ShapeMismatch,
    /// Any other error from candle (a bug rather than a refusal on purpose), with its message.
    Candle(String),
}

/// Lets `?` turn candle's errors into [`ConvError::Candle`].
impl From<candle_core::Error> for ConvError {
    fn from(e: candle_core::Error) -> Self {
        ConvError::Candle(e.to_string())
    }
}

/// A convolution's stride, zero padding (the same on every side) and dilation, as candle's
/// `Tensor::conv2d(kernel, padding, stride, dilation, groups)` takes them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConvParams {
    /// How far the window moves between two outputs (≥ 1).
    pub stride: usize,
    /// Zeros added before the first and after the last row and column.
    pub padding: usize,
    /// Spacing between kernel taps (1: adjacent pixels; 2: every other pixel, so a 3-wide
    /// kernel spans 5 pixels).
    pub dilation: usize,
}

/// The output length of a convolution (or pooling) along one dimension.
///
/// A kernel of size `k` with dilation `d` spans `d·(k − 1) + 1` input positions; the padded
/// input has `input + 2·padding`; the window fits at `0, s, 2s, …` as long as it stays inside:
///
/// `out = ⌊(input + 2·padding − d·(k − 1) − 1) / s⌋ + 1`
///
/// Examples: a 32-wide input, `k = 5`, no padding, stride 1 → 28 (LeNet's first layer);
/// `k = 3`, padding 1, stride 1 → 32 ("same" padding); `k = 3`, padding 1, stride 2 → 16.
///
/// # Errors
/// - [`ConvError::InvalidParameter`] when `kernel`, `stride` or `dilation` is 0;
/// - [`ConvError::KernelTooLarge`] when the dilated kernel is wider than the padded input.
///
/// Compute in integers, and check before you subtract: `usize` cannot go below zero.
pub fn output_size(input: usize, kernel: usize, p: ConvParams) -> Result<usize, ConvError> {
    todo!()
}

/// A 2-D convolution written as loops, straight from the formula in the module documentation.
///
/// - `x`: `(N, C, H, W)`; `w`: `(O, C, kh, kw)`; `b`: `(O,)` or `None` (no bias).
/// - Returns `(N, O, H_out, W_out)` with [`output_size`] along each spatial dimension, in the
///   dtype of `x`.
///
/// Read the tensors into `Vec<f64>` once (`flatten_all()?.to_vec1::<f64>()` after
/// `to_dtype(DType::F64)`), compute with indices, and build the result with
/// `Tensor::from_vec(data, (n, o, ho, wo), x.device())`. A padded position contributes 0: skip
/// taps whose row or column falls outside `0..H` or `0..W` rather than copying a padded image.
///
/// # Errors
/// [`ConvError::ShapeMismatch`] when `x` or `w` is not rank 4, the channel counts differ or `b`
/// is not `(O,)`; the errors of [`output_size`] otherwise.
pub fn conv2d_direct(x: &Tensor, w: &Tensor, b: Option<&Tensor>, p: ConvParams) -> Result<Tensor, ConvError> {
    todo!()
}

/// "Image to columns": every window the kernel visits, unrolled into a column, so that a
/// convolution becomes one matrix product (PyTorch's `nn.Unfold`).
///
/// - `x`: `(N, C, H, W)`, `kernel`: `(kh, kw)`.
/// - Returns `(N, C·kh·kw, L)` with `L = H_out · W_out`: column `l = y·W_out + x_out` holds the
///   window at output position `(y, x_out)`, its rows in the order `(c, i, j)` (channel slowest,
///   kernel column fastest), with the zeros of the padding where the window leaves the image.
///
/// On large inputs this should not be a loop over elements in Rust: pad once
/// (`pad_with_zeros` on dimensions 2 and 3), compute the position of every column element in
/// the padded image once as a `u32` index vector, and gather them all with one `index_select`.
///
/// # Errors
/// As [`conv2d_direct`]: [`ConvError::ShapeMismatch`] when `x` is not rank 4, then the errors of
/// [`output_size`].
pub fn im2col(x: &Tensor, kernel: (usize, usize), p: ConvParams) -> Result<Tensor, ConvError> {
    todo!()
}

/// The same convolution as [`conv2d_direct`], as one matrix product on [`im2col`]'s columns: with `W`
/// reshaped to `(O, C·kh·kw)`, each sample's output is `W · cols + b`, reshaped to
/// `(O, H_out, W_out)`.
///
/// This is how libraries compute convolutions on CPUs and GPUs: one large matrix product runs
/// near the machine's peak, where the loops of [`conv2d_direct`] do not. The grader times it against
/// the reference (ratio of medians), on the CPU, and on a GPU where one exists.
///
/// Hint: `matmul` wants matching batch dimensions; transposing the columns to `(N·L, K)` and
/// multiplying by `Wᵀ` (`(K, O)`) gives `(N·L, O)` in one call. `reshape` needs a contiguous
/// tensor: call `contiguous()` after a `transpose`.
///
/// # Errors
/// As [`conv2d_direct`].
pub fn conv2d_im2col(x: &Tensor, w: &Tensor, b: Option<&Tensor>, p: ConvParams) -> Result<Tensor, ConvError> {
    todo!()
}

/// The backward pass of a convolution by hand: given `x`, `w` and the gradient of the loss with
/// respect to the output, `dout` `(N, O, H_out, W_out)`, returns `(dx, dw, db)` with the shapes
/// of `x`, `w` and the bias `(O,)`.
///
/// From the forward formula, each output element `out[n, o, y, x]` adds
/// `w[o, c, i, j] · xp[n, c, y·s + i·d, x·s + j·d]`, so:
/// - `db[o] = Σ_{n,y,x} dout[n, o, y, x]`;
/// - `dw[o, c, i, j] = Σ_{n,y,x} dout[n, o, y, x] · xp[n, c, y·s + i·d, x·s + j·d]`: in
///   im2col terms, `dW = Σ_n dout_n · cols_nᵀ`;
/// - `dxp[n, c, y·s + i·d, x·s + j·d] += dout[n, o, y, x] · w[o, c, i, j]`: `Wᵀ · dout_n`
///   gives the gradient of every column, which you *scatter-add* back to the positions the
///   columns were gathered from (overlapping windows add up; `Tensor::index_add` does it), then
///   crop the padding off.
///
/// Checked against candle's autograd on the same convolution. No `Var`, no `.backward()`.
///
/// # Errors
/// [`ConvError::ShapeMismatch`] when the shapes disagree, `dout` included; the errors of
/// [`output_size`].
pub fn conv2d_backward(
    x: &Tensor,
    w: &Tensor,
    dout: &Tensor,
    p: ConvParams,
) -> Result<(Tensor, Tensor, Tensor), ConvError> {
    todo!()
}

/// Max pooling over `kernel × kernel` windows moved by `stride`, without padding: each
/// channel of each sample separately, `(N, C, H, W)` → `(N, C, H_out, W_out)` with
/// [`output_size`]`(H, kernel, stride, padding 0, dilation 1)`.
///
/// Pooling makes the representation smaller and a little invariant to small shifts; max pooling
/// keeps the strongest response of each window. A NaN in a window makes that output NaN (as
/// PyTorch does: a NaN must not disappear silently).
///
/// # Errors
/// [`ConvError::ShapeMismatch`] when `x` is not rank 4; the errors of [`output_size`].
pub fn max_pool2d(x: &Tensor, kernel: usize, stride: usize) -> Result<Tensor, ConvError> {
    todo!()
}

/// The gradient of [`max_pool2d`]: each output's gradient goes to the input element that was
/// the window's maximum, and to no other; where windows overlap (stride < kernel), an element
/// that is the maximum of several windows gets the sum of their gradients.
///
/// Ties: the *first* maximum in the window, in row-major order, takes the whole gradient (as
/// PyTorch does; candle's own backward splits nothing but gives it to every tied element, which
/// is why the grader compares with candle only on inputs without ties). A NaN in the window
/// takes it (the first NaN).
///
/// # Errors
/// [`ConvError::ShapeMismatch`] when `dout` is not the shape of the forward output.
pub fn max_pool2d_backward(x: &Tensor, dout: &Tensor, kernel: usize, stride: usize) -> Result<Tensor, ConvError> {
    todo!()
}

/// Average pooling over `kernel × kernel` windows moved by `stride`, without padding: the mean
/// of each window.
///
/// # Errors
/// As [`max_pool2d`].
pub fn avg_pool2d(x: &Tensor, kernel: usize, stride: usize) -> Result<Tensor, ConvError> {
    todo!()
}

/// The gradient of [`avg_pool2d`]: each output's gradient, divided by `kernel²`, goes to every
/// element of its window (overlapping windows add up).
///
/// # Errors
/// As [`max_pool2d_backward`].
pub fn avg_pool2d_backward(x: &Tensor, dout: &Tensor, kernel: usize, stride: usize) -> Result<Tensor, ConvError> {
    todo!()
}

/// Learns a `size × size` filter from an image and its filtered version, by gradient descent:
/// the kernel of a convolutional layer is a feature detector that training finds.
///
/// - `image`: `(H, W)`, one grey channel (the grader sends a real photograph, standardised to
///   mean 0 and variance 1); `target`: `(H − size + 1, W − size + 1)`, the image convolved
///   (no padding, stride 1) with a kernel the grader keeps to itself (an edge detector such as
///   Sobel's, a Laplacian, a random one).
/// - Start from the zero kernel; at each of `steps` steps compute the mean squared error
///   `L = mean((conv(image, k) − target)²)` and move `k ← k − lr · ∂L/∂k`.
/// - Returns `(k, losses)`: the learned kernel `(size, size)`, and `steps + 1` losses: before
///   each step, then after the last.
///
/// Here you may use candle's `conv2d` and its autograd (`Var`, `backward`): the convolution is
/// not the point, the training is. Compute in `F64` on the CPU. The loss is a quadratic in `k`:
/// with a small enough learning rate it decreases at every step and `k` converges to the hidden
/// kernel, which the grader compares with yours.
///
/// # Errors
/// [`ConvError::ShapeMismatch`] when `image` is not 2-D or `target` is not the size of the
/// valid convolution; the errors of [`output_size`].
pub fn learn_filter(
    image: &Tensor,
    target: &Tensor,
    size: usize,
    steps: usize,
    lr: f64,
) -> Result<(Tensor, Vec<f64>), ConvError> {
    todo!()
}
