//! BENCHMARKS.md and bench/cold-start.svg from one run's measurements, and the budgets missed.

mod budgets;
mod chart;
mod cost;
mod document;
mod node;
mod results;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use crate::database::DatabaseLatency;
use crate::measure::Measurement;
use crate::sdk::SdkCost;

pub use node::NODE_ROUTES;

/// Everything one run measured.
pub struct Run<'a> {
    pub results: &'a [Measurement],
    /// The same functions with their metrics off, in the same order.
    pub metrics_off: &'a [Measurement],
    pub peers: &'a [Measurement],
    /// The floor with lambda_http's event handling (`bench/floor-http`), in turn with the
    /// floor: no budget's, shown for what that handling takes of a route's warm CPU.
    pub http_floor: &'a Measurement,
    pub database: &'a DatabaseLatency,
    pub argon2: &'a [Duration],
    /// A new process's first hash (its working memory faulted in by it).
    pub argon2_first: &'a [Duration],
    /// The SDK's own CPU per DynamoDB call (bench/sdk-loop).
    pub sdk: &'a SdkCost,
    pub zips: Option<&'a BTreeMap<String, u64>>,
    pub bin_dir: &'a Path,
    pub cold: usize,
    pub warm: usize,
    pub warm_hashing: usize,
}

impl<'a> Run<'a> {
    fn floor(&self) -> &'a Measurement {
        self.results
            .iter()
            .find(|m| m.name == "floor")
            .expect("the floor was measured")
    }
}

pub struct Outcome {
    /// The results table, for the terminal.
    pub summary: String,
    pub missed: Vec<String>,
}

/// Writes BENCHMARKS.md and the chart.
pub fn write(run: &Run) -> Outcome {
    let table = results::table(run);
    let verdicts = budgets::judge(run);
    let _ = std::fs::write("BENCHMARKS.md", document::render(run, &table, &verdicts));
    let _ = std::fs::write("bench/cold-start.svg", chart::chart(run.results, run.peers));
    cost::update_capacity(Path::new(cost::CAPACITY_DOC), run.results);
    Outcome {
        summary: table,
        missed: verdicts.missed,
    }
}
