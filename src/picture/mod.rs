//! The alliance at a glance: the timeline picture of `/tour timeline`, as a
//! model ([`Timeline`], what is shown), as SVG ([`Timeline::svg`], how it is
//! drawn) and as PNG ([`png::render`]). No surface and no store here: the
//! command gathers what the asker may see, this draws it.
//!
//! What the picture shows (decisions):
//! - One row per person whose agreed tours are in the window, sorted by
//!   name; time runs left to right from a year back to two years ahead,
//!   with today marked. Proposed, declined and withdrawn tours are not
//!   drawn (no dates were agreed).
//! - Each tour is a bar in its kind's colour with its id: running bars are
//!   solid; a *scheduled* tour is pale with a dashed edge; a tour that
//!   ended with no decision has a vermillion edge and a `!`; closed tours
//!   (completed, left) are paler. A foundational tour runs off the right
//!   edge, with a tick on each yearly re-commitment date.
//! - A dashed outline after a running tour that ends within
//!   [`GAP_WITHIN_DAYS`] with no next tour agreed: the gap to fill.
//! - An exit's last day is a black tick, with the successor named; a person
//!   who left (an alumnus, or a tour that ended by leaving) has a `left`
//!   mark, and a boomerang (marked for rehire) a `↺`.
//! - Pages of [`ROWS_PER_PAGE`] rows ("1 of 3"), at most [`MAX_PAGES`],
//!   rather than rows too thin to read. People are named by their Slack
//!   display name where one is cached, else their id.
//! - The palette is Okabe–Ito's (safe for the common colour blindnesses),
//!   and every state is told by shape too (dash, edge, mark), not colour
//!   alone. A legend is on every page.
//!
//! Why SVG rasterised by `resvg`: the picture is a few hundred rectangles
//! and labels, which SVG says directly and testably (tests read the SVG's
//! structure, then check pixels of the PNG); `resvg` is pure Rust and
//! maintained, with no system library or font. The font, DejaVu Sans, ships
//! in `assets/fonts/` with its licence (the Docker image has no fonts).

pub mod png;

use crate::domain::alumni::Alumnus;
use crate::domain::tour::{Status, Tour, TourId, TourKind};
use crate::domain::{UserId, timeline::Phase};
use chrono::{Datelike, Duration, Months, NaiveDate};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Rows on one picture.
pub const ROWS_PER_PAGE: usize = 40;
/// Pictures in one answer; more people than this many pages hold are
/// named in the message, not drawn.
pub const MAX_PAGES: usize = 10;
/// How far back the window reaches, and how far ahead.
pub const DAYS_BACK: i64 = 365;
pub const DAYS_AHEAD: i64 = 730;
/// A running tour ending within this many days with no next tour shows
/// the gap after it.
pub const GAP_WITHIN_DAYS: i64 = 180;
/// How long the drawn gap is.
const GAP_DRAWN_DAYS: i64 = 90;

/// The picture's width in pixels, and the parts of it.
pub const WIDTH: u32 = 1400;
const LABELS: f64 = 230.0;
const RIGHT: f64 = 30.0;
const TOP: f64 = 78.0;
pub const ROW_HEIGHT: f64 = 30.0;
const BAR_HEIGHT: f64 = 18.0;
const LEGEND: f64 = 74.0;

/// A kind's colour (Okabe–Ito).
pub fn colour(kind: TourKind) -> (u8, u8, u8) {
    match kind {
        TourKind::Rotational => (0x00, 0x72, 0xB2),
        TourKind::Transformational => (0xE6, 0x9F, 0x00),
        TourKind::Foundational => (0x00, 0x9E, 0x73),
    }
}
const VERMILLION: &str = "#D55E00";
const PURPLE: &str = "#CC79A7";

fn hex((r, g, b): (u8, u8, u8)) -> String {
    format!("#{r:02X}{g:02X}{b:02X}")
}

/// One picture (or the whole, before [`Timeline::pages`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Timeline {
    pub title: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub today: NaiveDate,
    pub rows: Vec<Row>,
    /// "1 of 3", when paginated.
    pub page: Option<(usize, usize)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub person: UserId,
    pub name: String,
    pub bars: Vec<Bar>,
    pub marks: Vec<Mark>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    pub tour: TourId,
    pub kind: TourKind,
    pub from: NaiveDate,
    /// The last day; `None` runs off the right edge (open-ended).
    pub to: Option<NaiveDate>,
    pub state: BarState,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BarState {
    Running,
    Scheduled,
    AwaitingDecision,
    Leaving,
    Closed,
}

impl BarState {
    fn name(self) -> &'static str {
        match self {
            BarState::Running => "running",
            BarState::Scheduled => "scheduled",
            BarState::AwaitingDecision => "awaiting",
            BarState::Leaving => "leaving",
            BarState::Closed => "closed",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Mark {
    /// No next tour yet after a tour ending soon.
    NoNextTour { from: NaiveDate, to: NaiveDate },
    /// An exit's last day, and who takes over.
    LastDay { on: NaiveDate, successor: String },
    /// A foundational tour's yearly re-commitment.
    Recommit { on: NaiveDate },
    /// The person left.
    Left { on: NaiveDate },
    /// A former member marked as coming back.
    Boomerang { on: NaiveDate },
}

/// What the picture counts, for the message that carries it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub people: usize,
    pub tours: usize,
    /// Running tours ending within [`GAP_WITHIN_DAYS`] with no next tour.
    pub gaps: usize,
    pub awaiting: usize,
    pub leaving: usize,
}

/// Draws `tours` (already those the asker may see) and the `alumni` to
/// mark, as of `today`. `name_of` names a person for their row.
pub fn build(
    title: &str,
    tours: &[Tour],
    alumni: &[Alumnus],
    name_of: &dyn Fn(&UserId) -> String,
    today: NaiveDate,
) -> Timeline {
    let from = today - Duration::days(DAYS_BACK);
    let to = today + Duration::days(DAYS_AHEAD);
    let mut by_person: BTreeMap<UserId, Vec<&Tour>> = BTreeMap::new();
    for tour in tours {
        if let Some(bar) = bar(tour, today)
            && bar.from <= to
            && bar.to.is_none_or(|end| end >= from)
        {
            by_person.entry(tour.member.clone()).or_default().push(tour);
        }
    }
    let mut rows: Vec<Row> = by_person
        .into_iter()
        .map(|(person, mut tours)| {
            tours.sort_by_key(|t| (t.starts_on, t.id));
            let mut row = Row {
                name: name_of(&person),
                person,
                bars: tours.iter().filter_map(|t| bar(t, today)).collect(),
                marks: Vec::new(),
            };
            for tour in &tours {
                marks_of(tour, today, to, &mut row.marks);
            }
            // The gap: the newest agreed tour runs, ends soon, and nothing
            // is agreed after it.
            if let Some(last) = tours.last()
                && last.phase(today) == Phase::Active
                && let Some(end) = last.ends_on
                && end >= today
                && end - today <= Duration::days(GAP_WITHIN_DAYS)
            {
                row.marks.push(Mark::NoNextTour {
                    from: end + Duration::days(1),
                    to: end + Duration::days(GAP_DRAWN_DAYS),
                });
            }
            row
        })
        .collect();
    for alumnus in alumni {
        let Some(left) = alumnus.left_on.filter(|d| *d >= from && *d <= to) else {
            continue;
        };
        let row = match rows.iter_mut().position(|r| r.person == alumnus.user) {
            Some(i) => &mut rows[i],
            None => {
                rows.push(Row {
                    person: alumnus.user.clone(),
                    name: name_of(&alumnus.user),
                    bars: Vec::new(),
                    marks: Vec::new(),
                });
                rows.last_mut().expect("just pushed")
            }
        };
        if !row.marks.contains(&Mark::Left { on: left }) {
            row.marks.push(Mark::Left { on: left });
        }
        if alumnus.returning {
            row.marks.push(Mark::Boomerang { on: left });
        }
    }
    rows.sort_by_cached_key(|r| (r.name.to_lowercase(), r.person.clone()));
    Timeline {
        title: title.to_string(),
        from,
        to,
        today,
        rows,
        page: None,
    }
}

/// A tour's bar, if it has agreed dates.
fn bar(tour: &Tour, today: NaiveDate) -> Option<Bar> {
    let start = tour.starts_on?;
    let state = match tour.phase(today) {
        Phase::Proposed | Phase::Closed(Status::Declined | Status::Withdrawn) => return None,
        Phase::Scheduled => BarState::Scheduled,
        Phase::Active | Phase::ActiveNextAgreed => BarState::Running,
        Phase::AwaitingDecision => BarState::AwaitingDecision,
        Phase::Leaving => BarState::Leaving,
        Phase::FollowedOn | Phase::Closed(_) => BarState::Closed,
    };
    let end = match (&tour.exit, tour.status) {
        (Some(exit), Status::Leaving | Status::Left) => Some(exit.on),
        _ => tour.ends_on,
    };
    Some(Bar {
        tour: tour.id,
        kind: tour.kind,
        from: start,
        to: end,
        state,
    })
}

fn marks_of(tour: &Tour, today: NaiveDate, window_end: NaiveDate, marks: &mut Vec<Mark>) {
    if let Some(exit) = &tour.exit {
        match tour.status {
            Status::Leaving => marks.push(Mark::LastDay {
                on: exit.on,
                successor: exit.successor.as_str().to_string(),
            }),
            Status::Left => marks.push(Mark::Left { on: exit.on }),
            _ => {}
        }
    }
    let running = matches!(
        tour.phase(today),
        Phase::Active | Phase::ActiveNextAgreed | Phase::Scheduled
    );
    if tour.kind == TourKind::Foundational
        && running
        && let Some(start) = tour.starts_on
    {
        for year in 1.. {
            let Some(on) = start.checked_add_months(Months::new(12 * year)) else {
                break;
            };
            if on > window_end {
                break;
            }
            marks.push(Mark::Recommit { on });
        }
    }
}

impl Timeline {
    /// The picture cut into pages of [`ROWS_PER_PAGE`], at most
    /// [`MAX_PAGES`] (always at least one, for an empty picture).
    pub fn pages(&self) -> Vec<Timeline> {
        if self.rows.len() <= ROWS_PER_PAGE {
            return vec![self.clone()];
        }
        let chunks: Vec<&[Row]> = self.rows.chunks(ROWS_PER_PAGE).take(MAX_PAGES).collect();
        let total = chunks.len();
        chunks
            .into_iter()
            .enumerate()
            .map(|(i, rows)| Timeline {
                title: self.title.clone(),
                from: self.from,
                to: self.to,
                today: self.today,
                rows: rows.to_vec(),
                page: Some((i + 1, total)),
            })
            .collect()
    }

    /// People left out because they would need more than [`MAX_PAGES`].
    pub fn not_drawn(&self) -> usize {
        self.rows.len().saturating_sub(ROWS_PER_PAGE * MAX_PAGES)
    }

    pub fn summary(&self) -> Summary {
        let bars = self.rows.iter().flat_map(|r| &r.bars);
        Summary {
            people: self.rows.len(),
            tours: bars.clone().count(),
            gaps: self
                .rows
                .iter()
                .flat_map(|r| &r.marks)
                .filter(|m| matches!(m, Mark::NoNextTour { .. }))
                .count(),
            awaiting: bars
                .clone()
                .filter(|b| b.state == BarState::AwaitingDecision)
                .count(),
            leaving: bars.filter(|b| b.state == BarState::Leaving).count(),
        }
    }

    /// The picture's height in pixels.
    pub fn height(&self) -> u32 {
        (TOP + ROW_HEIGHT * self.rows.len().max(1) as f64 + LEGEND).ceil() as u32
    }

    /// The x of the start of `day`.
    fn x(&self, day: NaiveDate) -> f64 {
        let span = (self.to - self.from).num_days().max(1) as f64;
        let days = (day - self.from).num_days() as f64;
        LABELS + (WIDTH as f64 - LABELS - RIGHT) * days.clamp(0.0, span) / span
    }

    /// The row's top edge.
    pub fn row_top(&self, index: usize) -> f64 {
        TOP + ROW_HEIGHT * index as f64
    }

    /// Where a bar of row `index` is drawn: `(x0, x1, y_middle)`.
    pub fn bar_box(&self, index: usize, bar: &Bar) -> (f64, f64, f64) {
        let x0 = self.x(bar.from);
        let x1 = match bar.to {
            Some(end) => self.x(end + Duration::days(1)),
            None => WIDTH as f64 - RIGHT,
        };
        (x0, x1.max(x0 + 2.0), self.row_top(index) + ROW_HEIGHT / 2.0)
    }

    /// The picture as SVG. Elements carry classes and `data-` attributes
    /// saying what they stand for (`bar kind-rotational state-running`,
    /// `data-tour`), which the tests read.
    pub fn svg(&self) -> String {
        let (w, h) = (WIDTH, self.height());
        let mut s = String::with_capacity(4096 + 600 * self.rows.len());
        let _ = write!(
            s,
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="DejaVu Sans" font-size="14">"##
        );
        let _ = write!(s, r##"<rect width="{w}" height="{h}" fill="#FFFFFF"/>"##);
        let title = match self.page {
            Some((n, of)) => format!("{} ({n} of {of})", self.title),
            None => self.title.clone(),
        };
        let _ = write!(
            s,
            r##"<text class="title" x="16" y="30" font-size="20">{}</text>"##,
            xml(&title)
        );
        // Stripes first, so the grid shows through every row.
        for i in (1..self.rows.len()).step_by(2) {
            let _ = write!(
                s,
                r##"<rect x="0" y="{}" width="{WIDTH}" height="{ROW_HEIGHT}" fill="#F4F4F4"/>"##,
                self.row_top(i)
            );
        }
        self.axis(&mut s);
        for (i, row) in self.rows.iter().enumerate() {
            self.row(&mut s, i, row);
        }
        if self.rows.is_empty() {
            let _ = write!(
                s,
                r##"<text class="empty" x="{LABELS}" y="{}" fill="#555555">No agreed tours to show.</text>"##,
                TOP + 20.0
            );
        }
        // Today, over everything.
        let x = self.x(self.today);
        let bottom = TOP + ROW_HEIGHT * self.rows.len().max(1) as f64;
        let _ = write!(
            s,
            r##"<line class="today" x1="{x:.1}" y1="{}" x2="{x:.1}" y2="{bottom:.1}" stroke="#000000" stroke-width="2"/><text x="{:.1}" y="{}" font-size="12" text-anchor="middle">today</text>"##,
            TOP - 4.0,
            x,
            TOP - 8.0
        );
        self.legend(&mut s, bottom);
        s.push_str("</svg>");
        s
    }

    /// Year lines and labels, and quarter ticks.
    fn axis(&self, s: &mut String) {
        let bottom = TOP + ROW_HEIGHT * self.rows.len().max(1) as f64;
        let mut month =
            NaiveDate::from_ymd_opt(self.from.year(), self.from.month(), 1).unwrap_or(self.from);
        let mut first = true;
        while month <= self.to {
            if month >= self.from && (month.month() - 1).is_multiple_of(3) {
                let x = self.x(month);
                let year = month.month() == 1;
                let _ = write!(
                    s,
                    r##"<line class="{}" x1="{x:.1}" y1="{}" x2="{x:.1}" y2="{bottom:.1}" stroke="{}" stroke-width="1"/>"##,
                    if year { "year" } else { "quarter" },
                    TOP - 12.0,
                    if year { "#999999" } else { "#E0E0E0" },
                );
                let quarter = (month.month() - 1) / 3 + 1;
                let label = if year {
                    month.year().to_string()
                } else if first {
                    format!("Q{quarter} {}", month.year())
                } else {
                    format!("Q{quarter}")
                };
                first = false;
                let _ = write!(
                    s,
                    r##"<text x="{:.1}" y="{}" font-size="12" fill="#555555">{label}</text>"##,
                    x + 3.0,
                    TOP - 16.0
                );
            }
            let Some(next) = month.checked_add_months(Months::new(1)) else {
                break;
            };
            month = next;
        }
    }

    fn row(&self, s: &mut String, i: usize, row: &Row) {
        let top = self.row_top(i);
        let mid = top + ROW_HEIGHT / 2.0;
        let _ = write!(
            s,
            r##"<g class="row" data-person="{}">"##,
            xml(row.person.as_str())
        );
        let _ = write!(
            s,
            r##"<text class="name" x="16" y="{:.1}">{}</text>"##,
            mid + 5.0,
            xml(&truncate(&row.name, 26))
        );
        for bar in &row.bars {
            let (x0, x1, _) = self.bar_box(i, bar);
            let y = mid - BAR_HEIGHT / 2.0;
            let fill = hex(colour(bar.kind));
            let (opacity, stroke) = match bar.state {
                BarState::Running | BarState::Leaving => ("1", String::new()),
                BarState::Scheduled => (
                    "0.45",
                    format!(r##" stroke="{fill}" stroke-width="2" stroke-dasharray="6 3""##),
                ),
                BarState::AwaitingDecision => {
                    ("1", format!(r##" stroke="{VERMILLION}" stroke-width="3""##))
                }
                BarState::Closed => ("0.35", String::new()),
            };
            let _ = write!(
                s,
                r##"<rect class="bar kind-{} state-{}" data-tour="{}" x="{x0:.1}" y="{y:.1}" width="{:.1}" height="{BAR_HEIGHT}" rx="3" fill="{fill}" fill-opacity="{opacity}"{stroke}/>"##,
                bar.kind.name(),
                bar.state.name(),
                bar.tour.0,
                x1 - x0,
            );
            if bar.to.is_none() {
                // Runs on: an arrow head at the edge.
                let _ = write!(
                    s,
                    r##"<path class="runs-on" d="M{:.1} {:.1} L{:.1} {mid:.1} L{:.1} {:.1} Z" fill="{fill}"/>"##,
                    x1,
                    y - 3.0,
                    x1 + 10.0,
                    x1,
                    y + BAR_HEIGHT + 3.0
                );
            }
            let mut label = format!("#{}", bar.tour.0);
            if bar.state == BarState::AwaitingDecision {
                label.push_str(" ! ended, no decision");
            }
            let room = x1 - x0;
            let wide = room >= 9.0 * label.chars().count() as f64;
            let (lx, colour) = if wide {
                (
                    x0 + 5.0,
                    if bar.state == BarState::Running || bar.state == BarState::Leaving {
                        "#FFFFFF"
                    } else {
                        "#000000"
                    },
                )
            } else {
                (x1 + 4.0, "#000000")
            };
            if wide || room >= 20.0 || bar.to.is_some() {
                let _ = write!(
                    s,
                    r##"<text class="bar-label" x="{lx:.1}" y="{:.1}" font-size="12" fill="{colour}">{}</text>"##,
                    mid + 4.0,
                    xml(&label)
                );
            }
        }
        for mark in &row.marks {
            self.mark(s, i, mark);
        }
        s.push_str("</g>");
    }

    fn mark(&self, s: &mut String, i: usize, mark: &Mark) {
        let top = self.row_top(i);
        let mid = top + ROW_HEIGHT / 2.0;
        match mark {
            Mark::NoNextTour { from, to } => {
                let (x0, x1) = (self.x(*from), self.x(*to));
                let _ = write!(
                    s,
                    r##"<rect class="gap" x="{x0:.1}" y="{:.1}" width="{:.1}" height="{BAR_HEIGHT}" fill="none" stroke="{PURPLE}" stroke-width="2" stroke-dasharray="4 3"/><text x="{:.1}" y="{:.1}" font-size="11" fill="#8B3A6B">no next tour</text>"##,
                    mid - BAR_HEIGHT / 2.0,
                    (x1 - x0).max(2.0),
                    x0 + 4.0,
                    mid + 4.0
                );
            }
            Mark::LastDay { on, successor } => {
                let x = self.x(*on + Duration::days(1));
                let _ = write!(
                    s,
                    r##"<line class="last-day" x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="#000000" stroke-width="3"/><text x="{:.1}" y="{:.1}" font-size="11">last day {on} → {}</text>"##,
                    top + 2.0,
                    top + ROW_HEIGHT - 2.0,
                    x + 4.0,
                    mid + 4.0,
                    xml(successor)
                );
            }
            Mark::Recommit { on } => {
                let x = self.x(*on);
                let _ = write!(
                    s,
                    r##"<path class="recommit" d="M{x:.1} {:.1} L{:.1} {mid:.1} L{x:.1} {:.1} L{:.1} {mid:.1} Z" fill="#FFFFFF" stroke="#000000" stroke-width="1"/>"##,
                    mid - 6.0,
                    x + 5.0,
                    mid + 6.0,
                    x - 5.0
                );
            }
            Mark::Left { on } => {
                let x = self.x(*on + Duration::days(1));
                let _ = write!(
                    s,
                    r##"<circle class="left" cx="{x:.1}" cy="{mid:.1}" r="5" fill="#000000"/><text x="{:.1}" y="{:.1}" font-size="11">left {on}</text>"##,
                    x + 8.0,
                    mid + 4.0
                );
            }
            Mark::Boomerang { on } => {
                let x = self.x(*on + Duration::days(1));
                let _ = write!(
                    s,
                    r##"<text class="boomerang" x="{:.1}" y="{:.1}" font-size="13" fill="{VERMILLION}">↺ coming back</text>"##,
                    x + 100.0,
                    mid + 4.0
                );
            }
        }
    }

    fn legend(&self, s: &mut String, bottom: f64) {
        let y = bottom + 28.0;
        let mut x = 16.0;
        let _ = write!(s, r##"<g class="legend">"##);
        for kind in [
            TourKind::Rotational,
            TourKind::Transformational,
            TourKind::Foundational,
        ] {
            let _ = write!(
                s,
                r##"<rect x="{x}" y="{}" width="28" height="14" rx="3" fill="{}"/><text x="{}" y="{}" font-size="13">{}</text>"##,
                y - 11.0,
                hex(colour(kind)),
                x + 34.0,
                y,
                kind.name()
            );
            x += 190.0;
        }
        let items = [
            (
                r##"<rect x="X" y="Y" width="28" height="14" rx="3" fill="#0072B2" fill-opacity="0.45" stroke="#0072B2" stroke-width="2" stroke-dasharray="6 3"/>"##,
                "scheduled",
            ),
            (
                r##"<rect x="X" y="Y" width="28" height="14" rx="3" fill="#0072B2" stroke="#D55E00" stroke-width="3"/>"##,
                "ended, no decision",
            ),
            (
                r##"<rect x="X" y="Y" width="28" height="14" fill="none" stroke="#CC79A7" stroke-width="2" stroke-dasharray="4 3"/>"##,
                "no next tour yet",
            ),
        ];
        let y2 = y + 24.0;
        let mut x2 = 16.0;
        for (shape, label) in items {
            let _ = write!(
                s,
                r##"{}<text x="{}" y="{y2}" font-size="13">{label}</text>"##,
                shape
                    .replace("x=\"X\"", &format!("x=\"{x2}\""))
                    .replace("y=\"Y\"", &format!("y=\"{}\"", y2 - 11.0)),
                x2 + 34.0
            );
            x2 += 190.0;
        }
        let _ = write!(
            s,
            r##"<text x="{x}" y="{y}" font-size="13">◆ yearly re-commitment   ▮ last day → successor</text><text x="{x2}" y="{y2}" font-size="13">● left   ↺ coming back</text></g>"##
        );
    }
}

/// `text` made safe inside XML text or an attribute.
pub fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ending::Exit;
    use crate::domain::tour::Term;
    use chrono::{TimeZone, Utc};

    fn u(s: &str) -> UserId {
        UserId::parse(s).unwrap()
    }
    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }
    const TODAY: (i32, u32, u32) = (2026, 6, 1);
    fn today() -> NaiveDate {
        day(TODAY.0, TODAY.1, TODAY.2)
    }

    /// An accepted tour of `member`, `from`..`to` (`None`: open-ended).
    fn tour(
        id: u64,
        member: &str,
        kind: TourKind,
        from: NaiveDate,
        to: Option<NaiveDate>,
        status: Status,
    ) -> Tour {
        let proposed = Utc.with_ymd_and_hms(2025, 1, 1, 9, 0, 0).unwrap();
        let mut t = Tour::propose(
            TourId(id),
            &u("UBOSS"),
            &u(member),
            kind,
            if kind == TourKind::Foundational {
                Term::OpenEnded
            } else {
                Term::Months(12)
            },
            "Mission",
            proposed,
        )
        .unwrap()
        .0;
        t.status = status;
        t.starts_on = Some(from);
        t.ends_on = to;
        t
    }

    fn names(user: &UserId) -> String {
        match user.as_str() {
            "UANA" => "Ana".into(),
            "UBEN" => "Ben <&> Co".into(),
            other => other.into(),
        }
    }

    fn sample() -> Timeline {
        let t = today();
        let mut leaving = tour(
            5,
            "UDEE",
            TourKind::Rotational,
            day(2025, 9, 1),
            Some(day(2027, 8, 31)),
            Status::Leaving,
        );
        leaving.exit = Some(Exit {
            successor: u("USAM"),
            on: day(2026, 9, 30),
            planned_at: Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0).unwrap(),
            planned_by: u("UDEE"),
            notes: None,
            handover_accepted: false,
            alumni: None,
        });
        let tours = vec![
            // Ana: running, ends in 100 days, nothing next: a gap.
            tour(
                1,
                "UANA",
                TourKind::Rotational,
                day(2025, 9, 9),
                Some(t + Duration::days(100)),
                Status::Active,
            ),
            // Ben: foundational, runs on.
            tour(
                2,
                "UBEN",
                TourKind::Foundational,
                day(2025, 3, 1),
                None,
                Status::Active,
            ),
            // Cy: ended with no decision, and a proposal (not drawn).
            tour(
                3,
                "UCY",
                TourKind::Transformational,
                day(2024, 7, 1),
                Some(day(2026, 4, 30)),
                Status::Active,
            ),
            tour(4, "UCY", TourKind::Rotational, t, None, Status::Proposed),
            leaving,
            // Eve: followed by a scheduled next tour.
            tour(
                6,
                "UEVE",
                TourKind::Rotational,
                day(2025, 7, 1),
                Some(day(2026, 6, 30)),
                Status::Followed,
            ),
            tour(
                7,
                "UEVE",
                TourKind::Transformational,
                day(2026, 7, 1),
                Some(day(2028, 6, 30)),
                Status::Active,
            ),
        ];
        build("Everyone", &tours, &[], &names, t)
    }

    fn parse(svg: &str) -> roxmltree::Document<'_> {
        roxmltree::Document::parse(svg).expect("the SVG is well-formed XML")
    }

    fn has_class(node: &roxmltree::Node, class: &str) -> bool {
        node.attribute("class")
            .is_some_and(|c| c.split(' ').any(|c| c == class))
    }

    #[test]
    fn rows_bars_marks_and_today_are_drawn_as_the_tours_stand() {
        let timeline = sample();
        let svg = timeline.svg();
        let doc = parse(&svg);
        let rows: Vec<_> = doc
            .descendants()
            .filter(|n| has_class(n, "row"))
            .map(|n| n.attribute("data-person").unwrap().to_string())
            .collect();
        // Sorted by name; the proposal draws nothing of its own.
        assert_eq!(rows, ["UANA", "UBEN", "UCY", "UDEE", "UEVE"]);
        let bars: Vec<(String, String)> = doc
            .descendants()
            .filter(|n| has_class(n, "bar"))
            .map(|n| {
                (
                    n.attribute("data-tour").unwrap().to_string(),
                    n.attribute("class").unwrap().to_string(),
                )
            })
            .collect();
        let class_of = |id: &str| {
            bars.iter()
                .find(|(t, _)| t == id)
                .map(|(_, c)| c.as_str())
                .unwrap_or("not drawn")
        };
        assert_eq!(class_of("1"), "bar kind-rotational state-running");
        assert_eq!(class_of("2"), "bar kind-foundational state-running");
        assert_eq!(class_of("3"), "bar kind-transformational state-awaiting");
        assert_eq!(class_of("4"), "not drawn");
        assert_eq!(class_of("5"), "bar kind-rotational state-leaving");
        assert_eq!(class_of("6"), "bar kind-rotational state-running");
        assert_eq!(class_of("7"), "bar kind-transformational state-scheduled");
        let count = |class: &str| doc.descendants().filter(|n| has_class(n, class)).count();
        // Only Ana's tour ends soon with nothing after it (Eve's is followed).
        assert_eq!(count("gap"), 1);
        assert_eq!(count("last-day"), 1);
        assert_eq!(count("runs-on"), 1);
        // Ben's foundational tour began 2025-03-01: 2026-03-01, 2027-…, 2028-03-01.
        assert_eq!(count("recommit"), 3);
        assert!(svg.contains("last day 2026-09-30 → USAM"));
        assert!(svg.contains("#3 ! ended, no decision"));
        // Names are escaped text.
        assert!(svg.contains("Ben &lt;&amp;&gt; Co"));
        let today = doc.descendants().find(|n| has_class(n, "today")).unwrap();
        let x: f64 = today.attribute("x1").unwrap().parse().unwrap();
        assert!((x - timeline.x(timeline.today)).abs() < 0.1);
        assert_eq!(
            timeline.summary(),
            Summary {
                people: 5,
                tours: 6,
                gaps: 1,
                awaiting: 1,
                leaving: 1
            }
        );
    }

    #[test]
    fn the_png_decodes_at_the_svgs_size_with_each_kind_in_its_colour() {
        let timeline = sample();
        let png = png::render(&timeline.svg()).unwrap();
        let pixmap = resvg::tiny_skia::Pixmap::decode_png(&png).unwrap();
        assert_eq!(
            (pixmap.width(), pixmap.height()),
            (WIDTH, timeline.height())
        );
        let pixel = |x: f64, y: f64| {
            let p = pixmap.pixel(x as u32, y as u32).unwrap();
            (p.red(), p.green(), p.blue())
        };
        for (index, row) in timeline.rows.iter().enumerate() {
            for bar in row.bars.iter().filter(|b| b.state == BarState::Running) {
                let (x0, x1, y) = timeline.bar_box(index, bar);
                // Past the label, inside the bar.
                let x = (x0 + x1) / 2.0 + 30.0;
                assert_eq!(
                    pixel(x.min(x1 - 3.0), y + 5.0),
                    colour(bar.kind),
                    "tour {}",
                    bar.tour
                );
            }
        }
        // Between the rows' bars and the legend: the white background.
        assert_eq!(pixel(5.0, 5.0), (255, 255, 255));
    }

    #[test]
    fn many_people_are_paginated_forty_to_a_picture_up_to_ten() {
        let tours: Vec<Tour> = (0..450)
            .map(|i| {
                tour(
                    i + 1,
                    &format!("U{i:04}"),
                    TourKind::Rotational,
                    day(2026, 1, 1),
                    Some(day(2026, 12, 31)),
                    Status::Active,
                )
            })
            .collect();
        let all = build("Everyone", &tours[..95], &[], &names, today());
        let pages = all.pages();
        assert_eq!(pages.len(), 3);
        assert_eq!(
            pages.iter().map(|p| p.rows.len()).collect::<Vec<_>>(),
            [40, 40, 15]
        );
        assert!(pages[1].svg().contains("Everyone (2 of 3)"));
        let all = build("Everyone", &tours, &[], &names, today());
        assert_eq!(all.pages().len(), MAX_PAGES);
        assert_eq!(all.not_drawn(), 50);
        // One page, however few.
        let none = build("Nobody", &[], &[], &names, today());
        assert_eq!(none.pages().len(), 1);
        assert!(none.svg().contains("No agreed tours to show."));
        png::render(&none.svg()).unwrap();
    }

    #[test]
    fn alumni_in_the_window_are_marked_and_a_boomerang_shows() {
        let left = today() - Duration::days(60);
        let alumnus = |user: &str, returning| Alumnus {
            user: u(user),
            left_on: Some(left),
            liaison: u("UBOSS"),
            last_tour: None,
            contact: None,
            note: None,
            contacts: Vec::new(),
            returning,
            added_at: Utc.with_ymd_and_hms(2026, 4, 1, 9, 0, 0).unwrap(),
            added_by: u("UBOSS"),
            reminders_off: false,
        };
        let long_ago = Alumnus {
            left_on: Some(day(2020, 1, 1)),
            ..alumnus("UOLD", false)
        };
        let timeline = build(
            "Alumni",
            &[],
            &[alumnus("UZED", true), alumnus("UYAN", false), long_ago],
            &names,
            today(),
        );
        let svg = timeline.svg();
        let doc = parse(&svg);
        let count = |class: &str| doc.descendants().filter(|n| has_class(n, class)).count();
        assert_eq!(count("row"), 2, "who left before the window is not drawn");
        assert_eq!(count("left"), 2);
        assert_eq!(count("boomerang"), 1);
    }
}
