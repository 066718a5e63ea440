//! The timeline picture, measured: a team of 40 (one picture) and a
//! company of 400 (ten pictures of 40), from the model to PNG bytes, as
//! the delivery worker draws them. Run with `cargo bench --bench
//! timeline`; the README keeps the figures.

use alliance::domain::UserId;
use alliance::domain::tour::{Status, Term, Tour, TourId, TourKind};
use alliance::picture;
use chrono::{Duration, NaiveDate, TimeZone, Utc};
use std::time::Instant;

/// `people` people with two tours each (a closed one and a running one,
/// kinds in turn), as an admin's `all` would hold them.
fn tours(people: usize, today: NaiveDate) -> Vec<Tour> {
    let proposed = Utc.with_ymd_and_hms(2024, 1, 1, 9, 0, 0).unwrap();
    let boss = UserId::parse("UBOSS").unwrap();
    let mut tours = Vec::new();
    for n in 0..people {
        let member = UserId::parse(&format!("UM{n:05}")).unwrap();
        let kind = [
            TourKind::Rotational,
            TourKind::Transformational,
            TourKind::Foundational,
        ][n % 3];
        for (i, status) in [Status::Completed, Status::Active].into_iter().enumerate() {
            let term = if kind == TourKind::Foundational {
                Term::OpenEnded
            } else {
                Term::Months(12)
            };
            let id = TourId((n * 2 + i + 1) as u64);
            let mut t = Tour::propose(id, &boss, &member, kind, term, "Mission", proposed)
                .unwrap()
                .0;
            let start = today - Duration::days(500 - 400 * i as i64 - (n % 90) as i64);
            t.status = status;
            t.starts_on = Some(start);
            t.ends_on = (kind != TourKind::Foundational).then(|| start + Duration::days(400));
            tours.push(t);
        }
    }
    tours
}

fn measure(label: &str, people: usize, runs: usize) {
    let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let tours = tours(people, today);
    let name = |u: &UserId| format!("Person {}", u.as_str());
    let mut times = Vec::new();
    let mut bytes = 0;
    let mut pages = 0;
    for _ in 0..runs {
        let started = Instant::now();
        let timeline = picture::build("Everyone", &tours, &[], &name, today);
        let drawn: Vec<Vec<u8>> = timeline
            .pages()
            .iter()
            .map(|p| picture::png::render(&p.svg()).unwrap())
            .collect();
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        pages = drawn.len();
        bytes = drawn.iter().map(Vec::len).sum::<usize>();
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{label}: {people} people, {pages} PNG(s), {} KB: median {:.1} ms, best {:.1} ms ({runs} runs)",
        bytes / 1024,
        times[times.len() / 2],
        times[0]
    );
}

/// Where one 40-row picture's time goes: model, SVG, parse, raster, PNG.
fn stages() {
    use resvg::{tiny_skia, usvg};
    let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let tours = tours(40, today);
    let name = |u: &UserId| format!("Person {}", u.as_str());
    let mut fonts = usvg::fontdb::Database::new();
    fonts.load_font_data(picture::png::FONT.to_vec());
    let options = usvg::Options {
        font_family: "DejaVu Sans".into(),
        fontdb: std::sync::Arc::new(fonts),
        ..usvg::Options::default()
    };
    let mut sums = [0.0f64; 5];
    let runs = 11;
    for _ in 0..runs {
        let t = Instant::now();
        let timeline = picture::build("Everyone", &tours, &[], &name, today);
        let a = t.elapsed();
        let svg = timeline.svg();
        let b = t.elapsed();
        let tree = usvg::Tree::from_str(&svg, &options).unwrap();
        let c = t.elapsed();
        let size = tree.size().to_int_size();
        let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height()).unwrap();
        resvg::render(
            &tree,
            tiny_skia::Transform::identity(),
            &mut pixmap.as_mut(),
        );
        let d = t.elapsed();
        let _ = picture::png::encode(&pixmap).unwrap();
        let e = t.elapsed();
        for (sum, (from, to)) in
            sums.iter_mut()
                .zip([(Default::default(), a), (a, b), (b, c), (c, d), (d, e)])
        {
            *sum += (to - from).as_secs_f64() * 1000.0 / runs as f64;
        }
    }
    println!(
        "  stages (mean ms): model {:.1}, svg {:.1}, parse+text layout {:.1}, raster {:.1}, png {:.1}",
        sums[0], sums[1], sums[2], sums[3], sums[4]
    );
}

fn main() {
    measure("timeline 40 rows", 40, 21);
    stages();
    measure("timeline 400 people", 400, 7);
}
