//! How a domain error reads to a person. A mistake in what was typed (an
//! empty mission, a length out of range, text too long) comes with the
//! command's usage line; a rule's refusal of a well-formed command (someone
//! may not, the tour's state does not allow it, there is no such objective)
//! is a plain private answer saying why not, without the usage line, which
//! would only suggest the command was typed wrong. The typing mistakes are
//! listed here, once for every grammar; any other error is a refusal.

use super::Failure;
use crate::domain::TourError;
use crate::domain::alumni::AlumniError;
use crate::domain::one_on_one::OneOnOneError;
use crate::message::{self, Message};
use std::fmt::Display;

/// A domain error that a person may have caused by how they typed.
pub(crate) trait Refusal: Display {
    /// Whether what was typed was wrong, so that the usage line helps.
    fn is_typing_mistake(&self) -> bool;
}

impl Refusal for TourError {
    fn is_typing_mistake(&self) -> bool {
        matches!(
            self,
            TourError::EmptyMission
                | TourError::EmptyObjective
                | TourError::TooLong { .. }
                | TourError::FoundationalHasNoEnd
                | TourError::NeedsLength(_)
                | TourError::BadLength
                | TourError::DatesBackwards
                | TourError::CadenceOutOfRange { .. }
        )
    }
}

impl Refusal for AlumniError {
    fn is_typing_mistake(&self) -> bool {
        matches!(self, AlumniError::TooLong { .. })
    }
}

impl Refusal for OneOnOneError {
    fn is_typing_mistake(&self) -> bool {
        matches!(
            self,
            OneOnOneError::EmptyItem | OneOnOneError::ItemTooLong | OneOnOneError::NotesTooLong
        )
    }
}

/// The answer to `e` for a command whose usage line is `usage`.
pub(crate) fn refusal<E: Refusal>(usage: &'static str) -> impl Fn(E) -> Failure {
    move |e| {
        if e.is_typing_mistake() {
            Failure::User(message::problem(&e.to_string(), usage))
        } else {
            refused(e)
        }
    }
}

/// A plain private answer saying why not.
pub(crate) fn refused(e: impl Display) -> Failure {
    Failure::User(Message::text(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::TourId;

    fn answer(f: Failure) -> Message {
        match f {
            Failure::User(m) => m,
            Failure::Internal(_) => panic!("a person's answer"),
        }
    }

    #[test]
    fn a_rule_says_why_without_the_usage_line() {
        let m = answer(refusal("/tour withdraw <id>")(TourError::NotFound(TourId(
            6,
        ))));
        assert_eq!(m.text, "There is no tour #6 that you can see.");
        assert!(!format!("{m:?}").contains("Usage"), "{m:?}");
    }

    #[test]
    fn a_typing_mistake_shows_how() {
        let m = answer(refusal("/tour mission <id> <text…>")(
            TourError::EmptyMission,
        ));
        assert!(format!("{m:?}").contains("Usage: `/tour mission"), "{m:?}");
    }
}
