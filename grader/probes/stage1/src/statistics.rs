//! Glue for `stage1::statistics`.

use crate::convert::{matrix, matrix_result};
use grader_protocol::Value;
use probe_runtime::Handler;
use stage1::statistics::{self, ChiSquare, StatsError, Summary, TTest};

pub fn dispatch(id: &str) -> Option<Handler> {
    Some(match id {
        "stage1.statistics.describe" => |v: &Value| summary(statistics::describe(v.floats())),
        "stage1.statistics.ln_gamma" => |v: &Value| statistics::ln_gamma(v.float()).into(),
        "stage1.statistics.incomplete_beta" => |v: &Value| {
            statistics::regularized_incomplete_beta(v.at(0).float(), v.at(1).float(), v.at(2).float()).into()
        },
        "stage1.statistics.gamma_q" => {
            |v: &Value| statistics::regularized_gamma_q(v.at(0).float(), v.at(1).float()).into()
        }
        "stage1.statistics.t_test" => |v: &Value| t_test(statistics::welch_t_test(v.at(0).floats(), v.at(1).floats())),
        "stage1.statistics.chi_square" => |v: &Value| chi_square(statistics::chi_square_independence(&matrix(v))),
        "stage1.statistics.pearson" => {
            |v: &Value| statistics::pearson_correlation(v.at(0).floats(), v.at(1).floats()).into()
        }
        "stage1.statistics.iris_analysis" => |v: &Value| {
            let columns: Vec<Vec<f64>> = v.list().iter().map(|c| c.floats().to_vec()).collect();
            matrix_result(statistics::correlation_matrix(&columns))
        },
        "stage1.statistics.group_means" => |v: &Value| {
            let groups: Vec<usize> = v.at(1).ints().iter().map(|&g| usize::try_from(g).expect("glue: label")).collect();
            statistics::group_means(v.at(0).floats(), &groups, v.at(2).usize()).into()
        },
        _ => return None,
    })
}

/// A summary as the tuple `(mean, median, variance, std_dev, min, max)`.
fn summary(r: Result<Summary, StatsError>) -> Value {
    r.map(|s| Value::List([s.mean, s.median, s.variance, s.std_dev, s.min, s.max].map(Value::Float).to_vec())).into()
}

/// A t-test as the tuple `(t, df, p_value)`.
fn t_test(r: Result<TTest, StatsError>) -> Value {
    r.map(|t| (t.t, t.df, t.p_value)).into()
}

/// A chi-square test as the tuple `(statistic, dof, p_value)`.
fn chi_square(r: Result<ChiSquare, StatsError>) -> Value {
    r.map(|c| (c.statistic, c.dof, c.p_value)).into()
}
