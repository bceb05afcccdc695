//! Public tests for `stage5::conv`: run them with `cargo test -p stage5 --test conv`.
//!
//! Small worked examples, their expected values computed by hand; `grader check stage5.conv`
//! runs the hidden cases.

use candle_core::{Device, Tensor};
use stage5::conv::{self, ConvError, ConvParams};

const P1: ConvParams = ConvParams { stride: 1, padding: 0, dilation: 1 };

fn t4(data: &[f64], shape: (usize, usize, usize, usize)) -> Tensor {
    Tensor::from_slice(data, shape, &Device::Cpu).unwrap()
}

fn flat(t: &Tensor) -> Vec<f64> {
    t.flatten_all().unwrap().to_vec1().unwrap()
}

#[test]
fn output_sizes_of_familiar_layers() {
    assert_eq!(conv::output_size(32, 5, P1), Ok(28));
    assert_eq!(conv::output_size(32, 3, ConvParams { stride: 2, padding: 1, dilation: 1 }), Ok(16));
    assert_eq!(conv::output_size(9, 3, ConvParams { stride: 1, padding: 0, dilation: 2 }), Ok(5));
    assert_eq!(conv::output_size(4, 5, P1), Err(ConvError::KernelTooLarge));
}

#[test]
fn a_2x2_kernel_on_a_3x3_image() {
    // x = 1 2 3 / 4 5 6 / 7 8 9, k = 1 0 / 0 -1: each output is x[y][x] - x[y+1][x+1] = -4.
    let x = t4(&[1., 2., 3., 4., 5., 6., 7., 8., 9.], (1, 1, 3, 3));
    let w = t4(&[1., 0., 0., -1.], (1, 1, 2, 2));
    let b = Tensor::new(&[0.5f64], &Device::Cpu).unwrap();
    let y = conv::conv2d_direct(&x, &w, Some(&b), P1).unwrap();
    assert_eq!(y.dims(), &[1, 1, 2, 2]);
    assert_eq!(flat(&y), vec![-3.5; 4]);
}

#[test]
fn im2col_lays_windows_out_as_columns() {
    let x = t4(&[1., 2., 3., 4., 5., 6., 7., 8., 9.], (1, 1, 3, 3));
    let cols = conv::im2col(&x, (2, 2), P1).unwrap();
    assert_eq!(cols.dims(), &[1, 4, 4]);
    // Row (i, j) of the kernel, column (y, x) of the output: x[y + i][x + j].
    assert_eq!(flat(&cols), vec![1., 2., 4., 5., 2., 3., 5., 6., 4., 5., 7., 8., 5., 6., 8., 9.]);
}

#[test]
fn pooling_a_4x4_image() {
    let x = t4(&(1..=16).map(f64::from).collect::<Vec<_>>(), (1, 1, 4, 4));
    assert_eq!(flat(&conv::max_pool2d(&x, 2, 2).unwrap()), vec![6., 8., 14., 16.]);
    assert_eq!(flat(&conv::avg_pool2d(&x, 2, 2).unwrap()), vec![3.5, 5.5, 11.5, 13.5]);
    // The gradient of max pooling goes to each window's maximum only.
    let dout = t4(&[1., 2., 3., 4.], (1, 1, 2, 2));
    let dx = flat(&conv::max_pool2d_backward(&x, &dout, 2, 2).unwrap());
    assert_eq!((dx[5], dx[7], dx[13], dx[15], dx.iter().sum::<f64>()), (1., 2., 3., 4., 10.));
}
