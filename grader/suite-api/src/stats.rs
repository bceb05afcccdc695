//! Small statistics the suites' judgements share: the Kolmogorov distribution's tails for the
//! Kolmogorov–Smirnov tests of sampling exercises, and numbers as messages print them.

/// `P(K > t)` for the Kolmogorov distribution: `2 Σ_{k>=1} (-1)^(k-1) e^(-2 k² t²)`.
pub fn kolmogorov_sf(t: f64) -> f64 {
    if t < 0.3 {
        return 1.0; // the series converges slowly here, and the p-value is 1 to 9 digits
    }
    let mut sum = 0.0;
    for k in 1..=100 {
        let k = k as f64;
        let term = (-2.0 * k * k * t * t).exp();
        sum += if k as u64 % 2 == 1 { term } else { -term };
        if term < 1e-20 {
            break;
        }
    }
    (2.0 * sum).clamp(0.0, 1.0)
}

/// `P(K <= t)` for the Kolmogorov distribution, for small `t`, by the series that converges
/// there: `√(2π)/t Σ_{k>=1} e^(-(2k-1)² π² / (8 t²))`.
pub fn kolmogorov_cdf(t: f64) -> f64 {
    if t <= 0.0 {
        return 0.0;
    }
    if t >= 1.0 {
        return 1.0 - kolmogorov_sf(t);
    }
    let pi2 = std::f64::consts::PI.powi(2);
    let sum: f64 = (1..=20).map(|k| (-((2 * k - 1) as f64).powi(2) * pi2 / (8.0 * t * t)).exp()).sum();
    ((2.0 * std::f64::consts::PI).sqrt() / t * sum).clamp(0.0, 1.0)
}

/// A number with 5 significant digits, for messages.
pub fn num(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        format!("{x}")
    } else if (1e-3..1e5).contains(&x.abs()) {
        let decimals = (4 - x.abs().log10().floor() as i32).max(0) as usize;
        format!("{x:.decimals$}")
    } else {
        format!("{x:.4e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_two_tails_meet() {
        // P(K > t) + P(K <= t) = 1 where both series are used (t in [0.3, 1)).
        for t in [0.3, 0.5, 0.8, 0.99] {
            assert!((kolmogorov_sf(t) + kolmogorov_cdf(t) - 1.0).abs() < 1e-12, "t = {t}");
        }
        // The 5% critical value of the Kolmogorov distribution is 1.3581 (Smirnov's table).
        assert!((kolmogorov_sf(1.3581) - 0.05).abs() < 1e-4);
        assert_eq!(num(1234.5678), "1234.6");
    }
}
