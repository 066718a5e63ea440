//! Slack's v0 request signature: `v0=` + hex(HMAC-SHA256(secret,
//! `v0:{timestamp}:{raw body}`)), checked over the exact bytes received,
//! before anything is parsed.
//!
//! The core takes `now` so tests can pin the clock. The MAC is compared in
//! constant time (`Mac::verify_slice`). Errors name what was wrong, never the
//! expected or received signature (slack-morphism PR #387).

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// How far a timestamp may be from our clock, either way (Slack: 5 minutes).
pub const MAX_SKEW_SECS: i64 = 300;

pub const TIMESTAMP_HEADER: &str = "x-slack-request-timestamp";
pub const SIGNATURE_HEADER: &str = "x-slack-signature";

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("missing X-Slack-Request-Timestamp")]
    MissingTimestamp,
    #[error("missing X-Slack-Signature")]
    MissingSignature,
    #[error("timestamp is not a number")]
    BadTimestamp,
    #[error("timestamp is more than 5 minutes from our clock")]
    OutOfWindow,
    #[error("signature is not in v0 format")]
    BadFormat,
    #[error("signature does not match")]
    Mismatch,
}

impl VerifyError {
    /// A short name for logs and metrics labels.
    pub fn reason(self) -> &'static str {
        match self {
            VerifyError::MissingTimestamp => "missing_timestamp",
            VerifyError::MissingSignature => "missing_signature",
            VerifyError::BadTimestamp => "bad_timestamp",
            VerifyError::OutOfWindow => "out_of_window",
            VerifyError::BadFormat => "bad_format",
            VerifyError::Mismatch => "mismatch",
        }
    }
}

/// Checks a request. `timestamp` and `signature` are the raw header values.
pub fn verify(
    secret: &[u8],
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now_unix: i64,
) -> Result<(), VerifyError> {
    let timestamp = timestamp.ok_or(VerifyError::MissingTimestamp)?;
    let signature = signature.ok_or(VerifyError::MissingSignature)?;
    let ts: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| VerifyError::BadTimestamp)?;
    if now_unix.abs_diff(ts) > MAX_SKEW_SECS as u64 {
        return Err(VerifyError::OutOfWindow);
    }
    let hex_mac = signature
        .strip_prefix("v0=")
        .ok_or(VerifyError::BadFormat)?;
    // Not hex is a malformed signature; hex of the wrong length is one
    // that does not match.
    let received = hex::decode(hex_mac).map_err(|_| VerifyError::BadFormat)?;
    mac(secret, timestamp, body)
        .verify_slice(&received)
        .map_err(|_| VerifyError::Mismatch)
}

/// The header value Slack would send for this body: for tests, the shell
/// and benchmarks.
pub fn sign(secret: &[u8], timestamp: &str, body: &[u8]) -> String {
    format!(
        "v0={}",
        hex::encode(mac(secret, timestamp, body).finalize().into_bytes())
    )
}

fn mac(secret: &[u8], timestamp: &str, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(b"v0:");
    mac.update(timestamp.as_bytes());
    mac.update(b":");
    mac.update(body);
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    const SLACK_SECRET: &[u8] = b"8f742231b10e8888abcd99yyyzzz85a5";
    const SLACK_BODY: &[u8] = b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const SLACK_SIG: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    #[test]
    fn slacks_documented_example_verifies() {
        assert_eq!(sign(SLACK_SECRET, "1531420618", SLACK_BODY), SLACK_SIG);
        assert_eq!(
            verify(
                SLACK_SECRET,
                Some("1531420618"),
                Some(SLACK_SIG),
                SLACK_BODY,
                1531420618 + 10
            ),
            Ok(())
        );
    }

    #[test]
    fn slack_morphism_vector_verifies() {
        let sig = "v0=baa91ef62d346e56607bbdd278a8acd570b91226854f15a382f43d33be42f666";
        assert_eq!(
            sign(
                b"fa2c05deeef5a4077494e89f54394de0",
                "1531420618",
                b"test-body"
            ),
            sig
        );
    }

    #[test]
    fn every_kind_of_bad_request_is_refused() {
        let ts = "1531420618";
        let now = 1531420618;
        type Case<'a> = (Option<&'a str>, Option<&'a str>, &'a [u8], i64, VerifyError);
        let cases: Vec<Case> = vec![
            (
                None,
                Some(SLACK_SIG),
                SLACK_BODY,
                now,
                VerifyError::MissingTimestamp,
            ),
            (
                Some(ts),
                None,
                SLACK_BODY,
                now,
                VerifyError::MissingSignature,
            ),
            (
                Some("soon"),
                Some(SLACK_SIG),
                SLACK_BODY,
                now,
                VerifyError::BadTimestamp,
            ),
            (
                Some(ts),
                Some(SLACK_SIG),
                SLACK_BODY,
                now + 301,
                VerifyError::OutOfWindow,
            ),
            (
                Some(ts),
                Some(SLACK_SIG),
                SLACK_BODY,
                now - 301,
                VerifyError::OutOfWindow,
            ),
            (
                Some(ts),
                Some("v1=abc"),
                SLACK_BODY,
                now,
                VerifyError::BadFormat,
            ),
            (
                Some(ts),
                Some("v0=zz"),
                SLACK_BODY,
                now,
                VerifyError::BadFormat,
            ),
            (
                Some(ts),
                Some(&SLACK_SIG[..40]),
                SLACK_BODY,
                now,
                VerifyError::BadFormat,
            ),
            (
                Some(ts),
                Some(SLACK_SIG),
                b"token=tampered",
                now,
                VerifyError::Mismatch,
            ),
            // v0 and hex, only of the wrong length: it does not match.
            (
                Some(ts),
                Some("v0=deadbeef"),
                SLACK_BODY,
                now,
                VerifyError::Mismatch,
            ),
        ];
        for (t, s, body, now, expected) in cases {
            assert_eq!(verify(SLACK_SECRET, t, s, body, now), Err(expected));
        }
        assert_eq!(
            verify(b"other secret", Some(ts), Some(SLACK_SIG), SLACK_BODY, now),
            Err(VerifyError::Mismatch)
        );
        // The edges of the window are inside it.
        assert_eq!(
            verify(
                SLACK_SECRET,
                Some(ts),
                Some(SLACK_SIG),
                SLACK_BODY,
                now + 300
            ),
            Ok(())
        );
        assert_eq!(
            verify(
                SLACK_SECRET,
                Some(ts),
                Some(SLACK_SIG),
                SLACK_BODY,
                now - 300
            ),
            Ok(())
        );
    }

    #[test]
    fn any_flipped_bit_is_a_mismatch() {
        let mut body = SLACK_BODY.to_vec();
        for i in (0..body.len()).step_by(7) {
            body[i] ^= 1;
            assert_eq!(
                verify(
                    SLACK_SECRET,
                    Some("1531420618"),
                    Some(SLACK_SIG),
                    &body,
                    1531420618
                ),
                Err(VerifyError::Mismatch)
            );
            body[i] ^= 1;
        }
    }
}
