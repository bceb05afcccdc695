//! Public tests for `stage5::transformer`: run them with `cargo test -p stage5 --test transformer`.
//!
//! Small examples worked by hand; `grader check stage5.transformer` runs the hidden cases.

use candle_core::{DType, Device, Tensor};
use stage5::transformer::{self as tf, LayerKind};

fn t3(data: &[f64], shape: (usize, usize, usize)) -> Tensor {
    Tensor::from_slice(data, shape, &Device::Cpu).unwrap()
}

#[test]
fn the_causal_mask_is_lower_triangular() {
    let m = tf::causal_mask(3, &Device::Cpu).unwrap().to_dtype(DType::F64).unwrap();
    assert_eq!(m.to_vec2::<f64>().unwrap(), vec![vec![1., 0., 0.], vec![1., 1., 0.], vec![1., 1., 1.]]);
}

#[test]
fn equal_scores_average_the_values() {
    // q = 0: every score is 0, every weight 1/3, the output the mean of the values.
    let q = t3(&[0.0, 0.0], (1, 1, 2));
    let k = t3(&[1., 2., 3., 4., 5., 6.], (1, 3, 2));
    let v = t3(&[3., 6., 9.], (1, 3, 1));
    let (out, w) = tf::scaled_dot_product_attention(&q, &k, &v, None).unwrap();
    assert!((out.flatten_all().unwrap().to_vec1::<f64>().unwrap()[0] - 6.0).abs() < 1e-12);
    for x in w.flatten_all().unwrap().to_vec1::<f64>().unwrap() {
        assert!((x - 1.0 / 3.0).abs() < 1e-15);
    }
}

#[test]
fn the_first_position_of_the_encoding() {
    // Position 0: sin(0) = 0 in even columns, cos(0) = 1 in odd ones.
    let pe = tf::positional_encoding(2, 4).unwrap().to_vec2::<f64>().unwrap();
    assert_eq!(pe[0], vec![0.0, 1.0, 0.0, 1.0]);
    assert!((pe[1][0] - 1f64.sin()).abs() < 1e-15);
}

#[test]
fn table_one_of_the_paper() {
    assert_eq!(tf::layer_costs(LayerKind::Recurrent, 10, 4), Ok((2 * 10 * 16, 10, 9)));
    assert_eq!(tf::layer_costs(LayerKind::SelfAttention, 10, 4), Ok((2 * 100 * 4, 1, 1)));
    assert_eq!(tf::layer_costs(LayerKind::Convolution(3), 10, 4), Ok((10 * 3 * 16, 1, 5)));
}
