//! The `/tour` grammar, parsed from Slack's command text into [`TourCommand`].
//!
//! ```text
//! help
//! propose @member <kind> <length | from YYYY-MM-DD to YYYY-MM-DD> <mission…>
//! objective <id> add company|member <text…>
//! objective <id> done|undo|remove <n>          (undo: open a done one again)
//! objective <id> edit <n> <text…>
//! mission <id> <text…>                          (rewrite the mission)
//! accept <id>            decline <id> [reason…]        withdraw <id>
//! list [team|all|@user]  show <id>                      history <id>
//! extend <id> <length>
//! complete <id> [confirm]   (without `confirm`: asks first, with buttons)
//! reassign <id> @new-manager                    (the manager or an admin)
//! next <id> <kind> <length | from YYYY-MM-DD to YYYY-MM-DD> <mission…>
//! leave <id> successor @user [on YYYY-MM-DD] [handover notes…]
//! talk [note…]           (ask my manager, privately, for a conversation)
//! checkin <id>           (a check-in conversation with the member, by DM, now)
//! checkin <id> <notes…>  (records a check-in directly)
//! checkin <id> every <length>   (check-ins this many months apart, 1–12)
//! checkin <id> delivered <n> yes|partly|no   (the manager, for the company)
//! snooze <id> [<reminder>] <1w|until YYYY-MM-DD>   (a reminder I got, later)
//! done <id> <reminder>   (no more reminders of that kind about it, for me)
//! handover <id> accept   (the successor named in an exit plan)
//! stay-in-touch <id> join [contact…]   stay-in-touch <id> no
//! forget-me [confirm]    (erase my own data; without `confirm`: asks first)
//! away until YYYY-MM-DD  (hold my reminders until the day I'm back)
//! away off               away          (back early; where it stands)
//! upcoming               (what the bot will send me in the next 30 days)
//! ```
//!
//! Every button the bot sends has its typed equivalent here (or in
//! `/1on1`, `/alumni`), running the rule the button runs: see the README's
//! "Buttons and their typed equivalents".
//!
//! - Mentions arrive as `<@U123>` or `<@U123|name>` (the manifest sets
//!   `should_escape`); a plain `@name` gets a hint instead of a guess.
//! - Slack encodes `&`, `<`, `>` in free text as entities; free text is
//!   decoded here, and encoded again when rendered (`crate::message::escape`).
//! - Lengths: `18m`, `18mo`, `2y`, `2yr`, `6 months`, `1 year`. Ids: `17` or `#17`;
//!   objective numbers `3` or `#3`. `reopen` is `undo`, `delete` is `remove`.
//! - Kind and foundational tours: foundational takes no length (open-ended).
//! - `<reminder>` names a kind of reminder by its series
//!   ([`ReminderKind`]: `waiting`, `ending`, `ended`, `recommit`,
//!   `handover`, `checkin`). A snooze is `1w` (`2w`… `52w`, `1 week`) or
//!   `until YYYY-MM-DD` (`until` may be left out).
//! - `delivered` after `checkin <id>` is the company's answer only when an
//!   objective number follows (`checkin 3 delivered 2 yes`); otherwise the
//!   words are notes (`checkin 3 delivered the demo`).
//! - `/1on1 …` and `/alumni …` are reachable as `/tour 1on1 …` and
//!   `/tour alumni …` (the `/1on1` grammar is in [`one_on_one`]).
//!
//! The parser is pure and knows nothing of the store: whether tour 17 exists
//! or the caller may touch it is decided later.

use crate::domain::checkin::Delivered;
use crate::domain::schedule::ReminderKind;
use crate::domain::{Side, Term, TourId, TourKind, UserId};
use crate::message::{escape, truncate};
use chrono::NaiveDate;

pub const USAGE_HELP: &str = "/tour help";
pub const USAGE_PROPOSE: &str = "/tour propose @member <rotational|transformational|foundational> <length|from YYYY-MM-DD to YYYY-MM-DD> <mission…>";
pub const USAGE_OBJECTIVE: &str = "/tour objective <id> add company|member <text…>   or   /tour objective <id> done|undo|remove <n>   or   /tour objective <id> edit <n> <text…>";
pub const USAGE_MISSION: &str = "/tour mission <id> <text…>";
pub const USAGE_REASSIGN: &str = "/tour reassign <id> @new-manager";
pub const USAGE_ACCEPT: &str = "/tour accept <id>";
pub const USAGE_DECLINE: &str = "/tour decline <id> [reason…]";
pub const USAGE_WITHDRAW: &str = "/tour withdraw <id>";
pub const USAGE_LIST: &str = "/tour list [team|all|@user]";
pub const USAGE_TIMELINE: &str =
    "/tour timeline [team|all|@user]   (a picture of the tours, sent to your DM)";
pub const USAGE_REPORT: &str =
    "/tour report   (admins: the people team's report, as a file in your DM)";
pub const USAGE_SHOW: &str = "/tour show <id>";
pub const USAGE_HISTORY: &str = "/tour history <id>";
pub const USAGE_EXTEND: &str = "/tour extend <id> <length>   (like 6m or 1y)";
pub const USAGE_COMPLETE: &str = "/tour complete <id> [confirm]";
pub const USAGE_NEXT: &str = "/tour next <id> <rotational|transformational|foundational> <length|from YYYY-MM-DD to YYYY-MM-DD> <mission…>";
pub const USAGE_LEAVE: &str = "/tour leave <id> successor @user [on YYYY-MM-DD] [handover notes…]";

pub const USAGE_TALK: &str = "/tour talk [note…]";
pub const USAGE_FORGET_ME: &str = "/tour forget-me [confirm]";
pub const USAGE_AWAY: &str = "/tour away until YYYY-MM-DD   or   /tour away off   (the day you're back: your reminders wait until then)";
pub const USAGE_UPCOMING: &str =
    "/tour upcoming   (what I will send you in the next 30 days, and when)";
pub const USAGE_CHECKIN: &str = "/tour checkin <id> [notes…]   or   /tour checkin <id> every <length>   (no notes: a check-in conversation by DM, now)";
pub const USAGE_DELIVERED: &str = "/tour checkin <id> delivered <n> yes|partly|no";
pub const USAGE_SNOOZE: &str =
    "/tour snooze <id> [waiting|ending|ended|recommit|handover|checkin] <1w|until YYYY-MM-DD>";
pub const USAGE_DONE: &str = "/tour done <id> waiting|ending|ended|recommit|handover";
pub const USAGE_HANDOVER: &str = "/tour handover <id> accept";
pub const USAGE_STAY_IN_TOUCH: &str =
    "/tour stay-in-touch <id> join [personal contact…]   or   /tour stay-in-touch <id> no";

/// Every usage line, in the order `/tour help` shows them.
pub const ALL_USAGES: [&str; 27] = [
    USAGE_PROPOSE,
    USAGE_OBJECTIVE,
    USAGE_MISSION,
    USAGE_ACCEPT,
    USAGE_DECLINE,
    USAGE_WITHDRAW,
    USAGE_LIST,
    USAGE_TIMELINE,
    USAGE_SHOW,
    USAGE_HISTORY,
    USAGE_EXTEND,
    USAGE_COMPLETE,
    USAGE_NEXT,
    USAGE_LEAVE,
    USAGE_HANDOVER,
    USAGE_STAY_IN_TOUCH,
    USAGE_REASSIGN,
    USAGE_TALK,
    USAGE_CHECKIN,
    USAGE_DELIVERED,
    USAGE_SNOOZE,
    USAGE_DONE,
    USAGE_AWAY,
    USAGE_UPCOMING,
    USAGE_FORGET_ME,
    USAGE_REPORT,
    USAGE_HELP,
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TourCommand {
    Help,
    Propose {
        member: UserId,
        kind: TourKind,
        term: Term,
        mission: String,
    },
    ObjectiveAdd {
        tour: TourId,
        side: Side,
        text: String,
    },
    ObjectiveDone {
        tour: TourId,
        number: u32,
    },
    /// Open a done objective again.
    ObjectiveUndo {
        tour: TourId,
        number: u32,
    },
    ObjectiveEdit {
        tour: TourId,
        number: u32,
        text: String,
    },
    ObjectiveRemove {
        tour: TourId,
        number: u32,
    },
    Mission {
        tour: TourId,
        text: String,
    },
    /// Hand the tour to another manager.
    Reassign {
        tour: TourId,
        manager: UserId,
    },
    Accept {
        tour: TourId,
    },
    Decline {
        tour: TourId,
        reason: Option<String>,
    },
    Withdraw {
        tour: TourId,
    },
    List(ListScope),
    /// `/tour timeline`: the picture of what the scope shows.
    Timeline(ListScope),
    /// `/tour report`: the people team's report (admins).
    Report,
    Show {
        tour: TourId,
    },
    History {
        tour: TourId,
    },
    Extend {
        tour: TourId,
        months: u32,
    },
    /// Without `confirmed`, only asks (with buttons).
    Complete {
        tour: TourId,
        confirmed: bool,
    },
    /// Propose the tour that follows `after`.
    Next {
        after: TourId,
        kind: TourKind,
        term: Term,
        mission: String,
    },
    Leave {
        tour: TourId,
        successor: UserId,
        on: Option<NaiveDate>,
        notes: Option<String>,
    },
    /// Start a check-in conversation with the tour's member now.
    CheckinStart {
        tour: TourId,
    },
    /// Record a check-in directly.
    CheckinNotes {
        tour: TourId,
        notes: String,
    },
    /// Check-ins of this tour come every `months` months.
    CheckinEvery {
        tour: TourId,
        months: u32,
    },
    /// The manager's answer for the company, after a check-in: did it
    /// deliver member-side objective `objective`?
    CheckinDelivered {
        tour: TourId,
        objective: u32,
        delivered: Delivered,
    },
    /// Bring a reminder I got about the tour back later: the last one of
    /// that kind, or of any kind.
    Snooze {
        tour: TourId,
        what: Option<ReminderKind>,
        until: SnoozeFor,
    },
    /// No more reminders of that kind about the tour, for me.
    Done {
        tour: TourId,
        what: ReminderKind,
    },
    /// The successor named in the exit plan accepts the handover.
    AcceptHandover {
        tour: TourId,
    },
    /// The leaving member's answer to "stay in touch?".
    StayInTouch {
        tour: TourId,
        join: bool,
        contact: Option<String>,
    },
    /// `/tour alumni …`, the same as `/alumni …`.
    Alumni(AlumniCommand),
    /// The Right of First Conversation: ask my manager, privately, for a
    /// conversation about my next move.
    Talk {
        note: Option<String>,
    },
    /// `/tour 1on1 …`, the same as `/1on1 …`.
    OneOnOne(OneOnOneCommand),
    /// Erase my data (`other`: someone named it for another person, which
    /// is refused: that is the operator's `alliance erase`). Without
    /// `confirmed`, only asks (with a button).
    ForgetMe {
        other: Option<UserId>,
        confirmed: bool,
    },
    /// `/tour away …`: hold my reminders while I am away.
    Away(AwayCommand),
    /// What the bot will send me, and when.
    Upcoming,
}

/// `/tour away`, `/tour away until YYYY-MM-DD`, `/tour away off`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AwayCommand {
    /// Where it stands.
    Show,
    /// Away until this day, the day I am back.
    Until(NaiveDate),
    /// Back early.
    Off,
}

/// How long a snooze lasts: like **Snooze 1 week** (weeks from now), or
/// **Snooze until…** (the start of a day, which must be after today).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SnoozeFor {
    Weeks(u32),
    Until(NaiveDate),
}

/// The longest snooze in weeks (longer ones name a date).
pub const MAX_SNOOZE_WEEKS: u32 = 52;

/// The `/alumni` grammar (also `/tour alumni …`):
///
/// ```text
/// add @user [left YYYY-MM-DD] [liaison @user] [note…]
/// list [text…]     show @user     touch @user [note…]
/// stop @user       snooze @user <1w|until YYYY-MM-DD>     (keep-in-touch reminders)
/// liaison @user @new-liaison     rehire @user     remove @user [confirm]
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AlumniCommand {
    Help,
    Add {
        user: UserId,
        left: Option<NaiveDate>,
        liaison: Option<UserId>,
        note: Option<String>,
    },
    List {
        text: Option<String>,
    },
    Show {
        user: UserId,
    },
    Touch {
        user: UserId,
        note: Option<String>,
    },
    /// No more keep-in-touch reminders about them, until a contact is logged.
    Stop {
        user: UserId,
    },
    /// The last keep-in-touch reminder about them, later.
    Snooze {
        user: UserId,
        until: SnoozeFor,
    },
    Liaison {
        user: UserId,
        liaison: UserId,
    },
    Rehire {
        user: UserId,
    },
    /// Without `confirmed`, only asks (with buttons).
    Remove {
        user: UserId,
        confirmed: bool,
    },
}

pub const USAGE_ALUMNI_HELP: &str = "/alumni help";
pub const USAGE_ALUMNI_ADD: &str = "/alumni add @user [left YYYY-MM-DD] [liaison @user] [note…]";
pub const USAGE_ALUMNI_LIST: &str = "/alumni list [text…]";
pub const USAGE_ALUMNI_SHOW: &str = "/alumni show @user";
pub const USAGE_ALUMNI_TOUCH: &str = "/alumni touch @user [note…]";
pub const USAGE_ALUMNI_LIAISON: &str = "/alumni liaison @user @new-liaison";
pub const USAGE_ALUMNI_REHIRE: &str = "/alumni rehire @user";
pub const USAGE_ALUMNI_REMOVE: &str = "/alumni remove @user [confirm]";
pub const USAGE_ALUMNI_STOP: &str = "/alumni stop @user";
pub const USAGE_ALUMNI_SNOOZE: &str = "/alumni snooze @user <1w|until YYYY-MM-DD>";

/// Every `/alumni` usage line, in the order `/alumni help` shows them.
pub const ALUMNI_USAGES: [&str; 10] = [
    USAGE_ALUMNI_ADD,
    USAGE_ALUMNI_LIST,
    USAGE_ALUMNI_SHOW,
    USAGE_ALUMNI_TOUCH,
    USAGE_ALUMNI_STOP,
    USAGE_ALUMNI_SNOOZE,
    USAGE_ALUMNI_LIAISON,
    USAGE_ALUMNI_REHIRE,
    USAGE_ALUMNI_REMOVE,
    USAGE_ALUMNI_HELP,
];

pub fn parse_alumni(text: &str) -> Result<AlumniCommand, Usage> {
    let mut words = Words::new(text);
    let Some(sub) = words.next() else {
        return Ok(AlumniCommand::Help);
    };
    let person = |words: &mut Words, usage_line: &'static str| match words.next() {
        Some(w) => mention(w, usage_line),
        None => Err(usage("Who? Mention them.", usage_line)),
    };
    let free = |words: &mut Words| {
        Some(strip_quotes(&decode_entities(words.rest()))).filter(|t| !t.is_empty())
    };
    match sub.to_ascii_lowercase().as_str() {
        "help" | "?" => Ok(AlumniCommand::Help),
        "add" => {
            let user = person(&mut words, USAGE_ALUMNI_ADD)?;
            let mut left = None;
            let mut liaison = None;
            loop {
                match words.peek().map(str::to_ascii_lowercase).as_deref() {
                    Some("left") if left.is_none() => {
                        words.next();
                        left = Some(date(words.next(), USAGE_ALUMNI_ADD)?);
                    }
                    Some("liaison") if liaison.is_none() => {
                        words.next();
                        liaison = Some(person(&mut words, USAGE_ALUMNI_ADD)?);
                    }
                    _ => break,
                }
            }
            Ok(AlumniCommand::Add {
                user,
                left,
                liaison,
                note: free(&mut words),
            })
        }
        "list" => Ok(AlumniCommand::List {
            text: free(&mut words),
        }),
        "show" => {
            let user = person(&mut words, USAGE_ALUMNI_SHOW)?;
            no_more(&mut words, USAGE_ALUMNI_SHOW)?;
            Ok(AlumniCommand::Show { user })
        }
        "touch" => Ok(AlumniCommand::Touch {
            user: person(&mut words, USAGE_ALUMNI_TOUCH)?,
            note: free(&mut words),
        }),
        "stop" => {
            let user = person(&mut words, USAGE_ALUMNI_STOP)?;
            no_more(&mut words, USAGE_ALUMNI_STOP)?;
            Ok(AlumniCommand::Stop { user })
        }
        "snooze" => {
            let user = person(&mut words, USAGE_ALUMNI_SNOOZE)?;
            let until = snooze_for(&mut words, USAGE_ALUMNI_SNOOZE)?;
            Ok(AlumniCommand::Snooze { user, until })
        }
        "liaison" => {
            let user = person(&mut words, USAGE_ALUMNI_LIAISON)?;
            let liaison = person(&mut words, USAGE_ALUMNI_LIAISON)?;
            no_more(&mut words, USAGE_ALUMNI_LIAISON)?;
            Ok(AlumniCommand::Liaison { user, liaison })
        }
        "rehire" => {
            let user = person(&mut words, USAGE_ALUMNI_REHIRE)?;
            no_more(&mut words, USAGE_ALUMNI_REHIRE)?;
            Ok(AlumniCommand::Rehire { user })
        }
        "remove" => {
            let user = person(&mut words, USAGE_ALUMNI_REMOVE)?;
            let confirmed = confirm(&mut words, USAGE_ALUMNI_REMOVE)?;
            Ok(AlumniCommand::Remove { user, confirmed })
        }
        _ => Err(unknown(sub, &ALUMNI_USAGES)),
    }
}

pub use crate::domain::notice::ListScope;

/// What went wrong, for a person: the problem and the line that shows how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Usage {
    pub problem: String,
    pub usage: &'static str,
}

/// The answer to a subcommand nobody knows: the one it was nearly (with
/// that command's usage line), or else every subcommand `command` has, by
/// name, with its help line. The names come from `usages` (their second
/// word; `/1on1 @member …` has none).
fn unknown(typed: &str, usages: &[&'static str]) -> Usage {
    let name = |u: &'static str| {
        u.split_whitespace()
            .nth(1)
            .filter(|w| w.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    };
    let command = usages[0].split_whitespace().next().unwrap_or_default();
    let help = usages
        .iter()
        .copied()
        .find(|u| name(u) == Some("help"))
        .unwrap_or(usages[0]);
    let near = crate::words::suggest(typed, usages.iter().copied().filter_map(name));
    if let Some(near) = near {
        let line = usages
            .iter()
            .copied()
            .find(|u| name(u) == Some(near))
            .unwrap_or(help);
        return usage(
            format!(
                "I don't know `{}`. Did you mean `{command} {near}`?",
                clip(typed)
            ),
            line,
        );
    }
    // A usage without a name (`/1on1 @member every <…>`) shows its words
    // up to the first placeholder.
    let mut names: Vec<String> = usages
        .iter()
        .map(|u| match name(u) {
            Some(n) => format!("`{n}`"),
            None => {
                let words: Vec<&str> = u
                    .split_whitespace()
                    .skip(1)
                    .take_while(|w| !w.starts_with('<'))
                    .collect();
                format!("`{} …`", words.join(" "))
            }
        })
        .collect();
    names.dedup();
    usage(
        format!(
            "I don't know `{}`. `{command}` can do: {}.",
            clip(typed),
            names.join(", ")
        ),
        help,
    )
}

fn usage(problem: impl Into<String>, usage: &'static str) -> Usage {
    Usage {
        problem: problem.into(),
        usage,
    }
}

/// `/tour propose` with nothing after it: on Slack it opens the propose
/// form; elsewhere it is answered with the usage line.
pub fn wants_form(text: &str) -> bool {
    let mut words = Words::new(text);
    words
        .next()
        .is_some_and(|w| w.eq_ignore_ascii_case("propose"))
        && words.next().is_none()
}

pub fn parse(text: &str) -> Result<TourCommand, Usage> {
    let mut words = Words::new(text);
    let Some(sub) = words.next() else {
        return Ok(TourCommand::Help);
    };
    match sub.to_ascii_lowercase().as_str() {
        "help" | "?" => Ok(TourCommand::Help),
        "propose" => parse_propose(&mut words),
        "objective" | "objectives" => parse_objective(&mut words),
        "accept" => Ok(TourCommand::Accept {
            tour: only_id(&mut words, USAGE_ACCEPT)?,
        }),
        "decline" => {
            let tour = tour_id(&mut words, USAGE_DECLINE)?;
            let reason = Some(decode_entities(words.rest())).filter(|r| !r.is_empty());
            Ok(TourCommand::Decline { tour, reason })
        }
        "withdraw" => Ok(TourCommand::Withdraw {
            tour: only_id(&mut words, USAGE_WITHDRAW)?,
        }),
        "list" => Ok(TourCommand::List(parse_scope(
            &mut words, USAGE_LIST, "list",
        )?)),
        "timeline" => Ok(TourCommand::Timeline(parse_scope(
            &mut words,
            USAGE_TIMELINE,
            "draw",
        )?)),
        "report" => {
            no_more(&mut words, USAGE_REPORT)?;
            Ok(TourCommand::Report)
        }
        "show" => Ok(TourCommand::Show {
            tour: only_id(&mut words, USAGE_SHOW)?,
        }),
        "history" => Ok(TourCommand::History {
            tour: only_id(&mut words, USAGE_HISTORY)?,
        }),
        "extend" => {
            let tour = tour_id(&mut words, USAGE_EXTEND)?;
            let months = length(&mut words)
                .ok_or_else(|| usage("By how long? Give a length like 6m or 1y.", USAGE_EXTEND))?;
            no_more(&mut words, USAGE_EXTEND)?;
            Ok(TourCommand::Extend { tour, months })
        }
        "complete" => {
            let tour = tour_id(&mut words, USAGE_COMPLETE)?;
            let confirmed = confirm(&mut words, USAGE_COMPLETE)?;
            Ok(TourCommand::Complete { tour, confirmed })
        }
        "snooze" => {
            let tour = tour_id(&mut words, USAGE_SNOOZE)?;
            let what = words.peek().and_then(ReminderKind::parse);
            if what.is_some() {
                words.next();
            }
            let until = snooze_for(&mut words, USAGE_SNOOZE)?;
            Ok(TourCommand::Snooze { tour, what, until })
        }
        "done" => {
            let tour = tour_id(&mut words, USAGE_DONE)?;
            let what = reminder_kind(
                words.next(),
                "Which reminders? Name their kind: waiting, ending, ended, recommit or handover.",
                USAGE_DONE,
            )?;
            no_more(&mut words, USAGE_DONE)?;
            Ok(TourCommand::Done { tour, what })
        }
        "handover" => {
            let tour = tour_id(&mut words, USAGE_HANDOVER)?;
            if !words
                .next()
                .is_some_and(|w| w.eq_ignore_ascii_case("accept"))
            {
                return Err(usage(
                    "Write `accept` after the tour id to accept the handover.",
                    USAGE_HANDOVER,
                ));
            }
            no_more(&mut words, USAGE_HANDOVER)?;
            Ok(TourCommand::AcceptHandover { tour })
        }
        "stay-in-touch" => parse_stay_in_touch(&mut words),
        "next" => {
            let after = tour_id(&mut words, USAGE_NEXT)?;
            let kind = kind(&mut words, USAGE_NEXT)?;
            let term = parse_term(&mut words, kind, USAGE_NEXT)?;
            let mission = mission(&mut words, USAGE_NEXT)?;
            Ok(TourCommand::Next {
                after,
                kind,
                term,
                mission,
            })
        }
        "leave" => parse_leave(&mut words),
        "mission" => {
            let tour = tour_id(&mut words, USAGE_MISSION)?;
            let text = strip_quotes(&decode_entities(words.rest()));
            if text.is_empty() {
                return Err(usage(
                    "What is the new mission? Write it after the tour id, in a sentence.",
                    USAGE_MISSION,
                ));
            }
            Ok(TourCommand::Mission { tour, text })
        }
        "reassign" => {
            let tour = tour_id(&mut words, USAGE_REASSIGN)?;
            let manager = match words.next() {
                Some(w) => mention(w, USAGE_REASSIGN)?,
                None => {
                    return Err(usage(
                        "Who is the new manager? Mention them after the tour id.",
                        USAGE_REASSIGN,
                    ));
                }
            };
            no_more(&mut words, USAGE_REASSIGN)?;
            Ok(TourCommand::Reassign { tour, manager })
        }
        "checkin" | "check-in" => parse_checkin(&mut words),
        "alumni" => Ok(TourCommand::Alumni(parse_alumni(words.rest())?)),
        "talk" => Ok(TourCommand::Talk {
            note: Some(strip_quotes(&decode_entities(words.rest()))).filter(|n| !n.is_empty()),
        }),
        "1on1" => Ok(TourCommand::OneOnOne(parse_one_on_one(words.rest())?)),
        "away" => parse_away(&mut words),
        "upcoming" => {
            no_more(&mut words, USAGE_UPCOMING)?;
            Ok(TourCommand::Upcoming)
        }
        "forget-me" => {
            let other = match words.peek() {
                Some(w) if !w.eq_ignore_ascii_case("confirm") => {
                    words.next();
                    Some(mention(w, USAGE_FORGET_ME)?)
                }
                _ => None,
            };
            let confirmed = confirm(&mut words, USAGE_FORGET_ME)?;
            Ok(TourCommand::ForgetMe { other, confirmed })
        }
        _ => Err(unknown(sub, &ALL_USAGES)),
    }
}

fn parse_away(words: &mut Words) -> Result<TourCommand, Usage> {
    let command = match words.next() {
        None => AwayCommand::Show,
        Some(w) if w.eq_ignore_ascii_case("off") => AwayCommand::Off,
        Some(w) if w.eq_ignore_ascii_case("until") => {
            let Some(day) = words.next() else {
                return Err(usage(
                    "Until when? Give the day you're back as YYYY-MM-DD.",
                    USAGE_AWAY,
                ));
            };
            AwayCommand::Until(date(Some(day), USAGE_AWAY)?)
        }
        Some(w) => {
            return Err(usage(
                format!("I don't know `away {}`.", clip(w)),
                USAGE_AWAY,
            ));
        }
    };
    no_more(words, USAGE_AWAY)?;
    Ok(TourCommand::Away(command))
}

fn parse_propose(words: &mut Words) -> Result<TourCommand, Usage> {
    let member = match words.next() {
        Some(w) => mention(w, USAGE_PROPOSE)?,
        None => {
            return Err(usage(
                "Who is the tour for? Mention them after `propose`.",
                USAGE_PROPOSE,
            ));
        }
    };
    let kind = kind(words, USAGE_PROPOSE)?;
    let term = parse_term(words, kind, USAGE_PROPOSE)?;
    let mission = mission(words, USAGE_PROPOSE)?;
    Ok(TourCommand::Propose {
        member,
        kind,
        term,
        mission,
    })
}

fn kind(words: &mut Words, usage_line: &'static str) -> Result<TourKind, Usage> {
    match words.next() {
        Some(w) => TourKind::parse(w).ok_or_else(|| {
            usage(
                format!(
                    "`{}` isn't a kind of tour: use rotational, transformational or foundational.",
                    clip(w)
                ),
                usage_line,
            )
        }),
        None => Err(usage(
            "Which kind of tour: rotational, transformational or foundational?",
            usage_line,
        )),
    }
}

fn mission(words: &mut Words, usage_line: &'static str) -> Result<String, Usage> {
    let mission = strip_quotes(&decode_entities(words.rest()));
    if mission.is_empty() {
        return Err(usage(
            "What is the tour's mission? Add it at the end, in a sentence.",
            usage_line,
        ));
    }
    Ok(mission)
}

fn parse_leave(words: &mut Words) -> Result<TourCommand, Usage> {
    let tour = tour_id(words, USAGE_LEAVE)?;
    if !words
        .next()
        .is_some_and(|w| w.eq_ignore_ascii_case("successor"))
    {
        return Err(usage(
            "Who takes over? Write `successor` and mention them.",
            USAGE_LEAVE,
        ));
    }
    let successor = match words.next() {
        Some(w) => mention(w, USAGE_LEAVE)?,
        None => {
            return Err(usage(
                "Mention the successor after `successor`.",
                USAGE_LEAVE,
            ));
        }
    };
    let on = if words.peek().is_some_and(|w| w.eq_ignore_ascii_case("on")) {
        words.next();
        Some(date(words.next(), USAGE_LEAVE)?)
    } else {
        None
    };
    let notes = Some(strip_quotes(&decode_entities(words.rest()))).filter(|n| !n.is_empty());
    Ok(TourCommand::Leave {
        tour,
        successor,
        on,
        notes,
    })
}

fn parse_checkin(words: &mut Words) -> Result<TourCommand, Usage> {
    let tour = tour_id(words, USAGE_CHECKIN)?;
    let mut look = *words;
    // `delivered` then an objective's number is the company's answer;
    // `delivered the demo` is notes.
    if look
        .next()
        .is_some_and(|w| w.eq_ignore_ascii_case("delivered"))
        && let Some(objective) = look
            .peek()
            .and_then(|w| w.trim_start_matches('#').parse::<u32>().ok())
    {
        look.next();
        if objective == 0 {
            return Err(usage(
                "Objectives are numbered from 1, as `/tour show` lists them.",
                USAGE_DELIVERED,
            ));
        }
        let delivered = match look.next() {
            Some(w) => Delivered::parse(&w.to_ascii_lowercase()).ok_or_else(|| {
                usage(
                    format!("`{}` isn't an answer: say yes, partly or no.", clip(w)),
                    USAGE_DELIVERED,
                )
            })?,
            None => {
                return Err(usage(
                    format!(
                        "Did the company deliver objective {objective}? Say yes, partly or no."
                    ),
                    USAGE_DELIVERED,
                ));
            }
        };
        no_more(&mut look, USAGE_DELIVERED)?;
        return Ok(TourCommand::CheckinDelivered {
            tour,
            objective,
            delivered,
        });
    }
    let mut look = *words;
    if look.next().is_some_and(|w| w.eq_ignore_ascii_case("every")) {
        // `every` then something that looks like a length is the cadence;
        // `every objective is on track` is notes.
        let looks_like_length = look.peek().is_some_and(|w| {
            w.starts_with(|c: char| c.is_ascii_digit())
                || matches!(
                    w.to_ascii_lowercase().as_str(),
                    "week" | "weeks" | "day" | "days" | "month" | "months" | "year" | "quarter"
                )
        });
        if looks_like_length {
            let months = length(&mut look).ok_or_else(|| {
                usage(
                    "How often? Check-ins come every 1 to 12 months: give a length like 1m, 2 months or 1y.",
                    USAGE_CHECKIN,
                )
            })?;
            no_more(&mut look, USAGE_CHECKIN)?;
            return Ok(TourCommand::CheckinEvery { tour, months });
        }
    }
    let notes = strip_quotes(&decode_entities(words.rest()));
    if notes.is_empty() {
        Ok(TourCommand::CheckinStart { tour })
    } else {
        Ok(TourCommand::CheckinNotes { tour, notes })
    }
}

fn parse_stay_in_touch(words: &mut Words) -> Result<TourCommand, Usage> {
    let tour = tour_id(words, USAGE_STAY_IN_TOUCH)?;
    let answer = words
        .next()
        .map(|w| w.trim_end_matches([',', '.', '!']).to_ascii_lowercase());
    let join = match answer.as_deref() {
        Some("join" | "yes") => true,
        Some("no") => false,
        _ => {
            return Err(usage(
                "Will you stay in touch? Say `join` (and a personal contact, if you like) or `no`.",
                USAGE_STAY_IN_TOUCH,
            ));
        }
    };
    if !join {
        // "No, thanks", as the button says, reads the same.
        let rest = words
            .rest()
            .trim_end_matches(['.', '!'])
            .to_ascii_lowercase();
        if !matches!(rest.as_str(), "" | "thanks" | "thank you") {
            no_more(words, USAGE_STAY_IN_TOUCH)?;
        }
        return Ok(TourCommand::StayInTouch {
            tour,
            join,
            contact: None,
        });
    }
    let contact = Some(strip_quotes(&decode_entities(words.rest()))).filter(|c| !c.is_empty());
    Ok(TourCommand::StayInTouch {
        tour,
        join,
        contact,
    })
}

/// A kind of reminder, by its name.
fn reminder_kind(
    word: Option<&str>,
    missing: &str,
    usage_line: &'static str,
) -> Result<ReminderKind, Usage> {
    let Some(word) = word else {
        return Err(usage(missing, usage_line));
    };
    ReminderKind::parse(word).ok_or_else(|| {
        usage(
            format!(
                "`{}` isn't a kind of reminder: name one of waiting, ending, ended, recommit, handover or checkin.",
                clip(word)
            ),
            usage_line,
        )
    })
}

/// How long to snooze, then nothing more: `1w`, `2 weeks`, `until
/// YYYY-MM-DD` (or the date alone).
fn snooze_for(words: &mut Words, usage_line: &'static str) -> Result<SnoozeFor, Usage> {
    let Some(first) = words.next() else {
        return Err(usage(
            "Until when? Say `1w` for a week, or `until YYYY-MM-DD`.",
            usage_line,
        ));
    };
    let lower = first.to_ascii_lowercase();
    let until = if lower == "until" {
        SnoozeFor::Until(date(words.next(), usage_line)?)
    } else if let Ok(day) = NaiveDate::parse_from_str(first, "%Y-%m-%d") {
        SnoozeFor::Until(day)
    } else {
        // `1w`, `2wk`, `1 week`, `2 weeks`, `a week`, `week`.
        let digits = lower.chars().take_while(|c| c.is_ascii_digit()).count();
        let mut next_word = || words.next().unwrap_or_default().to_ascii_lowercase();
        let (number, unit): (Option<u32>, String) = if digits == 0 {
            match lower.as_str() {
                "week" => (Some(1), lower.clone()),
                "a" => (Some(1), next_word()),
                _ => (None, String::new()),
            }
        } else if digits == lower.len() {
            (lower.parse().ok(), next_word())
        } else {
            (lower[..digits].parse().ok(), lower[digits..].to_string())
        };
        match (number, unit.as_str()) {
            (Some(n), "w" | "wk" | "wks" | "week" | "weeks")
                if (1..=MAX_SNOOZE_WEEKS).contains(&n) =>
            {
                SnoozeFor::Weeks(n)
            }
            (Some(_), "w" | "wk" | "wks" | "week" | "weeks") => {
                return Err(usage(
                    format!(
                        "A snooze is 1 to {MAX_SNOOZE_WEEKS} weeks; for longer, give a date: `until YYYY-MM-DD`."
                    ),
                    usage_line,
                ));
            }
            _ => {
                return Err(usage(
                    format!(
                        "`{}` isn't a time to snooze until: say `1w` for a week, or `until YYYY-MM-DD`.",
                        clip(first)
                    ),
                    usage_line,
                ));
            }
        }
    };
    no_more(words, usage_line)?;
    Ok(until)
}

/// An optional `confirm`, then nothing more.
fn confirm(words: &mut Words, usage_line: &'static str) -> Result<bool, Usage> {
    let confirmed = words
        .peek()
        .is_some_and(|w| w.eq_ignore_ascii_case("confirm"));
    if confirmed {
        words.next();
    }
    no_more(words, usage_line)?;
    Ok(confirmed)
}

fn parse_term(words: &mut Words, kind: TourKind, usage_line: &'static str) -> Result<Term, Usage> {
    let Some(first) = words.peek() else {
        return Err(usage(missing_length(kind), usage_line));
    };
    if first.eq_ignore_ascii_case("from") {
        words.next();
        let from = date(words.next(), usage_line)?;
        if !words.next().is_some_and(|w| w.eq_ignore_ascii_case("to")) {
            return Err(usage(
                "Give both dates: `from YYYY-MM-DD to YYYY-MM-DD`.",
                usage_line,
            ));
        }
        let to = date(words.next(), usage_line)?;
        return Ok(Term::Dates { from, to });
    }
    if let Some(months) = length(words) {
        return Ok(Term::Months(months));
    }
    if first.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(usage(
            format!(
                "`{}` isn't a length: use something like 18m, 2y, 6 months or 1 year.",
                clip(first)
            ),
            usage_line,
        ));
    }
    match kind {
        TourKind::Foundational => Ok(Term::OpenEnded),
        _ => Err(usage(missing_length(kind), usage_line)),
    }
}

fn missing_length(kind: TourKind) -> String {
    match kind {
        TourKind::Foundational => {
            "What is the tour's mission? Add it at the end, in a sentence.".into()
        }
        _ => format!(
            "How long is the {} tour? Give a length like 18m or 2y, or `from YYYY-MM-DD to YYYY-MM-DD`.",
            kind.name()
        ),
    }
}

/// Reads a length of one or two words (`18m`, `6 months`), or leaves the
/// words untouched.
fn length(words: &mut Words) -> Option<u32> {
    let mut look = *words;
    let first = look.next()?.to_ascii_lowercase();
    let digits = first.chars().take_while(|c| c.is_ascii_digit()).count();
    let number: u32 = first.get(..digits)?.parse().ok()?;
    let unit = match &first[digits..] {
        "" => look.next()?.to_ascii_lowercase(),
        unit => unit.to_string(),
    };
    let months = match unit.as_str() {
        "m" | "mo" | "mos" | "month" | "months" => number,
        "y" | "yr" | "yrs" | "year" | "years" => number.checked_mul(12)?,
        _ => return None,
    };
    *words = look;
    Some(months)
}

fn parse_objective(words: &mut Words) -> Result<TourCommand, Usage> {
    let tour = tour_id(words, USAGE_OBJECTIVE)?;
    match words.next().map(|w| w.to_ascii_lowercase()).as_deref() {
        Some("add") => {
            let side = match words.next() {
                Some(w) => Side::parse(w).ok_or_else(|| {
                    usage(
                        format!("`{}` isn't a side: say `company` (what the company gets) or `member` (what the member gets).", clip(w)),
                        USAGE_OBJECTIVE,
                    )
                })?,
                None => return Err(usage("Whose objective is it: `company` or `member`?", USAGE_OBJECTIVE)),
            };
            let text = strip_quotes(&decode_entities(words.rest()));
            if text.is_empty() {
                return Err(usage(
                    "What is the objective? Add it after the side.",
                    USAGE_OBJECTIVE,
                ));
            }
            Ok(TourCommand::ObjectiveAdd { tour, side, text })
        }
        Some("done") => {
            let number = objective_number(words, "Which objective is done?")?;
            no_more(words, USAGE_OBJECTIVE)?;
            Ok(TourCommand::ObjectiveDone { tour, number })
        }
        Some("undo" | "reopen") => {
            let number = objective_number(words, "Which objective is not done after all?")?;
            no_more(words, USAGE_OBJECTIVE)?;
            Ok(TourCommand::ObjectiveUndo { tour, number })
        }
        Some("remove" | "delete") => {
            let number = objective_number(words, "Which objective should go?")?;
            no_more(words, USAGE_OBJECTIVE)?;
            Ok(TourCommand::ObjectiveRemove { tour, number })
        }
        Some("edit") => {
            let number = objective_number(words, "Which objective do you want to change?")?;
            let text = strip_quotes(&decode_entities(words.rest()));
            if text.is_empty() {
                return Err(usage(
                    "What should the objective say? Write its new text after its number.",
                    USAGE_OBJECTIVE,
                ));
            }
            Ok(TourCommand::ObjectiveEdit { tour, number, text })
        }
        _ => Err(usage(
            "Say `add`, `done`, `undo`, `edit` or `remove` after the tour id.",
            USAGE_OBJECTIVE,
        )),
    }
}

/// An objective's number, as `/tour show` lists it (`3` or `#3`).
fn objective_number(words: &mut Words, question: &str) -> Result<u32, Usage> {
    words
        .next()
        .and_then(|w| w.trim_start_matches('#').parse::<u32>().ok())
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            usage(
                format!("{question} Give its number, as `/tour show` lists it."),
                USAGE_OBJECTIVE,
            )
        })
}

/// Whose tours (`list`, `timeline`): mine, `team`, `all` or `@user`.
fn parse_scope(
    words: &mut Words,
    usage_line: &'static str,
    verb: &str,
) -> Result<ListScope, Usage> {
    let scope = match words.next() {
        None => ListScope::Mine,
        Some(w) if w.eq_ignore_ascii_case("team") => ListScope::Team,
        Some(w) if w.eq_ignore_ascii_case("all") => ListScope::All,
        Some(w) if w.starts_with('<') || w.starts_with('@') => {
            ListScope::Of(mention(w, usage_line)?)
        }
        Some(w) => {
            return Err(usage(
                format!("`{}` isn't something I can {verb}.", clip(w)),
                usage_line,
            ));
        }
    };
    no_more(words, usage_line)?;
    Ok(scope)
}

fn only_id(words: &mut Words, usage_line: &'static str) -> Result<TourId, Usage> {
    let id = tour_id(words, usage_line)?;
    no_more(words, usage_line)?;
    Ok(id)
}

fn tour_id(words: &mut Words, usage_line: &'static str) -> Result<TourId, Usage> {
    let Some(w) = words.next() else {
        return Err(usage(
            "Which tour? Give its number, as `/tour list` shows it.",
            usage_line,
        ));
    };
    match w.trim_start_matches('#').parse::<u64>() {
        Ok(n) if n > 0 => Ok(TourId(n)),
        _ => Err(usage(
            format!(
                "`{}` isn't a tour number: tours are numbered like 17 or #17.",
                clip(w)
            ),
            usage_line,
        )),
    }
}

fn no_more(words: &mut Words, usage_line: &'static str) -> Result<(), Usage> {
    match words.next() {
        None => Ok(()),
        Some(extra) => Err(usage(
            format!("I didn't expect `{}` there.", clip(extra)),
            usage_line,
        )),
    }
}

fn date(word: Option<&str>, usage_line: &'static str) -> Result<NaiveDate, Usage> {
    let w =
        word.ok_or_else(|| usage("A date is missing: write dates as YYYY-MM-DD.", usage_line))?;
    NaiveDate::parse_from_str(w, "%Y-%m-%d").map_err(|_| {
        usage(
            format!("`{}` isn't a date: write dates as YYYY-MM-DD.", clip(w)),
            usage_line,
        )
    })
}

/// A Slack user mention, `<@U123>` or `<@U123|name>`.
pub fn mention(word: &str, usage_line: &'static str) -> Result<UserId, Usage> {
    if let Some(inner) = word.strip_prefix("<@").and_then(|w| w.strip_suffix('>')) {
        let id = inner.split('|').next().unwrap_or_default();
        if let Some(user) = UserId::parse(id) {
            return Ok(user);
        }
    }
    let shown = clip(word);
    if word.starts_with('@') {
        return Err(usage(
            format!(
                "`{shown}` is plain text, not a mention: pick the person from the list that appears as you type @, so I get who they are."
            ),
            usage_line,
        ));
    }
    Err(usage(
        format!(
            "`{shown}` isn't a person: mention them with @, picked from the list that appears as you type."
        ),
        usage_line,
    ))
}

/// Decodes the three entities Slack encodes in message text.
pub fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn strip_quotes(s: &str) -> String {
    let t = s.trim();
    for (open, close) in [('"', '"'), ('“', '”'), ('\'', '\''), ('‘', '’')] {
        if let Some(inner) = t.strip_prefix(open).and_then(|r| r.strip_suffix(close)) {
            return inner.trim().to_string();
        }
    }
    t.to_string()
}

/// Echoes a word of raw Slack text back safely: short, without formatting
/// characters, and escaped for mrkdwn.
fn clip(raw: &str) -> String {
    let decoded = decode_entities(raw);
    let cleaned: String = decoded
        .chars()
        .filter(|c| !matches!(c, '`' | '*' | '_' | '~'))
        .collect();
    escape(&truncate(&cleaned, 40))
}

/// A cursor over the words of a command; `<…>` (a Slack control sequence,
/// which may hold spaces in its label) counts as one word.
#[derive(Clone, Copy)]
struct Words<'a> {
    rest: &'a str,
}

impl<'a> Words<'a> {
    fn new(text: &'a str) -> Self {
        Words { rest: text }
    }

    fn peek(&self) -> Option<&'a str> {
        let mut look = *self;
        look.next()
    }

    fn next(&mut self) -> Option<&'a str> {
        let s = self.rest.trim_start();
        if s.is_empty() {
            self.rest = s;
            return None;
        }
        let end = if s.starts_with('<') {
            s.find('>')
                .map(|i| i + 1)
                .unwrap_or_else(|| s.find(char::is_whitespace).unwrap_or(s.len()))
        } else {
            s.find(char::is_whitespace).unwrap_or(s.len())
        };
        let (word, rest) = s.split_at(end);
        self.rest = rest;
        Some(word)
    }

    fn rest(&self) -> &'a str {
        self.rest.trim()
    }
}

mod one_on_one;
pub use one_on_one::*;

#[cfg(test)]
mod tests;
