//! End to end through `cargo lambda watch`: real HTTP on loopback to the contract's paths, the
//! router in Cargo.toml, the real binaries, DynamoDB Local. This is what `make dev` serves.

mod support;

use std::io::Read;

use serde_json::{Value, json};
use shared::test_support::TestApp;
use support::{Watch, agent};

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Value,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn send(request: ureq::RequestBuilder<ureq::typestate::WithBody>, body: Option<&Value>) -> Reply {
    let response = match body {
        Some(body) => request
            .header("content-type", "application/json")
            .send(body.to_string()),
        None => request.send_empty(),
    }
    .expect("the server answers");
    read(response)
}

fn read(mut response: ureq::http::Response<ureq::Body>) -> Reply {
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or_default().to_owned()))
        .collect();
    let mut text = String::new();
    response
        .body_mut()
        .as_reader()
        .read_to_string(&mut text)
        .unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).expect("JSON body")
    };
    Reply {
        status,
        headers,
        body,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_up_then_read_yourself_over_real_http() {
    // A table of its own, created from template.yaml like every test's.
    let app = TestApp::spawn().await;
    // Its output stays in `dir` (kept if an assertion fails) rather than in the test's.
    let dir = std::env::temp_dir().join(format!("e2e-{}", app.table));
    let watch = Watch::start(&dir, &app.table, "info", &[]);
    let http = agent();

    let created = tokio::task::block_in_place(|| {
        send(
            http.post(watch.url("/users")),
            Some(
                &json!({"name": "Grace Hopper", "email": "Grace@Example.com", "password": "COBOL forever"}),
            ),
        )
    });
    assert_eq!(created.status, 201, "{:?}", created.body);
    let id = created.body["data"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        created.header("location"),
        Some(format!("/users/{id}").as_str())
    );
    assert!(
        created
            .header("x-request-id")
            .is_some_and(|v| !v.is_empty())
    );
    assert_eq!(created.header("cache-control"), Some("no-store"));

    let user = app
        .app
        .store
        .find_user(&shared::domain::UserId::parse(&id).unwrap())
        .await
        .unwrap()
        .unwrap()
        .user;
    let token = app.token(&user);

    let read_back = tokio::task::block_in_place(|| {
        read(
            http.get(watch.url(&format!("/users/{id}")))
                .header("authorization", &format!("Bearer {token}"))
                .call()
                .unwrap(),
        )
    });
    assert_eq!(read_back.status, 200, "{:?}", read_back.body);
    assert_eq!(read_back.body["data"], created.body["data"]);

    let anonymous = tokio::task::block_in_place(|| {
        read(http.get(watch.url(&format!("/users/{id}"))).call().unwrap())
    });
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.body["code"], "UNAUTHENTICATED");

    let duplicate = tokio::task::block_in_place(|| {
        send(
            http.post(watch.url("/users")),
            Some(
                &json!({"name": "Impostor", "email": "grace@example.COM", "password": "COBOL forever"}),
            ),
        )
    });
    assert_eq!(
        (duplicate.status, duplicate.body["code"].as_str()),
        (409, Some("EMAIL_TAKEN"))
    );

    // Concurrent sign-ups run side by side in instances of their own, as in Lambda, instead of
    // queueing behind the one warm instance: more than one instance starts cold.
    let signups: Vec<_> = (0..6)
        .map(|i| {
            let (http, url) = (http.clone(), watch.url("/users"));
            std::thread::spawn(move || {
                let body = json!({"name": "Racer", "email": format!("racer{i}@example.com"), "password": "COBOL forever"});
                send(http.post(url), Some(&body)).status
            })
        })
        .collect();
    for signup in signups {
        assert_eq!(signup.join().unwrap(), 201);
    }
    let log = std::fs::read_to_string(dir.join("watch.log")).unwrap()
        + &std::fs::read_to_string(dir.join("watch.err")).unwrap();
    let cold_starts = without_colours(&log)
        .lines()
        .filter(|line| line.contains("route=POST /users") && line.contains("cold_start=true"))
        .count();
    assert!(
        cold_starts > 1,
        "create-user started {cold_starts} instance(s) for 7 sign-ups, 6 of them at once: \
         is [workspace.metadata.lambda.watch] concurrency set? (log: {})",
        dir.display()
    );

    drop(watch);
    let _ = std::fs::remove_dir_all(dir);
}

/// `text` without the ANSI colour codes the functions' text logs carry.
fn without_colours(text: &str) -> String {
    let mut plain = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            chars.by_ref().find(|&c| c == 'm');
        } else {
            plain.push(c);
        }
    }
    plain
}
