//! The grammar as data: inputs that parse, and inputs that are refused with
//! the right usage line.

use super::*;
use chrono::NaiveDate;

fn u(s: &str) -> UserId {
    UserId::parse(s).unwrap()
}
fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}
fn propose(member: &str, kind: TourKind, term: Term, mission: &str) -> TourCommand {
    TourCommand::Propose {
        member: u(member),
        kind,
        term,
        mission: mission.into(),
    }
}

#[test]
fn accepted_inputs() {
    use TourKind::*;
    let cases: Vec<(&str, TourCommand)> = vec![
        ("", TourCommand::Help),
        ("   ", TourCommand::Help),
        ("help", TourCommand::Help),
        ("HELP", TourCommand::Help),
        (
            r#"propose <@U2ANA> transformational 2y "Lead the payments platform rewrite""#,
            propose(
                "U2ANA",
                Transformational,
                Term::Months(24),
                "Lead the payments platform rewrite",
            ),
        ),
        (
            "propose <@U2ANA|ana> rotational 18m Run support",
            propose("U2ANA", Rotational, Term::Months(18), "Run support"),
        ),
        (
            "propose <@U2ANA|Ana Lopez> rotational 18m Run support",
            propose("U2ANA", Rotational, Term::Months(18), "Run support"),
        ),
        (
            "propose <@W9X> Rotational 6 months On-call lead",
            propose("W9X", Rotational, Term::Months(6), "On-call lead"),
        ),
        (
            "propose <@U1> rotational 1 year Ship it",
            propose("U1", Rotational, Term::Months(12), "Ship it"),
        ),
        (
            "propose <@U1> rotational 18mo Ship it",
            propose("U1", Rotational, Term::Months(18), "Ship it"),
        ),
        (
            "propose <@U1> rotational 3 yrs Ship it",
            propose("U1", Rotational, Term::Months(36), "Ship it"),
        ),
        (
            "propose <@U1> transformational from 2027-01-01 to 2029-06-30 Build the data team",
            propose(
                "U1",
                Transformational,
                Term::Dates {
                    from: d("2027-01-01"),
                    to: d("2029-06-30"),
                },
                "Build the data team",
            ),
        ),
        (
            "propose <@U1> foundational Keep the lights on, forever",
            propose(
                "U1",
                Foundational,
                Term::OpenEnded,
                "Keep the lights on, forever",
            ),
        ),
        // A length on a foundational tour is passed on for the rules to refuse with a reason.
        (
            "propose <@U1> foundational 2y Stay",
            propose("U1", Foundational, Term::Months(24), "Stay"),
        ),
        // Slack's entities are decoded in free text.
        (
            "propose <@U1> rotational 1y R&amp;D &lt;core&gt; team",
            propose("U1", Rotational, Term::Months(12), "R&D <core> team"),
        ),
        (
            "propose <@U1> rotational 1y “Smart quotes”",
            propose("U1", Rotational, Term::Months(12), "Smart quotes"),
        ),
        (
            "objective 17 add company Ship v2 by Q3",
            TourCommand::ObjectiveAdd {
                tour: TourId(17),
                side: Side::Company,
                text: "Ship v2 by Q3".into(),
            },
        ),
        (
            "objective #17 add member A conference talk &amp; a course",
            TourCommand::ObjectiveAdd {
                tour: TourId(17),
                side: Side::Member,
                text: "A conference talk & a course".into(),
            },
        ),
        (
            "objective 3 done 2",
            TourCommand::ObjectiveDone {
                tour: TourId(3),
                number: 2,
            },
        ),
        ("accept 4", TourCommand::Accept { tour: TourId(4) }),
        ("accept #4", TourCommand::Accept { tour: TourId(4) }),
        (
            "decline 4",
            TourCommand::Decline {
                tour: TourId(4),
                reason: None,
            },
        ),
        (
            "decline 4 Not now &gt; maybe later",
            TourCommand::Decline {
                tour: TourId(4),
                reason: Some("Not now > maybe later".into()),
            },
        ),
        ("withdraw 4", TourCommand::Withdraw { tour: TourId(4) }),
        ("list", TourCommand::List(ListScope::Mine)),
        ("list team", TourCommand::List(ListScope::Team)),
        ("list ALL", TourCommand::List(ListScope::All)),
        ("list <@U7|bo>", TourCommand::List(ListScope::Of(u("U7")))),
        ("show 9", TourCommand::Show { tour: TourId(9) }),
        ("history 9", TourCommand::History { tour: TourId(9) }),
        ("checkin 9", TourCommand::CheckinStart { tour: TourId(9) }),
        (
            "check-in #9 ",
            TourCommand::CheckinStart { tour: TourId(9) },
        ),
        (
            "checkin 9 all good &amp; on track",
            TourCommand::CheckinNotes {
                tour: TourId(9),
                notes: "all good & on track".into(),
            },
        ),
        (
            r#"checkin 9 "Talked about the conference""#,
            TourCommand::CheckinNotes {
                tour: TourId(9),
                notes: "Talked about the conference".into(),
            },
        ),
        (
            "checkin 9 every objective is on track",
            TourCommand::CheckinNotes {
                tour: TourId(9),
                notes: "every objective is on track".into(),
            },
        ),
        (
            "checkin 9 every 2 months",
            TourCommand::CheckinEvery {
                tour: TourId(9),
                months: 2,
            },
        ),
        (
            "CHECKIN 9 EVERY 1y",
            TourCommand::CheckinEvery {
                tour: TourId(9),
                months: 12,
            },
        ),
        ("1on1 list", TourCommand::OneOnOne(OneOnOneCommand::List)),
        (
            "alumni list",
            TourCommand::Alumni(AlumniCommand::List { text: None }),
        ),
        (
            "extend 9 6 months",
            TourCommand::Extend {
                tour: TourId(9),
                months: 6,
            },
        ),
        (
            "complete #9",
            TourCommand::Complete {
                tour: TourId(9),
                confirmed: false,
            },
        ),
        (
            "complete 9 CONFIRM",
            TourCommand::Complete {
                tour: TourId(9),
                confirmed: true,
            },
        ),
        (
            "next 9 transformational 2y Lead the platform",
            TourCommand::Next {
                after: TourId(9),
                kind: Transformational,
                term: Term::Months(24),
                mission: "Lead the platform".into(),
            },
        ),
        (
            "next 9 foundational Grow the company",
            TourCommand::Next {
                after: TourId(9),
                kind: Foundational,
                term: Term::OpenEnded,
                mission: "Grow the company".into(),
            },
        ),
        (
            "leave 9 successor <@U2|bo> on 2027-01-31 Runbook &amp; keys",
            TourCommand::Leave {
                tour: TourId(9),
                successor: u("U2"),
                on: Some(d("2027-01-31")),
                notes: Some("Runbook & keys".into()),
            },
        ),
        (
            "leave 9 successor <@U2>",
            TourCommand::Leave {
                tour: TourId(9),
                successor: u("U2"),
                on: None,
                notes: None,
            },
        ),
        ("talk", TourCommand::Talk { note: None }),
        (
            "talk \"About &lt;next year&gt;\"",
            TourCommand::Talk {
                note: Some("About <next year>".into()),
            },
        ),
        (
            "mission #9 \"Own support &amp; on-call\"",
            TourCommand::Mission {
                tour: TourId(9),
                text: "Own support & on-call".into(),
            },
        ),
        (
            "objective 9 edit #2 Ship the ledger by Q4",
            TourCommand::ObjectiveEdit {
                tour: TourId(9),
                number: 2,
                text: "Ship the ledger by Q4".into(),
            },
        ),
        (
            "objective 9 remove 2",
            TourCommand::ObjectiveRemove {
                tour: TourId(9),
                number: 2,
            },
        ),
        (
            "objective 9 delete 2",
            TourCommand::ObjectiveRemove {
                tour: TourId(9),
                number: 2,
            },
        ),
        (
            "objective 9 undo 3",
            TourCommand::ObjectiveUndo {
                tour: TourId(9),
                number: 3,
            },
        ),
        (
            "objectives 9 REOPEN #3",
            TourCommand::ObjectiveUndo {
                tour: TourId(9),
                number: 3,
            },
        ),
        (
            "reassign 9 <@U5|nia>",
            TourCommand::Reassign {
                tour: TourId(9),
                manager: u("U5"),
            },
        ),
        (
            "forget-me",
            TourCommand::ForgetMe {
                other: None,
                confirmed: false,
            },
        ),
        (
            "FORGET-ME <@U7|bo>",
            TourCommand::ForgetMe {
                other: Some(u("U7")),
                confirmed: false,
            },
        ),
        (
            "forget-me confirm",
            TourCommand::ForgetMe {
                other: None,
                confirmed: true,
            },
        ),
        (
            "forget-me <@U7> confirm",
            TourCommand::ForgetMe {
                other: Some(u("U7")),
                confirmed: true,
            },
        ),
        (
            "snooze 9 ending until 2026-12-22",
            TourCommand::Snooze {
                tour: TourId(9),
                what: Some(ReminderKind::Ending),
                until: SnoozeFor::Until(d("2026-12-22")),
            },
        ),
        (
            "snooze #9 2026-12-22",
            TourCommand::Snooze {
                tour: TourId(9),
                what: None,
                until: SnoozeFor::Until(d("2026-12-22")),
            },
        ),
        (
            "snooze 9 Check-in 1w",
            TourCommand::Snooze {
                tour: TourId(9),
                what: Some(ReminderKind::Checkin),
                until: SnoozeFor::Weeks(1),
            },
        ),
        (
            "snooze 9 handover 2 weeks",
            TourCommand::Snooze {
                tour: TourId(9),
                what: Some(ReminderKind::Handover),
                until: SnoozeFor::Weeks(2),
            },
        ),
        (
            "snooze 9 a week",
            TourCommand::Snooze {
                tour: TourId(9),
                what: None,
                until: SnoozeFor::Weeks(1),
            },
        ),
        (
            "snooze 9 ended week",
            TourCommand::Snooze {
                tour: TourId(9),
                what: Some(ReminderKind::Ended),
                until: SnoozeFor::Weeks(1),
            },
        ),
        (
            "snooze 9 recommit 52w",
            TourCommand::Snooze {
                tour: TourId(9),
                what: Some(ReminderKind::Recommit),
                until: SnoozeFor::Weeks(52),
            },
        ),
        (
            "done 9 waiting",
            TourCommand::Done {
                tour: TourId(9),
                what: ReminderKind::Waiting,
            },
        ),
        (
            "done 9 ENDING",
            TourCommand::Done {
                tour: TourId(9),
                what: ReminderKind::Ending,
            },
        ),
        (
            "handover 9 accept",
            TourCommand::AcceptHandover { tour: TourId(9) },
        ),
        (
            "stay-in-touch 9 join ada@example.org &amp; +44 20 7946 0000",
            TourCommand::StayInTouch {
                tour: TourId(9),
                join: true,
                contact: Some("ada@example.org & +44 20 7946 0000".into()),
            },
        ),
        (
            "stay-in-touch 9 yes",
            TourCommand::StayInTouch {
                tour: TourId(9),
                join: true,
                contact: None,
            },
        ),
        (
            "stay-in-touch 9 No",
            TourCommand::StayInTouch {
                tour: TourId(9),
                join: false,
                contact: None,
            },
        ),
        (
            "stay-in-touch 9 no, thanks",
            TourCommand::StayInTouch {
                tour: TourId(9),
                join: false,
                contact: None,
            },
        ),
        (
            "checkin 9 delivered 2 yes",
            TourCommand::CheckinDelivered {
                tour: TourId(9),
                objective: 2,
                delivered: crate::domain::checkin::Delivered::Yes,
            },
        ),
        (
            "checkin 9 delivered #3 PARTLY",
            TourCommand::CheckinDelivered {
                tour: TourId(9),
                objective: 3,
                delivered: crate::domain::checkin::Delivered::Partly,
            },
        ),
        (
            "checkin 9 delivered the demo on time",
            TourCommand::CheckinNotes {
                tour: TourId(9),
                notes: "delivered the demo on time".into(),
            },
        ),
        ("away", TourCommand::Away(AwayCommand::Show)),
        ("upcoming", TourCommand::Upcoming),
        ("Away OFF", TourCommand::Away(AwayCommand::Off)),
        (
            "away until 2027-01-04",
            TourCommand::Away(AwayCommand::Until(
                NaiveDate::from_ymd_opt(2027, 1, 4).unwrap(),
            )),
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(parse(input), Ok(expected), "input: {input:?}");
    }
}

#[test]
fn alumni_inputs() {
    let cases: Vec<(&str, AlumniCommand)> = vec![
        ("", AlumniCommand::Help),
        (
            "add <@U1> left 2026-10-31 liaison <@U2> Moved &gt; Lisbon",
            AlumniCommand::Add {
                user: u("U1"),
                left: Some(d("2026-10-31")),
                liaison: Some(u("U2")),
                note: Some("Moved > Lisbon".into()),
            },
        ),
        (
            "add <@U1> liaison <@U2> left 2026-10-31",
            AlumniCommand::Add {
                user: u("U1"),
                left: Some(d("2026-10-31")),
                liaison: Some(u("U2")),
                note: None,
            },
        ),
        (
            "list sailing club",
            AlumniCommand::List {
                text: Some("sailing club".into()),
            },
        ),
        ("show <@U1>", AlumniCommand::Show { user: u("U1") }),
        (
            "touch <@U1> coffee",
            AlumniCommand::Touch {
                user: u("U1"),
                note: Some("coffee".into()),
            },
        ),
        (
            "liaison <@U1> <@U3>",
            AlumniCommand::Liaison {
                user: u("U1"),
                liaison: u("U3"),
            },
        ),
        ("rehire <@U1>", AlumniCommand::Rehire { user: u("U1") }),
        (
            "remove <@U1>",
            AlumniCommand::Remove {
                user: u("U1"),
                confirmed: false,
            },
        ),
        (
            "remove <@U1> confirm",
            AlumniCommand::Remove {
                user: u("U1"),
                confirmed: true,
            },
        ),
        ("stop <@U1>", AlumniCommand::Stop { user: u("U1") }),
        (
            "snooze <@U1> until 2027-01-04",
            AlumniCommand::Snooze {
                user: u("U1"),
                until: SnoozeFor::Until(d("2027-01-04")),
            },
        ),
        (
            "snooze <@U1> 1 week",
            AlumniCommand::Snooze {
                user: u("U1"),
                until: SnoozeFor::Weeks(1),
            },
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(parse_alumni(input), Ok(expected), "input: {input:?}");
    }
    for (input, usage_line) in [
        ("add", USAGE_ALUMNI_ADD),
        ("add @bo", USAGE_ALUMNI_ADD),
        ("add <@U1> left tomorrow", USAGE_ALUMNI_ADD),
        ("show <@U1> extra", USAGE_ALUMNI_SHOW),
        ("liaison <@U1>", USAGE_ALUMNI_LIAISON),
        ("rehire", USAGE_ALUMNI_REHIRE),
        ("remove <@U1> <@U2>", USAGE_ALUMNI_REMOVE),
        ("remove <@U1> yes", USAGE_ALUMNI_REMOVE),
        ("stop", USAGE_ALUMNI_STOP),
        ("stop <@U1> now", USAGE_ALUMNI_STOP),
        ("snooze <@U1>", USAGE_ALUMNI_SNOOZE),
        ("snooze <@U1> until someday", USAGE_ALUMNI_SNOOZE),
        ("wave <@U1>", USAGE_ALUMNI_HELP),
    ] {
        assert_eq!(
            parse_alumni(input).map_err(|u| u.usage),
            Err(usage_line),
            "input: {input:?}"
        );
    }
}

#[test]
fn rejected_inputs() {
    let cases: Vec<(&str, &str, &str)> = vec![
        // (input, words the problem must contain, usage line)
        ("frobnicate", "don't know `frobnicate`", USAGE_HELP),
        ("extend 9", "By how long", USAGE_EXTEND),
        ("extend 9 forever", "By how long", USAGE_EXTEND),
        ("extend 9 6m please", "didn't expect `please`", USAGE_EXTEND),
        ("complete", "Which tour", USAGE_COMPLETE),
        ("next 9 rotational", "How long", USAGE_NEXT),
        (
            "next 9 sabbatical 1y Rest",
            "`sabbatical` isn't a kind",
            USAGE_NEXT,
        ),
        ("next 9 rotational 1y", "mission", USAGE_NEXT),
        ("leave 9", "successor", USAGE_LEAVE),
        ("leave 9 successor", "Mention the successor", USAGE_LEAVE),
        (
            "leave 9 successor @bo",
            "plain text, not a mention",
            USAGE_LEAVE,
        ),
        (
            "leave 9 successor <@U2> on 31/01/2027",
            "isn't a date",
            USAGE_LEAVE,
        ),
        ("away until", "Until when?", USAGE_AWAY),
        ("away until 04/01/2027", "isn't a date", USAGE_AWAY),
        ("away for two weeks", "don't know `away for`", USAGE_AWAY),
        ("away off now", "didn't expect", USAGE_AWAY),
        ("upcoming 3", "didn't expect", USAGE_UPCOMING),
        ("forget-me now", "isn't a person", USAGE_FORGET_ME),
        ("forget-me <@U7> <@U8>", "didn't expect", USAGE_FORGET_ME),
        ("propose", "Who is the tour for", USAGE_PROPOSE),
        (
            "propose @ana rotational 1y Do it",
            "plain text, not a mention",
            USAGE_PROPOSE,
        ),
        (
            "propose ana rotational 1y Do it",
            "isn't a person",
            USAGE_PROPOSE,
        ),
        (
            "propose <@C123|general> rotational 1y Do it",
            "isn't a person",
            USAGE_PROPOSE,
        ),
        (
            "propose <#C123|general> rotational 1y Do it",
            "isn't a person",
            USAGE_PROPOSE,
        ),
        ("propose <@U1>", "Which kind", USAGE_PROPOSE),
        (
            "propose <@U1> sabbatical 1y Rest",
            "`sabbatical` isn't a kind",
            USAGE_PROPOSE,
        ),
        ("propose <@U1> rotational", "How long", USAGE_PROPOSE),
        (
            "propose <@U1> rotational Do the thing",
            "How long",
            USAGE_PROPOSE,
        ),
        (
            "propose <@U1> rotational 18x Do it",
            "`18x` isn't a length",
            USAGE_PROPOSE,
        ),
        (
            "propose <@U1> rotational 2 fortnights Do it",
            "`2` isn't a length",
            USAGE_PROPOSE,
        ),
        (
            "propose <@U1> rotational 99999999999y Do it",
            "isn't a length",
            USAGE_PROPOSE,
        ),
        ("propose <@U1> rotational 1y", "mission", USAGE_PROPOSE),
        ("propose <@U1> rotational 1y \"\"", "mission", USAGE_PROPOSE),
        ("propose <@U1> foundational", "mission", USAGE_PROPOSE),
        (
            "propose <@U1> rotational from 2027-01-01 2028-01-01 x",
            "both dates",
            USAGE_PROPOSE,
        ),
        (
            "propose <@U1> rotational from 2027-13-01 to 2028-01-01 x",
            "isn't a date",
            USAGE_PROPOSE,
        ),
        (
            "propose <@U1> rotational from 2027-01-01 to x",
            "isn't a date",
            USAGE_PROPOSE,
        ),
        (
            "propose <@U1> rotational from",
            "date is missing",
            USAGE_PROPOSE,
        ),
        ("objective", "Which tour", USAGE_OBJECTIVE),
        (
            "objective x add company y",
            "isn't a tour number",
            USAGE_OBJECTIVE,
        ),
        (
            "objective 1 rename 2",
            "`add`, `done`, `undo`",
            USAGE_OBJECTIVE,
        ),
        (
            "objective 1 remove",
            "Which objective should go",
            USAGE_OBJECTIVE,
        ),
        ("objective 1 undo x", "Which objective", USAGE_OBJECTIVE),
        (
            "objective 1 remove 2 3",
            "didn't expect `3`",
            USAGE_OBJECTIVE,
        ),
        (
            "objective 1 edit 2",
            "What should the objective say",
            USAGE_OBJECTIVE,
        ),
        (
            "objective 1 edit Ship it",
            "Which objective",
            USAGE_OBJECTIVE,
        ),
        ("mission", "Which tour", USAGE_MISSION),
        ("mission 1", "new mission", USAGE_MISSION),
        ("mission 1 \"\"", "new mission", USAGE_MISSION),
        ("reassign 1", "new manager", USAGE_REASSIGN),
        (
            "reassign 1 @nia",
            "plain text, not a mention",
            USAGE_REASSIGN,
        ),
        ("reassign 1 <@U5> <@U6>", "didn't expect", USAGE_REASSIGN),
        ("reassign <@U5>", "isn't a tour number", USAGE_REASSIGN),
        (
            "objective 1 add boss Do it",
            "isn't a side",
            USAGE_OBJECTIVE,
        ),
        ("objective 1 add", "company` or `member", USAGE_OBJECTIVE),
        (
            "objective 1 add company",
            "What is the objective",
            USAGE_OBJECTIVE,
        ),
        ("objective 1 done", "Which objective", USAGE_OBJECTIVE),
        ("objective 1 done 0", "Which objective", USAGE_OBJECTIVE),
        ("objective 1 done two", "Which objective", USAGE_OBJECTIVE),
        ("objective 1 done 2 3", "didn't expect `3`", USAGE_OBJECTIVE),
        ("accept", "Which tour", USAGE_ACCEPT),
        ("accept 0", "isn't a tour number", USAGE_ACCEPT),
        ("accept -3", "isn't a tour number", USAGE_ACCEPT),
        ("accept 4 now", "didn't expect `now`", USAGE_ACCEPT),
        ("decline", "Which tour", USAGE_DECLINE),
        ("withdraw abc", "isn't a tour number", USAGE_WITHDRAW),
        ("list everyone", "isn't something I can list", USAGE_LIST),
        ("list @bo", "plain text, not a mention", USAGE_LIST),
        ("list team extra", "didn't expect", USAGE_LIST),
        ("show", "Which tour", USAGE_SHOW),
        ("checkin", "Which tour", USAGE_CHECKIN),
        ("checkin all good", "isn't a tour number", USAGE_CHECKIN),
        (
            "checkin 9 every week",
            "every 1 to 12 months",
            USAGE_CHECKIN,
        ),
        ("checkin 9 every 2w", "every 1 to 12 months", USAGE_CHECKIN),
        (
            "checkin 9 every 2m please",
            "didn't expect `please`",
            USAGE_CHECKIN,
        ),
        (
            "history 99999999999999999999999",
            "isn't a tour number",
            USAGE_HISTORY,
        ),
        ("complete 9 yes", "didn't expect `yes`", USAGE_COMPLETE),
        (
            "complete 9 confirm now",
            "didn't expect `now`",
            USAGE_COMPLETE,
        ),
        ("forget-me confirm please", "didn't expect", USAGE_FORGET_ME),
        ("snooze", "Which tour", USAGE_SNOOZE),
        ("snooze 9", "Until when", USAGE_SNOOZE),
        ("snooze 9 ending", "Until when", USAGE_SNOOZE),
        ("snooze 9 soon", "`soon` isn't a time", USAGE_SNOOZE),
        ("snooze 9 ending until", "date is missing", USAGE_SNOOZE),
        (
            "snooze 9 ending until 22/12/2026",
            "isn't a date",
            USAGE_SNOOZE,
        ),
        ("snooze 9 0w", "1 to 52 weeks", USAGE_SNOOZE),
        ("snooze 9 53 weeks", "1 to 52 weeks", USAGE_SNOOZE),
        ("snooze 9 2 months", "`2` isn't a time", USAGE_SNOOZE),
        ("snooze 9 1w please", "didn't expect `please`", USAGE_SNOOZE),
        ("done 9", "Which reminders", USAGE_DONE),
        ("done 9 everything", "`everything` isn't a kind", USAGE_DONE),
        ("done 9 ending now", "didn't expect `now`", USAGE_DONE),
        ("handover 9", "`accept`", USAGE_HANDOVER),
        ("handover 9 decline", "`accept`", USAGE_HANDOVER),
        ("handover 9 accept now", "didn't expect", USAGE_HANDOVER),
        ("stay-in-touch 9", "`join`", USAGE_STAY_IN_TOUCH),
        ("stay-in-touch 9 maybe", "`join`", USAGE_STAY_IN_TOUCH),
        (
            "stay-in-touch 9 no way",
            "didn't expect `way`",
            USAGE_STAY_IN_TOUCH,
        ),
        (
            "stay-in-touch x join",
            "isn't a tour number",
            USAGE_STAY_IN_TOUCH,
        ),
        (
            "checkin 9 delivered 2",
            "yes, partly or no",
            USAGE_DELIVERED,
        ),
        (
            "checkin 9 delivered 2 maybe",
            "`maybe` isn't an answer",
            USAGE_DELIVERED,
        ),
        (
            "checkin 9 delivered 0 yes",
            "numbered from 1",
            USAGE_DELIVERED,
        ),
        (
            "checkin 9 delivered 2 yes and more",
            "didn't expect",
            USAGE_DELIVERED,
        ),
    ];
    for (input, needle, usage_line) in cases {
        match parse(input) {
            Err(Usage { problem, usage }) => {
                assert!(
                    problem.contains(needle),
                    "input {input:?}: problem {problem:?} lacks {needle:?}"
                );
                assert_eq!(usage, usage_line, "input {input:?}");
            }
            Ok(cmd) => panic!("input {input:?} parsed as {cmd:?}"),
        }
    }
}

#[test]
fn echoed_input_is_clipped_and_unformatted() {
    let long = format!("propose <@U1> {} 1y x", "*bold*".repeat(30));
    let err = parse(&long).unwrap_err();
    assert!(err.problem.len() < 200, "{}", err.problem);
    assert!(!err.problem.contains('*'));
}

#[test]
fn echoed_input_cannot_inject_mrkdwn_controls() {
    let err = parse("propose <@U1> &lt;!channel&gt; 1y x").unwrap_err();
    assert!(
        err.problem.contains("`&lt;!channel&gt;` isn't a kind"),
        "{}",
        err.problem
    );
    let err = parse("frobnicate<!here>").unwrap_err();
    assert!(!err.problem.contains("<!here>"), "{}", err.problem);
}

#[test]
fn an_unclosed_control_sequence_is_one_word() {
    assert!(parse("propose <@U1 rotational 1y x").is_err());
    assert!(parse("list <@U1").is_err());
}
