//! The engine's forms on Mattermost: interactive dialogs, opened with
//! `POST /api/v4/actions/dialogs/open` and submitted to
//! `POST /mattermost/dialogs`.
//!
//! Decisions:
//! - **Which forms.** Every form the engine opens (`/tour propose` with
//!   nothing after it, Propose next tour, Extend, Plan exit, Join the alumni
//!   network, a 1:1's Done) is a dialog, opened with the trigger id of the
//!   command or press that asked for it. A date picker in a message has no
//!   Mattermost counterpart, so its button opens a one-field dialog asking
//!   for the date, and the submission is the picker's click with that date.
//! - **Off the request path.** The dialog is opened on a task of its own
//!   after the command or press is answered (the trigger id lasts Mattermost's
//!   30 s); a command says what it opens and how to type it instead, so a
//!   dialog that fails to open still leaves the person a way on.
//! - **Forgery.** Mattermost signs nothing it posts here, so the dialog's
//!   `state` carries our HMAC (the actions secret) over the form, the team
//!   and person it was opened for, and the form's own state. A submission
//!   whose state does not verify for its `team_id` and `user_id` is refused
//!   with 403 and nothing is read. The engine then checks the person like
//!   any typed command.
//! - **Fields.** A line of at most 150 characters is `text`, anything longer
//!   or multi-line a `textarea`, a person a `select` of users, a choice a
//!   `select` of options. A date is a `text` field asking for `YYYY-MM-DD`
//!   (the `date` element is too new to rely on across servers), and the
//!   engine's parser checks it: a bad date is an inline error like any other.
//!   Labels are at most 24 characters, Mattermost's cap.
//! - **Answers.** Done is `{}` (the dialog closes); problems come back as
//!   `{"errors": {field: message}}`, inline under their fields, or as
//!   `{"error": …}` when the problem is about the form as a whole.

use super::command::Commands;
use super::render::{Clicked, Renderer, mac};
use crate::commands::buttons::{AfterClick, Click};
use crate::domain::{TeamId, UserId};
use crate::message::{Field, Form, FormAnswer, Input, Submission};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use hmac::Mac;
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// The dialog a date picker's button opens.
pub const DATE_FORM: &str = "mattermost.date";
const DATE_FIELD: &str = "date";
/// Mattermost's caps: a label, a one-line field, a `textarea`.
const MAX_LABEL: usize = 24;
const MAX_TEXT: usize = 150;
const MAX_TEXTAREA: usize = 3000;

/// The body of `POST /api/v4/actions/dialogs/open`: `form` for `user` of
/// `team`, submitted to `url`, its state signed with `secret`.
pub fn open_body(
    form: &Form,
    trigger_id: &str,
    url: &str,
    secret: &[u8],
    (team, user): (&TeamId, &UserId),
    renderer: &Renderer<'_>,
) -> Value {
    let elements: Vec<Value> = form.fields.iter().map(element).collect();
    json!({
        "trigger_id": trigger_id,
        "url": url,
        "dialog": {
            "callback_id": form.id,
            "title": crate::message::truncate(&form.title, MAX_LABEL),
            "introduction_text": renderer.markdown(&form.intro),
            "elements": elements,
            "submit_label": form.submit,
            "notify_on_cancel": false,
            "state": signed_state(secret, &form.id, (team, user), &form.state),
        },
    })
}

fn element(field: &Field) -> Value {
    let mut element = match &field.input {
        Input::Line { max } if *max <= MAX_TEXT => json!({ "type": "text", "max_length": max }),
        Input::Line { max } | Input::Paragraph { max } => {
            json!({ "type": "textarea", "max_length": (*max).min(MAX_TEXTAREA) })
        }
        Input::Person => json!({ "type": "select", "data_source": "users" }),
        Input::Date => json!({ "type": "text", "max_length": 10 }),
        Input::Choice(options) => {
            let options: Vec<Value> = options
                .iter()
                .map(|(value, label)| json!({ "text": label, "value": value }))
                .collect();
            json!({ "type": "select", "options": options })
        }
    };
    element["display_name"] = crate::message::truncate(&field.label, MAX_LABEL).into();
    element["name"] = field.name.clone().into();
    element["optional"] = field.optional.into();
    let placeholder = match (&field.input, field.placeholder.is_empty()) {
        (Input::Date, true) => "YYYY-MM-DD",
        _ => field.placeholder.as_str(),
    };
    if !placeholder.is_empty() {
        element["placeholder"] = crate::message::truncate(placeholder, MAX_TEXT).into();
    }
    if !field.hint.is_empty() {
        element["help_text"] = crate::message::truncate(&field.hint, MAX_TEXT).into();
    }
    if !field.initial.is_empty() {
        element["default"] = field.initial.clone().into();
    }
    element
}

/// Who a dialog was opened for: their workspace and themselves.
type Who<'a> = (&'a TeamId, &'a UserId);

fn state_mac(
    secret: &[u8],
    form: &str,
    (team, user): Who<'_>,
    state: &str,
) -> hmac::Hmac<sha2::Sha256> {
    mac(
        secret,
        &[
            Some("dialog"),
            Some(form),
            Some(team.as_str()),
            Some(user.as_str()),
            Some(state),
        ],
    )
}

/// `<hex HMAC>.<state>`.
fn signed_state(secret: &[u8], form: &str, who: Who<'_>, state: &str) -> String {
    let sig = hex::encode(state_mac(secret, form, who, state).finalize().into_bytes());
    format!("{sig}.{state}")
}

/// The form's own state, if `signed` was signed for this form and person
/// of this workspace (checked in constant time).
fn verified_state<'a>(secret: &[u8], form: &str, who: Who<'_>, signed: &'a str) -> Option<&'a str> {
    let (sig, state) = signed.split_once('.')?;
    let sig = hex::decode(sig).ok()?;
    state_mac(secret, form, who, state)
        .verify_slice(&sig)
        .ok()?;
    Some(state)
}

/// The dialog a date picker's button opens: the click it stands for
/// travels in the state, a line each (action id, value, block id, channel,
/// post).
pub fn date_form(clicked: &Clicked, channel: &str, post: &str) -> Form {
    let state = [
        clicked.action_id.as_str(),
        clicked.value.as_deref().unwrap_or_default(),
        clicked.block_id.as_deref().unwrap_or_default(),
        channel,
        post,
    ]
    .join("\n");
    Form::new(DATE_FORM, state, "Pick a date", "Done", String::new())
        .field(DATE_FIELD, "Date", Input::Date)
        .hint("As YYYY-MM-DD, like 2027-01-15.")
}

fn answer(body: Value) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// What Mattermost expects back for a submission.
fn form_answer(answer: FormAnswer, fields: &[&str]) -> Value {
    match answer {
        FormAnswer::Done => json!({}),
        FormAnswer::Problems(problems) => {
            let mut errors = Map::new();
            let mut general = Vec::new();
            for (field, message) in problems {
                if fields.contains(&field.as_str()) {
                    errors.insert(field, message.into());
                } else {
                    general.push(message);
                }
            }
            let mut body = json!({});
            if !errors.is_empty() {
                body["errors"] = errors.into();
            }
            if !general.is_empty() {
                body["error"] = general.join(" ").into();
            }
            body
        }
    }
}

pub(super) async fn submit(State(state): State<Arc<Commands>>, body: Bytes) -> Response {
    let Some((_, secret)) = state.callbacks.clone() else {
        return (StatusCode::NOT_FOUND, "dialogs are not set up").into_response();
    };
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "not JSON").into_response();
    };
    let field = |name: &str| request[name].as_str().unwrap_or_default();
    let form = field("callback_id").to_string();
    let team = TeamId::mattermost(field("team_id"));
    let user = UserId::mattermost(field("user_id"));
    let verified = team
        .as_ref()
        .zip(user.as_ref())
        .and_then(|who| verified_state(secret.expose().as_bytes(), &form, who, field("state")));
    let Some(form_state) = verified.map(str::to_string) else {
        tracing::warn!("a Mattermost dialog submission whose state does not verify was refused");
        return (StatusCode::FORBIDDEN, "forbidden").into_response();
    };
    if request["cancelled"] == true {
        return answer(json!({}));
    }
    let Some((team, user)) = state.who(field("team_id"), field("user_id"), field("user_name"))
    else {
        return super::command::not_mattermost();
    };
    let values = request["submission"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(name, value)| {
            let value = match value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => return None,
            };
            Some((name.clone(), value))
        })
        .collect();
    let submitted = Submission {
        form,
        state: form_state,
        values,
    };
    let now = state.clock.now();
    if submitted.form == DATE_FORM {
        return picked_date(&state, team, user, &submitted, now).await;
    }
    let worker = state.clone();
    let answered = tokio::task::spawn_blocking(move || {
        let answer = worker.engine.submit_form(&team, &user, &submitted, now);
        let fields: Vec<String> = crate::commands::form_fields(&submitted.form);
        (answer, fields)
    })
    .await;
    state.wake.notify();
    match answered {
        Ok((Some(answer), fields)) => {
            let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
            self::answer(form_answer(answer, &fields))
        }
        Ok((None, _)) => {
            answer(json!({ "error": "Alliance does not know this form; nothing was changed." }))
        }
        Err(_) => answer(json!({
            "error": "Sorry, something went wrong on my side; nothing was changed. Please try again."
        })),
    }
}

/// A date picked in the dialog a date picker's button opened: that click,
/// with the date.
async fn picked_date(
    state: &Arc<Commands>,
    team: crate::domain::TeamId,
    user: UserId,
    submitted: &Submission,
    now: chrono::DateTime<chrono::Utc>,
) -> Response {
    let date = submitted.get(DATE_FIELD);
    if NaiveDate::parse_from_str(date, "%Y-%m-%d").is_err() {
        return answer(form_answer(
            FormAnswer::problem(DATE_FIELD, "Write the date as YYYY-MM-DD, like 2027-01-15."),
            &[DATE_FIELD],
        ));
    }
    let mut lines = submitted.state.split('\n');
    let mut next = || Some(lines.next()?.to_string()).filter(|l| !l.is_empty());
    let (action_id, value, block_id, channel, post) = (next(), next(), next(), next(), next());
    let Some(action_id) = action_id else {
        return answer(json!({ "error": "This form is out of date; nothing was changed." }));
    };
    let click = Click {
        team,
        user,
        action_id,
        value,
        block_id,
        selected_date: Some(date.to_string()),
        channel,
        action_ts: format!(
            "{}.{}",
            post.as_deref().unwrap_or_default(),
            now.timestamp_micros()
        ),
        message_ts: post,
    };
    let worker = state.clone();
    let clicked = tokio::task::spawn_blocking(move || worker.engine.click(&click, now)).await;
    state.wake.notify();
    match clicked {
        Ok(AfterClick::OpenForm(_)) | Ok(_) => answer(json!({})),
        Err(_) => answer(json!({
            "error": "Sorry, something went wrong on my side; nothing was changed. Please try again."
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"mattermost-actions-secret";

    fn no_names(_: &UserId) -> Option<String> {
        None
    }

    fn renderer() -> Renderer<'static> {
        Renderer {
            username: &no_names,
            actions_url: "",
            secret: SECRET,
        }
    }

    #[test]
    fn every_form_is_a_dialog_within_mattermosts_limits() {
        let user = UserId::mattermost("p8ue5iqx7fgkdmrf9n4xkh3tsw").unwrap();
        let team = TeamId::mattermost("ifjbhc7aqbbd3bhqzb6orpkkbh").unwrap();
        let elsewhere = TeamId::mattermost("zzjbhc7aqbbd3bhqzb6orpkkbh").unwrap();
        for form in crate::commands::every_form() {
            let body = open_body(
                &form,
                "trigger",
                "https://a.example/mattermost/dialogs",
                SECRET,
                (&team, &user),
                &renderer(),
            );
            let dialog = &body["dialog"];
            assert_eq!(body["trigger_id"], "trigger");
            assert_eq!(body["url"], "https://a.example/mattermost/dialogs");
            assert_eq!(dialog["callback_id"], form.id.as_str());
            let title = dialog["title"].as_str().unwrap();
            assert!((1..=MAX_LABEL).contains(&title.chars().count()), "{title}");
            assert!(!dialog["introduction_text"].as_str().unwrap().contains("<@"));
            let elements = dialog["elements"].as_array().unwrap();
            assert_eq!(elements.len(), form.fields.len());
            for (element, field) in elements.iter().zip(&form.fields) {
                assert_eq!(element["name"], field.name.as_str());
                let label = element["display_name"].as_str().unwrap();
                assert_eq!(label, field.label, "labels fit whole");
                assert!(label.chars().count() <= MAX_LABEL);
                let kind = element["type"].as_str().unwrap();
                assert!(["text", "textarea", "select"].contains(&kind), "{kind}");
                let max = element["max_length"].as_u64();
                match kind {
                    "text" => assert!(max.unwrap() <= MAX_TEXT as u64),
                    "textarea" => assert!(max.unwrap() <= MAX_TEXTAREA as u64),
                    _ => {
                        assert!(element["data_source"] == "users" || element["options"].is_array())
                    }
                }
                for key in ["placeholder", "help_text"] {
                    if let Some(text) = element[key].as_str() {
                        assert!(text.chars().count() <= MAX_TEXT);
                    }
                }
                assert_eq!(element["optional"], field.optional);
            }
            // The state comes back whole only for its form and its person.
            let signed = dialog["state"].as_str().unwrap();
            assert_eq!(
                verified_state(SECRET, &form.id, (&team, &user), signed),
                Some(form.state.as_str())
            );
            let other = UserId::mattermost("hk7b3ydqwjgxbx6ijdmitqj9ah").unwrap();
            assert_eq!(
                verified_state(SECRET, &form.id, (&team, &other), signed),
                None
            );
            assert_eq!(
                verified_state(SECRET, "another.form", (&team, &user), signed),
                None
            );
            assert_eq!(
                verified_state(SECRET, &form.id, (&elsewhere, &user), signed),
                None
            );
            assert_eq!(
                verified_state(b"another secret", &form.id, (&team, &user), signed),
                None
            );
            let (sig, _) = signed.split_once('.').unwrap();
            let altered = format!("{sig}.{}9", form.state);
            assert_eq!(
                verified_state(SECRET, &form.id, (&team, &user), &altered),
                None
            );
        }
    }

    #[test]
    fn a_date_picker_asks_for_its_date_and_problems_land_on_their_fields() {
        let clicked = Clicked {
            action_id: "snooze.until".into(),
            value: Some("1|series".into()),
            block_id: None,
            date: true,
        };
        let form = date_form(&clicked, "dmchannel", "p1");
        assert_eq!(form.state, "snooze.until\n1|series\n\ndmchannel\np1");
        let user = UserId::mattermost("p8ue5iqx7fgkdmrf9n4xkh3tsw").unwrap();
        let team = TeamId::mattermost("ifjbhc7aqbbd3bhqzb6orpkkbh").unwrap();
        let body = open_body(&form, "t", "u", SECRET, (&team, &user), &renderer());
        let date = &body["dialog"]["elements"][0];
        assert_eq!(
            (date["type"].as_str(), date["placeholder"].as_str()),
            (Some("text"), Some("YYYY-MM-DD"))
        );

        let answer = form_answer(
            FormAnswer::Problems(vec![
                ("term".into(), "Write only a length.".into()),
                ("elsewhere".into(), "Try again.".into()),
            ]),
            &["term", "mission"],
        );
        assert_eq!(
            answer,
            json!({ "errors": { "term": "Write only a length." }, "error": "Try again." })
        );
        assert_eq!(form_answer(FormAnswer::Done, &[]), json!({}));
    }
}
