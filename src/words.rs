//! Words for people, shared by every surface: the nearest known word to a
//! mistyped one ("did you mean"), and counted nouns ("1 month", "6 months",
//! never "month(s)").

/// The known word nearest to `typed`, when it is near enough to be a slip:
/// at most 2 edits (more for long words, one per 5 letters), or `typed`
/// is the start of exactly one of them (`prop` → `propose`). Case is
/// ignored; ties go to the first.
pub fn suggest<'a>(typed: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let typed = typed.to_lowercase();
    let known: Vec<&str> = known.into_iter().collect();
    let near = known
        .iter()
        .map(|k| (distance(&typed, &k.to_lowercase()), *k))
        .filter(|(d, k)| *d <= 2.max(k.chars().count() / 5) && *d < k.chars().count())
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k);
    near.or_else(|| {
        let mut starts = known
            .iter()
            .filter(|k| typed.len() >= 3 && k.to_lowercase().starts_with(&typed));
        match (starts.next(), starts.next()) {
            (Some(k), None) => Some(*k),
            _ => None,
        }
    })
}

/// Levenshtein distance, by characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// `n` and the noun, singular for one: `count(1, "month")` is "1 month",
/// `count(6, "month")` "6 months". Nouns here take a plain `s`.
pub fn count(n: impl Into<u64>, noun: &str) -> String {
    let n = n.into();
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// [`count`] for a noun whose plural is not a plain `s`:
/// `count_as(2, "entry", "entries")`.
pub fn count_as(n: impl Into<u64>, one: &str, many: &str) -> String {
    match n.into() {
        1 => format!("1 {one}"),
        n => format!("{n} {many}"),
    }
}

/// How often: "every month" for one, "every 6 months".
pub fn every(n: impl Into<u64>, noun: &str) -> String {
    match n.into() {
        1 => format!("every {noun}"),
        n => format!("every {n} {noun}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOUR: [&str; 5] = ["propose", "objective", "checkin", "complete", "accept"];

    #[test]
    fn a_slip_finds_its_word() {
        assert_eq!(suggest("propse", TOUR), Some("propose"));
        assert_eq!(suggest("checkins", TOUR), Some("checkin"));
        assert_eq!(suggest("ACEPT", TOUR), Some("accept"));
        assert_eq!(suggest("prop", TOUR), Some("propose"));
    }

    #[test]
    fn a_different_word_finds_nothing() {
        assert_eq!(suggest("frobnicate", TOUR), None);
        assert_eq!(suggest("x", TOUR), None);
        // The start of two words is no suggestion.
        assert_eq!(suggest("com", ["complete", "comment"]), None);
    }

    #[test]
    fn counts_are_singular_for_one() {
        assert_eq!(count(1u32, "month"), "1 month");
        assert_eq!(count(0u32, "workspace"), "0 workspaces");
        assert_eq!(count(6u32, "objective"), "6 objectives");
        assert_eq!(count_as(1u32, "entry", "entries"), "1 entry");
        assert_eq!(count_as(3u32, "entry", "entries"), "3 entries");
        assert_eq!(every(1u32, "month"), "every month");
        assert_eq!(every(6u32, "month"), "every 6 months");
    }
}
