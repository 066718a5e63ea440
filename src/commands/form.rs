//! The propose form: `/tour propose` with nothing after it opens a form
//! (where the surface has forms), and its submission becomes the very text
//! a person would have typed, so the form and the command share one parser
//! and one set of rules.
//!
//! This module owns the pure part: the form ([`propose_form`]), reading a
//! submission into a `/tour` command text and objectives
//! ([`read_submission`]), and placing a parser or rule message on the right
//! field ([`block_for_problem`]). Showing the form and answering the
//! surface is the surface's job.
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
use crate::message::{Form, Input, Submission};

/// The form's id.
pub const CALLBACK_ID: &str = "tour.propose";

// The fields' names; the `ACTION_*` ids are what the inputs of a rendered
// form carry (`<field>.<kind>`, the ids of forms opened before the neutral
// model, which a submission may still name).
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

/// The most a text field of the propose form takes (Slack's cap on an
/// input's length).
const MAX_INPUT: usize = 3000;

fn kind_description(kind: TourKind) -> &'static str {
    match kind {
        TourKind::Rotational => "Rotational — 1–2 years, a structured programme",
        TourKind::Transformational => "Transformational — 2–5 years, personalised",
        TourKind::Foundational => "Foundational — open-ended, life and company missions aligned",
    }
}

/// The propose form. With `after`, it proposes the tour that follows that
/// one (`/tour next`): its id travels in the form's state.
pub fn propose_form(member: Option<&UserId>, after: Option<TourId>) -> Form {
    let kinds = TourKind::ALL
        .into_iter()
        .map(|k| (k.name().to_string(), kind_description(k).to_string()))
        .collect();
    Form::new(
        CALLBACK_ID,
        after.map(|a| a.0.to_string()).unwrap_or_default(),
        if after.is_some() {
            "Propose the next tour"
        } else {
            "Propose a tour"
        },
        "Propose",
        "A tour of duty: a mission with a time frame, and what each side gets. \
         The member accepts or declines it."
            .into(),
    )
    .field(BLOCK_MEMBER, "Member", Input::Person)
    .placeholder("Pick a person")
    .initial(member.map(UserId::as_str).unwrap_or_default())
    .field(BLOCK_KIND, "Kind of tour", Input::Choice(kinds))
    .placeholder("Choose a kind")
    .field(BLOCK_TERM, "Length or dates", Input::Line { max: 100 })
    .optional()
    .hint("A length like 18m or 2y, or from 2027-01-01 to 2028-12-31. Leave empty for a foundational tour.")
    .placeholder("18m, 2y, or from 2027-01-01 to 2028-12-31")
    .field(BLOCK_MISSION, "Mission", Input::Paragraph { max: MAX_MISSION })
    .placeholder("What the tour is for, in a sentence or two")
    .field(
        BLOCK_COMPANY_OBJECTIVES,
        "What the company gets",
        Input::Paragraph { max: MAX_INPUT },
    )
    .optional()
    .hint("One per line: what the company gets")
    .placeholder("Ship the new ledger by Q3")
    .field(
        BLOCK_MEMBER_OBJECTIVES,
        "What the member gets",
        Input::Paragraph { max: MAX_INPUT },
    )
    .optional()
    .hint("One per line: what the member gets")
    .placeholder("A conference talk and a course")
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

/// Trimmed, non-empty lines.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty())
}

/// Reads a submission into the `/tour` text and the objectives. Missing
/// required fields give errors keyed by their field's name.
pub fn read_submission(values: &Submission) -> Result<ProposeForm, Vec<(String, String)>> {
    let mut errors = Vec::new();
    let mut refuse =
        |block: &str, message: &str| errors.push((block.to_string(), message.to_string()));

    let member = UserId::parse(values.get(BLOCK_MEMBER));
    if member.is_none() {
        refuse(BLOCK_MEMBER, "Pick the person the tour is for.");
    }
    let kind = TourKind::parse(values.get(BLOCK_KIND));
    if kind.is_none() {
        refuse(BLOCK_KIND, "Pick a kind of tour.");
    }
    let term = values
        .get(BLOCK_TERM)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let mission = lines(values.get(BLOCK_MISSION))
        .collect::<Vec<_>>()
        .join(" ");
    if mission.is_empty() {
        refuse(
            BLOCK_MISSION,
            "Say what the tour is for, in a sentence or two.",
        );
    }

    let mut objectives = Vec::new();
    for (side, block) in [
        ("company", BLOCK_COMPANY_OBJECTIVES),
        ("member", BLOCK_MEMBER_OBJECTIVES),
    ] {
        for line in lines(values.get(block)) {
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

    /// A submission; `None` leaves a field empty.
    fn values(
        member: Option<&str>,
        kind: Option<&str>,
        term: Option<&str>,
        mission: Option<&str>,
        company: Option<&str>,
        member_side: Option<&str>,
    ) -> Submission {
        let mut submission = Submission::default();
        for (name, value) in [
            (BLOCK_MEMBER, member),
            (BLOCK_KIND, kind),
            (BLOCK_TERM, term),
            (BLOCK_MISSION, mission),
            (BLOCK_COMPANY_OBJECTIVES, company),
            (BLOCK_MEMBER_OBJECTIVES, member_side),
        ] {
            if let Some(value) = value {
                submission.values.insert(name.into(), value.into());
            }
        }
        submission
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

    #[test]
    fn the_form_asks_for_what_the_command_takes() {
        let form = propose_form(Some(&u("U2ANA")), None);
        assert_eq!(form.id, CALLBACK_ID);
        assert_eq!(form.title, "Propose a tour");
        let names: Vec<&str> = form.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                BLOCK_MEMBER,
                BLOCK_KIND,
                BLOCK_TERM,
                BLOCK_MISSION,
                BLOCK_COMPANY_OBJECTIVES,
                BLOCK_MEMBER_OBJECTIVES
            ]
        );
        let optional: Vec<bool> = form.fields.iter().map(|f| f.optional).collect();
        assert_eq!(optional, [false, false, true, false, true, true]);
        assert_eq!(form.fields[0].input, Input::Person);
        assert_eq!(form.fields[0].initial, "U2ANA");
        assert_eq!(form.fields[3].input, Input::Paragraph { max: 1000 });
        let Input::Choice(kinds) = &form.fields[1].input else {
            panic!("the kind is a choice")
        };
        let kinds: Vec<&str> = kinds.iter().map(|(v, _)| v.as_str()).collect();
        assert_eq!(kinds, ["rotational", "transformational", "foundational"]);
        assert_eq!(
            form.fields[2].hint,
            "A length like 18m or 2y, or from 2027-01-01 to 2028-12-31. Leave empty for a foundational tour."
        );
        assert!(propose_form(None, None).fields[0].initial.is_empty());
        let next = propose_form(None, Some(TourId(7)));
        assert_eq!(
            (next.title.as_str(), next.state.as_str()),
            ("Propose the next tour", "7")
        );
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

        let errors = read_submission(&Submission::default()).unwrap_err();
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
                "`bob` isn't a person: mention them with @, picked from the list that appears as you type.",
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
