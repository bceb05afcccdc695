//! Glue for `stage1::statistics`.

use crate::convert::Stage1;
use grader_protocol::Value;
use probe_runtime::glue::Ret;
use stage1::statistics::{self, ChiSquare, Summary, TTest};
use stage1::Matrix;

probe_runtime::glue! { Stage1;
    "stage1.statistics.describe" => |x: &[f64]| statistics::describe(x);
    "stage1.statistics.ln_gamma" => |x: f64| statistics::ln_gamma(x);
    "stage1.statistics.incomplete_beta" => |a: f64, b: f64, x: f64| statistics::regularized_incomplete_beta(a, b, x);
    "stage1.statistics.gamma_q" => |a: f64, x: f64| statistics::regularized_gamma_q(a, x);
    "stage1.statistics.t_test" => |a: &[f64], b: &[f64]| statistics::welch_t_test(a, b);
    "stage1.statistics.chi_square" => |table: Matrix| statistics::chi_square_independence(&table);
    "stage1.statistics.pearson" => |x: &[f64], y: &[f64]| statistics::pearson_correlation(x, y);
    "stage1.statistics.iris_analysis" => |columns: Vec<Vec<f64>>| statistics::correlation_matrix(&columns);
    "stage1.statistics.group_means" => |values: &[f64], groups: Vec<usize>, n_groups: usize| {
        statistics::group_means(values, &groups, n_groups)
    };
}

/// A summary as the tuple `(mean, median, variance, std_dev, min, max)`.
impl Ret<Stage1> for Summary {
    fn ret(self) -> Value {
        Value::List(
            [self.mean, self.median, self.variance, self.std_dev, self.min, self.max].map(Value::Float).to_vec(),
        )
    }
}

/// A t-test as the tuple `(t, df, p_value)`.
impl Ret<Stage1> for TTest {
    fn ret(self) -> Value {
        (self.t, self.df, self.p_value).into()
    }
}

/// A chi-square test as the tuple `(statistic, dof, p_value)`.
impl Ret<Stage1> for ChiSquare {
    fn ret(self) -> Value {
        (self.statistic, self.dof, self.p_value).into()
    }
}
