//! The overview's charts, drawn as inline SVG (no script, no network), in the style of the
//! student report's figures.

pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn short(v: f64) -> String {
    if (v == v.round() && v.abs() < 1e6) || v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// A histogram of `values` over `[0, max]` in `bins` equal bins: one bar per bin, its count on
/// top.
pub fn histogram(values: &[f64], max: f64, bins: usize, title: &str, x_label: &str) -> String {
    let bins = bins.max(1);
    let max = if max > 0.0 { max } else { 1.0 };
    let mut counts = vec![0usize; bins];
    for v in values {
        let b = ((v / max) * bins as f64).floor().clamp(0.0, (bins - 1) as f64) as usize;
        counts[b] += 1;
    }
    let top = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let (w, h, l, r, t, b) = (560.0, 260.0, 40.0, 10.0, 28.0, 44.0);
    let bw = (w - l - r) / bins as f64;
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" role="img" aria-label="{}">"#,
        esc(title)
    );
    s += &format!(r#"<text x="{l}" y="16" font-size="13" font-weight="600">{}</text>"#, esc(title));
    s += &format!(r##"<line x1="{l}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#999"/>"##, h - b, w - r, h - b);
    for (i, c) in counts.iter().enumerate() {
        let bh = (h - t - b) * *c as f64 / top;
        let x = l + i as f64 * bw;
        let y = h - b - bh;
        s += &format!(
            r##"<rect x="{:.1}" y="{y:.1}" width="{:.1}" height="{bh:.1}" fill="#1565c0"><title>{c}</title></rect>"##,
            x + 1.0,
            bw - 2.0
        );
        if *c > 0 {
            s += &format!(
                r#"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle">{c}</text>"#,
                x + bw / 2.0,
                y - 3.0
            );
        }
        let lo = max * i as f64 / bins as f64;
        s += &format!(
            r#"<text x="{x:.1}" y="{:.1}" font-size="10" text-anchor="middle">{}</text>"#,
            h - b + 13.0,
            short(lo)
        );
    }
    s += &format!(
        r#"<text x="{:.1}" y="{:.1}" font-size="10" text-anchor="middle">{}</text>"#,
        w - r,
        h - b + 13.0,
        short(max)
    );
    s += &format!(
        r#"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle">{}</text>"#,
        l + (w - l - r) / 2.0,
        h - 8.0,
        esc(x_label)
    );
    s + "</svg>"
}

/// Horizontal bars: one row per `(label, value, note)`, scaled to `max` (or the largest
/// value), the note written at the end of the bar. `reference` draws a dashed line (a target).
pub fn hbars(
    rows: &[(String, f64, String)],
    max: Option<f64>,
    title: &str,
    reference: Option<f64>,
    higher_is_better: bool,
) -> String {
    let top = max.unwrap_or_else(|| rows.iter().map(|r| r.1).fold(0.0, f64::max)).max(1e-12);
    let row_h = 18.0;
    let (w, l, r, t) = (680.0, 230.0, 90.0, 28.0);
    let h = t + row_h * rows.len().max(1) as f64 + 12.0;
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h:.0}" role="img" aria-label="{}">"#,
        esc(title)
    );
    s += &format!(r#"<text x="4" y="16" font-size="13" font-weight="600">{}</text>"#, esc(title));
    for (i, (label, v, note)) in rows.iter().enumerate() {
        let y = t + i as f64 * row_h;
        let bw = ((w - l - r) * (v / top)).clamp(0.0, w - l - r);
        let good = if higher_is_better { v / top } else { 1.0 - v / top };
        let colour = if good >= 0.8 {
            "#2e7d32"
        } else if good >= 0.5 {
            "#ef6c00"
        } else {
            "#c62828"
        };
        s += &format!(
            r#"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="end">{}</text>"#,
            l - 6.0,
            y + 12.0,
            esc(label)
        );
        s += &format!(
            r#"<rect x="{l}" y="{:.1}" width="{bw:.1}" height="{:.1}" fill="{colour}"><title>{}</title></rect>"#,
            y + 2.0,
            row_h - 4.0,
            esc(note)
        );
        s += &format!(r#"<text x="{:.1}" y="{:.1}" font-size="11">{}</text>"#, l + bw + 4.0, y + 12.0, esc(note));
    }
    if let Some(x) = reference {
        let xr = l + (w - l - r) * (x / top).min(1.0);
        s += &format!(
            r##"<line x1="{xr:.1}" y1="{t}" x2="{xr:.1}" y2="{:.1}" stroke="#555" stroke-dasharray="4 3"/>"##,
            h - 8.0
        );
    }
    s + "</svg>"
}

#[cfg(test)]
mod tests {
    #[test]
    fn charts_are_svg_and_escape_labels() {
        let h = super::histogram(&[0.0, 50.0, 100.0, 100.0], 100.0, 10, "Scores <all>", "percent");
        assert!(h.starts_with("<svg") && h.ends_with("</svg>") && h.contains("&lt;all&gt;"));
        assert!(h.contains(">2</text>"));
        let b = super::hbars(&[("a&b".into(), 0.5, "50%".into())], Some(1.0), "Pass", Some(1.0), true);
        assert!(b.contains("a&amp;b") && b.contains("stroke-dasharray"));
    }
}
