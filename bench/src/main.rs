//! `make bench`: every function's release binary under a Lambda Runtime API emulator of our own,
//! beside the floor (a bare runtime) and the Node.js peer, over DynamoDB Local. Writes
//! BENCHMARKS.md and bench/cold-start.svg, and exits non-zero when a budget is missed.
//! What it reads from the environment: [`settings`].

mod arm64;
mod database;
mod emulator;
mod events;
mod functions;
mod hashing;
mod measure;
mod process;
mod procfs;
mod profiles;
mod relay;
mod report;
mod sdk;
mod settings;
mod sizes;
mod stats;

use std::path::{Path, PathBuf};

use shared::ExposeSecret;
use shared::auth::KeyDocument;
use shared::test_support::TestApp;

use events::{World, events, world};
use functions::{FUNCTIONS, HASHING, memory_mb};
use measure::{
    METRICS_OFF, Measurement, NODE_PREFIX, Subject, measure, measure_beside, measure_beside_floor,
};
use settings::Settings;

/// argon2id hashes timed beside each hashing function (of each kind: a warm process's, a new
/// process's first).
const HASH_SAMPLES_BESIDE: usize = 5;

/// `samples` warm argon2id hashes, back to back.
fn warm_hash_times(samples: usize) -> Vec<std::time::Duration> {
    let mut hasher = hashing::WarmHasher::new();
    hasher.time(samples);
    std::mem::take(&mut hasher.times)
}

fn main() {
    if std::env::var_os(arm64::SESSION_DIR).is_some() {
        return arm64::run_session();
    }
    if std::env::var_os(hashing::FIRST_HASH_MODE).is_some() {
        return hashing::first_hash_in_this_process();
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(run(Settings::from_env()));
}

async fn run(settings: Settings) {
    let Settings { cold, warm, .. } = settings;
    let app = TestApp::spawn().await;
    let world = world(&app).await;
    if let Some(profiles) = &settings.profiles {
        profiles::run(&app, &world, profiles, cold, warm).await;
        return;
    }

    let template = std::fs::read_to_string("template.yaml").unwrap_or_default();
    let floor = floor(&settings);
    eprintln!("[bench] floor");
    let mut results = vec![measure(&floor, &app.table)];
    let http_floor = http_floor(&settings, &app, &world).await;
    eprintln!("[bench] the floor with lambda_http, in turn with the floor");
    let http_floor = measure_beside(&http_floor, &floor, &app.table);
    report_failures(&http_floor, "floor-http");
    let mut metrics_off = Vec::new();
    let (mut argon2, mut argon2_first) = (Vec::new(), Vec::new());
    for function in FUNCTIONS.into_iter().filter(|f| settings.includes(f)) {
        let warm_count = settings.warm_count(function);
        eprintln!(
            "[bench] {function}: preparing {} events",
            cold + warm_count + 1
        );
        let subject = Subject {
            name: function.to_owned(),
            program: settings.bin_dir.join(function),
            args: vec![],
            memory_mb: memory_mb(&template, function),
            cold_events: events(&app, &world, function, cold, "cold").await,
            counted_events: events(&app, &world, function, cold, "second").await,
            warm_events: events(&app, &world, function, warm_count + 1, "warm").await,
            env: vec![],
        };
        eprintln!("[bench] {function}: measuring");
        let m = measure_beside_floor(&subject, &floor, &settings.bin_dir, &app.table);
        report_failures(&m, function);
        results.push(m);
        metrics_off.push(measure_metrics_off(&settings, &app, &world, subject).await);
        if HASHING.contains(&function) {
            // The hashers' budgets add a hash timed here, beside them: timed at the run's end it
            // met another machine (bench/notes.md, "The hash, timed beside the hashers").
            eprintln!("[bench] argon2id, beside {function}");
            argon2.extend(warm_hash_times(HASH_SAMPLES_BESIDE));
            argon2_first.extend(hashing::first_hash_times(HASH_SAMPLES_BESIDE));
        }
    }
    let peers = if settings.node {
        measure_node_peer(&settings, &app, &world, &template).await
    } else {
        Vec::new()
    };

    eprintln!("[bench] the SDK's own CPU per call (bench/sdk-loop)");
    let sdk = sdk::measure(&settings.bin_dir, &app.table, warm.clamp(200, 2000));
    eprintln!("[bench] DynamoDB Local's own latency, argon2id's");
    let database = database::latency(&app, &world.ada, cold.max(5), warm.clamp(50, 1000)).await;
    if argon2.is_empty() {
        argon2 = warm_hash_times(2 * HASH_SAMPLES_BESIDE);
        argon2_first = hashing::first_hash_times(2 * HASH_SAMPLES_BESIDE);
    }
    let zips = settings.zip_dir.as_deref().map(sizes::zip_sizes);
    let outcome = report::write(&report::Run {
        results: &results,
        metrics_off: &metrics_off,
        peers: &peers,
        http_floor: &http_floor,
        database: &database,
        argon2: &argon2,
        argon2_first: &argon2_first,
        sdk: &sdk,
        zips: zips.as_ref(),
        bin_dir: &settings.bin_dir,
        cold,
        warm,
        warm_hashing: settings.warm_hashing,
    });
    println!("{}", outcome.summary);
    if outcome.missed.is_empty() {
        eprintln!("[bench] every budget met; wrote BENCHMARKS.md and bench/cold-start.svg");
    } else {
        eprintln!("[bench] budgets missed (details in BENCHMARKS.md):");
        for missed in &outcome.missed {
            eprintln!("  - {missed}");
        }
        std::process::exit(1);
    }
}

/// The floor: a bare runtime answering `{}`, what every function is measured against (alone,
/// and one cold start beside each of every function's).
fn floor(settings: &Settings) -> Subject {
    Subject {
        name: "floor".into(),
        program: settings.bin_dir.join("floor"),
        args: vec![],
        memory_mb: 128,
        cold_events: vec!["{}".into(); settings.cold],
        counted_events: vec!["{}".into(); settings.cold],
        warm_events: vec!["{}".into(); settings.warm + 1],
        env: vec![],
    }
}

/// The floor with lambda_http's API Gateway handling (`bench/floor-http`), on get-product's
/// events (a public GET with a path parameter): what that handling costs before a route's code.
async fn http_floor(settings: &Settings, app: &TestApp, world: &World) -> Subject {
    let events = |count, label| events(app, world, "get-product", count, label);
    Subject {
        name: "floor-http".into(),
        program: settings.bin_dir.join("floor-http"),
        args: vec![],
        memory_mb: 128,
        cold_events: events(settings.cold, "floor-http-cold").await,
        counted_events: Vec::new(),
        warm_events: events(settings.warm + 1, "floor-http-warm").await,
        env: vec![],
    }
}

/// The same build with its metrics off (`METRICS_ENABLED=false`), for what observability
/// costs: every function's cold starts, and get-user's warm loop too.
async fn measure_metrics_off(
    settings: &Settings,
    app: &TestApp,
    world: &World,
    subject: Subject,
) -> Measurement {
    let function = subject.name.clone();
    let warm = if function == "get-user" {
        settings.warm + 1
    } else {
        0
    };
    // The same function with its metrics on, started in turn with the metrics-off one, and for
    // get-user warm in turn with it too.
    let on = Subject {
        cold_events: events(app, world, &function, settings.cold, "on-cold").await,
        counted_events: Vec::new(),
        warm_events: events(app, world, &function, warm, "on-warm").await,
        env: Vec::new(),
        name: function.clone(),
        program: subject.program.clone(),
        args: subject.args.clone(),
        memory_mb: subject.memory_mb,
    };
    let off = Subject {
        name: format!("{function} {METRICS_OFF}"),
        cold_events: events(app, world, &function, settings.cold, "off-cold").await,
        counted_events: Vec::new(),
        warm_events: events(app, world, &function, warm, "off-warm").await,
        env: vec![("METRICS_ENABLED".into(), "false".into())],
        ..subject
    };
    eprintln!("[bench] {function}: measuring with metrics off, in turn with metrics on");
    let m = measure_beside(&off, &on, &app.table);
    report_failures(&m, &off.name);
    m
}

/// The routes the seed's Node.js stack implements (bench/peers/node), measured like ours.
async fn measure_node_peer(
    settings: &Settings,
    app: &TestApp,
    world: &World,
    template: &str,
) -> Vec<Measurement> {
    let node_dir = Path::new("bench/peers/node");
    // The peer verifies access tokens with the current public key, as a JWK.
    let key_set = app
        .app
        .tokens
        .published_key_set()
        .await
        .expect("the key set is published");
    let jwk = serde_json::to_value(&key_set).expect("a key set serialises")["keys"][0].to_string();
    // Its login signs with the keys' secret documents, handed over rather than read from the
    // secret store as ours does: one read less in the peer's cold start.
    let documents = [
        ("ACCESS_TOKEN_KEY_DOCUMENT", app.keys.access.to_document()),
        ("REFRESH_TOKEN_KEY_DOCUMENT", app.keys.refresh.to_document()),
    ]
    .map(|(name, document)| (name.to_owned(), document.expose_secret().to_owned()));
    let mut peers = Vec::new();
    for function in report::NODE_ROUTES {
        if !settings.includes(function) {
            continue;
        }
        let (cold, warm_count) = (settings.cold, settings.warm_count(function));
        eprintln!("[bench] node {function}");
        let subject = Subject {
            name: format!("{NODE_PREFIX}{function}"),
            program: PathBuf::from("/usr/bin/node"),
            args: vec![
                node_dir.join("runtime.js").display().to_string(),
                function.to_owned(),
            ],
            memory_mb: memory_mb(template, function),
            cold_events: events(app, world, function, cold, "node-cold").await,
            counted_events: events(app, world, function, cold, "node-second").await,
            warm_events: events(app, world, function, warm_count + 1, "node-warm").await,
            env: [("ACCESS_TOKEN_PUBLIC_JWK".to_owned(), jwk.clone())]
                .into_iter()
                .chain(documents.iter().cloned())
                .collect(),
        };
        peers.push(measure_reporting_failures(&subject, app, &subject.name));
    }
    peers
}

fn measure_reporting_failures(subject: &Subject, app: &TestApp, label: &str) -> Measurement {
    let m = measure(subject, &app.table);
    report_failures(&m, label);
    m
}

fn report_failures(m: &Measurement, label: &str) {
    for failure in &m.failures {
        eprintln!("[bench] {label}: {failure}");
    }
}
