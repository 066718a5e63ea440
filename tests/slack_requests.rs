//! What reaches `POST /slack/events`, good and bad: signatures (missing,
//! wrong, stale, future), body size, malformed bodies and payloads, Events
//! API envelopes, interactivity and Slack's SSL check. After every bad
//! request nothing is written and the server still answers.

mod common;

use alliance::slack::verify;
use common::{ADMIN, Bot, FORM, SECRET, slash_body};

const PROPOSE: &str = "propose <@UMEMBER> rotational 1y Run the support rotation";

/// Nothing was written: the admin sees no tour at all.
async fn assert_nothing_written(bot: &Bot) {
    let all = bot.tour(ADMIN, "list all").await;
    assert!(
        all.contains("No tours in this workspace yet."),
        "{}",
        all.text()
    );
    assert_eq!(
        bot.client
            .get(bot.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn forged_stale_and_future_requests_get_401_and_change_nothing() {
    let bot = Bot::start().await;
    let body = slash_body("UMANAGER", "/tour", PROPOSE);
    let ts = bot.now().timestamp().to_string();
    let good = verify::sign(SECRET.as_bytes(), &ts, body.as_bytes());
    let post = |headers: Vec<(&'static str, String)>, body: String| {
        let mut req = bot
            .client
            .post(bot.url("/slack/events"))
            .header("content-type", FORM)
            .body(body);
        for (k, v) in headers {
            req = req.header(k, v);
        }
        req.send()
    };
    type Case = (&'static str, Vec<(&'static str, String)>, String);
    let cases: Vec<Case> = vec![
        ("unsigned", vec![], body.clone()),
        (
            "no timestamp",
            vec![(verify::SIGNATURE_HEADER, good.clone())],
            body.clone(),
        ),
        (
            "no signature",
            vec![(verify::TIMESTAMP_HEADER, ts.clone())],
            body.clone(),
        ),
        (
            "wrong secret",
            vec![
                (verify::TIMESTAMP_HEADER, ts.clone()),
                (
                    verify::SIGNATURE_HEADER,
                    verify::sign(b"not-the-secret", &ts, body.as_bytes()),
                ),
            ],
            body.clone(),
        ),
        (
            "tampered body",
            vec![
                (verify::TIMESTAMP_HEADER, ts.clone()),
                (verify::SIGNATURE_HEADER, good.clone()),
            ],
            body.replace("rotational", "foundational"),
        ),
        (
            "garbage signature",
            vec![
                (verify::TIMESTAMP_HEADER, ts.clone()),
                (verify::SIGNATURE_HEADER, "v0=nothex".into()),
            ],
            body.clone(),
        ),
        (
            "timestamp not a number",
            vec![
                (verify::TIMESTAMP_HEADER, "yesterday".into()),
                (verify::SIGNATURE_HEADER, good.clone()),
            ],
            body.clone(),
        ),
    ];
    for (what, headers, body) in cases {
        let response = post(headers, body).await.unwrap();
        assert_eq!(response.status(), 401, "{what}");
        let text = response.text().await.unwrap();
        assert!(
            !text.contains(&good) && !text.contains(SECRET),
            "{what}: the answer reveals nothing"
        );
    }
    for (what, skew) in [("stale", -301), ("future", 301)] {
        let response = bot
            .post_signed_at(body.as_bytes(), FORM, bot.now().timestamp() + skew)
            .await;
        assert_eq!(response.status(), 401, "{what}");
    }
    // Just inside the window is fine.
    assert_eq!(
        bot.post_signed_at(
            slash_body("UX", "/tour", "help").as_bytes(),
            FORM,
            bot.now().timestamp() - 290
        )
        .await
        .status(),
        200
    );
    assert_nothing_written(&bot).await;
}

#[tokio::test]
async fn oversized_bodies_get_413_even_when_signed() {
    let bot = Bot::start().await;
    let mission = "x".repeat(64 * 1024);
    let body = slash_body("UMANAGER", "/tour", &format!("{PROPOSE} {mission}"));
    assert!(body.len() > 64 * 1024);
    assert_eq!(bot.post_signed(body.as_bytes(), FORM).await.status(), 413);
    // Exactly at the limit is read (and answered as a person's mistake: too long).
    let mut body = slash_body("UMANAGER", "/tour", PROPOSE);
    body.push_str("&pad=");
    body.push_str(&"y".repeat(64 * 1024 - body.len()));
    assert_eq!(body.len(), 64 * 1024);
    assert_eq!(bot.post_signed(body.as_bytes(), FORM).await.status(), 200);
    let too_long = bot
        .tour("UMANAGER", &format!("{PROPOSE} {}", "z".repeat(1200)))
        .await;
    too_long.assert_problem("/tour propose");
    assert!(too_long.contains("too long"), "{}", too_long.text());
    // The request of exactly 64 KiB created one tour; the too-long one none.
    let all = bot.tour(ADMIN, "list all").await;
    assert_eq!(all.text().matches("*#").count(), 1, "{}", all.text());
}

#[tokio::test]
async fn malformed_bodies_get_400_and_change_nothing() {
    let bot = Bot::start().await;
    let json = "application/json";
    let payload = |json: &str| serde_urlencoded::to_string([("payload", json)]).unwrap();
    let cases: Vec<(&str, String, &str)> = vec![
        ("not a form", "%%%&&&=%zz".into(), FORM),
        (
            "form without a command",
            "team_id=T0TEST&user_id=UMANAGER&text=propose".into(),
            FORM,
        ),
        (
            "command without a slash",
            slash_body("UMANAGER", "tour", PROPOSE),
            FORM,
        ),
        ("bad user id", slash_body("bob", "/tour", PROPOSE), FORM),
        (
            "no team",
            slash_body("UMANAGER", "/tour", PROPOSE).replace("team_id=T0TEST&", ""),
            FORM,
        ),
        (
            "payload is not JSON",
            payload("{\"type\": block_actions"),
            FORM,
        ),
        (
            "payload without team",
            payload(r#"{"type":"block_actions","user":{"id":"U1"}}"#),
            FORM,
        ),
        (
            "JSON body that is not JSON",
            "{\"type\":\"event_callback\"".into(),
            json,
        ),
        ("JSON body that is not an object", "[]".into(), json),
        (
            "url_verification without challenge",
            r#"{"type":"url_verification"}"#.into(),
            json,
        ),
        (
            "binary",
            String::from_utf8_lossy(&[0xde, 0xad, 0xbe, 0xef]).into_owned(),
            FORM,
        ),
    ];
    for (what, body, content_type) in cases {
        let response = bot.post_signed(body.as_bytes(), content_type).await;
        assert_eq!(response.status(), 400, "{what}");
    }
    assert_nothing_written(&bot).await;
}

#[tokio::test]
async fn every_mistake_in_a_command_gets_a_friendly_private_answer() {
    let bot = Bot::start().await;
    let mistakes = [
        ("frobnicate", "/tour help"),
        ("propose", "/tour propose"),
        ("propose @mia rotational 1y Run support", "/tour propose"),
        ("propose <@UMEMBER> sabbatical 1y Rest", "/tour propose"),
        ("propose <@UMEMBER> rotational 18x Run", "/tour propose"),
        ("propose <@UMEMBER> rotational 0m Run", "/tour propose"),
        ("propose <@UMEMBER> rotational 11y Run", "/tour propose"),
        (
            "propose <@UMEMBER> rotational from 2028-01-01 to 2027-01-01 Run",
            "/tour propose",
        ),
        ("propose <@UMEMBER> foundational 2y Stay", "/tour propose"),
        ("propose <@UMEMBER> rotational 1y", "/tour propose"),
        ("objective 1 add boss x", "/tour objective"),
        ("accept", "/tour accept"),
        ("accept seventeen", "/tour accept"),
        ("withdraw 99999999999999999999999", "/tour withdraw"),
        ("list everyone", "/tour list"),
        ("show #", "/tour show"),
        ("history", "/tour history"),
    ];
    for (text, usage) in mistakes {
        bot.tour("UMANAGER", text).await.assert_problem(usage);
    }
    // Well-formed, refused by a rule: said plainly, without the usage line.
    let refusals = [
        (
            "propose <@UMANAGER> rotational 1y Myself",
            "You can't propose a tour to yourself",
        ),
        (
            "objective 99 done 1",
            "There is no tour #99 that you can see.",
        ),
        (
            "accept 424242",
            "There is no tour #424242 that you can see.",
        ),
        (
            "decline 18446744073709551615",
            "There is no tour #18446744073709551615 that you can see.",
        ),
        ("list all", "Only Alliance admins can list every tour."),
    ];
    for (text, why) in refusals {
        bot.tour("UMANAGER", text).await.assert_refused(why);
    }
    assert_nothing_written(&bot).await;
}

#[tokio::test]
async fn events_api_interactivity_and_ssl_check() {
    let bot = Bot::start().await;
    let r = bot.post_signed(br#"{"token":"t","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}"#, "application/json").await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    assert_eq!(
        r.text().await.unwrap(),
        "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    );

    // A url_verification that is not signed by Slack does not get its challenge echoed.
    let forged = bot
        .client
        .post(bot.url("/slack/events"))
        .header("content-type", "application/json")
        .body(r#"{"type":"url_verification","challenge":"x"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);

    let event = br#"{"token":"t","team_id":"T0TEST","api_app_id":"A1","event":{"type":"app_home_opened","user":"UMEMBER","channel":"D1","tab":"home","event_ts":"1.2"},"type":"event_callback","event_id":"Ev1","event_time":1}"#;
    assert_eq!(
        bot.post_signed(event, "application/json").await.status(),
        200
    );
    let rate_limited = br#"{"token":"t","type":"app_rate_limited","team_id":"T0TEST","minute_rate_limited":1518467820,"api_app_id":"A1"}"#;
    assert_eq!(
        bot.post_signed(rate_limited, "application/json")
            .await
            .status(),
        200
    );

    let payload = r#"{"type":"block_actions","team":{"id":"T0TEST","domain":"d"},"user":{"id":"UMEMBER"},"response_url":"https://hooks.slack.com/actions/x","actions":[{"action_id":"noop","block_id":"b","type":"button","value":"1"}]}"#;
    let body = serde_urlencoded::to_string([("payload", payload)]).unwrap();
    assert_eq!(bot.post_signed(body.as_bytes(), FORM).await.status(), 200);

    // Slack's certificate check may come unsigned; it is answered and acts on nothing.
    let ssl = bot
        .client
        .post(bot.url("/slack/events"))
        .header("content-type", FORM)
        .body("ssl_check=1&token=legacy")
        .send()
        .await
        .unwrap();
    assert_eq!(ssl.status(), 200);
    assert_eq!(ssl.text().await.unwrap(), "");
    assert_eq!(
        bot.post_signed(b"ssl_check=1&token=legacy", FORM)
            .await
            .status(),
        200
    );

    assert_eq!(
        bot.client
            .get(bot.url("/slack/events"))
            .send()
            .await
            .unwrap()
            .status(),
        405
    );
    assert_nothing_written(&bot).await;
}
