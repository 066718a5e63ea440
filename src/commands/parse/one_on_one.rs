//! The `/1on1` grammar (also `/tour 1on1 …`), parsed into [`OneOnOneCommand`]:
//!
//! ```text
//! help
//! @member every <week|2 weeks|month> on <weekday> at <HH:MM> [tz <Area/City|slack>]
//! list
//! done @member [notes…]        skip @member        moved @member
//! snooze @member <1w|until YYYY-MM-DD>    (the last question about it, later)
//! stop @person                 agenda @person [add <text…>]
//! ```
//!
//! - Cadences: `week` (also `weekly`), `2 weeks` (`two weeks`,
//!   `other week`, `fortnight`, `fortnightly`), `month` (`monthly`).
//! - Weekdays: `tuesday`, `tue`, `tues`, `Tuesdays`; times `HH:MM`, 24-hour.
//! - `tz` takes an IANA name (`Europe/Berlin`), which then stays when the
//!   1:1 is set up again without `tz`; `tz slack` makes it follow the
//!   manager's Slack time zone again. A first set-up without `tz` follows
//!   it (see `domain::one_on_one`).
//! - `@person` in `stop` and `agenda` is the other party: a manager names
//!   the member, a member names their manager.

use super::{
    SnoozeFor, Usage, Words, clip, decode_entities, mention, no_more, snooze_for, strip_quotes,
    usage,
};
use crate::domain::UserId;
use crate::domain::hours::parse_tz;
use crate::domain::one_on_one::{Cadence, ZoneChoice};
use chrono::{NaiveTime, Weekday};

pub const USAGE_1ON1_HELP: &str = "/1on1 help";
pub const USAGE_1ON1_SET: &str =
    "/1on1 @member every <week|2 weeks|month> on <weekday> at <HH:MM> [tz <Area/City|slack>]";
pub const USAGE_1ON1_LIST: &str = "/1on1 list";
pub const USAGE_1ON1_DONE: &str = "/1on1 done @member [notes…]";
pub const USAGE_1ON1_SKIP: &str = "/1on1 skip @member";
pub const USAGE_1ON1_MOVED: &str = "/1on1 moved @member";
pub const USAGE_1ON1_SNOOZE: &str = "/1on1 snooze @member <1w|until YYYY-MM-DD>";
pub const USAGE_1ON1_STOP: &str = "/1on1 stop @person";
pub const USAGE_1ON1_AGENDA: &str = "/1on1 agenda @person [add <text…>]";

/// Every `/1on1` usage line, in the order `/1on1 help` shows them.
pub const ONE_ON_ONE_USAGES: [&str; 9] = [
    USAGE_1ON1_SET,
    USAGE_1ON1_LIST,
    USAGE_1ON1_DONE,
    USAGE_1ON1_SKIP,
    USAGE_1ON1_MOVED,
    USAGE_1ON1_SNOOZE,
    USAGE_1ON1_STOP,
    USAGE_1ON1_AGENDA,
    USAGE_1ON1_HELP,
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OneOnOneCommand {
    Help,
    /// Set up (or change) my 1:1 with `member`; `tz` fixes its zone, or
    /// lets it follow Slack's again.
    Set {
        member: UserId,
        cadence: Cadence,
        weekday: Weekday,
        time: NaiveTime,
        tz: Option<ZoneChoice>,
    },
    List,
    Done {
        member: UserId,
        notes: Option<String>,
    },
    Skip {
        member: UserId,
    },
    /// The 1:1 did not happen at its time: it moved.
    Moved {
        member: UserId,
    },
    /// The last reminder about the 1:1 (did it happen? overdue?), later.
    Snooze {
        member: UserId,
        until: SnoozeFor,
    },
    Stop {
        person: UserId,
    },
    /// Show the agenda of my 1:1 with `person`, or `add` to it.
    Agenda {
        person: UserId,
        add: Option<String>,
    },
}

pub fn parse_one_on_one(text: &str) -> Result<OneOnOneCommand, Usage> {
    let mut words = Words::new(text);
    let Some(first) = words.peek() else {
        return Ok(OneOnOneCommand::Help);
    };
    if first.starts_with('<') || first.starts_with('@') {
        return parse_set(&mut words);
    }
    words.next();
    let person = |words: &mut Words, usage_line: &'static str| match words.next() {
        Some(w) => mention(w, usage_line),
        None => Err(usage("Who? Mention the person you meet.", usage_line)),
    };
    let free = |words: &mut Words| {
        Some(strip_quotes(&decode_entities(words.rest()))).filter(|t| !t.is_empty())
    };
    match first.to_ascii_lowercase().as_str() {
        "help" | "?" => Ok(OneOnOneCommand::Help),
        "list" => {
            no_more(&mut words, USAGE_1ON1_LIST)?;
            Ok(OneOnOneCommand::List)
        }
        "done" => Ok(OneOnOneCommand::Done {
            member: person(&mut words, USAGE_1ON1_DONE)?,
            notes: free(&mut words),
        }),
        "skip" => {
            let member = person(&mut words, USAGE_1ON1_SKIP)?;
            no_more(&mut words, USAGE_1ON1_SKIP)?;
            Ok(OneOnOneCommand::Skip { member })
        }
        "moved" | "move" => {
            let member = person(&mut words, USAGE_1ON1_MOVED)?;
            no_more(&mut words, USAGE_1ON1_MOVED)?;
            Ok(OneOnOneCommand::Moved { member })
        }
        "snooze" => {
            let member = person(&mut words, USAGE_1ON1_SNOOZE)?;
            let until = snooze_for(&mut words, USAGE_1ON1_SNOOZE)?;
            Ok(OneOnOneCommand::Snooze { member, until })
        }
        "stop" => {
            let person = person(&mut words, USAGE_1ON1_STOP)?;
            no_more(&mut words, USAGE_1ON1_STOP)?;
            Ok(OneOnOneCommand::Stop { person })
        }
        "agenda" => {
            let person = person(&mut words, USAGE_1ON1_AGENDA)?;
            match words.next() {
                None => Ok(OneOnOneCommand::Agenda { person, add: None }),
                Some(w) if w.eq_ignore_ascii_case("add") => match free(&mut words) {
                    Some(text) => Ok(OneOnOneCommand::Agenda {
                        person,
                        add: Some(text),
                    }),
                    None => Err(usage(
                        "What should go on the agenda? Write it after `add`.",
                        USAGE_1ON1_AGENDA,
                    )),
                },
                Some(w) => Err(usage(
                    format!(
                        "I didn't expect `{}` there: write `add` and the item.",
                        clip(w)
                    ),
                    USAGE_1ON1_AGENDA,
                )),
            }
        }
        _ => Err(super::unknown(first, &ONE_ON_ONE_USAGES)),
    }
}

fn parse_set(words: &mut Words) -> Result<OneOnOneCommand, Usage> {
    let member = mention(words.next().unwrap_or_default(), USAGE_1ON1_SET)?;
    expect(
        words,
        "every",
        "How often? Write `every week`, `every 2 weeks` or `every month`.",
    )?;
    let cadence = cadence(words)?;
    expect(
        words,
        "on",
        "On which day? Write `on` and a weekday, like `on tuesday`.",
    )?;
    let weekday = match words.next() {
        Some(w) => weekday(w).ok_or_else(|| {
            usage(
                format!(
                    "`{}` isn't a weekday: write one like tuesday or tue.",
                    clip(w)
                ),
                USAGE_1ON1_SET,
            )
        })?,
        None => {
            return Err(usage(
                "On which day? Write a weekday after `on`.",
                USAGE_1ON1_SET,
            ));
        }
    };
    expect(
        words,
        "at",
        "At what time? Write `at` and a 24-hour time, like `at 10:00`.",
    )?;
    let time = match words.next() {
        Some(w) => NaiveTime::parse_from_str(w, "%H:%M").map_err(|_| {
            usage(
                format!(
                    "`{}` isn't a time: write it as HH:MM, 24-hour, like 14:30.",
                    clip(w)
                ),
                USAGE_1ON1_SET,
            )
        })?,
        None => {
            return Err(usage(
                "At what time? Write a 24-hour time like 10:00 after `at`.",
                USAGE_1ON1_SET,
            ));
        }
    };
    let tz = if words.peek().is_some_and(|w| w.eq_ignore_ascii_case("tz")) {
        words.next();
        let name = words.next().unwrap_or_default();
        // The chat's own zone, by the chat's name (either works anywhere).
        if name.eq_ignore_ascii_case("slack") || name.eq_ignore_ascii_case("mattermost") {
            Some(ZoneChoice::Slack)
        } else {
            Some(ZoneChoice::Given(parse_tz(name).ok_or_else(|| {
                usage(
                    format!(
                        "`{}` isn't a time zone I know: write an IANA name like Europe/Berlin or America/New_York, or `slack` (on Mattermost `mattermost`) to follow the time zone your chat knows for you.",
                        clip(name)
                    ),
                    USAGE_1ON1_SET,
                )
            })?))
        }
    } else {
        None
    };
    no_more(words, USAGE_1ON1_SET)?;
    Ok(OneOnOneCommand::Set {
        member,
        cadence,
        weekday,
        time,
        tz,
    })
}

fn expect(words: &mut Words, keyword: &str, problem: &str) -> Result<(), Usage> {
    match words.next() {
        Some(w) if w.eq_ignore_ascii_case(keyword) => Ok(()),
        _ => Err(usage(problem, USAGE_1ON1_SET)),
    }
}

fn cadence(words: &mut Words) -> Result<Cadence, Usage> {
    let bad = |w: &str| {
        usage(
            format!(
                "`{}` isn't a cadence I keep: write `every week`, `every 2 weeks` or `every month`.",
                clip(w)
            ),
            USAGE_1ON1_SET,
        )
    };
    let Some(w) = words.next() else {
        return Err(bad(""));
    };
    let unit = |words: &mut Words, wanted: &str| {
        words
            .next()
            .is_some_and(|unit| unit.eq_ignore_ascii_case(wanted))
    };
    match w.to_ascii_lowercase().as_str() {
        "week" | "weekly" => Ok(Cadence::Weekly),
        "fortnight" | "fortnightly" | "2weeks" => Ok(Cadence::Fortnightly),
        "month" | "monthly" => Ok(Cadence::Monthly),
        "2" | "two" if unit(words, "weeks") => Ok(Cadence::Fortnightly),
        "other" if unit(words, "week") => Ok(Cadence::Fortnightly),
        _ => Err(bad(w)),
    }
}

fn weekday(word: &str) -> Option<Weekday> {
    let w = word.to_ascii_lowercase();
    let w = w
        .strip_suffix('s')
        .filter(|s| s.ends_with("day"))
        .unwrap_or(&w);
    if w == "tues" || w == "thur" || w == "thurs" {
        return Some(if w == "tues" {
            Weekday::Tue
        } else {
            Weekday::Thu
        });
    }
    w.parse::<Weekday>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> UserId {
        UserId::parse(s).unwrap()
    }
    fn at(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn the_grammar_as_data() {
        let cases = [
            ("", OneOnOneCommand::Help),
            ("help", OneOnOneCommand::Help),
            (
                "<@UA1|ana> every week on tuesday at 10:00",
                OneOnOneCommand::Set {
                    member: u("UA1"),
                    cadence: Cadence::Weekly,
                    weekday: Weekday::Tue,
                    time: at(10, 0),
                    tz: None,
                },
            ),
            (
                "<@UA1> every 2 weeks on Thurs at 9:30 tz Europe/Berlin",
                OneOnOneCommand::Set {
                    member: u("UA1"),
                    cadence: Cadence::Fortnightly,
                    weekday: Weekday::Thu,
                    time: at(9, 30),
                    tz: Some(ZoneChoice::Given(chrono_tz::Europe::Berlin)),
                },
            ),
            (
                "<@UA1> every week on tue at 10:00 TZ Slack",
                OneOnOneCommand::Set {
                    member: u("UA1"),
                    cadence: Cadence::Weekly,
                    weekday: Weekday::Tue,
                    time: at(10, 0),
                    tz: Some(ZoneChoice::Slack),
                },
            ),
            (
                "<@UA1> every week on tue at 10:00 tz mattermost",
                OneOnOneCommand::Set {
                    member: u("UA1"),
                    cadence: Cadence::Weekly,
                    weekday: Weekday::Tue,
                    time: at(10, 0),
                    tz: Some(ZoneChoice::Slack),
                },
            ),
            (
                "<@UA1> EVERY other week ON mondays AT 16:45",
                OneOnOneCommand::Set {
                    member: u("UA1"),
                    cadence: Cadence::Fortnightly,
                    weekday: Weekday::Mon,
                    time: at(16, 45),
                    tz: None,
                },
            ),
            (
                "<@UA1> every month on fri at 08:00",
                OneOnOneCommand::Set {
                    member: u("UA1"),
                    cadence: Cadence::Monthly,
                    weekday: Weekday::Fri,
                    time: at(8, 0),
                    tz: None,
                },
            ),
            ("list", OneOnOneCommand::List),
            (
                "done <@UA1> Talked about the &lt;ledger&gt; plan",
                OneOnOneCommand::Done {
                    member: u("UA1"),
                    notes: Some("Talked about the <ledger> plan".into()),
                },
            ),
            (
                "done <@UA1>",
                OneOnOneCommand::Done {
                    member: u("UA1"),
                    notes: None,
                },
            ),
            ("skip <@UA1>", OneOnOneCommand::Skip { member: u("UA1") }),
            ("moved <@UA1>", OneOnOneCommand::Moved { member: u("UA1") }),
            (
                "MOVE <@UA1|ana>",
                OneOnOneCommand::Moved { member: u("UA1") },
            ),
            (
                "snooze <@UA1> 1w",
                OneOnOneCommand::Snooze {
                    member: u("UA1"),
                    until: SnoozeFor::Weeks(1),
                },
            ),
            (
                "snooze <@UA1> until 2026-12-22",
                OneOnOneCommand::Snooze {
                    member: u("UA1"),
                    until: SnoozeFor::Until(chrono::NaiveDate::from_ymd_opt(2026, 12, 22).unwrap()),
                },
            ),
            ("stop <@UM1>", OneOnOneCommand::Stop { person: u("UM1") }),
            (
                "agenda <@UM1>",
                OneOnOneCommand::Agenda {
                    person: u("UM1"),
                    add: None,
                },
            ),
            (
                "agenda <@UM1> add \"Conference budget\"",
                OneOnOneCommand::Agenda {
                    person: u("UM1"),
                    add: Some("Conference budget".into()),
                },
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_one_on_one(text), Ok(expected), "{text}");
        }
    }

    #[test]
    fn mistakes_say_what_and_show_the_usage() {
        let cases = [
            (
                "<@UA1> every day on tuesday at 10:00",
                "`day` isn't a cadence",
                USAGE_1ON1_SET,
            ),
            (
                "<@UA1> every week on someday at 10:00",
                "isn't a weekday",
                USAGE_1ON1_SET,
            ),
            (
                "<@UA1> every week on tuesday at 10am",
                "`10am` isn't a time",
                USAGE_1ON1_SET,
            ),
            (
                "<@UA1> every week on tuesday at 25:00",
                "isn't a time",
                USAGE_1ON1_SET,
            ),
            (
                "<@UA1> every week on tuesday",
                "At what time?",
                USAGE_1ON1_SET,
            ),
            ("<@UA1> weekly", "How often?", USAGE_1ON1_SET),
            (
                "<@UA1> every week at 10:00",
                "On which day?",
                USAGE_1ON1_SET,
            ),
            (
                "<@UA1> every week on tue at 10:00 tz Mars/Base",
                "isn't a time zone",
                USAGE_1ON1_SET,
            ),
            (
                "<@UA1> every week on tue at 10:00 tz",
                "isn't a time zone",
                USAGE_1ON1_SET,
            ),
            (
                "<@UA1> every week on tue at 10:00 please",
                "didn't expect `please`",
                USAGE_1ON1_SET,
            ),
            ("moved", "Who?", USAGE_1ON1_MOVED),
            (
                "moved <@UA1> today",
                "didn't expect `today`",
                USAGE_1ON1_MOVED,
            ),
            ("snooze <@UA1>", "Until when?", USAGE_1ON1_SNOOZE),
            (
                "snooze <@UA1> tomorrow",
                "`tomorrow` isn't a time",
                USAGE_1ON1_SNOOZE,
            ),
            (
                "@ana every week on tue at 10:00",
                "plain text, not a mention",
                USAGE_1ON1_SET,
            ),
            ("done", "Who?", USAGE_1ON1_DONE),
            ("skip <@UA1> now", "didn't expect", USAGE_1ON1_SKIP),
            ("stop ana", "isn't a person", USAGE_1ON1_STOP),
            (
                "agenda <@UA1> add",
                "What should go on the agenda?",
                USAGE_1ON1_AGENDA,
            ),
            ("agenda <@UA1> remove 2", "write `add`", USAGE_1ON1_AGENDA),
            ("list mine", "didn't expect", USAGE_1ON1_LIST),
            ("frobnicate", "don't know `frobnicate`", USAGE_1ON1_HELP),
        ];
        for (text, problem, usage_line) in cases {
            let err = parse_one_on_one(text).unwrap_err();
            assert!(err.problem.contains(problem), "{text}: {}", err.problem);
            assert_eq!(err.usage, usage_line, "{text}");
        }
    }
}
