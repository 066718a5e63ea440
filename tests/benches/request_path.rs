//! The request path, measured: signature check, parse, dispatch and Block
//! Kit rendering of `/tour list` for a manager with 20 tours, in a sled store
//! of 100,000 tours; the same answer rendered as Mattermost Markdown. Run with `cargo bench`; the README keeps the figures.
//!
//! A small harness instead of criterion (which would add ~40 crates to every
//! test build): warm up, then time batches and report the median and the
//! best batch, in microseconds per request.

#[path = "support.rs"]
mod support;

use alliance::clock::Clock;
use alliance::commands::Engine;
use alliance::config::Secret;
use alliance::domain::TeamId;
use alliance::slack::http::{Answer, AppState, respond};
use alliance::slack::verify;
use axum::http::{HeaderMap, HeaderValue};
use chrono::{DateTime, Utc};
use std::hint::black_box;
use std::time::Instant;

const SECRET: &str = "bench-signing-secret";

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = support::open_store(dir.path(), 64 << 20);
    let now: DateTime<Utc> = Utc::now();
    let team = TeamId::parse("T0BENCH").unwrap();
    let loading = Instant::now();
    support::load(&store, &team, now);
    println!("store: {}", support::backend());
    eprintln!(
        "loaded {} tours in {:.1} s",
        support::tours(),
        loading.elapsed().as_secs_f64()
    );

    let state = AppState {
        engine: Engine::new(store, Default::default()),
        signing_secret: Some(Secret::new(SECRET)),
        clock: Clock::System,
        wake: Default::default(),
        api: None,
        metrics: None,
        answer_budget: alliance::slack::http::ANSWER_BUDGET,
        sockets: None,
    };
    let ts = now.timestamp().to_string();
    let request = |text: &str| {
        let body = serde_urlencoded::to_string([
            ("token", "x"),
            ("team_id", "T0BENCH"),
            ("user_id", "UBOSS"),
            ("command", "/tour"),
            ("text", text),
            (
                "response_url",
                "https://hooks.slack.com/commands/T0BENCH/1/x",
            ),
            ("trigger_id", "1.2.3"),
        ])
        .unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            "content-type",
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        headers.insert(
            verify::TIMESTAMP_HEADER,
            HeaderValue::from_str(&ts).unwrap(),
        );
        let sig = verify::sign(SECRET.as_bytes(), &ts, body.as_bytes());
        headers.insert(
            verify::SIGNATURE_HEADER,
            HeaderValue::from_str(&sig).unwrap(),
        );
        (headers, body.into_bytes())
    };

    let (list_headers, list_body) = request("list");
    match respond(&state, &list_headers, &list_body, now).0 {
        Answer::Json(body) => {
            let rows = String::from_utf8_lossy(&body)
                .matches("no objectives yet")
                .count();
            assert_eq!(rows, 20, "the manager's list shows 20 tours");
        }
        other => panic!("unexpected answer {other:?}"),
    }
    let (show_headers, show_body) = request("show 50000");

    bench("verify signature only", || {
        verify::verify(
            SECRET.as_bytes(),
            Some(&ts),
            list_headers
                .get(verify::SIGNATURE_HEADER)
                .and_then(|v| v.to_str().ok()),
            &list_body,
            now.timestamp(),
        )
        .is_ok()
    });
    bench("/tour list (manager, 20 of 100k tours)", || {
        respond(&state, &list_headers, &list_body, now)
    });
    bench("/tour show (not visible: no such tour)", || {
        respond(&state, &show_headers, &show_body, now)
    });
    // The same answer as Mattermost gets it: the engine's, then Markdown
    // (Mattermost verifies a token, not a signature: nothing to add).
    let list = alliance::commands::Request {
        team: team.clone(),
        user: alliance::domain::UserId::parse("UBOSS").unwrap(),
        command: "/tour".into(),
        text: "list".into(),
    };
    let no_names = |_: &alliance::domain::UserId| None;
    let markdown = alliance::mattermost::render::Renderer {
        username: &no_names,
        actions_url: "",
        secret: b"",
    };
    bench("/tour list, answered as Mattermost Markdown", || {
        markdown.render(&state.engine.handle(&list, now))
    });
    // A write: one transaction, flushed to disk before the answer.
    let (propose_headers, propose_body) = request("propose <@UNEW> rotational 1y Run support");
    bench_n("/tour propose (write, flushed to disk)", 5, 100, || {
        respond(&state, &propose_headers, &propose_body, now)
    });
}

fn bench<T>(name: &str, f: impl FnMut() -> T) {
    bench_n(name, 15, 2000, f)
}

fn bench_n<T>(name: &str, batches: usize, per_batch: usize, mut f: impl FnMut() -> T) {
    for _ in 0..per_batch {
        black_box(f());
    }
    let mut per_request: Vec<f64> = (0..batches)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..per_batch {
                black_box(f());
            }
            start.elapsed().as_secs_f64() * 1e6 / per_batch as f64
        })
        .collect();
    per_request.sort_by(f64::total_cmp);
    println!(
        "{name:<45} median {:>8.2} µs/request   best batch {:>8.2} µs   ({batches} × {per_batch})",
        per_request[batches / 2],
        per_request[0]
    );
}
