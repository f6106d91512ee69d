//! The cold-start chart (bench/cold-start.svg), in hand-written SVG.

use std::fmt::Write as _;

use crate::measure::Measurement;
use crate::stats::p50;

/// A horizontal bar chart of median cold start per subject (log scale: Node.js is far off),
/// with the median init marked on each bar, in hand-written SVG.
pub fn chart(results: &[Measurement], peers: &[Measurement]) -> String {
    let rows: Vec<(&str, f64, f64)> = results
        .iter()
        .chain(peers)
        .map(|m| (m.name.as_str(), p50(&m.cold), p50(&m.init)))
        .collect();
    let max = rows.iter().map(|r| r.1).fold(10.0, f64::max);
    let decades = max.log10().ceil().max(1.0) as i32; // axis from 1 ms to 10^decades ms
    let (left, plot_width, row_height, top) = (130.0, 560.0, 22.0, 48.0);
    let x = |value: f64| left + plot_width * (value.max(1.0).log10() / decades as f64);
    let height = top + row_height * rows.len() as f64 + 40.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{height}\" viewBox=\"0 0 {w} {height}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\">Cold start: spawn → first response, median (ms, log scale)</text>\n\
         <text x=\"10\" y=\"36\" fill=\"#555\">grey: the floor (bare runtime) · blue: our functions · red: the Node.js 20 peer · black tick: init (spawn → first GET /next)</text>\n",
        w = left + plot_width + 70.0,
    );
    let bottom = top + row_height * rows.len() as f64;
    for decade in 0..=decades {
        let value = 10f64.powi(decade);
        let gx = x(value);
        let _ = writeln!(
            svg,
            "<line x1=\"{gx:.1}\" y1=\"{:.1}\" x2=\"{gx:.1}\" y2=\"{bottom:.1}\" stroke=\"#ddd\"/><text x=\"{gx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#555\">{value}</text>",
            top - 4.0,
            bottom + 16.0
        );
    }
    for (i, (name, cold, init)) in rows.iter().enumerate() {
        let y = top + row_height * i as f64 + 3.0;
        let colour = if name.starts_with("node") {
            "#c0504d"
        } else if *name == "floor" {
            "#9e9e9e"
        } else {
            "#4f81bd"
        };
        let end = x(*cold);
        let tick = x(*init);
        let _ = writeln!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{name}</text>\
             <rect x=\"{left}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"16\" fill=\"{colour}\"/>\
             <line x1=\"{tick:.1}\" y1=\"{y:.1}\" x2=\"{tick:.1}\" y2=\"{:.1}\" stroke=\"black\" stroke-width=\"2\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\">{cold:.1}</text>",
            left - 6.0,
            y + 12.0,
            (end - left).max(1.0),
            y + 16.0,
            end + 4.0,
            y + 12.0,
        );
    }
    svg.push_str("</svg>\n");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_chart_is_svg_with_a_bar_per_subject() {
        let m = |name: &str, cold: u64| Measurement {
            name: name.into(),
            cold: vec![Duration::from_millis(cold)],
            init: vec![Duration::from_millis(1)],
            ..Default::default()
        };
        let svg = chart(
            &[m("floor", 2), m("get-user", 12)],
            &[m("node get-user", 300)],
        );
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches("<rect x=").count(), 3);
        assert!(svg.contains(">node get-user<"));
    }
}
