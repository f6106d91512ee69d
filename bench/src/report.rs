//! BENCHMARKS.md, the cold-start chart, and the budgets.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use crate::stats::{median, ms, percentile};
use crate::{DatabaseLatency, HASHES_SOMETIMES, HASHING, Measurement};

/// Everything one run measured.
pub struct Run<'a> {
    pub results: &'a [Measurement],
    pub peers: &'a [Measurement],
    pub database: &'a DatabaseLatency,
    pub argon2: &'a [Duration],
    /// A new process's first hash (its working memory faulted in by it).
    pub argon2_first: &'a [Duration],
    pub zips: Option<&'a BTreeMap<String, u64>>,
    pub bin_dir: &'a Path,
    pub cold: usize,
    pub warm: usize,
    pub warm_hashing: usize,
}

pub struct Outcome {
    pub summary: String,
    pub missed: Vec<String>,
}

/// Size in bytes of each `<function>/bootstrap.zip` (cargo lambda's `--output-format zip`).
pub fn zip_sizes(dir: &Path) -> BTreeMap<String, u64> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let size = std::fs::metadata(entry.path().join("bootstrap.zip"))
                .ok()?
                .len();
            Some((entry.file_name().to_string_lossy().into_owned(), size))
        })
        .collect()
}

const MIB: u64 = 1024;
/// Lambda gives a function one full vCPU at 1769 MB, proportionally less below.
const FULL_VCPU_MB: f64 = 1769.0;
/// Lambda's arm64 price per GB-second (us-east-1, first tier) at the time of writing.
const ARM64_USD_PER_GB_SECOND: f64 = 0.000_013_333_4;

pub fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown CPU".to_owned(), |(_, v)| v.trim().to_owned());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory_kib: u64 = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!(
        "{cpu} ({cores} cores), {:.1} GiB memory, Linux {}",
        memory_kib as f64 / 1024.0 / 1024.0,
        kernel.trim()
    )
}

fn p50(samples: &[Duration]) -> f64 {
    ms(median(samples))
}

fn p99(samples: &[Duration]) -> f64 {
    ms(percentile(samples, 0.99))
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// Billed GB-seconds per million requests at `memory_mb`, billing each request's duration
/// rounded up to the millisecond.
fn gb_seconds_per_million(duration: Duration, memory_mb: u32) -> f64 {
    let billed_ms = (duration.as_secs_f64() * 1000.0).ceil().max(1.0);
    memory_mb as f64 / 1024.0 * billed_ms / 1000.0 * 1e6
}

/// The duration at `memory_mb`: the CPU part slowed by Lambda's CPU share, the wait unchanged.
fn duration_at(wall: Duration, cpu: Duration, memory_mb: u32) -> Duration {
    let share = (memory_mb as f64 / FULL_VCPU_MB).min(1.0);
    let cpu = cpu.min(wall);
    (wall - cpu) + cpu.div_f64(share)
}

pub fn write(run: &Run) -> Outcome {
    let Run {
        results,
        peers,
        database,
        argon2,
        argon2_first,
        zips,
        bin_dir,
        cold,
        warm,
        warm_hashing,
    } = *run;
    let floor = results
        .iter()
        .find(|m| m.name == "floor")
        .expect("the floor was measured");
    let floor_init = median(&floor.init);
    let floor_cold = median(&floor.cold);
    let db_first_get = median(&database.first_get);
    let db_first_sign_up = median(&database.first_sign_up);
    let argon2_hash = median(argon2);
    let argon2_first_hash = median(argon2_first);
    let mut missed = Vec::new();

    // The table.
    let mut table = String::new();
    let _ = writeln!(
        table,
        "| function | MB | init p50 / p99 ms | cold p50 / p99 ms | warm p50 / p99 ms | CPU per warm call µs | of it in the kernel | peak RSS MiB | x86_64 binary MB | arm64 zip MB |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for m in results.iter().chain(peers) {
        let zip = zips
            .and_then(|z| z.get(&m.name))
            .map_or("–".to_owned(), |b| format!("{:.2}", *b as f64 / 1e6));
        let binary = std::fs::metadata(bin_dir.join(&m.name))
            .ok()
            .filter(|_| !m.name.starts_with("node"))
            .map_or("–".to_owned(), |meta| {
                format!("{:.2}", meta.len() as f64 / 1e6)
            });
        let _ = writeln!(
            table,
            "| {} | {} | {:.1} / {:.1} | {:.1} / {:.1} | {:.2} / {:.2} | {} | {:.0} % | {:.1} | {binary} | {zip} |",
            m.name,
            m.memory_mb,
            p50(&m.init),
            p99(&m.init),
            p50(&m.cold),
            p99(&m.cold),
            p50(&m.warm),
            p99(&m.warm),
            m.cpu_per_warm.as_micros(),
            m.kernel_share * 100.0,
            mib(m.peak_rss_kib),
        );
    }

    // The budgets.
    let mut budget_lines = String::new();
    let mut check = |ok: bool, what: String| {
        let _ = writeln!(
            budget_lines,
            "| {} | {what} |",
            if ok { "✅" } else { "❌" }
        );
        if !ok {
            missed.push(what);
        }
    };
    for m in peers {
        for failure in &m.failures {
            check(false, format!("{}: {failure}", m.name));
        }
    }
    for m in results {
        for failure in &m.failures {
            check(false, format!("{}: {failure}", m.name));
        }
        if m.name == "floor" {
            continue;
        }
        let name = m.name.as_str();
        let init = median(&m.init);
        check(
            init <= floor_init * 2,
            format!(
                "{name}: init {:.2} ms ≤ 2 × floor's {:.2} ms = {:.2} ms",
                ms(init),
                ms(floor_init),
                ms(floor_init * 2)
            ),
        );
        // Our part of a cold start must fit in the floor's cold start and 5 ms. The hashers
        // also hash or verify a password on that request, so their budgets add one argon2id
        // hash: a new process's first, as theirs is, measured in this run.
        let hashing = if HASHING.contains(&name) {
            argon2_first_hash
        } else {
            Duration::ZERO
        };
        let cold_budget = floor_cold + hashing + Duration::from_millis(5);
        let own_median = own_part_of_cold(m);
        check(
            own_median <= cold_budget,
            format!(
                "{name}: cold {:.2} ms less DynamoDB Local's own time for the first request's {} ({:.2} ms) = {:.2} ms ≤ floor {:.2}{} + 5 ms = {:.2} ms",
                ms(median(&m.cold)),
                match m.first_request_calls {
                    1 => "call".to_owned(),
                    n => format!("{n} calls"),
                },
                ms(median(&m.cold_database)),
                ms(own_median),
                ms(floor_cold),
                if hashing.is_zero() {
                    String::new()
                } else {
                    format!(" + a new process's first argon2id hash {:.2}", ms(hashing))
                },
                ms(cold_budget)
            ),
        );
        let rss_budget = if HASHES_SOMETIMES.contains(&name) {
            64 * MIB
        } else {
            32 * MIB
        };
        check(
            m.peak_rss_kib <= rss_budget,
            format!(
                "{name}: peak RSS {:.1} MiB ≤ {} MiB",
                mib(m.peak_rss_kib),
                rss_budget / MIB
            ),
        );
        if !HASHING.contains(&name) {
            check(
                m.cpu_per_warm <= Duration::from_micros(200),
                format!(
                    "{name}: warm CPU {} µs a call ≤ 200 µs",
                    m.cpu_per_warm.as_micros()
                ),
            );
        }
        match zips.and_then(|z| z.get(name)) {
            Some(size) => check(
                *size <= 3_500_000,
                format!("{name}: arm64 zip {:.2} MB ≤ 3.5 MB", *size as f64 / 1e6),
            ),
            None if zips.is_some() => check(false, format!("{name}: no arm64 zip was built")),
            None => {}
        }
    }
    let mut ratios = String::new();
    for function in ["get-user", "create-user"] {
        let ours = results.iter().find(|m| m.name == function);
        let theirs = peers.iter().find(|m| m.name == format!("node {function}"));
        if let (Some(ours), Some(theirs)) = (ours, theirs) {
            let cold_ratio = p50(&theirs.cold) / p50(&ours.cold).max(0.001);
            let init_ratio = p50(&theirs.init) / p50(&ours.init).max(0.001);
            let warm_ratio = p50(&theirs.warm) / p50(&ours.warm).max(0.001);
            let rss_ratio = theirs.peak_rss_kib as f64 / ours.peak_rss_kib.max(1) as f64;
            let _ = writeln!(
                ratios,
                "| {function} | {:.1} vs {:.1} ms: **{cold_ratio:.1}×** | {:.1} vs {:.1} ms: {init_ratio:.1}× | {:.2} vs {:.2} ms: {warm_ratio:.1}× | {} vs {} µs | {:.1} vs {:.1} MiB: {rss_ratio:.1}× |",
                p50(&ours.cold),
                p50(&theirs.cold),
                p50(&ours.init),
                p50(&theirs.init),
                p50(&ours.warm),
                p50(&theirs.warm),
                ours.cpu_per_warm.as_micros(),
                theirs.cpu_per_warm.as_micros(),
                mib(ours.peak_rss_kib),
                mib(theirs.peak_rss_kib),
            );
            if function == "get-user" {
                check(
                    cold_ratio >= 10.0,
                    format!("get-user: cold start {cold_ratio:.1}× faster than Node.js's ≥ 10×"),
                );
            }
        }
    }
    let ratios = if ratios.is_empty() {
        "Not measured in this run (`BENCH_NODE=0`, or Node.js missing).\n".to_owned()
    } else {
        format!(
            "| function | cold p50, Rust vs Node.js | init p50 | warm p50 | CPU per warm call | peak RSS |\n\
             |---|---|---|---|---|---|\n{ratios}"
        )
    };

    let budget_summary = if missed.is_empty() {
        "**Every budget is met.**".to_owned()
    } else {
        format!("**{} budget(s) missed** (marked ❌).", missed.len())
    };

    // Cost.
    let mut cost = String::new();
    let _ = writeln!(
        cost,
        "| function | MB | warm p50 here ms | GB-s per 1M requests (as measured) | est. duration at its MB ms | GB-s per 1M (est.) | USD per 1M (est., arm64) |\n\
         |---|---:|---:|---:|---:|---:|---:|"
    );
    for m in results.iter().filter(|m| m.name != "floor") {
        let wall = median(&m.warm);
        let at_memory = duration_at(wall, m.cpu_per_warm, m.memory_mb);
        let gbs = gb_seconds_per_million(wall, m.memory_mb);
        let gbs_est = gb_seconds_per_million(at_memory, m.memory_mb);
        let _ = writeln!(
            cost,
            "| {} | {} | {:.2} | {:.0} | {:.1} | {:.0} | {:.2} |",
            m.name,
            m.memory_mb,
            ms(wall),
            gbs,
            ms(at_memory),
            gbs_est,
            gbs_est * ARM64_USD_PER_GB_SECOND,
        );
    }
    let login_cpu = results
        .iter()
        .find(|m| m.name == "login")
        .map(|m| m.cpu_per_warm)
        .filter(|d| !d.is_zero())
        .unwrap_or(argon2_hash);
    let mut argon2_table = String::from(
        "| memory MB | CPU share | login's CPU per call, scaled | GB-s per 1M logins (CPU part only) |\n|---:|---:|---:|---:|\n",
    );
    for memory in [128u32, 512, 1024, 1769] {
        let share = (memory as f64 / FULL_VCPU_MB).min(1.0);
        let time = login_cpu.div_f64(share);
        let _ = writeln!(
            argon2_table,
            "| {memory} | {:.0} % | {:.0} ms | {:.0} |",
            share * 100.0,
            ms(time),
            gb_seconds_per_million(time, memory)
        );
    }

    let profiles = std::fs::read_to_string("bench/profiles.md").unwrap_or_else(|_| {
        "Not measured yet: `bench/profiles.sh` builds get-user under other profiles and writes \
         `bench/profiles.md`, which the next `make bench` includes.\n"
            .to_owned()
    });
    // `make load` leaves its report here; it belongs with the other measurements.
    let load = std::fs::read_to_string("bench/load-report.md").unwrap_or_else(|_| {
        "Not run yet: `make load` writes `bench/load-report.md`, and the next `make bench` includes it.\n"
            .to_owned()
    });
    let notes = std::fs::read_to_string("bench/notes.md").unwrap_or_default();

    let document = format!(
        "# Benchmarks\n\n\
         Written by `make bench` ({date}); do not edit by hand (the notes come from \
         `bench/notes.md` and `bench/profiles.md`).\n\n\
         **Machine:** {machine}. DynamoDB Local {ddb} on the same machine, over loopback.\n\n\
         **Method.** Each function's release binary (native x86_64, the workspace's release profile) \
         runs under the bench's own Lambda Runtime API emulator (`bench/src/emulator.rs`) with Lambda's \
         environment variables and `RUST_LOG=warn`, against DynamoDB Local, with real API Gateway \
         HTTP API (v2) events. One process at a time, never two. DynamoDB Local's JVM runs with its quick \
         compiler only (`-XX:TieredStopAtLevel=1`): its optimising compiler's threads otherwise took a quarter of \
         this 2-core machine's CPU during a run, beside the process being timed; before each function's cold \
         starts the harness waits for the machine to be idle.\n\n\
         - **init**: spawn → the first `GET /runtime/invocation/next` (everything `main` does before serving).\n\
         - **cold**: spawn → the first response posted (init plus the first request, with its first DynamoDB call \
           on a new connection). {cold} cold starts per subject, each a new process.\n\
         - **DynamoDB Local's own time**, per cold start: the functions reach DynamoDB Local through a \
           timing relay in their cold starts (`bench/src/relay.rs`), which records, per call, the request's first \
           byte reaching it → the response's last byte from DynamoDB Local. The cold budgets take that sum, the \
           database's part of the very same first request however many calls it made, from each cold start. \
           The relay's own hop stays in the cold figures; warm processes talk to DynamoDB Local directly.\n\
         - **warm**: event handed to the waiting `GET /next` → response posted, {warm} sequential invocations \
           on one process after one warm-up call ({warm_hashing} for create-user and login, which hash or verify \
           a password on every call).\n\
         - **CPU per warm call**: the warm process's time on a CPU, all threads (the scheduler's \
           `se.sum_exec_runtime`, nanoseconds, from /proc/<pid>/task/*/sched), over the warm loop ÷ invocations. \
           *Of it in the kernel*: stime's share of utime + stime over the same loop; on loopback the kernel time \
           includes the receiving side's network stack (DynamoDB Local's, the emulator's), which runs in the sender's time.\n\
         - **peak RSS**: VmHWM of the warm process after its loop.\n\
         - **floor**: a bare `lambda_runtime` function answering `{{}}` (`bench/floor`), the least any \
           function can cost under this harness.\n\
         - **node …**: the seed's stack, get-user and create-user as Node.js {node} handlers (AWS SDK v3, \
           jsonwebtoken, @node-rs/argon2 at the same argon2id parameters, the same items), \
           run by a minimal runtime loop (`bench/peers/node`).\n\
         - Events: create-user gets a new email each call; login the right password of one user (no failure, \
           no throttling); refresh and logout each a refresh token of a new session, issued beforehand with \
           `shared::auth::start_session`; delete-user a user made for it beforehand (stored with a fixed \
           valid hash, not hashed); create-order one unit of a product seeded with 1 000 000 in stock (the most a product may hold); \
           update-user a name change (no password, so no hash). All pools are made before the timed loop.\n\n\
         ## Results\n\n{table}\n\
         ![Median cold start per function](bench/cold-start.svg)\n\n\
         **DynamoDB Local itself**, through the same SDK client settings as the functions (`shared::store`): \
         a new client's first GetItem {:.2} ms (p99 {:.2}), first sign-up TransactWriteItems {:.2} ms (p99 {:.2}); \
         then GetItem p50 {:.2} / p99 {:.2} ms and the sign-up transaction p50 {:.2} / p99 {:.2} ms. \
         One argon2id hash (m=19456, t=2, p=1): {:.1} ms in a process that has hashed before, {:.1} ms as a new \
         process's first (p99 {:.1}), which also faults in its 19 MiB of working memory.\n\n\
         ### Against the Node.js peer\n\n{ratios}\n\
         ## Budgets\n\n\
         `make bench` exits non-zero when one is missed. {budget_summary}\n\n\
         | | budget (medians) |\n|---|---|\n{budget_lines}\n\
         ## Cost\n\n\
         Lambda bills memory × duration (rounded up to 1 ms), plus a fee per request. \"As measured\" uses the warm \
         p50 on this machine, where the function has a whole core; at 128 MB Lambda gives {share128:.1} % of a \
         vCPU (a full one at 1769 MB), so the estimate slows the CPU part of a call (its measured CPU time) by \
         that share and keeps the waiting part. Both ignore the request fee ($0.20 per million) and Lambda's own \
         overhead; the USD column uses ${ARM64_USD_PER_GB_SECOND} per GB-s (arm64).\n\n{cost}\n\
         **Login's password check at other memory sizes.** login's CPU per warm call ({:.1} ms here, nearly all \
         argon2id verification) at Lambda's CPU share:\n\n{argon2_table}\n\
         ## Release profile\n\n{profiles}\n{notes}\
         ## Load (`make load`)\n\n{load}\n\
         ## Reproduce\n\n\
         ```sh\n\
         make bench                                   # everything, as above (about 25 minutes the first time)\n\
         BENCH_COLD=5 BENCH_WARM=100 BENCH_ZIPS=0 make bench              # a quick run\n\
         BENCH_FUNCTIONS=get-user,create-user BENCH_NODE=1 make bench     # a subset\n\
         bench/profiles.sh                            # the release-profile comparison\n\
         ```\n\n\
         Needs what `make test` needs (Rust, Java 17+ for DynamoDB Local) plus Node.js 20 and npm for the peer \
         (`BENCH_NODE=0` skips it) and cargo-lambda with zig for the arm64 zips (`make tools`; `BENCH_ZIPS=0` \
         skips them).\n",
        ms(db_first_get),
        p99(&database.first_get),
        ms(db_first_sign_up),
        p99(&database.first_sign_up),
        p50(&database.get),
        p99(&database.get),
        p50(&database.sign_up),
        p99(&database.sign_up),
        ms(argon2_hash),
        ms(argon2_first_hash),
        p99(argon2_first),
        ms(login_cpu),
        date = today(),
        machine = machine(),
        ddb = "2.9.30 (Java)",
        node = node_version(),
        share128 = 128.0 / FULL_VCPU_MB * 100.0,
    );
    let _ = std::fs::write("BENCHMARKS.md", document);
    let _ = std::fs::write("bench/cold-start.svg", chart(results, peers));
    Outcome {
        summary: table,
        missed,
    }
}

/// The median of each cold start's time less what DynamoDB Local itself spent on that same
/// start's first request (the relay's measure, however many calls): the part that is ours.
/// Paired per start, not median less median: the database's time moves by milliseconds from
/// one start to the next.
fn own_part_of_cold(m: &Measurement) -> Duration {
    let own: Vec<Duration> = m
        .cold
        .iter()
        .zip(&m.cold_database)
        .map(|(cold, database)| cold.saturating_sub(*database))
        .collect();
    median(&own)
}

fn today() -> String {
    std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

fn node_version() -> String {
    std::process::Command::new("/usr/bin/node")
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "20".to_owned())
}

/// The release-profile comparison table (bench/profiles.sh).
pub fn profiles_table(
    rows: &[(String, u64, u64, Measurement)],
    cold: usize,
    warm: usize,
) -> String {
    let mut out = format!(
        "get-user built under each profile (x86_64; zip = the binary deflated, as Lambda's zip), {cold} cold \
         starts and {warm} warm calls each, by `bench/profiles.sh`:\n\n\
         | profile | binary MB | zip MB | init p50 ms | cold p50 / p99 ms | warm p50 ms | CPU per warm call µs | peak RSS MiB |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|\n"
    );
    for (name, size, zip, m) in rows {
        let _ = writeln!(
            out,
            "| {name} | {:.2} | {:.2} | {:.2} | {:.2} / {:.2} | {:.3} | {} | {:.1} |",
            *size as f64 / 1e6,
            *zip as f64 / 1e6,
            p50(&m.init),
            p50(&m.cold),
            p99(&m.cold),
            p50(&m.warm),
            m.cpu_per_warm.as_micros(),
            mib(m.peak_rss_kib),
        );
    }
    out
}

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

    #[test]
    fn each_cold_start_is_charged_with_its_own_database_time() {
        let ms = Duration::from_millis;
        let m = Measurement {
            cold: vec![ms(10), ms(20), ms(30)],
            cold_database: vec![ms(9), ms(1), ms(25)],
            ..Default::default()
        };
        // Ours: 1, 19 and 5 ms; the median of the medians' difference would say 20 - 9 = 11.
        assert_eq!(own_part_of_cold(&m), ms(5));
    }

    #[test]
    fn cost_bills_whole_milliseconds_at_the_memory_size() {
        // 2.3 ms at 128 MB bills 3 ms: 0.125 GB × 0.003 s × 1e6 = 375 GB-s.
        let gbs = gb_seconds_per_million(Duration::from_micros(2300), 128);
        assert!((gbs - 375.0).abs() < 1e-6, "{gbs}");
    }

    #[test]
    fn cpu_slows_by_the_share_and_waiting_does_not() {
        let at_full = duration_at(Duration::from_millis(10), Duration::from_millis(4), 1769);
        assert_eq!(at_full, Duration::from_millis(10));
        let at_half = duration_at(Duration::from_millis(10), Duration::from_millis(4), 884);
        assert!((ms(at_half) - 14.0).abs() < 0.05, "{at_half:?}");
    }

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
