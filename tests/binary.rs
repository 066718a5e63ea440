//! The `alliance` binary as an operator runs it: `serve` killed with
//! SIGKILL right after an acknowledged command loses nothing; its logs never
//! hold a secret; `shell`, `check-config` and `manifest` behave; the shell
//! keeps its data apart from `serve`'s; a closed pipe ends any command
//! quietly.

mod common;

use alliance::slack::verify;
use common::fake_slack::FakeSlack;
use common::run_binary as run;
use common::served::{BIN, Server, printed_address, try_command};
use common::{FORM, SECRET, TEAM, now_unix, slash_body};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// Starts `alliance serve` on an ephemeral port, talking to `slack`, and
/// reads the address it prints.
fn serve(data: &Path, log: &str, slack: &FakeSlack) -> Server {
    serve_with(data, log, slack, &[])
}

/// [`serve`] with more arguments (a `--config FILE`).
fn serve_with(data: &Path, log: &str, slack: &FakeSlack, args: &[&str]) -> Server {
    Server::start(
        &[
            ("SLACK_SIGNING_SECRET", SECRET),
            ("SLACK_BOT_TOKEN", FakeSlack::TOKEN),
            ("SLACK_API_URL", &slack.base_url),
            ("ALLIANCE_DATA_DIR", data.to_str().unwrap()),
            ("ALLIANCE_LOG", log),
        ],
        args,
    )
}

async fn command(client: &reqwest::Client, addr: &str, user: &str, text: &str) -> (u16, String) {
    try_command(client, addr, user, text).await.unwrap()
}

#[tokio::test]
async fn an_acknowledged_proposal_survives_kill_9() {
    let data = tempfile::tempdir().unwrap();
    let client = common::http_client();
    let slack = FakeSlack::start().await;
    let mut server = serve(data.path(), "warn", &slack);
    let (status, body) = command(
        &client,
        &server.addr,
        "UMANAGER",
        "propose <@UMEMBER> rotational 18m Keep the lights on",
    )
    .await;
    assert_eq!(status, 200);
    assert!(body.contains("Proposed tour *#1*"), "{body}");
    server.child.kill().unwrap(); // SIGKILL: no shutdown, no flush
    server.child.wait().unwrap();

    let mut server = serve(data.path(), "warn", &slack);
    let (status, body) = command(&client, &server.addr, "UMEMBER", "show 1").await;
    assert_eq!(status, 200);
    assert!(
        body.contains("Keep the lights on") && body.contains("18 months from acceptance"),
        "{body}"
    );
    let (_, body) = command(&client, &server.addr, "UMEMBER", "accept 1").await;
    assert!(body.contains("You accepted tour *#1*"), "{body}");
    server.child.kill().unwrap();
    server.child.wait().unwrap();

    let mut server = serve(data.path(), "warn", &slack);
    let (_, body) = command(&client, &server.addr, "UMANAGER", "history 1").await;
    assert!(body.contains("accepted; the tour runs"), "{body}");
    // The real delivery loop sent the proposal DM and the acceptance, each
    // exactly once, across two SIGKILLs.
    let delivered = |key: &str| {
        slack
            .posted()
            .iter()
            .filter(|m| m.metadata_key.as_deref() == Some(key))
            .count()
    };
    for _ in 0..100 {
        if delivered("tour:1:proposal") > 0 && delivered("tour:1:accepted") > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        (delivered("tour:1:proposal"), delivered("tour:1:accepted")),
        (1, 1),
        "{:?}",
        slack.posted()
    );
    server.child.kill().unwrap();
    server.child.wait().unwrap();
}

#[tokio::test]
async fn logs_never_hold_secrets_signatures_response_urls_or_text() {
    let data = tempfile::tempdir().unwrap();
    let client = common::http_client();
    let slack = FakeSlack::start().await;
    let mut server = serve(data.path(), "trace", &slack);
    let (status, _) = command(
        &client,
        &server.addr,
        "UMANAGER",
        "propose <@UMEMBER> rotational 1y Very private mission words",
    )
    .await;
    assert_eq!(status, 200);
    // A forged request is logged as refused, without its signature.
    let forged = client
        .post(format!("http://{}/slack/events", server.addr))
        .header("content-type", FORM)
        .header(verify::TIMESTAMP_HEADER, now_unix().to_string())
        .header(
            verify::SIGNATURE_HEADER,
            "v0=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        )
        .body(slash_body("UEVE", "/tour", "list all"))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
    sigterm(&server.child);
    assert!(server.child.wait().unwrap().success(), "a graceful stop");
    // The reader thread sees the pipe close once the server is gone.
    let mut logs = String::new();
    for _ in 0..100 {
        logs = server.logs.lock().unwrap().clone();
        if logs.contains("stopped; store flushed") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(
        logs.contains("slash command") && logs.contains("refused a request"),
        "logging works at all: {logs}"
    );
    for secret in [
        SECRET,
        FakeSlack::TOKEN,
        "SECRET-RESPONSE-URL",
        "hooks.slack.com",
        "v0=0123456789abcdef",
        "Very private mission",
        "legacy-verification-token",
    ] {
        assert!(
            !logs.contains(secret),
            "{secret} leaked into the logs:\n{logs}"
        );
    }
}

/// Graceful stop, so the logs are complete.
fn sigterm(child: &Child) {
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn serve_refuses_to_start_without_a_signing_secret() {
    let data = tempfile::tempdir().unwrap();
    let (code, _, err) = run(
        &["serve"],
        &[("ALLIANCE_DATA_DIR", data.path().to_str().unwrap())],
        "",
    );
    assert_ne!(code, 0);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.contains("SLACK_SIGNING_SECRET is not set"), "{err}");
}

#[tokio::test]
async fn serve_for_mattermost_alone_needs_no_slack_secret_and_serves_no_slack_route() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(
        &[
            ("MATTERMOST_COMMAND_TOKENS", "mm-token"),
            ("ALLIANCE_DATA_DIR", data.path().to_str().unwrap()),
            ("ALLIANCE_LOG", "warn"),
        ],
        &[],
    );
    let client = common::http_client();
    // Slack's route is not there at all, signed or not: nothing is checked
    // against an empty key.
    let body = slash_body("UMANAGER", "/tour", "list");
    let signed = verify::sign(b"", &now_unix().to_string(), body.as_bytes());
    let slack = client
        .post(format!("http://{}/slack/events", server.addr))
        .header("content-type", FORM)
        .header(verify::TIMESTAMP_HEADER, now_unix().to_string())
        .header(verify::SIGNATURE_HEADER, signed)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(slack.status(), 404);
    let mattermost = |token: &'static str| {
        let body = serde_urlencoded::to_string([
            ("command", "/tour"),
            ("team_id", "ifjbhc7aqbbd3bhqzb6orpkkbh"),
            ("user_id", "hk7b3ydqwjgxbx6ijdmitqj9ah"),
            ("user_name", "boss"),
            ("text", "list"),
        ])
        .unwrap();
        client
            .post(format!("http://{}/mattermost/command", server.addr))
            .header("content-type", FORM)
            .header("authorization", format!("Token {token}"))
            .body(body)
            .send()
    };
    let answer = mattermost("mm-token").await.unwrap();
    assert_eq!(answer.status(), 200);
    let answer: serde_json::Value = answer.json().await.unwrap();
    assert!(
        answer["text"]
            .as_str()
            .unwrap()
            .contains("You have no tours yet"),
        "{answer}"
    );
    assert_eq!(mattermost("forged").await.unwrap().status(), 401);
}

#[tokio::test]
async fn a_shell_on_a_chosen_directory_keeps_its_tours_and_says_when_serve_holds_it() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_str().unwrap();
    let env = [("ALLIANCE_DATA_DIR", dir)];
    let (code, out, _) = run(
        &["shell", "--as", "UMANAGER"],
        &env,
        "/tour propose @UMEMBER foundational Keep the company's memory\n",
    );
    assert_eq!(code, 0);
    assert!(out.contains("Proposed tour *#1* to @UMEMBER"), "{out}");
    let (code, out, _) = run(
        &["shell", "--as", "UMEMBER", "--team", TEAM],
        &env,
        "/tour list\n/tour show 1\n",
    );
    assert_eq!(code, 0);
    assert!(
        out.contains("You have no tours yet."),
        "another workspace's shell sees nothing: {out}"
    );
    let (_, out, _) = run(
        &["shell", "--as", "UMEMBER"],
        &env,
        "/tour accept 1\n/tour show 1\n",
    );
    assert!(out.contains("open-ended since"), "{out}");

    let slack = FakeSlack::start().await;
    let server = serve(data.path(), "warn", &slack);
    let (code, _, err) = run(&["shell"], &env, "");
    assert_ne!(code, 0);
    assert!(err.contains("in use by another Alliance process"), "{err}");
    drop(server);
}

#[test]
fn check_config_redacts_secrets_and_reports_every_problem() {
    let env = [
        ("SLACK_SIGNING_SECRET", "shh-signing"),
        ("SLACK_BOT_TOKEN", "xoxb-shh"),
        ("ALLIANCE_ADMINS", "UADMIN"),
    ];
    let (code, out, _) = run(&["check-config"], &env, "");
    assert_eq!(code, 0);
    assert!(
        out.contains("admins = [\"UADMIN\"]")
            && out.contains("SLACK_SIGNING_SECRET: set (redacted)"),
        "{out}"
    );
    assert!(!out.contains("shh"), "{out}");

    let bad = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        bad.path(),
        "[server]\nlisten = \"nope\"\n[workspace]\nadmins = [\"bob\"]\n",
    )
    .unwrap();
    let (code, _, err) = run(
        &["check-config", "--config", bad.path().to_str().unwrap()],
        &[],
        "",
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("server.listen") && err.contains("`bob`"),
        "{err}"
    );
}

#[test]
fn manifest_is_ready_to_paste() {
    let (code, out, _) = run(
        &["manifest", "--url", "https://alliance.example.org"],
        &[],
        "",
    );
    assert_eq!(code, 0);
    let manifest: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        manifest["settings"]["interactivity"]["request_url"],
        "https://alliance.example.org/slack/events"
    );
    let (code, _, err) = run(
        &["manifest", "--url", "http://insecure.example.org"],
        &[],
        "",
    );
    assert_ne!(code, 0);
    assert!(err.contains("https://"), "{err}");
    // Socket Mode: no URL to give, none in the manifest.
    let (code, out, _) = run(&["manifest", "--socket"], &[], "");
    assert_eq!(code, 0);
    let manifest: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(manifest["settings"]["socket_mode_enabled"], true);
    assert!(
        !out.contains("request_url") && !out.contains("/slack/events"),
        "{out}"
    );
    let (code, _, err) = run(&["manifest"], &[], "");
    assert_ne!(code, 0, "a URL or --socket: {err}");
}

#[tokio::test]
async fn reminders_and_outbox_show_what_would_be_sent_without_sending() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_str().unwrap();
    let env = [("ALLIANCE_DATA_DIR", dir)];
    run(
        &["shell", "--as", "UMANAGER"],
        &env,
        "/tour propose @UMEMBER rotational 1y Keep the lights on\n",
    );

    let (code, out, _) = run(&["outbox"], &env, "");
    assert_eq!(code, 0);
    assert!(
        out.contains("pending  TLOCAL  tour:1:proposal  → UMEMBER"),
        "{out}"
    );

    let in_four_days = (chrono::Utc::now() + chrono::Duration::days(4)).to_rfc3339();
    let (code, out, _) = run(&["reminders", "--at", &in_four_days], &env, "");
    assert_eq!(code, 0);
    assert!(
        out.contains("Reminders due by")
            && out.contains("proposal #1 is waiting for an answer")
            && out.contains("      → @UMEMBER: "),
        "{out}"
    );
    assert!(!out.contains("→ @UMANAGER"), "six days are not up: {out}");
    assert!(!out.contains("  waiting  "), "words, not keys: {out}");
    assert!(out.contains("Nothing was sent"), "{out}");
    // A plain date is the end of that day.
    let day = (chrono::Utc::now() + chrono::Duration::days(3)).date_naive();
    let (code, out, _) = run(&["reminders", "--at", &day.to_string()], &env, "");
    assert_eq!(code, 0);
    assert!(
        out.contains(&format!("Reminders due by {day} 23:59 UTC (1)"))
            && out.contains("proposal #1 is waiting"),
        "{out}"
    );
    let (_, out, _) = run(&["outbox"], &env, "");
    assert!(
        out.contains("pending  TLOCAL  tour:1:proposal"),
        "still pending: {out}"
    );

    // A tick fired it and the bot stopped before its worker made it a
    // message: it is still listed, whatever the time asked about.
    {
        let store = alliance::store::Store::open(data.path(), 8 << 20).unwrap();
        let at = chrono::DateTime::parse_from_rfc3339(&in_four_days).unwrap();
        assert_eq!(
            alliance::scheduler::tick(&store, at.into()).unwrap().fired,
            1
        );
    }
    let now = chrono::Utc::now().to_rfc3339();
    // sled lets go of its file lock a moment after the store is dropped.
    let out = (0..100)
        .find_map(|_| {
            let (code, out, err) = run(&["reminders", "--at", &now], &env, "");
            if err.contains("in use by another") {
                std::thread::sleep(std::time::Duration::from_millis(20));
                return None;
            }
            assert_eq!(code, 0, "{err}");
            Some(out)
        })
        .expect("the store was let go");
    assert!(
        out.contains("proposal #1 is waiting for an answer"),
        "{out}"
    );

    // Once the proposal is answered, the waiting reminders are no longer owed.
    run(&["shell", "--as", "UMEMBER"], &env, "/tour accept 1\n");
    let (_, out, _) = run(&["reminders", "--at", &in_four_days], &env, "");
    assert!(
        out.contains("Reminders due by") && !out.contains("is waiting for an answer"),
        "{out}"
    );

    let (code, _, err) = run(&["reminders", "--at", "tomorrow"], &env, "");
    assert_eq!(code, 2, "a mistake of the operator's");
    assert!(
        err.contains("a date like 2026-12-01") && err.contains("RFC 3339"),
        "{err}"
    );

    let slack = FakeSlack::start().await;
    let server = serve(data.path(), "warn", &slack);
    let (code, _, err) = run(&["reminders"], &env, "");
    assert_ne!(code, 0);
    assert!(err.contains("is `alliance serve` running?"), "{err}");
    drop(server);
}

#[test]
fn reminders_name_each_series_with_when_it_goes_and_comes_next_and_the_last_day() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_str().unwrap();
    let env = [("ALLIANCE_DATA_DIR", dir)];
    let today = chrono::Utc::now().date_naive();
    let last_day = today + chrono::Duration::days(20);
    let (code, _, err) = run(
        &["shell", "--as", "UMANAGER"],
        &env,
        &format!(
            "/tour propose @UMEMBER rotational 1y Keep the lights on\n/as UMEMBER\n/tour accept 1\n\
             /tour leave 1 successor @USUCC on {last_day} Runbook in the wiki\n"
        ),
    );
    assert_eq!(code, 0, "{err}");
    let by = today + chrono::Duration::days(21);
    let (code, out, err) = run(&["reminders", "--at", &by.to_string()], &env, "");
    assert_eq!(code, 0, "{err}");
    for words in [
        "the handover checklist of #1 (weekly, until the last day)",
        "whether to join the alumni network (#1)",
        "the last day of #1: the tour ends (not a message)",
        "for @UMEMBER and @UMANAGER",
        "(UTC, the default zone)",
    ] {
        assert!(out.contains(words), "{words}: {out}");
    }
    // The weekly checklist: to both, and once more a week later.
    let week = (today + chrono::Duration::days(14)).to_string();
    assert!(out.contains(&format!("next: {week}")), "{out}");
    for key in ["handover:w", "alumni-ask", "exit"] {
        assert!(!out.contains(key), "no internal key {key}: {out}");
    }
}

/// Runs the binary in `dir` (its working directory), with only `env`.
fn run_in(dir: &Path, args: &[&str], env: &[(&str, &str)], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env_clear()
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn the_shell_keeps_its_data_apart_from_serve() {
    let cwd = tempfile::tempdir().unwrap();
    let (code, out, err) = run_in(
        cwd.path(),
        &["shell", "--as", "UMANAGER"],
        &[],
        "/tour propose @UMEMBER rotational 1y Try it out\n",
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Proposed tour *#1*"), "{out}");
    assert!(
        cwd.path().join("shell-data").is_dir() && !cwd.path().join("data").exists(),
        "the shell's trial data is in ./shell-data, not serve's ./data"
    );
    // What `serve` and the operator commands read by default owes nobody
    // anything: the trial message cannot reach a real workspace.
    let (code, out, err) = run_in(cwd.path(), &["outbox"], &[], "");
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("Outbox: 0 entries"), "{out}");
    let (_, out, _) = run_in(cwd.path(), &["outbox", "--data", "shell-data"], &[], "");
    assert!(out.contains("tour:1:proposal  → UMEMBER"), "{out}");
    // The next session says what is owed, and shows it when asked.
    let (_, out, _) = run_in(
        cwd.path(),
        &["shell", "--as", "UMEMBER"],
        &[],
        "/outbox\n/press Accept\n",
    );
    assert!(
        out.contains("1 message from earlier sessions is owed here (the shell sends nothing); /outbox shows it."),
        "{out}"
    );
    assert!(
        out.contains("┌ DM to @UMEMBER") && out.contains("You pressed [1 Accept]."),
        "{out}"
    );

    // --data chooses for both, and wins over ALLIANCE_DATA_DIR.
    let env = [("ALLIANCE_DATA_DIR", "elsewhere")];
    let (code, _, err) = run_in(
        cwd.path(),
        &["shell", "--data", "chosen", "--as", "UMANAGER"],
        &env,
        "/tour propose @UMEMBER rotational 1y Chosen\n",
    );
    assert_eq!(code, 0, "{err}");
    let (_, out, _) = run_in(cwd.path(), &["--data", "chosen", "outbox"], &env, "");
    assert!(out.contains("tour:1:proposal"), "{out}");
    assert!(!cwd.path().join("elsewhere").exists());
}

/// Runs the binary as `alliance … | head -0` would: the reader of its
/// standard output is gone before it writes. Returns the exit code and
/// what it wrote to standard error.
fn run_into_closed_pipe(args: &[&str], env: &[(&str, &str)], stdin: &str) -> (i32, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .env_clear()
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut sink = child.stdin.take().unwrap();
    let input = stdin.to_string();
    // The child may stop reading its input once its output is gone.
    let feeder = std::thread::spawn(move || {
        use std::io::Write;
        let _ = sink.write_all(input.as_bytes());
    });
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_closed_pipe_ends_every_command_quietly() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_str().unwrap();
    let env = [("ALLIANCE_DATA_DIR", dir)];
    // More than a pipe holds, whichever listing it is.
    let proposals: String = (1..=700)
        .map(|i| {
            format!("/tour propose @UMEMBER rotational 1y Mission {i} of a store big enough\n")
        })
        .collect();
    let (code, _, err) = run(&["shell", "--as", "UMANAGER"], &env, &proposals);
    assert_eq!(code, 0, "{err}");
    let later = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    let commands: [&[&str]; 8] = [
        &["outbox"],
        &["reminders", "--at", &later],
        &["export"],
        &["export", "--format", "csv"],
        &["check-config"],
        &["manifest", "--url", "https://alliance.example.org"],
        &["shell"],
        &["erase", "--person", "UNOBODY"],
    ];
    for args in commands {
        let (code, err) = run_into_closed_pipe(args, &env, "/tour list\n/tour show 1\n");
        assert_eq!((code, err.as_str()), (0, ""), "alliance {args:?}");
    }
}

#[test]
fn an_error_writing_the_output_is_said_once() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_str().unwrap();
    let env = [("ALLIANCE_DATA_DIR", dir)];
    let proposals: String = (1..=300)
        .map(|i| format!("/tour propose @UMEMBER rotational 1y Mission {i}\n"))
        .collect();
    run(&["shell", "--as", "UMANAGER"], &env, &proposals);
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = Command::new(BIN)
        .arg("export")
        .env_clear()
        .envs(env)
        .stdout(full)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(err.matches("No space left on device").count(), 1, "{err}");
}

#[test]
fn check_config_prints_a_complete_config_that_round_trips() {
    let work = tempfile::tempdir().unwrap();
    let env = [
        ("SLACK_SIGNING_SECRET", "shh-signing"),
        ("SLACK_BOT_TOKEN", "xoxb-shh"),
        ("ALLIANCE_ADMINS", "UADMIN,UPEOPLE"),
    ];
    let (code, first, err) = run(&["check-config"], &env, "");
    assert_eq!(code, 0, "{err}");
    assert!(!first.contains("shh"), "{first}");
    let printed: toml::Table = first.parse().unwrap_or_else(|e| panic!("{e}\n{first}"));
    let defaults: toml::Table = alliance::config::DEFAULT_TOML.parse().unwrap();
    for (section, keys) in &defaults {
        for key in keys.as_table().unwrap().keys() {
            assert!(
                printed.get(section).and_then(|s| s.get(key)).is_some(),
                "{section}.{key} is missing:\n{first}"
            );
        }
    }
    assert_eq!(
        printed["workspace"]["admins"],
        toml::Value::Array(vec!["UADMIN".into(), "UPEOPLE".into()])
    );
    let a = work.path().join("a.toml");
    std::fs::write(&a, &first).unwrap();
    let (code, second, err) = run(&["check-config", "--config", a.to_str().unwrap()], &env, "");
    assert_eq!(code, 0, "its own output is a valid config file: {err}");
    assert_eq!(first, second);

    // A changed setting survives the trip as it was set.
    let changed = work.path().join("changed.toml");
    std::fs::write(
        &changed,
        "[reminders]\nworking_days = [\"mon\", \"tue\"]\nworking_hours_end = \"17:30\"\n\
         [slack]\nmessages_per_minute = 30\n",
    )
    .unwrap();
    let (code, third, err) = run(
        &["check-config", "--config", changed.to_str().unwrap()],
        &[],
        "",
    );
    assert_eq!(code, 0, "{err}");
    let read: toml::Table = third.parse().unwrap();
    assert_eq!(
        read["reminders"]["working_hours_end"].as_str(),
        Some("17:30")
    );
    assert_eq!(read["slack"]["messages_per_minute"].as_integer(), Some(30));
    std::fs::write(&a, &third).unwrap();
    let (_, fourth, _) = run(&["check-config", "--config", a.to_str().unwrap()], &[], "");
    assert_eq!(third, fourth);
}

#[test]
fn every_config_problem_is_reported_with_its_file_and_line() {
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("my.toml");
    std::fs::write(
        &file,
        "[server]\nlisten = \"nowhere\"\n\n[reminders]\nworkng_hours = \"09:00\"\n\
         chekin_every_months = 2\n[store]\ncache_capacity_mb = \"big\"\n[slak]\napi_url = \"x\"\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let (code, _, err) = run(&["check-config", "--config", path], &[], "");
    assert_eq!(code, 2, "{err}");
    for expected in [
        format!("{path}:2: server.listen: `nowhere` is not an address"),
        format!("{path}:5: unknown key \"workng_hours\" in [reminders]"),
        format!(
            "{path}:6: unknown key \"chekin_every_months\" in [reminders] (did you mean \"checkin_every_months\"?)"
        ),
        format!("{path}:8: store.cache_capacity_mb must be an integer, not a string"),
        format!("{path}:9: unknown section [slak] (did you mean [slack]?)"),
    ] {
        assert!(err.contains(&expected), "{expected}\n{err}");
    }
    assert_eq!(err.lines().count(), 6, "a heading and one line each: {err}");
}

/// Waits (polling the fake Slack, never the bot) until `done` holds.
async fn until(what: &str, limit_secs: u64, done: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(limit_secs);
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "gave up waiting: {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

fn dir_size(dir: &Path) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let meta = entry.metadata().unwrap();
        total += if meta.is_dir() {
            dir_size(&entry.path())
        } else {
            meta.len()
        };
    }
    total
}

/// The first morning of a month, or the first start after a day's outage:
/// thousands of reminders due at once. The real binary drains them, a
/// SIGKILL in the middle loses and doubles nothing, a proposal made during
/// the drain overtakes the reminders still waiting, and the store does not
/// grow with the backlog.
#[tokio::test]
async fn a_backlog_of_5000_reminders_drains_once_across_a_sigkill_with_answers_first() {
    use alliance::domain::{TeamId, Term, Tour, TourKind, UserId};
    use alliance::store::outbox::OutboxState;
    const N: usize = 5_000;
    let data = tempfile::tempdir().unwrap();
    let now = chrono::Utc::now();
    {
        // Tours proposed three days and an hour ago, their proposals long
        // delivered: every member's "proposal waiting" is due.
        let store = alliance::store::Store::open(data.path(), 16 << 20).unwrap();
        let loader = store.bulk_loader();
        let team = TeamId::parse(TEAM).unwrap();
        let proposed = now - chrono::Duration::days(3) - chrono::Duration::hours(1);
        for i in 0..N {
            let manager = UserId::parse(&format!("UBOSS{:03}", i % 100)).unwrap();
            let member = UserId::parse(&format!("UB{i:04}")).unwrap();
            loader
                .create_tour(&team, |id| {
                    let kind = TourKind::Rotational;
                    Tour::propose(
                        id,
                        &manager,
                        &member,
                        kind,
                        Term::Months(12),
                        "Run it",
                        proposed,
                    )
                })
                .unwrap()
                .unwrap();
        }
        for mut e in loader.outbox_all().unwrap() {
            let channel = format!("D{}", e.recipient());
            e.state = OutboxState::Sent {
                at: proposed,
                channel,
                ts: "1.000001".into(),
            };
            loader.outbox_note(&e).unwrap();
        }
        loader.flush().unwrap();
    }
    let before = dir_size(data.path());
    // Fast pacing (a loopback Slack), every day a working day, everyone in a
    // zone where it is about noon.
    let config = data.path().join("fast.toml");
    std::fs::write(
        &config,
        "[slack]\nmessages_per_minute = 60000\nper_channel_interval_ms = 100\n\n\
         [reminders]\nworking_days = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\", \"sun\"]\n",
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let slack = FakeSlack::start().await;
    let offset = 12 - i64::from(chrono::Timelike::hour(&now));
    slack.set_default_tz(&format!("Etc/GMT{:+}", -offset));
    let reminders = || {
        slack.count_posted(|m| {
            m.metadata_key
                .as_deref()
                .is_some_and(|k| k.contains(":waiting:"))
        })
    };

    let mut server = serve_with(data.path(), "warn", &slack, &["--config", config]);
    until("a fifth sent", 120, || reminders() >= N / 5).await;
    server.child.kill().unwrap(); // SIGKILL in the middle of the drain
    server.child.wait().unwrap();
    assert!(reminders() < N, "all sent before the kill");

    let server = serve_with(data.path(), "warn", &slack, &["--config", config]);
    until("two fifths sent", 120, || reminders() >= 2 * N / 5).await;
    let client = common::http_client();
    let (status, _) = command(
        &client,
        &server.addr,
        "UNEWBOSS",
        "propose <@UNEWBIE> rotational 1y Run the help desk",
    )
    .await;
    assert_eq!(status, 200);
    let waiting_at_command = N - reminders();
    until("the proposal and every reminder", 180, || {
        reminders() >= N && slack.count_posted(|m| m.channel == "DUNEWBIE") > 0
    })
    .await;
    sigterm(&server.child);

    let posted = slack.posted();
    let mut per_key: std::collections::HashMap<&str, usize> = Default::default();
    for m in &posted {
        *per_key
            .entry(m.metadata_key.as_deref().unwrap_or(""))
            .or_default() += 1;
    }
    let waiting: Vec<_> = per_key
        .iter()
        .filter(|(k, _)| k.contains(":waiting:"))
        .collect();
    assert_eq!(waiting.len(), N, "every reminder went out");
    let twice: Vec<_> = waiting.iter().filter(|(_, n)| **n != 1).collect();
    assert!(twice.is_empty(), "sent more than once: {twice:?}");
    let proposal = posted.iter().position(|m| m.channel == "DUNEWBIE").unwrap();
    let after_it = posted[proposal..]
        .iter()
        .filter(|m| {
            m.metadata_key
                .as_deref()
                .is_some_and(|k| k.contains(":waiting:"))
        })
        .count();
    assert!(
        after_it * 10 >= waiting_at_command * 9,
        "the proposal waited: only {after_it} of the {waiting_at_command} reminders waiting when it was made came after it"
    );
    let logs = server.logs.lock().unwrap().clone();
    assert!(!logs.contains("panicked"), "{logs}");
    // sled writes a log and reclaims it: the store may grow by what it now
    // holds (5,000 more sent entries), not with every pass over the backlog.
    let after = dir_size(data.path());
    eprintln!("store before the drain: {before} bytes, after: {after} bytes");
    assert!(
        after < before * 3 + (32 << 20),
        "the store grew from {before} to {after} bytes"
    );
}

/// Someone tried the bot in the shell on `serve`'s own data directory (with
/// `--data`), then started `serve` with a real token: the trial messages
/// belong to the shell's workspace, are counted once at start, never posted,
/// and `alliance outbox` says so.
#[tokio::test]
async fn serve_never_posts_what_is_owed_to_another_workspace() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_str().unwrap();
    let (code, _, err) = run(
        &["shell", "--data", dir, "--as", "UMANAGER"],
        &[],
        "/tour propose @UMEMBER rotational 1y Try it out\n",
    );
    assert_eq!(code, 0, "{err}");
    let slack = FakeSlack::start().await;
    let server = serve(data.path(), "warn", &slack);
    let client = common::http_client();
    let (status, _) = command(
        &client,
        &server.addr,
        "UBOSS",
        "propose <@UREAL> rotational 1y The real thing",
    )
    .await;
    assert_eq!(status, 200);
    until("the real proposal", 30, || {
        slack.count_posted(|m| m.channel == "DUREAL") == 1
    })
    .await;
    sigterm(&server.child);
    let logs = server.logs.lock().unwrap().clone();
    let warned: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("belong to other workspaces"))
        .collect();
    assert_eq!(warned.len(), 1, "one warn line at start: {logs}");
    assert!(warned[0].contains("owed=1"), "{}", warned[0]);
    assert_eq!(
        slack.count_posted(|m| m.channel != "DUREAL"),
        0,
        "nothing of the shell's reached Slack"
    );
    drop(server);
    let out = (0..100)
        .find_map(|_| {
            let (code, out, err) = run(&["outbox", "--data", dir], &[], "");
            if err.contains("in use by another") {
                std::thread::sleep(std::time::Duration::from_millis(20));
                return None;
            }
            assert_eq!(code, 0, "{err}");
            Some(out)
        })
        .expect("the store was let go");
    assert!(
        out.contains("TLOCAL  answers    1 message, oldest ready since")
            && out.contains("not the workspace of the bot token (T0TEST): kept, never sent"),
        "{out}"
    );
    assert!(
        out.contains("pending  TLOCAL  tour:1:proposal  → UMEMBER"),
        "{out}"
    );
}

#[tokio::test]
async fn serve_keeps_answering_when_its_log_pipe_closes() {
    // `alliance serve 2>&1 | head -1`: the reader of the logs goes away.
    // Its stderr is a pipe whose read end is closed at once.
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .arg("serve")
        .env_clear()
        .env("SLACK_SIGNING_SECRET", SECRET)
        .env("ALLIANCE_LISTEN", "127.0.0.1:0")
        .env("ALLIANCE_DATA_DIR", data.path())
        .env("ALLIANCE_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    let addr = printed_address(&mut child);
    let client = common::http_client();
    // Each command logs a line into the closed pipe; the bot keeps going.
    for _ in 0..3 {
        let (status, _) = command(&client, &addr, "UMANAGER", "list").await;
        assert_eq!(status, 200);
    }
    let healthz = client
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(healthz.status(), 200);
    assert!(
        child.try_wait().unwrap().is_none(),
        "serve is still running"
    );
    let _ = child.kill();
    let _ = child.wait();
}
