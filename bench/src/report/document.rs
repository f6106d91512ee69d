//! The text of BENCHMARKS.md: the method, the results, the budgets, the cost, and the notes
//! and comparisons kept in bench/ beside it.

use super::budgets::Verdicts;
use super::{Run, cost, node};
use crate::procfs::machine;
use crate::stats::{median, ms, p50, p99};

/// BENCHMARKS.md for `run`, with its results table and the budgets' verdicts.
pub fn render(run: &Run, table: &str, verdicts: &Verdicts) -> String {
    let Run {
        results,
        database,
        argon2,
        argon2_first,
        cold,
        warm,
        warm_hashing,
        ..
    } = *run;
    let ratios = node::table(run);
    let observability = super::results::observability_table(run);
    let http_floor = super::results::http_floor_paragraph(run);
    let budget_summary = verdicts.summary();
    let budget_rows = &verdicts.rows;
    let cost = cost::table(results);
    let argon2_hash = median(argon2);
    let argon2_first_hash = median(argon2_first);
    let login_cpu = cost::login_cpu(results, argon2_hash);
    let argon2_table = cost::login_at_memory_sizes(login_cpu);
    let db_first_get = median(&database.first_get);
    let db_first_sign_up = median(&database.first_sign_up);

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

    format!(
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
         - **init**: spawn → the first `GET /runtime/invocation/next` (everything `main` does before serving). \
           The init and cold budgets compare with the floor started alternately with the function, one floor \
           cold start beside each of the function's, before it and after it in turn, so both meet the machine as it is at that moment (its \
           speed drifts between runs and within one).\n\
         - **cold**: spawn → the first response posted (init plus the first request, with its first DynamoDB call \
           on a new connection). {cold} cold starts per subject, each a new process.\n\
         - **DynamoDB Local's own time**, per cold start: the functions reach DynamoDB Local through a \
           timing relay in their cold starts (`bench/src/relay.rs`), which records, per call, the request's first \
           byte reaching it → the response's last byte from DynamoDB Local. The cold budgets take that sum, the \
           database's part of the very same first request however many calls it made, from each cold start. \
           The relay's own hop stays in the cold figures; warm processes talk to DynamoDB Local directly.\n\
         - **DynamoDB calls per warm call**: after its timed first request, each cold start's process answers a \
           second, untimed one, whose calls the relay counts by operation (the request's `X-Amz-Target`); the count \
           most second requests made is the function's. The warm-CPU budget charges each call at the SDK's own CPU \
           for its operation, measured in the same run by `bench/sdk-loop`: the functions' DynamoDB client \
           (`shared::store::function_dynamodb_client`) alone on a current-thread runtime, calling DynamoDB Local in a \
           loop, the process's CPU per call over blocks of 50 calls, the median block's. It runs twice. Beside each \
           function, taking turns with its warm loop and the floor's (a block each), it makes the function's own \
           warm call's operations, a round of them per function call, through a relay that holds each response \
           back until the call has lasted as long as the function's calls of that operation did (DynamoDB Local's \
           time in the function's counted second requests, the median call's), and that round's CPU (the median \
           block's) is what the function's calls are charged: the machine's speed moves within minutes, and on this \
           VM a process pays in CPU for every millisecond it sleeps waiting (about 95 µs a millisecond, bench/notes.md), \
           so the SDK measured minutes later, on calls that waited less, met another machine. Alone, after the functions, each operation on its own: {sdk}; from these \
           come the rates per byte below, and the charge for any call the loop does not make. A response bigger than the loop's usual one (a list \
           route's page) is charged the rate the loop read a 20-item page at, for the bytes beyond; a request \
           bigger than the usual one (an order's transaction) the rate the loop sent an order of three lines at; \
           an operation with no rate of its own takes the mean of the others'. The relay counts the request and \
           response bodies of the counted second requests (medians).\n\
         - **The floor and the hash, in turn**: the floor's warm loop that takes turns with a function has each \
           of its answers accepted only after as long as the function's warm call waits on DynamoDB (the same \
           medians, summed over its calls): a process that sleeps mid-call runs slower after it, the floor's \
           runtime code as much as a function's (bench/notes.md, \"Waiting slows everything\"); each budget line \
           also gives the floor's own figure, alone and unheld. Beside create-user and login one argon2id hash \
           is timed a turn, in the harness, and the budget adds their median: hashes timed back to back find \
           their 19 MiB still in the cache, which a function's, between waits on DynamoDB Local, do not.\n\
         - **warm**: event handed to the waiting `GET /next` → response posted, {warm} sequential invocations \
           on one process after one warm-up call ({warm_hashing} for create-user and login, which hash or verify \
           a password on every call).\n\
         - **CPU per warm call**: the warm process's time on a CPU, all threads (the scheduler's \
           `se.sum_exec_runtime`, nanoseconds, from /proc/<pid>/task/*/sched), per invocation over each block of 50 \
           warm invocations; the median block's (a neighbour's burst on a shared VM makes a few blocks dearer). \
           *Of it in the kernel*: stime's share of utime + stime over the same loop; on loopback the kernel time \
           includes the receiving side's network stack (DynamoDB Local's, the emulator's), which runs in the sender's time.\n\
         - **peak RSS**: VmHWM of the warm process after its loop.\n\
         - **floor**: a bare `lambda_runtime` function answering `{{}}` (`bench/floor`), the least any \
           function can cost under this harness.\n\
         - **node …**: the seed's stack, get-user, create-user, login and create-order as Node.js {node} handlers \
           (AWS SDK v3, jsonwebtoken for the HS256 refresh token, Node's crypto for EdDSA, @node-rs/argon2 at the \
           same argon2id parameters; the same items, conditions and DynamoDB calls; its login is handed its signing \
           keys in the environment, where ours reads them from the secret store at start), run by a minimal runtime loop (`bench/peers/node`). The budgets \
           check that each answers the same statuses and makes the same calls a warm call as ours.\n\
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
         One argon2id hash (m=19456, t=2, p=1), timed right after each hashing function's measurements: {:.1} ms \
         in a process that has hashed before, {:.1} ms as a new process's first (p99 {:.1}), which also faults \
         in its 19 MiB of working memory.\n\n\
         {http_floor}\
         ### Observability's cost\n\n\
         Each function again, the same build with `METRICS_ENABLED=false` (logs as above; no X-Ray daemon, \
         so no subsegment is sent): what its metrics (the recorder, the DynamoDB call interceptor, one EMF \
         flush per request) add to init, and to get-user's warm CPU. Its cold starts take turns with as many \
         of the same function with metrics on, and the init compared is theirs.\n\n{observability}\n\
         ### Against the Node.js peer\n\n{ratios}\n\
         ## Budgets\n\n\
         `make bench` exits non-zero when one is missed. {budget_summary}\n\n\
         | | budget (medians) |\n|---|---|\n{budget_rows}\n\
         ## Cost\n\n\
         Lambda bills memory × duration (rounded up to 1 ms), plus a fee per request. The first columns use the \
         warm p50 on this machine, where the function has a whole core; at 128 MB Lambda gives {share128:.1} % of a \
         vCPU (a full one at 1769 MB), so the estimate slows the CPU part of a call (its measured CPU time) by \
         that share and keeps the waiting part. Both USD columns are ${usd} per GB-s (arm64) plus \
         ${requests:.2} per million requests, us-east-1 list prices as of {prices_as_of}; they leave out Lambda's \
         own overhead, API Gateway and DynamoDB. The first USD column is also written to `docs/CAPACITY.md` \
         when it exists.\n\n{cost}\n\
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
        sdk = sdk_said(run.sdk),
        usd = cost::ARM64_USD_PER_GB_SECOND,
        requests = cost::USD_PER_MILLION_REQUESTS,
        prices_as_of = cost::PRICES_AS_OF,
        share128 = cost::cpu_share(128) * 100.0,
    )
}

/// "GetItem 231 µs (0.3 KB read), Query 208 µs (0.4 KB read; 38 ns a byte read beyond), …"
/// per call, or that the loop did not run.
fn sdk_said(sdk: &crate::sdk::SdkCost) -> String {
    if sdk.per_call.is_empty() {
        return "not measured in this run".to_owned();
    }
    sdk.per_call
        .iter()
        .map(|(operation, cpu)| {
            let usual = sdk.usual.get(operation).copied().unwrap_or_default();
            let kb = |bytes: usize| bytes as f64 / 1000.0;
            let rate = match (
                sdk.per_response_byte.get(operation),
                sdk.per_request_byte.get(operation),
            ) {
                (Some(rate), _) => {
                    format!("; {rate:.0} ns a byte read beyond that, from a 20-item page")
                }
                (None, Some(rate)) => {
                    format!("; {rate:.0} ns a byte sent beyond that, from an order of three lines")
                }
                (None, None) => String::new(),
            };
            format!(
                "{operation} {} µs ({:.1} KB sent, {:.1} KB read{rate})",
                cpu.as_micros(),
                kb(usual.request),
                kb(usual.response)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
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
