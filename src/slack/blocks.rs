//! Block Kit: how the engine's [`Message`] reads on Slack. The model's
//! blocks map one to one onto Block Kit's (`header`, `section`, `context`,
//! `divider`, `actions` with buttons and date pickers, an `image` of an
//! uploaded `slack_file`), and its markup is Slack's mrkdwn, so rendering
//! is a borrowed mirror serialised by serde: no copy of the text.
//!
//! The limits were kept when the message was built (`crate::message`).
//!
//! A [`Form`] is a modal ([`modal`]): its introduction a context block, each
//! field an `input` block whose `block_id` is the field's name and whose
//! element's `action_id` is `<name>.<kind>` (`user`, `select`, `date`,
//! `text`); a submission's `state.values` is read back by block
//! ([`submission`]), and the engine's answer becomes `clear` or inline
//! `errors` by block ([`form_answer`]).

use crate::message::{Block, Element, Form, FormAnswer, Input, Message, Submission, Text};
use serde::Serialize;
use serde_json::{Map, Value, json};

/// Blocks as Block Kit, for a field of a request body.
pub struct Kit<'a>(pub &'a [Block]);

impl Serialize for Kit<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(KitBlock::from))
    }
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum KitBlock<'a> {
    Header {
        text: KitText<'a>,
    },
    Section {
        text: KitText<'a>,
    },
    Divider,
    Context {
        elements: Vec<KitText<'a>>,
    },
    Actions {
        #[serde(skip_serializing_if = "Option::is_none")]
        block_id: Option<&'a str>,
        elements: Vec<KitElement<'a>>,
    },
    Image {
        slack_file: SlackFile<'a>,
        alt_text: &'a str,
    },
}

#[derive(Serialize)]
struct SlackFile<'a> {
    id: &'a str,
}

#[derive(Serialize)]
#[serde(tag = "type")]
enum KitText<'a> {
    #[serde(rename = "mrkdwn")]
    Markdown { text: &'a str },
    #[serde(rename = "plain_text")]
    Plain { text: &'a str },
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum KitElement<'a> {
    Button {
        text: KitText<'a>,
        action_id: &'a str,
        value: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        style: Option<&'static str>,
    },
    Datepicker {
        action_id: &'a str,
        placeholder: KitText<'a>,
    },
}

impl<'a> From<&'a Text> for KitText<'a> {
    fn from(text: &'a Text) -> Self {
        match text {
            Text::Markdown { text } => KitText::Markdown { text },
            Text::Plain { text } => KitText::Plain { text },
        }
    }
}

impl<'a> From<&'a Element> for KitElement<'a> {
    fn from(element: &'a Element) -> Self {
        match element {
            Element::Button {
                text,
                action_id,
                value,
                style,
            } => KitElement::Button {
                text: text.into(),
                action_id,
                value,
                style: *style,
            },
            Element::Datepicker {
                action_id,
                placeholder,
            } => KitElement::Datepicker {
                action_id,
                placeholder: placeholder.into(),
            },
        }
    }
}

impl<'a> From<&'a Block> for KitBlock<'a> {
    fn from(block: &'a Block) -> Self {
        match block {
            Block::Header { text } => KitBlock::Header { text: text.into() },
            Block::Section { text } => KitBlock::Section { text: text.into() },
            Block::Divider => KitBlock::Divider,
            Block::Context { elements } => KitBlock::Context {
                elements: elements.iter().map(KitText::from).collect(),
            },
            Block::Actions { block_id, elements } => KitBlock::Actions {
                block_id: block_id.as_deref(),
                elements: elements.iter().map(KitElement::from).collect(),
            },
            Block::Image { file, alt_text } => KitBlock::Image {
                slack_file: SlackFile { id: file },
                alt_text,
            },
        }
    }
}

/// A message as Block Kit JSON: `{"text": …, "blocks": […]}`.
pub fn to_json(message: &Message) -> Value {
    serde_json::json!({ "text": message.text, "blocks": Kit(&message.blocks) })
}

/// The App Home view of a message's blocks.
pub fn home_view(message: &Message) -> Value {
    serde_json::json!({ "type": "home", "blocks": Kit(&message.blocks) })
}

/// The body of an immediate answer to a slash command: only the person who
/// typed it sees it.
pub fn ephemeral_json(message: &Message) -> Vec<u8> {
    // Spelled out rather than `#[serde(flatten)]`, which buffers the whole
    // message through a map and cost more than the rest of the request path
    // together.
    #[derive(Serialize)]
    struct Ephemeral<'a> {
        response_type: &'static str,
        text: &'a str,
        blocks: Kit<'a>,
    }
    let body = Ephemeral {
        response_type: "ephemeral",
        text: &message.text,
        blocks: Kit(&message.blocks),
    };
    let size: usize = message.blocks.iter().map(Block::size_hint).sum();
    let mut out = Vec::with_capacity(message.text.len() + size + 64);
    serde_json::to_writer(&mut out, &body).expect("blocks serialize");
    out
}

fn plain(text: &str) -> Value {
    json!({ "type": "plain_text", "text": text, "emoji": true })
}

/// A form as a modal view, for `views.open`.
pub fn modal(form: &Form) -> Value {
    let mut blocks = Vec::new();
    if !form.intro.is_empty() {
        blocks.push(json!({
            "type": "context",
            "elements": [{ "type": "mrkdwn", "text": form.intro }],
        }));
    }
    for field in &form.fields {
        let (kind, mut element) = match &field.input {
            Input::Person => ("user", json!({ "type": "users_select" })),
            Input::Date => ("date", json!({ "type": "datepicker" })),
            Input::Choice(options) => {
                let options: Vec<Value> = options
                    .iter()
                    .map(|(value, label)| json!({ "text": plain(label), "value": value }))
                    .collect();
                (
                    "select",
                    json!({ "type": "static_select", "options": options }),
                )
            }
            Input::Line { max } => (
                "text",
                json!({ "type": "plain_text_input", "max_length": max.min(&3000) }),
            ),
            Input::Paragraph { max } => (
                "text",
                json!({ "type": "plain_text_input", "multiline": true, "max_length": max.min(&3000) }),
            ),
        };
        element["action_id"] = format!("{}.{kind}", field.name).into();
        if !field.placeholder.is_empty() {
            element["placeholder"] = plain(&field.placeholder);
        }
        if !field.initial.is_empty() {
            let key = match &field.input {
                Input::Person => "initial_user",
                Input::Date => "initial_date",
                Input::Choice(_) => "initial_option",
                _ => "initial_value",
            };
            element[key] = match &field.input {
                Input::Choice(options) => options
                    .iter()
                    .find(|(value, _)| *value == field.initial)
                    .map(|(value, label)| json!({ "text": plain(label), "value": value }))
                    .unwrap_or(Value::Null),
                _ => field.initial.clone().into(),
            };
        }
        let mut input = json!({
            "type": "input",
            "block_id": field.name,
            "label": plain(&field.label),
            "element": element,
        });
        if field.optional {
            input["optional"] = true.into();
        }
        if !field.hint.is_empty() {
            input["hint"] = plain(&field.hint);
        }
        blocks.push(input);
    }
    json!({
        "type": "modal",
        "callback_id": form.id,
        "private_metadata": form.state,
        "title": plain(&form.title),
        "submit": plain(&form.submit),
        "close": plain("Cancel"),
        "blocks": blocks,
    })
}

/// A `view_submission`'s form: each input block's value by its `block_id`,
/// whatever its element (typed text, a picked person, date or option).
pub fn submission(
    callback_id: &str,
    private_metadata: &str,
    values: &Map<String, Value>,
) -> Submission {
    let values = values
        .iter()
        .filter_map(|(block, actions)| {
            let action = actions.as_object()?.values().next()?;
            let value = ["value", "selected_user", "selected_date"]
                .iter()
                .find_map(|k| action.get(*k).and_then(Value::as_str))
                .or_else(|| {
                    action
                        .pointer("/selected_option/value")
                        .and_then(Value::as_str)
                })?;
            Some((block.clone(), value.to_string()))
        })
        .collect();
    Submission {
        form: callback_id.to_string(),
        state: private_metadata.to_string(),
        values,
    }
}

/// What Slack expects back for a submission: `clear`, or errors by block.
pub fn form_answer(answer: &FormAnswer) -> Value {
    match answer {
        FormAnswer::Done => json!({ "response_action": "clear" }),
        FormAnswer::Problems(problems) => {
            let errors: Map<String, Value> = problems
                .iter()
                .map(|(field, message)| (field.clone(), message.clone().into()))
                .collect();
            json!({ "response_action": "errors", "errors": errors })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{MAX_HEADER, MAX_SECTION};

    fn chars(v: &Value) -> usize {
        v.as_str().unwrap().chars().count()
    }

    #[test]
    fn every_message_family_reads_as_block_kit_within_slacks_limits() {
        let (mut buttons, mut pickers) = (0, 0);
        for (family, message) in crate::commands::notify::samples() {
            let json = to_json(&message);
            let text = json["text"].as_str().unwrap();
            assert!(!text.is_empty() && text.chars().count() <= 3000, "{family}");
            let blocks = json["blocks"].as_array().unwrap();
            assert!((1..=50).contains(&blocks.len()), "{family}");
            let mut ids = std::collections::HashSet::new();
            for block in blocks {
                let text = &block["text"];
                match block["type"].as_str().unwrap() {
                    "header" => {
                        assert_eq!(text["type"], "plain_text");
                        assert!(chars(&text["text"]) <= MAX_HEADER, "{family}");
                    }
                    "section" => assert!(chars(&text["text"]) <= MAX_SECTION, "{family}"),
                    "context" => {
                        let elements = block["elements"].as_array().unwrap();
                        assert!((1..=10).contains(&elements.len()));
                        for e in elements {
                            assert!(chars(&e["text"]) <= 2000, "{family}");
                        }
                    }
                    "actions" => {
                        let elements = block["elements"].as_array().unwrap();
                        assert!((1..=25).contains(&elements.len()), "{family}");
                        for e in elements {
                            let id = e["action_id"].as_str().unwrap();
                            assert!(!id.is_empty() && id.len() <= 255);
                            assert!(ids.insert(id.to_string()), "{family}: {id} twice");
                            if e["type"] == "button" {
                                buttons += 1;
                                assert!((1..=75).contains(&chars(&e["text"]["text"])));
                                assert!(chars(&e["value"]) <= 2000);
                            } else {
                                pickers += 1;
                                assert_eq!(e["type"], "datepicker", "{family}");
                                assert!(chars(&e["placeholder"]["text"]) <= 150);
                            }
                        }
                    }
                    "divider" | "image" => {}
                    other => panic!("{family}: a {other} block"),
                }
            }
        }
        assert!(
            buttons >= 10 && pickers >= 2,
            "{buttons} buttons, {pickers} pickers"
        );
    }

    #[test]
    fn every_form_is_a_modal_within_slacks_limits() {
        for form in crate::commands::every_form() {
            let view = modal(&form);
            assert!(view.to_string().len() < 250_000);
            assert_eq!(view["type"], "modal");
            assert_eq!(view["callback_id"], form.id.as_str());
            assert_eq!(view["private_metadata"], form.state.as_str());
            assert!(chars(&view["private_metadata"]) <= 3000);
            for key in ["title", "submit", "close"] {
                assert_eq!(view[key]["type"], "plain_text");
                assert!((1..=24).contains(&chars(&view[key]["text"])), "{key}");
            }
            let blocks = view["blocks"].as_array().unwrap();
            assert!((1..=100).contains(&blocks.len()));
            let inputs: Vec<&Value> = blocks.iter().filter(|b| b["type"] == "input").collect();
            assert_eq!(inputs.len(), form.fields.len(), "{}", form.id);
            for (input, field) in inputs.iter().zip(&form.fields) {
                assert_eq!(input["block_id"], field.name.as_str());
                let action_id = input["element"]["action_id"].as_str().unwrap();
                assert!(action_id.starts_with(&format!("{}.", field.name)));
                assert!(action_id.len() <= 255);
                assert!(chars(&input["label"]["text"]) <= 2000);
                assert_eq!(input["optional"] == true, field.optional);
                if let Some(hint) = input.get("hint") {
                    assert!(chars(&hint["text"]) <= 2000);
                }
                if let Some(placeholder) = input["element"].get("placeholder") {
                    assert!(chars(&placeholder["text"]) <= 150);
                }
                if let Some(max) = input["element"].get("max_length") {
                    assert!((1..=3000).contains(&max.as_u64().unwrap()));
                }
                for option in input["element"]["options"].as_array().into_iter().flatten() {
                    assert!(chars(&option["text"]["text"]) <= 75);
                }
            }
        }
        // The ids a propose form's inputs carry are those old forms had.
        let propose = modal(&crate::commands::form::propose_form(
            crate::domain::UserId::parse("U2ANA").as_ref(),
            None,
        ));
        use crate::commands::form::*;
        let ids: Vec<(&str, &str)> = propose["blocks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|b| b["type"] == "input")
            .map(|b| {
                (
                    b["block_id"].as_str().unwrap(),
                    b["element"]["action_id"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            ids,
            [
                (BLOCK_MEMBER, ACTION_MEMBER),
                (BLOCK_KIND, ACTION_KIND),
                (BLOCK_TERM, ACTION_TERM),
                (BLOCK_MISSION, ACTION_MISSION),
                (BLOCK_COMPANY_OBJECTIVES, ACTION_COMPANY_OBJECTIVES),
                (BLOCK_MEMBER_OBJECTIVES, ACTION_MEMBER_OBJECTIVES),
            ]
        );
        assert_eq!(propose["blocks"][1]["element"]["type"], "users_select");
        assert_eq!(propose["blocks"][1]["element"]["initial_user"], "U2ANA");
        assert_eq!(propose["blocks"][4]["element"]["multiline"], true);
    }

    #[test]
    fn a_submission_is_read_back_by_block_whatever_the_element() {
        let values = serde_json::json!({
            "member": { "member.user": { "type": "users_select", "selected_user": "U2ANA" } },
            "kind": { "kind.select": { "type": "static_select", "selected_option": { "value": "rotational" } } },
            "last_day": { "last_day.date": { "type": "datepicker", "selected_date": "2027-01-31" } },
            "term": { "term.text": { "type": "plain_text_input", "value": " 18m " } },
            "notes": { "notes.text": { "type": "plain_text_input", "value": null } },
        });
        let read = submission("tour.propose", "7", values.as_object().unwrap());
        assert_eq!(
            (read.form.as_str(), read.state.as_str()),
            ("tour.propose", "7")
        );
        assert_eq!(read.get("member"), "U2ANA");
        assert_eq!(read.get("kind"), "rotational");
        assert_eq!(read.get("last_day"), "2027-01-31");
        assert_eq!(read.get("term"), "18m");
        assert!(!read.values.contains_key("notes"));
        let answer = form_answer(&FormAnswer::problem("term", "Use `18m`."));
        assert_eq!(answer["response_action"], "errors");
        assert_eq!(answer["errors"]["term"], "Use 18m.");
        assert_eq!(form_answer(&FormAnswer::Done)["response_action"], "clear");
    }

    #[test]
    fn every_block_reads_as_block_kit() {
        let message = Message::new("fallback")
            .header("h".repeat(500))
            .section("s".repeat(9000))
            .context("see <@U1>")
            .divider()
            .image("F123", "a picture")
            .actions_for(
                Some("tour:1"),
                vec![
                    Element::button("Accept", "accept", "1", Some("primary")),
                    Element::datepicker("snooze_until", "Pick a day"),
                ],
            );
        let json: Value = serde_json::from_slice(&ephemeral_json(&message)).unwrap();
        assert_eq!(json["response_type"], "ephemeral");
        assert_eq!(json["text"], "fallback");
        let blocks = &json["blocks"];
        assert_eq!(blocks[0]["type"], "header");
        assert_eq!(blocks[0]["text"]["type"], "plain_text");
        let header = blocks[0]["text"]["text"].as_str().unwrap();
        assert_eq!(header.chars().count(), MAX_HEADER);
        assert_eq!(blocks[1]["text"]["type"], "mrkdwn");
        let section = blocks[1]["text"]["text"].as_str().unwrap();
        assert_eq!(section.chars().count(), MAX_SECTION);
        assert_eq!(
            blocks[2],
            serde_json::json!({"type": "context", "elements": [{"type": "mrkdwn", "text": "see <@U1>"}]})
        );
        assert_eq!(blocks[3], serde_json::json!({"type": "divider"}));
        assert_eq!(
            blocks[4],
            serde_json::json!({"type": "image", "slack_file": {"id": "F123"}, "alt_text": "a picture"})
        );
        assert_eq!(
            blocks[5],
            serde_json::json!({"type": "actions", "block_id": "tour:1", "elements": [
                {"type": "button", "text": {"type": "plain_text", "text": "Accept"},
                 "action_id": "accept", "value": "1", "style": "primary"},
                {"type": "datepicker", "action_id": "snooze_until",
                 "placeholder": {"type": "plain_text", "text": "Pick a day"}},
            ]})
        );
        // No block_id, no style: left out, as Slack wants.
        let plain =
            to_json(&Message::new("x").actions(vec![Element::button("Go", "go", "", None)]));
        assert_eq!(plain["blocks"][0].get("block_id"), None);
        assert_eq!(plain["blocks"][0]["elements"][0].get("style"), None);
        assert_eq!(home_view(&Message::text("hi"))["type"], "home");
    }
}
