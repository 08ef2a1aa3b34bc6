//! The plot of the results: one panel per scenario, the network profiles along x, the
//! median wall-time ratio go / gomodfetch on a log scale along y, one line per
//! workload, and the ratio 1 (as fast as `go`) drawn across. SVG through plotters.

use crate::report::{Cell, median, wall_ratios};
use crate::scenario::Scenario;
use plotters::prelude::*;
use std::path::Path;

const COLORS: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
];

/// Writes the SVG plot of `cells` to `out`. `profiles` gives the x order.
pub fn svg(cells: &[Cell], profiles: &[String], out: &Path) -> Result<(), String> {
    draw(cells, profiles, out).map_err(|e| format!("plotting {}: {e}", out.display()))
}

fn draw(cells: &[Cell], profiles: &[String], out: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let scenarios: Vec<Scenario> = Scenario::ALL
        .into_iter()
        .filter(|s| cells.iter().any(|c| c.scenario == *s))
        .collect();
    let mut workloads: Vec<&str> = Vec::new();
    for c in cells {
        if !workloads.contains(&c.workload.as_str()) {
            workloads.push(&c.workload);
        }
    }
    let cols = scenarios.len().clamp(1, 2);
    let rows = scenarios.len().div_ceil(2).max(1);
    let root = SVGBackend::new(out, (560 * cols as u32, 380 * rows as u32)).into_drawing_area();
    root.fill(&WHITE)?;
    let panels = root.split_evenly((rows, cols));
    // One y range for every panel, so panels compare at a glance.
    let all: Vec<f64> = cells.iter().map(|c| median(&wall_ratios(c))).collect();
    let hi = all.iter().copied().fold(2.0f64, f64::max) * 1.5;
    let lo = all.iter().copied().fold(1.0f64, f64::min) * 0.7;
    let n = profiles.len().max(1);
    for (panel, scenario) in panels.iter().zip(&scenarios) {
        let mut chart = ChartBuilder::on(panel)
            .caption(
                format!("{scenario}: go / gomodfetch wall time"),
                ("sans-serif", 18),
            )
            .margin(12)
            .x_label_area_size(32)
            .y_label_area_size(48)
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), (lo..hi).log_scale())?;
        chart
            .configure_mesh()
            .x_labels(n)
            .x_label_formatter(&|x| {
                let i = x.round();
                if (x - i).abs() < 1e-6 && i >= 0.0 {
                    profiles.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|y| {
                if *y < 10.0 {
                    format!("{y:.1}×")
                } else {
                    format!("{y:.0}×")
                }
            })
            .y_desc("times faster (log)")
            .draw()?;
        chart.draw_series(LineSeries::new(
            [(-0.5, 1.0), (n as f64 - 0.5, 1.0)],
            BLACK.mix(0.4).stroke_width(1),
        ))?;
        for (wi, w) in workloads.iter().enumerate() {
            let color = COLORS[wi % COLORS.len()];
            let points: Vec<(f64, f64)> = profiles
                .iter()
                .enumerate()
                .filter_map(|(pi, p)| {
                    let c = cells.iter().find(|c| {
                        c.workload == *w && c.scenario == *scenario && c.profile.label() == *p
                    })?;
                    Some((pi as f64, median(&wall_ratios(c))))
                })
                .collect();
            if points.is_empty() {
                continue;
            }
            chart
                .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))?
                .label(*w)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                });
            chart.draw_series(
                points
                    .iter()
                    .map(|&(x, y)| Circle::new((x, y), 4, color.filled())),
            )?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .draw()?;
    }
    root.present()?;
    Ok(())
}
