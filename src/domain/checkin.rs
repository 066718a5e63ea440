//! Check-ins: the regular conversation about how a tour is going — the
//! objectives of both sides, what blocks the member, what support they need
//! — and the record it leaves. Pure: `now` is always an argument.
//!
//! A check-in is a short direct-message conversation with the member, one
//! question at a time. Each person has one [`Chat`], a small state machine
//! the store keeps, so a restart or a reply days later continues where it
//! stopped. Feeding it the member's words ([`Reply`]) yields [`Step`]s: ask
//! the next question, pause, or end (with what was gathered); the engine
//! turns those into messages and records.
//!
//! Decisions made here, where the product text is silent:
//! - The questions are fixed when a conversation opens (queued ones too):
//!   one per objective *open* at that time, in number order, whichever side
//!   it is on, then "what is blocking you", then "what support do you need".
//!   Objectives added later are asked about next time.
//! - `skip`, `stop` and `later` work at any step: the word alone in the
//!   message, any case, a trailing `.` or `!` allowed. Anything else is an
//!   answer. `later` pauses for [`LATER_HOURS`] hours; the question comes
//!   back as a reminder, so a pause that ends outside working hours waits
//!   for the member's next working morning. Writing back while paused
//!   simply continues the conversation.
//! - One conversation at a time per person: the others wait in a queue and
//!   start, in order, as soon as the current one ends. A tour is never in a
//!   person's chat twice, and the same scheduled check-in never opens twice
//!   (its origin is remembered).
//! - A conversation ends after its last question or at `stop`; what was
//!   answered is kept. One where nothing was answered records no check-in.
//! - Answers are cut at [`MAX_ANSWER`] characters, notes refused beyond
//!   [`MAX_NOTES`].
//! - At the end the manager is asked the company's side for each
//!   member-side objective that was open: did we deliver what we promised
//!   this period? ([`Delivered`]), answered once per check-in.

use super::people::UserId;
use super::tour::{Event, HistoryEntry, Role, Side, Status, Tour, TourError, TourId, check_text};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// How long `later` pauses a conversation.
pub const LATER_HOURS: i64 = 3;
/// The longest answer kept, in characters.
pub const MAX_ANSWER: usize = 2000;
/// The longest notes `/tour checkin <id> notes…` takes.
pub const MAX_NOTES: usize = 2000;
/// The longest cadence a tour may set (a check-in at least once a year).
pub const MAX_CADENCE_MONTHS: u32 = 12;
/// How many opened check-ins a chat remembers (to open each once).
const RECENT: usize = 16;

/// One question of a check-in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Question {
    /// Progress on an objective; `side` says whose it is.
    Objective {
        number: u32,
        side: Side,
        text: String,
    },
    Blockers,
    Support,
}

/// A question and what the member said to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub question: Question,
    /// `None`: skipped (or not reached before `stop`).
    pub text: Option<String>,
}

/// A conversation waiting to be picked up again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    pub until: DateTime<Utc>,
    /// Which pause this is: the reminder that resumes it carries the same
    /// number, so an older one (paused again, or answered meanwhile) is
    /// recognised as stale.
    pub round: u32,
}

/// One check-in conversation with a member about one tour.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversation {
    pub tour: TourId,
    /// Named in the support question, and the one who gets the summary.
    pub manager: UserId,
    /// The scheduled check-in that opened it (`Series::Checkin(n)`); 0 when
    /// someone started it with `/tour checkin <id>`.
    pub n: u32,
    /// What opened it (a reminder's outbox key, or a command's), so the
    /// same check-in never opens twice.
    pub origin: String,
    pub questions: Vec<Question>,
    /// What was said to each question asked so far, in order.
    pub answers: Vec<Option<String>>,
    pub opened_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused: Option<Pause>,
    /// How many times it was paused.
    #[serde(default)]
    pub pauses: u32,
}

impl Conversation {
    /// The conversation for `tour` as it is now.
    pub fn open(tour: &Tour, n: u32, origin: &str, now: DateTime<Utc>) -> Conversation {
        let mut questions: Vec<Question> = tour
            .live_objectives()
            .filter(|(_, o)| !o.is_done())
            .map(|(number, o)| Question::Objective {
                number,
                side: o.side,
                text: o.text.clone(),
            })
            .collect();
        questions.push(Question::Blockers);
        questions.push(Question::Support);
        Conversation {
            tour: tour.id,
            manager: tour.manager.clone(),
            n,
            origin: origin.to_string(),
            questions,
            answers: Vec::new(),
            opened_at: now,
            paused: None,
            pauses: 0,
        }
    }

    /// The index of the question being asked.
    pub fn step(&self) -> usize {
        self.answers.len()
    }

    pub fn question(&self, index: usize) -> Option<&Question> {
        self.questions.get(index)
    }

    /// Every question with what was said (`None` for skipped or not reached).
    pub fn answered(&self) -> Vec<Answer> {
        self.questions
            .iter()
            .enumerate()
            .map(|(i, q)| Answer {
                question: q.clone(),
                text: self.answers.get(i).cloned().flatten(),
            })
            .collect()
    }
}

/// What a person writes back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    Answer(String),
    Skip,
    Stop,
    Later,
}

impl Reply {
    /// Reads a message; `None` if it says nothing.
    pub fn parse(text: &str) -> Option<Reply> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        let word = text
            .trim_end_matches(['.', '!'])
            .trim()
            .to_ascii_lowercase();
        Some(match word.as_str() {
            "skip" => Reply::Skip,
            "stop" => Reply::Stop,
            "later" => Reply::Later,
            _ => Reply::Answer(cut(text, MAX_ANSWER)),
        })
    }
}

fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// Why a question is being asked now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Asking {
    /// The first question of a conversation that just opened.
    Opened,
    /// The first question of a conversation that waited in the queue.
    Next,
    /// The conversation goes on after an answer.
    Continued,
    /// Back after a pause.
    Resumed,
}

/// What the engine must do after the chat changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Ask question `index` of the current conversation, about `tour`.
    Ask {
        tour: TourId,
        index: usize,
        asking: Asking,
    },
    /// The current conversation waits until `until`; the reminder that
    /// brings it back is the series `Checkin(n)`, round `round`.
    Paused {
        tour: TourId,
        n: u32,
        until: DateTime<Utc>,
        round: u32,
    },
    /// A conversation ended; keep what it gathered.
    Ended(Ended),
    /// Nothing is being asked of this person.
    Idle,
}

/// A conversation that is over, with what was said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ended {
    pub conversation: Conversation,
    /// Ended by `stop` before the last question.
    pub stopped: bool,
}

impl Ended {
    /// How many questions got an answer (not skipped).
    pub fn answered(&self) -> usize {
        self.conversation
            .answers
            .iter()
            .filter(|a| a.is_some())
            .count()
    }
}

/// What offering a conversation to a person's chat did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Offered {
    /// It is the current one now: ask its first question.
    Started,
    /// It waits behind the conversation about `behind`.
    Queued { behind: TourId },
    /// That tour is already in the chat, or this check-in was opened before.
    Already,
}

/// One person's check-in conversations: the current one and those waiting.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chat {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<Conversation>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub queue: Vec<Conversation>,
    /// Messages the conversations have sent this person: numbers the next
    /// one's idempotency key.
    #[serde(default)]
    pub said: u32,
    /// Origins of the last conversations opened, newest last.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recent: Vec<String>,
}

impl Chat {
    /// Whether the chat holds nothing worth keeping.
    pub fn is_idle(&self) -> bool {
        self.current.is_none() && self.queue.is_empty()
    }

    /// Where the conversation about `tour` is: 0 current, 1… queued.
    pub fn position(&self, tour: TourId) -> Option<usize> {
        self.current
            .iter()
            .chain(&self.queue)
            .position(|c| c.tour == tour)
    }

    /// Takes the number of the next message to this person.
    pub fn next_message(&mut self) -> u32 {
        self.said += 1;
        self.said
    }

    /// Adds a conversation: current if there is none, else queued.
    pub fn offer(&mut self, conversation: Conversation) -> Offered {
        if self.recent.contains(&conversation.origin) || self.position(conversation.tour).is_some()
        {
            return Offered::Already;
        }
        self.recent.push(conversation.origin.clone());
        if self.recent.len() > RECENT {
            self.recent.remove(0);
        }
        match &self.current {
            None => {
                self.current = Some(conversation);
                Offered::Started
            }
            Some(current) => {
                let behind = current.tour;
                self.queue.push(conversation);
                Offered::Queued { behind }
            }
        }
    }

    /// The member wrote `reply` at `now`.
    pub fn reply(&mut self, reply: Reply, now: DateTime<Utc>) -> Vec<Step> {
        let Some(current) = self.current.as_mut() else {
            return vec![Step::Idle];
        };
        current.paused = None;
        match reply {
            Reply::Later => {
                let tour = current.tour;
                return self
                    .pause(tour, now + Duration::hours(LATER_HOURS))
                    .into_iter()
                    .collect();
            }
            Reply::Stop => return self.end(true),
            Reply::Skip => current.answers.push(None),
            Reply::Answer(text) => current.answers.push(Some(text)),
        }
        if current.answers.len() >= current.questions.len() {
            return self.end(false);
        }
        vec![Step::Ask {
            tour: current.tour,
            index: current.step(),
            asking: Asking::Continued,
        }]
    }

    /// Pauses the conversation about `tour` until `until`, if it is the
    /// current one.
    pub fn pause(&mut self, tour: TourId, until: DateTime<Utc>) -> Option<Step> {
        let current = self.current.as_mut().filter(|c| c.tour == tour)?;
        current.pauses += 1;
        current.paused = Some(Pause {
            until,
            round: current.pauses,
        });
        Some(Step::Paused {
            tour,
            n: current.n,
            until,
            round: current.pauses,
        })
    }

    /// Whether the conversation about `tour` waits for the resume `round`.
    pub fn is_paused(&self, tour: TourId, round: u32) -> bool {
        self.current
            .as_ref()
            .is_some_and(|c| c.tour == tour && c.paused.as_ref().is_some_and(|p| p.round == round))
    }

    /// Whether the conversation about `tour` is paused until `at` or later:
    /// a scheduled check-in of that tour due by then is held back (the
    /// paused one comes back instead, once, when its pause ends).
    pub fn is_paused_past(&self, tour: TourId, at: DateTime<Utc>) -> bool {
        self.current
            .as_ref()
            .is_some_and(|c| c.tour == tour && c.paused.as_ref().is_some_and(|p| p.until >= at))
    }

    /// The resume `round` came: the conversation about `tour` goes on.
    pub fn resume(&mut self, tour: TourId, round: u32) -> Option<Step> {
        if !self.is_paused(tour, round) {
            return None;
        }
        let current = self.current.as_mut()?;
        current.paused = None;
        Some(Step::Ask {
            tour,
            index: current.step(),
            asking: Asking::Resumed,
        })
    }

    /// Ends the current conversation and starts the next one waiting.
    fn end(&mut self, stopped: bool) -> Vec<Step> {
        let Some(conversation) = self.current.take() else {
            return vec![Step::Idle];
        };
        let mut steps = vec![Step::Ended(Ended {
            conversation,
            stopped,
        })];
        if !self.queue.is_empty() {
            let next = self.queue.remove(0);
            steps.push(Step::Ask {
                tour: next.tour,
                index: next.step(),
                asking: Asking::Next,
            });
            self.current = Some(next);
        }
        steps
    }
}

/// The company's answer to "did we deliver what we promised this period?".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivered {
    Yes,
    Partly,
    No,
}

impl Delivered {
    pub const ALL: [Delivered; 3] = [Delivered::Yes, Delivered::Partly, Delivered::No];

    pub fn name(self) -> &'static str {
        match self {
            Delivered::Yes => "yes",
            Delivered::Partly => "partly",
            Delivered::No => "no",
        }
    }

    pub fn parse(s: &str) -> Option<Delivered> {
        Delivered::ALL.into_iter().find(|d| d.name() == s)
    }
}

/// One member-side objective in a check-in: what the company promised.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Promise {
    pub objective: u32,
    pub text: String,
    /// The manager's answer; `None` until given.
    pub delivered: Option<Delivered>,
    pub answered_at: Option<DateTime<Utc>>,
}

/// A recorded check-in: the member's answers (or notes) and the company's
/// side, kept per tour.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckIn {
    pub tour: TourId,
    /// 1, 2, … within the tour.
    pub number: u32,
    pub at: DateTime<Utc>,
    /// The member for a conversation; whoever wrote the notes otherwise.
    pub by: UserId,
    /// The conversation's questions and answers (empty for notes).
    pub answers: Vec<Answer>,
    /// The member said `stop` before the last question.
    pub stopped: bool,
    pub notes: Option<String>,
    /// Asked of the manager: one per member-side objective open then.
    pub promises: Vec<Promise>,
}

impl CheckIn {
    /// Records the manager's answer about `objective`, once.
    pub fn review(
        &self,
        objective: u32,
        delivered: Delivered,
        now: DateTime<Utc>,
    ) -> Result<CheckIn, TourError> {
        let mut record = self.clone();
        let promise = record
            .promises
            .iter_mut()
            .find(|p| p.objective == objective)
            .ok_or(TourError::NoSuchPromise {
                id: self.tour,
                number: self.number,
                objective,
            })?;
        if promise.delivered.is_some() {
            return Err(TourError::AlreadyAnswered(self.tour));
        }
        promise.delivered = Some(delivered);
        promise.answered_at = Some(now);
        Ok(record)
    }
}

impl Tour {
    /// Records a check-in by `by`: `notes` written directly, or what a
    /// conversation gathered. Check-ins count from today from now on.
    pub fn check_in(
        &self,
        by: &UserId,
        notes: Option<&str>,
        ended: Option<&Ended>,
        now: DateTime<Utc>,
    ) -> Result<(Tour, HistoryEntry, CheckIn), TourError> {
        self.require_party(by, "check in on")?;
        self.require_checkins("checked in on", now)?;
        let notes = notes
            .map(|n| check_text(n, MAX_NOTES))
            .transpose()?
            .filter(|n| !n.is_empty());
        let mut tour = self.clone();
        tour.checkins += 1;
        tour.checkin_from = Some(now.date_naive());
        let record = CheckIn {
            tour: self.id,
            number: tour.checkins,
            at: now,
            by: by.clone(),
            answers: ended.map(|e| e.conversation.answered()).unwrap_or_default(),
            stopped: ended.is_some_and(|e| e.stopped),
            notes: notes.clone(),
            promises: self
                .live_objectives()
                .filter(|(_, o)| o.side == Side::Member && !o.is_done())
                .map(|(objective, o)| Promise {
                    objective,
                    text: o.text.clone(),
                    delivered: None,
                    answered_at: None,
                })
                .collect(),
        };
        let (tour, entry) = tour.record(HistoryEntry {
            at: now,
            by: by.clone(),
            event: Event::CheckedIn {
                number: record.number,
                notes,
            },
        });
        Ok((tour, entry, record))
    }

    /// Either party sets how many months apart check-ins come; they count
    /// from today.
    pub fn set_checkin_every(
        &self,
        by: &UserId,
        months: u32,
        now: DateTime<Utc>,
    ) -> Result<(Tour, HistoryEntry), TourError> {
        self.require_party(by, "change the check-ins of")?;
        self.require_checkins("given a check-in cadence", now)?;
        if !(1..=MAX_CADENCE_MONTHS).contains(&months) {
            return Err(TourError::CadenceOutOfRange {
                max: MAX_CADENCE_MONTHS,
            });
        }
        let mut tour = self.clone();
        tour.checkin_every_months = Some(months);
        tour.checkin_from = Some(now.date_naive());
        Ok(tour.record(HistoryEntry {
            at: now,
            by: by.clone(),
            event: Event::CheckinCadence { months },
        }))
    }

    /// Whether a check-in conversation may start about this tour now.
    pub fn check_checkin_start(&self, by: &UserId, now: DateTime<Utc>) -> Result<(), TourError> {
        self.require_party(by, "check in on")?;
        self.require_checkins("checked in on", now)
    }

    /// The manager answers for the company about a member-side objective
    /// of check-in `record`.
    pub fn review_promise(
        &self,
        by: &UserId,
        record: &CheckIn,
        objective: u32,
        delivered: Delivered,
        now: DateTime<Utc>,
    ) -> Result<(Tour, HistoryEntry, CheckIn), TourError> {
        self.require(by, Role::Manager, "answer for the company on")?;
        let reviewed = record.review(objective, delivered, now)?;
        let (tour, entry) = self.clone().record(HistoryEntry {
            at: now,
            by: by.clone(),
            event: Event::PromiseReviewed {
                checkin: record.number,
                objective,
                delivered,
            },
        });
        Ok((tour, entry, reviewed))
    }

    /// Check-ins are for tours under way: active (not still scheduled), or
    /// ending with an exit.
    fn require_checkins(&self, action: &'static str, now: DateTime<Utc>) -> Result<(), TourError> {
        match self.status {
            Status::Active | Status::Followed => self.require_started(now, action),
            Status::Leaving => Ok(()),
            status => Err(TourError::WrongStatus {
                id: self.id,
                status: status.name(),
                action,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::tour::{Term, TourKind};
    use chrono::TimeZone;

    fn u(s: &str) -> UserId {
        UserId::parse(s).unwrap()
    }
    fn at(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, d, h, 0, 0).unwrap()
    }
    /// Tour `id`, UM → UA, active, with a company and a member objective
    /// and a third, done, company objective.
    fn tour(id: u64) -> Tour {
        let t = Tour::propose(
            TourId(id),
            &u("UM"),
            &u("UA"),
            TourKind::Rotational,
            Term::Months(12),
            "Mission",
            at(1, 9),
        )
        .unwrap()
        .0;
        let t = t
            .add_objective(&u("UM"), Side::Company, "Ship the ledger", at(1, 9))
            .unwrap()
            .0;
        let t = t
            .add_objective(&u("UM"), Side::Member, "A conference talk", at(1, 9))
            .unwrap()
            .0;
        let t = t
            .add_objective(&u("UM"), Side::Company, "Old", at(1, 9))
            .unwrap()
            .0;
        let t = t.complete_objective(&u("UM"), 3, at(1, 9)).unwrap().0;
        t.accept(&u("UA"), at(1, 10)).unwrap().0
    }
    fn answer(s: &str) -> Reply {
        Reply::parse(s).unwrap()
    }

    #[test]
    fn replies_are_read_as_commands_only_when_alone() {
        assert_eq!(Reply::parse("  Skip. "), Some(Reply::Skip));
        assert_eq!(Reply::parse("STOP!"), Some(Reply::Stop));
        assert_eq!(Reply::parse("later"), Some(Reply::Later));
        assert_eq!(
            Reply::parse("skip the standup"),
            Some(Reply::Answer("skip the standup".into()))
        );
        assert_eq!(Reply::parse("   "), None);
        let long = "x".repeat(MAX_ANSWER + 10);
        let Some(Reply::Answer(cut)) = Reply::parse(&long) else {
            panic!()
        };
        assert_eq!(cut.chars().count(), MAX_ANSWER);
    }

    #[test]
    fn a_conversation_asks_open_objectives_then_blockers_then_support_and_ends() {
        let t = tour(1);
        let c = Conversation::open(&t, 1, "k1", at(2, 9));
        assert_eq!(
            c.questions,
            vec![
                Question::Objective {
                    number: 1,
                    side: Side::Company,
                    text: "Ship the ledger".into()
                },
                Question::Objective {
                    number: 2,
                    side: Side::Member,
                    text: "A conference talk".into()
                },
                Question::Blockers,
                Question::Support,
            ],
            "the done objective is not asked about"
        );
        let mut chat = Chat::default();
        assert_eq!(chat.offer(c), Offered::Started);
        let ask = |index, asking| Step::Ask {
            tour: TourId(1),
            index,
            asking,
        };
        assert_eq!(
            chat.reply(answer("On track"), at(2, 10)),
            vec![ask(1, Asking::Continued)]
        );
        assert_eq!(
            chat.reply(answer("skip"), at(2, 10)),
            vec![ask(2, Asking::Continued)]
        );
        assert_eq!(
            chat.reply(answer("The staging env"), at(2, 10)),
            vec![ask(3, Asking::Continued)]
        );
        let steps = chat.reply(answer("Time to write"), at(2, 11));
        let [Step::Ended(ended)] = steps.as_slice() else {
            panic!("{steps:?}")
        };
        assert!(!ended.stopped);
        assert_eq!(ended.answered(), 3);
        assert_eq!(
            ended.conversation.answered()[1],
            Answer {
                question: ended.conversation.questions[1].clone(),
                text: None
            }
        );
        assert!(chat.is_idle());
        assert_eq!(chat.reply(answer("hello?"), at(2, 12)), vec![Step::Idle]);
    }

    #[test]
    fn stop_keeps_what_was_answered_and_later_pauses_until_resumed_or_answered() {
        let mut chat = Chat::default();
        chat.offer(Conversation::open(&tour(1), 0, "k1", at(2, 9)));
        chat.reply(answer("Going well"), at(2, 9));
        // later: three hours, the first pause.
        let paused = chat.reply(answer("Later."), at(2, 17));
        assert_eq!(
            paused,
            vec![Step::Paused {
                tour: TourId(1),
                n: 0,
                until: at(2, 20),
                round: 1
            }]
        );
        assert!(chat.is_paused(TourId(1), 1));
        // Paused again from a button: the first resume is stale now.
        chat.pause(TourId(1), at(9, 0));
        assert!(!chat.is_paused(TourId(1), 1) && chat.is_paused(TourId(1), 2));
        assert_eq!(chat.resume(TourId(1), 1), None);
        assert_eq!(
            chat.resume(TourId(1), 2),
            Some(Step::Ask {
                tour: TourId(1),
                index: 1,
                asking: Asking::Resumed
            })
        );
        // Writing back while paused continues where it stopped.
        chat.pause(TourId(1), at(10, 0));
        assert_eq!(
            chat.reply(answer("Talk accepted"), at(3, 9)),
            vec![Step::Ask {
                tour: TourId(1),
                index: 2,
                asking: Asking::Continued
            }]
        );
        assert!(!chat.is_paused(TourId(1), 3), "answering un-pauses");
        let steps = chat.reply(answer("stop"), at(3, 9));
        let [Step::Ended(ended)] = steps.as_slice() else {
            panic!("{steps:?}")
        };
        assert!(ended.stopped);
        assert_eq!(
            ended.conversation.answers,
            vec![Some("Going well".into()), Some("Talk accepted".into())]
        );
        assert_eq!(chat.pause(TourId(1), at(4, 0)), None, "nothing to pause");
    }

    #[test]
    fn a_second_conversation_waits_for_the_first_and_each_opens_once() {
        let mut chat = Chat::default();
        assert_eq!(
            chat.offer(Conversation::open(&tour(1), 1, "a", at(2, 9))),
            Offered::Started
        );
        assert_eq!(
            chat.offer(Conversation::open(&tour(2), 1, "b", at(2, 9))),
            Offered::Queued { behind: TourId(1) }
        );
        assert_eq!(
            chat.offer(Conversation::open(&tour(2), 2, "c", at(2, 9))),
            Offered::Already,
            "one conversation per tour"
        );
        assert_eq!(chat.position(TourId(2)), Some(1));
        let steps = chat.reply(answer("stop"), at(2, 10));
        assert!(matches!(steps[0], Step::Ended(_)), "{steps:?}");
        assert_eq!(
            steps[1],
            Step::Ask {
                tour: TourId(2),
                index: 0,
                asking: Asking::Next
            }
        );
        assert_eq!(chat.position(TourId(2)), Some(0));
        chat.reply(answer("stop"), at(2, 11));
        assert!(chat.is_idle());
        assert_eq!(
            chat.offer(Conversation::open(&tour(1), 1, "a", at(2, 12))),
            Offered::Already,
            "the same check-in never opens twice"
        );
        assert_eq!(
            chat.offer(Conversation::open(&tour(1), 2, "d", at(2, 12))),
            Offered::Started
        );
        assert_eq!((chat.next_message(), chat.next_message()), (1, 2));
    }

    #[test]
    fn a_check_in_is_recorded_with_the_promises_to_review_once() {
        let t = tour(1);
        let mut chat = Chat::default();
        chat.offer(Conversation::open(&t, 1, "a", at(2, 9)));
        chat.reply(answer("Fine"), at(2, 9));
        let steps = chat.reply(answer("stop"), at(2, 9));
        let Step::Ended(ended) = &steps[0] else {
            panic!()
        };
        let (checked, entry, record) = t.check_in(&u("UA"), None, Some(ended), at(2, 9)).unwrap();
        assert_eq!((checked.checkins, record.number), (1, 1));
        assert_eq!(checked.checkin_from, Some(at(2, 9).date_naive()));
        assert_eq!(
            entry.event,
            Event::CheckedIn {
                number: 1,
                notes: None
            }
        );
        assert!(record.stopped && record.answers.len() == 4);
        assert_eq!(record.promises.len(), 1);
        assert_eq!(record.promises[0].objective, 2);

        assert!(matches!(
            checked.review_promise(&u("UA"), &record, 2, Delivered::Yes, at(3, 9)),
            Err(TourError::NotYourCall { .. })
        ));
        let (_, e, reviewed) = checked
            .review_promise(&u("UM"), &record, 2, Delivered::Partly, at(3, 9))
            .unwrap();
        assert_eq!(reviewed.promises[0].delivered, Some(Delivered::Partly));
        assert!(matches!(
            e.event,
            Event::PromiseReviewed { objective: 2, .. }
        ));
        assert_eq!(
            checked.review_promise(&u("UM"), &reviewed, 2, Delivered::No, at(3, 9)),
            Err(TourError::AlreadyAnswered(TourId(1)))
        );
        assert!(matches!(
            checked.review_promise(&u("UM"), &reviewed, 1, Delivered::No, at(3, 9)),
            Err(TourError::NoSuchPromise { objective: 1, .. })
        ));

        // Notes by either party; not by a stranger, not on a closed tour.
        let (_, e, r) = checked
            .check_in(&u("UM"), Some("Good talk"), None, at(4, 9))
            .unwrap();
        assert_eq!(r.number, 2);
        assert_eq!(
            e.event,
            Event::CheckedIn {
                number: 2,
                notes: Some("Good talk".into())
            }
        );
        assert!(matches!(
            checked.check_in(&u("UX"), Some("x"), None, at(4, 9)),
            Err(TourError::NotYourCall { .. })
        ));
        let closed = checked.complete(&u("UM"), at(4, 9)).unwrap().0;
        assert!(matches!(
            closed.check_in(&u("UM"), Some("x"), None, at(4, 9)),
            Err(TourError::WrongStatus { .. })
        ));
    }

    #[test]
    fn the_cadence_is_set_by_a_party_within_a_year() {
        let t = tour(1);
        let (c, e) = t.set_checkin_every(&u("UA"), 2, at(5, 9)).unwrap();
        assert_eq!(
            (c.checkin_every_months, c.checkin_from),
            (Some(2), Some(at(5, 9).date_naive()))
        );
        assert_eq!(e.event, Event::CheckinCadence { months: 2 });
        for months in [0, 13] {
            assert_eq!(
                t.set_checkin_every(&u("UM"), months, at(5, 9)),
                Err(TourError::CadenceOutOfRange { max: 12 })
            );
        }
        assert!(t.set_checkin_every(&u("UX"), 2, at(5, 9)).is_err());
    }
}
