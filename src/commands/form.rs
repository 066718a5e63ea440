//! The propose form: `/tour propose` with nothing after it opens a Slack
//! modal, and its submission becomes the very text a person would have typed,
//! so the form and the command share one parser and one set of rules.
//!
//! This module owns the pure part: the modal's JSON ([`propose_view`]),
//! reading a `view_submission`'s `state.values` into a `/tour` command text
//! and objectives ([`read_submission`]), and placing a parser or rule message
//! on the right input block ([`block_for_problem`]). Opening the view and
//! answering Slack is the HTTP surface's job.
//!
//! Decisions:
//! - Free text is encoded the way Slack encodes typed text (`&`, `<`, `>`),
//!   because the parser decodes those entities; a typed `<@U1>` in the form is
//!   literal text, not a mention. Lines of the mission are trimmed, blank ones
//!   dropped, and joined with single spaces. The term's whitespace is collapsed.
//! - The mission is written bare, as a person types it, unless the parser
//!   would read it differently (its first words look like a length, a date
//!   range or `from`, or it is wrapped in quotes): then it is wrapped in double
//!   quotes, which the parser strips. Which form to use is decided by asking
//!   the parser itself, so the two can never drift apart.
//! - If the term box holds more than a term (`18m extra`), or anything at all
//!   that isn't a length for a foundational tour, the parser would quietly fold
//!   the rest into the mission; the form refuses that on the term block instead.
//!   A well-formed length for a foundational tour is left to the tour rule,
//!   exactly as for the typed command.
//! - Objectives are one per line; blank lines are dropped, and a line longer
//!   than an objective may be is refused on its block up front (the objective
//!   would otherwise be lost after the tour was created).
//! - A message [`block_for_problem`] does not recognise goes on the member
//!   block, the top of the form, where it is seen first.

use super::parse::{self, TourCommand};
use crate::domain::tour::{MAX_MISSION, MAX_OBJECTIVE};
use crate::domain::{Term, TourId, TourKind, UserId};
use serde_json::{Map, Value, json};

/// callback_id of the modal.
pub const CALLBACK_ID: &str = "tour.propose";

pub const BLOCK_MEMBER: &str = "member";
pub const ACTION_MEMBER: &str = "member.user";
pub const BLOCK_KIND: &str = "kind";
pub const ACTION_KIND: &str = "kind.select";
pub const BLOCK_TERM: &str = "term";
pub const ACTION_TERM: &str = "term.text";
pub const BLOCK_MISSION: &str = "mission";
pub const ACTION_MISSION: &str = "mission.text";
pub const BLOCK_COMPANY_OBJECTIVES: &str = "company_objectives";
pub const ACTION_COMPANY_OBJECTIVES: &str = "company_objectives.text";
pub const BLOCK_MEMBER_OBJECTIVES: &str = "member_objectives";
pub const ACTION_MEMBER_OBJECTIVES: &str = "member_objectives.text";

/// Slack's cap on a `plain_text_input`'s `max_length`.
const MAX_INPUT: usize = 3000;

fn plain(text: &str) -> Value {
    json!({ "type": "plain_text", "text": text, "emoji": true })
}

fn kind_description(kind: TourKind) -> &'static str {
    match kind {
        TourKind::Rotational => "Rotational — 1–2 years, a structured programme",
        TourKind::Transformational => "Transformational — 2–5 years, personalised",
        TourKind::Foundational => "Foundational — open-ended, life and company missions aligned",
    }
}

/// The modal view JSON for `views.open`.
/// With `after`, the form proposes the tour that follows that one (`/tour
/// next`): its id travels in `private_metadata`.
pub fn propose_view(member: Option<&UserId>, after: Option<TourId>) -> Value {
    let mut member_select = json!({
        "type": "users_select",
        "action_id": ACTION_MEMBER,
        "placeholder": plain("Pick a person"),
    });
    if let Some(member) = member {
        member_select["initial_user"] = member.as_str().into();
    }
    let kinds: Vec<Value> = TourKind::ALL
        .into_iter()
        .map(|k| json!({ "text": plain(kind_description(k)), "value": k.name() }))
        .collect();
    json!({
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "private_metadata": after.map(|a| a.0.to_string()).unwrap_or_default(),
        "title": plain(if after.is_some() { "Propose the next tour" } else { "Propose a tour" }),
        "submit": plain("Propose"),
        "close": plain("Cancel"),
        "blocks": [
            {
                "type": "context",
                "elements": [{
                    "type": "mrkdwn",
                    "text": "A tour of duty: a mission with a time frame, and what each side gets. \
                             The member accepts or declines it.",
                }],
            },
            {
                "type": "input",
                "block_id": BLOCK_MEMBER,
                "label": plain("Member"),
                "element": member_select,
            },
            {
                "type": "input",
                "block_id": BLOCK_KIND,
                "label": plain("Kind of tour"),
                "element": {
                    "type": "static_select",
                    "action_id": ACTION_KIND,
                    "placeholder": plain("Choose a kind"),
                    "options": kinds,
                },
            },
            {
                "type": "input",
                "block_id": BLOCK_TERM,
                "optional": true,
                "label": plain("Length or dates"),
                "hint": plain("A length like 18m or 2y, or from 2027-01-01 to 2028-12-31. Leave empty for a foundational tour."),
                "element": {
                    "type": "plain_text_input",
                    "action_id": ACTION_TERM,
                    "placeholder": plain("18m, 2y, or from 2027-01-01 to 2028-12-31"),
                    "max_length": 100,
                },
            },
            {
                "type": "input",
                "block_id": BLOCK_MISSION,
                "label": plain("Mission"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": ACTION_MISSION,
                    "multiline": true,
                    "max_length": MAX_MISSION,
                    "placeholder": plain("What the tour is for, in a sentence or two"),
                },
            },
            {
                "type": "input",
                "block_id": BLOCK_COMPANY_OBJECTIVES,
                "optional": true,
                "label": plain("What the company gets"),
                "hint": plain("One per line: what the company gets"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": ACTION_COMPANY_OBJECTIVES,
                    "multiline": true,
                    "max_length": MAX_INPUT,
                    "placeholder": plain("Ship the new ledger by Q3"),
                },
            },
            {
                "type": "input",
                "block_id": BLOCK_MEMBER_OBJECTIVES,
                "optional": true,
                "label": plain("What the member gets"),
                "hint": plain("One per line: what the member gets"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": ACTION_MEMBER_OBJECTIVES,
                    "multiline": true,
                    "max_length": MAX_INPUT,
                    "placeholder": plain("A conference talk and a course"),
                },
            },
        ],
    })
}

/// What a submitted form asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposeForm {
    /// The text to run as `/tour`, exactly what a person would type, e.g.
    /// `propose <@U123> rotational 18m Run support`; free text entity-encoded.
    pub command_text: String,
    /// Objectives to add once the tour exists, in order: (`"company"` or
    /// `"member"`, one trimmed non-empty line, entity-encoded).
    pub objectives: Vec<(&'static str, String)>,
}

/// Encodes free text the way Slack encodes what a person types.
pub(super) fn encode(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The value object of one input: by its action id, or the block's only one
/// (a form opened before an action id was renamed).
fn field<'a>(values: &'a Map<String, Value>, block: &str, action: &str) -> Option<&'a Value> {
    let block = values.get(block)?.as_object()?;
    block.get(action).or_else(|| match block.len() {
        1 => block.values().next(),
        _ => None,
    })
}

fn text<'a>(values: &'a Map<String, Value>, block: &str, action: &str) -> &'a str {
    field(values, block, action)
        .and_then(|f| f.get("value"))
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// Trimmed, non-empty lines.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty())
}

/// Reads `view.state.values` into the `/tour` text and the objectives.
/// Missing required fields give errors keyed by their input block's id.
pub fn read_submission(values: &Map<String, Value>) -> Result<ProposeForm, Vec<(String, String)>> {
    let mut errors = Vec::new();
    let mut refuse =
        |block: &str, message: &str| errors.push((block.to_string(), message.to_string()));

    let member = field(values, BLOCK_MEMBER, ACTION_MEMBER)
        .and_then(|f| f.get("selected_user"))
        .and_then(Value::as_str)
        .and_then(UserId::parse);
    if member.is_none() {
        refuse(BLOCK_MEMBER, "Pick the person the tour is for.");
    }
    let kind = field(values, BLOCK_KIND, ACTION_KIND)
        .and_then(|f| f.pointer("/selected_option/value"))
        .and_then(Value::as_str)
        .and_then(TourKind::parse);
    if kind.is_none() {
        refuse(BLOCK_KIND, "Pick a kind of tour.");
    }
    let term = text(values, BLOCK_TERM, ACTION_TERM)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let mission = lines(text(values, BLOCK_MISSION, ACTION_MISSION))
        .collect::<Vec<_>>()
        .join(" ");
    if mission.is_empty() {
        refuse(
            BLOCK_MISSION,
            "Say what the tour is for, in a sentence or two.",
        );
    }

    let mut objectives = Vec::new();
    for (side, block, action) in [
        (
            "company",
            BLOCK_COMPANY_OBJECTIVES,
            ACTION_COMPANY_OBJECTIVES,
        ),
        ("member", BLOCK_MEMBER_OBJECTIVES, ACTION_MEMBER_OBJECTIVES),
    ] {
        for line in lines(text(values, block, action)) {
            let len = line.chars().count();
            if len > MAX_OBJECTIVE {
                refuse(
                    block,
                    &format!(
                        "Each line is one objective: keep each under {MAX_OBJECTIVE} characters (one has {len})."
                    ),
                );
                break;
            }
            objectives.push((side, encode(line)));
        }
    }

    let (Some(member), Some(kind), true) = (member, kind, errors.is_empty()) else {
        return Err(errors);
    };
    match command_text(&member, kind, &term, &mission) {
        Ok(command_text) => Ok(ProposeForm {
            command_text,
            objectives,
        }),
        Err(message) => Err(vec![(BLOCK_TERM.to_string(), message.to_string())]),
    }
}

/// The `/tour` text for a proposal, checked against the parser: bare if it
/// reads back as this mission, else with the mission quoted. Refuses a term
/// box whose extra words the parser would fold into the mission.
fn command_text(
    member: &UserId,
    kind: TourKind,
    term: &str,
    mission: &str,
) -> Result<String, &'static str> {
    let compose = |quoted: bool| {
        let mut text = format!("propose {} {}", member.mention(), kind.name());
        if !term.is_empty() {
            text.push(' ');
            text.push_str(&encode(term));
        }
        text.push(' ');
        let mission = encode(mission);
        if quoted {
            text.push_str(&format!("\"{mission}\""));
        } else {
            text.push_str(&mission);
        }
        text
    };
    // Some(true): reads back as meant; Some(false): read differently; None: refused.
    let reads_back = |text: &str| match parse::parse(text) {
        Ok(TourCommand::Propose {
            mission: read,
            term: read_term,
            ..
        }) => Some(read == mission && (!term.is_empty() || read_term == Term::OpenEnded)),
        Ok(_) => Some(false),
        Err(_) => None,
    };
    let bare = compose(false);
    if reads_back(&bare) == Some(true) {
        return Ok(bare);
    }
    let quoted = compose(true);
    match reads_back(&quoted) {
        // Refused: the parser's own message, placed by `block_for_problem`.
        Some(true) | None => Ok(quoted),
        Some(false) if kind == TourKind::Foundational => {
            Err("Foundational tours are open-ended: leave this empty.")
        }
        Some(false) => {
            Err("Write only a length, like 18m or 2y, or from YYYY-MM-DD to YYYY-MM-DD.")
        }
    }
}

/// Which input block a message from the text parser or the tour rules belongs
/// to: [`BLOCK_MEMBER`], [`BLOCK_KIND`], [`BLOCK_TERM`] or [`BLOCK_MISSION`].
pub fn block_for_problem(problem: &str) -> &'static str {
    // What the person typed is echoed between backticks: never match on it.
    let mut own = String::with_capacity(problem.len());
    for (i, part) in problem.split('`').enumerate() {
        if i % 2 == 0 {
            own.push_str(part);
        }
    }
    let own = own.to_lowercase();
    let has = |needles: &[&str]| needles.iter().any(|n| own.contains(n));
    if has(&[
        "yourself",
        "who is the tour for",
        "mention",
        "isn't a person",
    ]) {
        BLOCK_MEMBER
    } else if has(&["kind of tour"]) {
        BLOCK_KIND
    } else if has(&[
        "how long",
        "length",
        "date",
        "open-ended",
        "1 month to 10 years",
    ]) {
        BLOCK_TERM
    } else if has(&["mission", "too long"]) {
        BLOCK_MISSION
    } else {
        BLOCK_MEMBER
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn u(s: &str) -> UserId {
        UserId::parse(s).unwrap()
    }

    /// `state.values` as Slack sends it; `None` leaves a field as Slack
    /// leaves an untouched one (null value, no selection).
    fn values(
        member: Option<&str>,
        kind: Option<&str>,
        term: Option<&str>,
        mission: Option<&str>,
        company: Option<&str>,
        member_side: Option<&str>,
    ) -> Map<String, Value> {
        let text = |v: Option<&str>| json!({ "type": "plain_text_input", "value": v });
        let v = json!({
            BLOCK_MEMBER: { ACTION_MEMBER: { "type": "users_select", "selected_user": member } },
            BLOCK_KIND: { ACTION_KIND: {
                "type": "static_select",
                "selected_option": kind.map(|k| json!({ "text": plain(k), "value": k })),
            } },
            BLOCK_TERM: { ACTION_TERM: text(term) },
            BLOCK_MISSION: { ACTION_MISSION: text(mission) },
            BLOCK_COMPANY_OBJECTIVES: { ACTION_COMPANY_OBJECTIVES: text(company) },
            BLOCK_MEMBER_OBJECTIVES: { ACTION_MEMBER_OBJECTIVES: text(member_side) },
        });
        v.as_object().unwrap().clone()
    }

    fn propose(member: &str, kind: TourKind, term: Term, mission: &str) -> TourCommand {
        TourCommand::Propose {
            member: u(member),
            kind,
            term,
            mission: mission.into(),
        }
    }

    fn submit(kind: &str, term: Option<&str>, mission: &str) -> ProposeForm {
        read_submission(&values(
            Some("U2ANA"),
            Some(kind),
            term,
            Some(mission),
            None,
            None,
        ))
        .unwrap()
    }

    fn chars(v: &Value) -> usize {
        v.as_str().unwrap().chars().count()
    }

    #[test]
    fn view_respects_slack_limits() {
        let view = propose_view(Some(&u("U2ANA")), None);
        let text = serde_json::to_string(&view).unwrap();
        let view: Value = serde_json::from_str(&text).unwrap();
        assert!(text.len() < 250_000);
        assert_eq!(view["type"], "modal");
        assert_eq!(view["callback_id"], CALLBACK_ID);
        assert_eq!(view["title"]["text"], "Propose a tour");
        for key in ["title", "submit", "close"] {
            assert_eq!(view[key]["type"], "plain_text");
            assert!((1..=24).contains(&chars(&view[key]["text"])), "{key}");
        }
        let blocks = view["blocks"].as_array().unwrap();
        assert!((1..=100).contains(&blocks.len()));
        let inputs: Vec<&Value> = blocks.iter().filter(|b| b["type"] == "input").collect();
        assert_eq!(inputs.len(), 6);
        let mut ids = Vec::new();
        for input in &inputs {
            let block_id = input["block_id"].as_str().unwrap();
            let action_id = input["element"]["action_id"].as_str().unwrap();
            assert!(!block_id.is_empty() && block_id.len() <= 255);
            assert!(!action_id.is_empty() && action_id.len() <= 255);
            assert!(chars(&input["label"]["text"]) <= 2000);
            if let Some(hint) = input.get("hint") {
                assert!(chars(&hint["text"]) <= 2000);
            }
            if let Some(placeholder) = input["element"].get("placeholder") {
                assert!(chars(&placeholder["text"]) <= 150);
            }
            if let Some(max) = input["element"].get("max_length") {
                assert!((1..=3000).contains(&max.as_u64().unwrap()));
            }
            ids.push((block_id, action_id));
        }
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
        let optional: Vec<bool> = inputs.iter().map(|i| i["optional"] == true).collect();
        assert_eq!(optional, [false, false, true, false, true, true]);
        assert_eq!(inputs[0]["element"]["type"], "users_select");
        assert_eq!(inputs[0]["element"]["initial_user"], "U2ANA");
        assert_eq!(inputs[3]["element"]["multiline"], true);
        assert_eq!(inputs[3]["element"]["max_length"], 1000);
        let options = inputs[1]["element"]["options"].as_array().unwrap();
        let kinds: Vec<&str> = options
            .iter()
            .map(|o| o["value"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["rotational", "transformational", "foundational"]);
        for option in options {
            assert!(chars(&option["text"]["text"]) <= 75);
        }
        assert_eq!(
            inputs[2]["hint"]["text"],
            "A length like 18m or 2y, or from 2027-01-01 to 2028-12-31. Leave empty for a foundational tour."
        );

        let blank = propose_view(None, None);
        assert!(blank["blocks"][1]["element"].get("initial_user").is_none());
    }

    #[test]
    fn a_full_submission_reads_as_the_typed_command() {
        let form = read_submission(&values(
            Some("U2ANA"),
            Some("rotational"),
            Some(" 18m "),
            Some("Run support"),
            Some("Answer every ticket within a day\n\n  Write the runbook  \n"),
            Some("On-call training\r\n"),
        ))
        .unwrap();
        assert_eq!(
            form.command_text,
            "propose <@U2ANA> rotational 18m Run support"
        );
        assert_eq!(
            parse::parse(&form.command_text).unwrap(),
            propose(
                "U2ANA",
                TourKind::Rotational,
                Term::Months(18),
                "Run support"
            )
        );
        assert_eq!(
            form.objectives,
            [
                ("company", "Answer every ticket within a day".to_string()),
                ("company", "Write the runbook".to_string()),
                ("member", "On-call training".to_string()),
            ]
        );
    }

    #[test]
    fn free_text_is_encoded_like_typed_text() {
        let form = read_submission(&values(
            Some("U2ANA"),
            Some("transformational"),
            Some("from 2027-01-01   to 2028-12-31"),
            Some("  Build R&D <fast>\nfor <@U999> & co\n\n  then ship  "),
            Some("A & B <both>"),
            None,
        ))
        .unwrap();
        let typed = form.command_text.strip_prefix("propose <@U2ANA> ").unwrap();
        assert!(!typed.contains(['<', '>']), "{typed}");
        assert!(form.command_text.contains("R&amp;D &lt;fast&gt;"));
        assert!(form.command_text.contains("&lt;@U999&gt;"));
        let day = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(
            parse::parse(&form.command_text).unwrap(),
            propose(
                "U2ANA",
                TourKind::Transformational,
                Term::Dates {
                    from: day("2027-01-01"),
                    to: day("2028-12-31")
                },
                "Build R&D <fast> for <@U999> & co then ship"
            )
        );
        assert_eq!(
            form.objectives,
            [("company", "A &amp; B &lt;both&gt;".to_string())]
        );
        assert_eq!(
            parse::decode_entities(&form.objectives[0].1),
            "A & B <both>"
        );
    }

    #[test]
    fn foundational_takes_an_empty_term() {
        let form = submit("foundational", None, "Grow the engineering culture");
        assert_eq!(
            form.command_text,
            "propose <@U2ANA> foundational Grow the engineering culture"
        );
        assert_eq!(
            parse::parse(&form.command_text).unwrap(),
            propose(
                "U2ANA",
                TourKind::Foundational,
                Term::OpenEnded,
                "Grow the engineering culture"
            )
        );
        let form = submit("foundational", Some("   "), "Mentor");
        assert_eq!(form.command_text, "propose <@U2ANA> foundational Mentor");
    }

    #[test]
    fn a_mission_the_parser_would_misread_is_quoted() {
        let cases = [
            (
                "foundational",
                None,
                "2 years of platform work",
                Term::OpenEnded,
            ),
            ("foundational", None, "3 teams merged", Term::OpenEnded),
            ("foundational", None, "From zero to one", Term::OpenEnded),
            (
                "rotational",
                Some("2y"),
                "\"Quoted\" on purpose\"",
                Term::Months(24),
            ),
            (
                "rotational",
                Some("18"),
                "months of support",
                Term::Months(18),
            ),
            (
                "rotational",
                Some("1y"),
                "6 months then review",
                Term::Months(12),
            ),
        ];
        for (kind, term, mission, expected) in cases {
            let form = submit(kind, term, mission);
            // Quoted only when needed: "1y 6 months…" reads back bare.
            let quoted = form.command_text.ends_with(&format!("\"{mission}\""));
            assert_eq!(quoted, term != Some("1y"), "{}", form.command_text);
            let kind = TourKind::parse(kind).unwrap();
            let parsed = parse::parse(&form.command_text);
            if term == Some("18") {
                // Not a length on its own: refused on the term, not folded in.
                let problem = parsed.unwrap_err().problem;
                assert_eq!(block_for_problem(&problem), BLOCK_TERM, "{problem}");
                continue;
            }
            assert_eq!(
                parsed.unwrap(),
                propose("U2ANA", kind, expected, mission),
                "{}",
                form.command_text
            );
        }
    }

    #[test]
    fn extra_words_in_the_term_are_refused_on_the_term() {
        for (kind, term) in [("rotational", "18m extra"), ("foundational", "forever")] {
            let errors = read_submission(&values(
                Some("U2ANA"),
                Some(kind),
                Some(term),
                Some("Run support"),
                None,
                None,
            ))
            .unwrap_err();
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert_eq!(errors[0].0, BLOCK_TERM);
        }
        // A real length on a foundational tour is left to the tour rule, as typed.
        let form = submit("foundational", Some("2y"), "Mentor");
        assert_eq!(form.command_text, "propose <@U2ANA> foundational 2y Mentor");
    }

    #[test]
    fn parser_errors_land_on_the_term() {
        for (kind, term) in [
            ("rotational", None),
            ("transformational", Some("forever")),
            ("rotational", Some("12x")),
            ("rotational", Some("from 2027-13-01 to 2028-01-01")),
            ("rotational", Some("from 2027-01-01")),
        ] {
            let form = submit(kind, term, "Run support");
            let problem = parse::parse(&form.command_text).unwrap_err().problem;
            assert_eq!(block_for_problem(&problem), BLOCK_TERM, "{problem}");
        }
    }

    #[test]
    fn missing_fields_are_errors_on_their_blocks() {
        let errors =
            read_submission(&values(None, None, None, Some(" \n "), None, None)).unwrap_err();
        let blocks: Vec<&str> = errors.iter().map(|(b, _)| b.as_str()).collect();
        assert_eq!(blocks, [BLOCK_MEMBER, BLOCK_KIND, BLOCK_MISSION]);
        assert!(errors.iter().all(|(_, m)| !m.is_empty() && m.len() < 100));

        let errors = read_submission(&Map::new()).unwrap_err();
        assert_eq!(errors.len(), 3);

        let errors = read_submission(&values(
            Some("not a user"),
            Some("seasonal"),
            Some("2y"),
            Some("Run support"),
            None,
            None,
        ))
        .unwrap_err();
        let blocks: Vec<&str> = errors.iter().map(|(b, _)| b.as_str()).collect();
        assert_eq!(blocks, [BLOCK_MEMBER, BLOCK_KIND]);
    }

    #[test]
    fn an_over_long_objective_is_refused_on_its_block() {
        let long = "x".repeat(MAX_OBJECTIVE + 1);
        let errors = read_submission(&values(
            Some("U2ANA"),
            Some("rotational"),
            Some("2y"),
            Some("Run support"),
            Some("fine"),
            Some(&long),
        ))
        .unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].0, BLOCK_MEMBER_OBJECTIVES);
    }

    #[test]
    fn problems_map_to_blocks() {
        let cases = [
            (
                "You can't propose a tour to yourself: a tour has a manager and a member.",
                BLOCK_MEMBER,
            ),
            (
                "Who is the tour for? Mention them after `propose`.",
                BLOCK_MEMBER,
            ),
            (
                "`bob` isn't a person: mention them with @, picked from Slack's list.",
                BLOCK_MEMBER,
            ),
            (
                "`seasonal` isn't a kind of tour: use rotational, transformational or foundational.",
                BLOCK_KIND,
            ),
            (
                "Which kind of tour: rotational, transformational or foundational?",
                BLOCK_KIND,
            ),
            (
                "How long is the rotational tour? Give a length like 18m or 2y, or `from YYYY-MM-DD to YYYY-MM-DD`.",
                BLOCK_TERM,
            ),
            (
                "`12x` isn't a length: use something like 18m, 2y, 6 months or 1 year.",
                BLOCK_TERM,
            ),
            (
                "`2027-13-01` isn't a date: write dates as YYYY-MM-DD.",
                BLOCK_TERM,
            ),
            (
                "Give both dates: `from YYYY-MM-DD to YYYY-MM-DD`.",
                BLOCK_TERM,
            ),
            (
                "Foundational tours are open-ended: drop the length or dates.",
                BLOCK_TERM,
            ),
            (
                "A rotational tour needs a length (like `18m` or `2y`) or `from DATE to DATE`.",
                BLOCK_TERM,
            ),
            ("A tour runs from 1 month to 10 years.", BLOCK_TERM),
            ("The end date must come after the start date.", BLOCK_TERM),
            (
                "What is the tour's mission? Add it at the end, in a sentence.",
                BLOCK_MISSION,
            ),
            (
                "A tour's mission can't be empty: say what the tour is for.",
                BLOCK_MISSION,
            ),
            (
                "That text is too long (1200 characters); keep it under 1000.",
                BLOCK_MISSION,
            ),
            // The person's own words don't steer it.
            (
                "`mission-length` isn't a person: mention them with @.",
                BLOCK_MEMBER,
            ),
            (
                "Sorry, something went wrong on my side; please try again.",
                BLOCK_MEMBER,
            ),
        ];
        for (problem, block) in cases {
            assert_eq!(block_for_problem(problem), block, "{problem}");
        }
    }
}
