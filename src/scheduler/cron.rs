//! The scheduler's tick: a cron expression from configuration, parsed with
//! the `cron` crate behind the guards of DEPENDENCIES.md §2.
//!
//! This module owns reading the expression and answering "when is the next
//! tick after this one". Decisions taken here:
//! - `cron` wants 6 fields (`sec min hour dom month dow`). Six are accepted
//!   as they are; the classic 5 (`min hour dom month dow`) are accepted by
//!   prefixing `0 ` (fire on the minute). Other counts, including cron's
//!   optional 7th year field, are refused with a message saying what to
//!   write. `cron`'s shorthands (`@hourly`, `@daily`, `@weekly`, `@monthly`,
//!   `@yearly`) are passed through.
//! - `cron` numbers weekdays 1 = Sunday, where classic cron has 1 = Monday,
//!   so a numbered day-of-week field means the wrong day to half its readers.
//!   Any digit in that field is refused; write names (`MON-FRI`).
//! - Ticks are computed in UTC only: `cron` skips or repeats fire times
//!   around DST changes in local zones. Per-person local times live in
//!   `crate::domain::hours`, not here.
//! - The next tick is the first fire instant *strictly* after the last one,
//!   so the sequence is strictly increasing whatever the clocks do; the loop
//!   persists the last fire instant and asks from there.
//! - `cron` only knows the years 1970–2100. Before 1970 the first tick is
//!   searched from 1970; after 2100 there is none (`None`), rather than a
//!   panic inside the crate.

use chrono::{DateTime, Datelike, Duration, Utc};
use cron::Schedule;
use std::str::FromStr;

/// A parsed tick expression.
#[derive(Clone, Debug)]
pub struct Tick {
    schedule: Schedule,
    /// The expression as the operator wrote it (trimmed), for messages.
    expression: String,
}

/// Why a tick expression was refused. Each message quotes the expression and
/// says what to write instead.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum TickError {
    #[error(
        "cron expression \"{expr}\" has {found} fields; write 6 (sec min hour day-of-month month day-of-week, e.g. \"0 0 9 * * MON-FRI\") or the classic 5 (min hour day-of-month month day-of-week)"
    )]
    FieldCount { expr: String, found: usize },
    #[error(
        "cron expression \"{expr}\" numbers the day of week (\"{field}\"); write day names instead, e.g. MON-FRI, because this cron counts Sunday as 1"
    )]
    NumericWeekday { expr: String, field: String },
    #[error(
        "cron expression \"{expr}\" is not valid ({reason}); write 6 fields like \"0 0 9 * * MON-FRI\" (sec min hour day-of-month month day-of-week)"
    )]
    Invalid { expr: String, reason: String },
}

/// The last year `cron` can produce (its `Years::inclusive_max`).
const LAST_CRON_YEAR: i32 = 2100;

/// How many candidates `next_after` inspects. `cron` already answers
/// strictly after its argument; the bound keeps the guard finite.
const CANDIDATES: usize = 8;

impl Tick {
    /// Accepts 6-field expressions, and classic 5-field ones by prefixing
    /// "0 " (seconds). Rejects a numeric day-of-week field (anything in the
    /// dow field containing a digit), asking for names (MON-FRI), because
    /// cron numbers Sunday as 1. Errors quote the expression and say what to
    /// write instead.
    pub fn parse(expr: &str) -> Result<Tick, TickError> {
        let given = expr.trim();
        let fields: Vec<&str> = given.split_whitespace().collect();
        let full = if given.starts_with('@') {
            given.to_string()
        } else {
            let dow = match fields.len() {
                5 => fields[4],
                6 => fields[5],
                found => {
                    return Err(TickError::FieldCount {
                        expr: given.to_string(),
                        found,
                    });
                }
            };
            if dow.chars().any(|c| c.is_ascii_digit()) {
                return Err(TickError::NumericWeekday {
                    expr: given.to_string(),
                    field: dow.to_string(),
                });
            }
            if fields.len() == 5 {
                format!("0 {}", fields.join(" "))
            } else {
                fields.join(" ")
            }
        };
        let schedule = Schedule::from_str(&full).map_err(|e| TickError::Invalid {
            expr: given.to_string(),
            reason: e.to_string(),
        })?;
        Ok(Tick {
            schedule,
            expression: given.to_string(),
        })
    }

    /// The first fire instant strictly after `last`, computed in UTC (never
    /// earlier than or equal to `last`, so the sequence is monotonic whatever
    /// happens to clocks). None if the expression never fires again.
    pub fn next_after(&self, last: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if last.year() > LAST_CRON_YEAR {
            // `cron` would find nothing, and adding its one second to an
            // instant near chrono's maximum panics.
            return None;
        }
        // Searching from just before 1970 finds the first tick of 1970
        // itself, which is still strictly after any earlier `last`.
        let from = last.max(DateTime::UNIX_EPOCH - Duration::seconds(1));
        self.schedule
            .after(&from)
            .take(CANDIDATES)
            .find(|next| *next > last)
    }

    /// The expression as given (trimmed; without the `0 ` added to 5 fields).
    pub fn expression(&self) -> &str {
        &self.expression
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        match DateTime::parse_from_rfc3339(s) {
            Ok(t) => t.with_timezone(&Utc),
            Err(e) => panic!("bad test instant {s}: {e}"),
        }
    }

    fn tick(expr: &str) -> Tick {
        match Tick::parse(expr) {
            Ok(t) => t,
            Err(e) => panic!("{e}"),
        }
    }

    fn next(t: &Tick, last: &str) -> Option<DateTime<Utc>> {
        t.next_after(utc(last))
    }

    #[test]
    fn five_fields_fire_every_minute() {
        let t = tick("* * * * *");
        assert_eq!(t.expression(), "* * * * *");
        assert_eq!(
            next(&t, "2026-06-10T10:00:00Z"),
            Some(utc("2026-06-10T10:01:00Z"))
        );
        assert_eq!(
            next(&t, "2026-06-10T10:00:30Z"),
            Some(utc("2026-06-10T10:01:00Z"))
        );
        assert_eq!(
            next(&t, "2026-06-10T23:59:59Z"),
            Some(utc("2026-06-11T00:00:00Z"))
        );
    }

    #[test]
    fn six_fields_with_zero_seconds_are_the_same() {
        let five = tick("* * * * *");
        let six = tick("0 * * * * *");
        let mut last = utc("2026-06-10T10:00:17Z");
        for _ in 0..5 {
            let a = five.next_after(last);
            assert_eq!(a, six.next_after(last));
            last = a.unwrap_or(last + Duration::days(1));
        }
        assert_eq!(last, utc("2026-06-10T10:05:00Z"));
    }

    #[test]
    fn weekday_names_skip_the_weekend() {
        let t = tick("0 0 9 * * MON-FRI");
        // Friday 2026-06-12 09:00 → Monday 2026-06-15 09:00.
        assert_eq!(
            next(&t, "2026-06-12T09:00:00Z"),
            Some(utc("2026-06-15T09:00:00Z"))
        );
        // Thursday evening → Friday.
        assert_eq!(
            next(&t, "2026-06-11T18:00:00Z"),
            Some(utc("2026-06-12T09:00:00Z"))
        );
        // Names are case-insensitive, and 5 fields take them too.
        assert_eq!(
            next(&tick("0 9 * * mon-fri"), "2026-06-13T00:00:00Z"),
            Some(utc("2026-06-15T09:00:00Z"))
        );
    }

    #[test]
    fn numeric_weekdays_are_rejected_with_a_helpful_message() {
        for (expr, field) in [
            ("0 0 9 * * 1-5", "1-5"),
            ("0 9 * * 1", "1"),
            ("0 0 9 * * MON/2", "MON/2"),
            ("0 0 9 * * */2", "*/2"),
        ] {
            let err = Tick::parse(expr);
            assert_eq!(
                err.as_ref().map(|_| ()),
                Err(&TickError::NumericWeekday {
                    expr: expr.to_string(),
                    field: field.to_string()
                })
            );
            let message = err.err().map(|e| e.to_string()).unwrap_or_default();
            assert!(message.contains(&format!("\"{expr}\"")), "{message}");
            assert!(message.contains("MON-FRI"), "{message}");
            assert!(message.contains("Sunday as 1"), "{message}");
        }
    }

    #[test]
    fn garbage_is_rejected() {
        for expr in ["", "   ", "hello", "* * *", "0 0 0 9 * * MON 2030"] {
            assert!(
                matches!(Tick::parse(expr), Err(TickError::FieldCount { .. })),
                "{expr:?}"
            );
        }
        for expr in [
            "0 0 25 * * *",
            "a b c d e f",
            "0 0 9 * * FUNDAY",
            "@fortnightly",
        ] {
            let err = Tick::parse(expr);
            assert!(matches!(err, Err(TickError::Invalid { .. })), "{expr:?}");
            let message = err.err().map(|e| e.to_string()).unwrap_or_default();
            assert!(message.contains(&format!("\"{expr}\"")), "{message}");
            assert!(message.contains("0 0 9 * * MON-FRI"), "{message}");
        }
        let message = Tick::parse("* * *")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(message.contains("\"* * *\" has 3 fields"), "{message}");
    }

    #[test]
    fn shorthands_pass_through() {
        let t = tick("@daily");
        assert_eq!(
            next(&t, "2026-06-10T10:00:00Z"),
            Some(utc("2026-06-11T00:00:00Z"))
        );
    }

    #[test]
    fn next_after_is_strictly_after_a_fire_instant() {
        let t = tick("0 0 9 * * *");
        assert_eq!(
            next(&t, "2026-06-10T09:00:00Z"),
            Some(utc("2026-06-11T09:00:00Z"))
        );
        // Half a second past the last tick of an every-second schedule.
        let every_second = tick("* * * * * *");
        assert_eq!(
            next(&every_second, "2026-06-10T09:00:00.5Z"),
            Some(utc("2026-06-10T09:00:01Z"))
        );
        assert_eq!(
            next(&every_second, "2026-06-10T09:00:59.999Z"),
            Some(utc("2026-06-10T09:01:00Z"))
        );
    }

    #[test]
    fn a_hundred_ticks_strictly_increase() {
        for expr in ["*/7 * * * * *", "0 */30 * * * *", "0 0 9 * * MON-FRI"] {
            let t = tick(expr);
            let mut last = utc("2026-03-07T00:00:00Z");
            for _ in 0..100 {
                let Some(next) = t.next_after(last) else {
                    panic!("{expr} stopped after {last}");
                };
                assert!(next > last, "{expr}: {next} after {last}");
                last = next;
            }
        }
    }

    #[test]
    fn none_when_it_never_fires_again() {
        // cron stops at 2100.
        let t = tick("* * * * *");
        assert_eq!(next(&t, "2100-12-31T23:59:00Z"), None);
        assert_eq!(t.next_after(DateTime::<Utc>::MAX_UTC), None);
        // 30 February never comes.
        assert_eq!(next(&tick("0 0 0 30 FEB *"), "2026-01-01T00:00:00Z"), None);
    }

    #[test]
    fn before_1970_the_first_tick_is_in_1970() {
        let t = tick("0 0 9 * * *");
        assert_eq!(
            t.next_after(DateTime::<Utc>::MIN_UTC),
            Some(utc("1970-01-01T09:00:00Z"))
        );
        assert_eq!(
            tick("* * * * * *").next_after(utc("1969-12-31T23:59:59Z")),
            Some(utc("1970-01-01T00:00:00Z"))
        );
    }
}
