//! The report: figures, ratios and the correctness checks, as text.

use super::*;

// ---------------------------------------------------------------------------------------------
// Report

pub(super) struct Report {
    pub(super) failures: Vec<String>,
    /// Number of the next section (1 and 2 are fixed).
    pub(super) next_section: usize,
}

impl Default for Report {
    fn default() -> Self {
        Report {
            failures: Vec::new(),
            next_section: 3,
        }
    }
}

pub(super) fn ms(us: u64) -> String {
    format!("{:.2} ms", us as f64 / 1000.0)
}

pub(super) fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

pub(super) fn thousands(n: f64) -> String {
    let n = n.round() as u64;
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl Report {
    pub(super) fn print_counts(&mut self, counts: &[PageCounts], args: &Args) {
        println!(
            "1. SQL per campaign page, counted on the PostgreSQL wire ({} sequential requests each)",
            args.count_requests
        );
        println!(
            "   {:<28} {:>11} {:>18} {:>14}",
            "page", "statements", "round trips (avg)", "prepares (avg)"
        );
        let range = |v: &[u64]| {
            let (lo, hi) = (PageCounts::min(v), PageCounts::max(v));
            if lo == hi {
                format!("{lo}")
            } else {
                format!("{lo}–{hi}")
            }
        };
        for c in counts {
            println!(
                "   {:<28} {:>11} {:>18.1} {:>14.1}",
                c.label,
                range(&c.statements),
                PageCounts::mean(&c.round_trips),
                PageCounts::mean(&c.parses)
            );
        }
        println!(
            "   statements = Query + Execute messages, per request (BEGIN and COMMIT included); round trips = \
             Query + Sync messages,\n   averaged, since sqlx's ping on releasing a connection (one per \
             transaction, besides the one on acquiring it) goes out after the response"
        );
        let mut bounded = true;
        for pair in counts.chunks(2) {
            if let [small, big] = pair {
                let (s, b) = (PageCounts::min(&small.statements), PageCounts::min(&big.statements));
                if s != b {
                    bounded = false;
                    self.failures.push(format!(
                        "statements per page depend on the number of ideas: {} → {s}, {} → {b}",
                        small.label, big.label
                    ));
                }
            }
        }
        println!(
            "   bounded, independent of the number of ideas: {}",
            if bounded { "yes" } else { "NO" }
        );
        println!();
    }

    pub(super) fn print_pages(&mut self, rounds: &[Round], bytes: usize, ideas: usize) {
        println!(
            "2. Pages vs static ceilings, {} round(s) alternated: plain axum returning the campaign \
             page's {} bytes; the application's /static/favicon.svg (the tiny static file); the campaign \
             page with {} ideas (GET /consultations/{BIG}, Host: {TENANT}.…); an idea's page with its {} \
             comments; anonymous",
            rounds.len(),
            thousands(bytes as f64),
            thousands(ideas as f64),
            IDEA_PAGE_COMMENTS
        );
        println!(
            "   {:<22} {:>10} {:>10} {:>10} {:>10} {:>8} {:>12} {:>12}",
            "", "requests", "req/s", "p50", "p99", "errors", "server CPU", "client CPU"
        );
        let cpu = |r: &GetResult, pick: fn(&CpuPerRequest) -> f64| {
            r.cpu_us
                .as_ref()
                .map_or("-".to_owned(), |c| format!("{:.1} µs", pick(c)))
        };
        for (round, results) in rounds.iter().enumerate() {
            for (label, r) in LABELS.iter().zip(results) {
                println!(
                    "   {:<22} {:>10} {:>10} {:>10} {:>10} {:>8} {:>12} {:>12}",
                    format!("{}. {label}", round + 1),
                    r.requests,
                    thousands(r.per_second()),
                    ms(r.p50_us),
                    ms(r.p99_us),
                    r.errors,
                    cpu(r, |c| c.server),
                    cpu(r, |c| c.client),
                );
                if let Some(note) = &r.note {
                    println!("   {label}: {note}");
                }
                if r.errors > 0 {
                    println!("   warning: {} {label} requests did not answer 200", r.errors);
                    self.failures
                        .push(format!("{label}: {} requests did not answer 200", r.errors));
                }
            }
        }
        // The goals: against the tiny static file, median of the rounds with the spread.
        for (index, name, goal, p99_goal_us) in [(2, "campaign page", 70.0, 5_000), (3, "idea page", 25.0, 10_000)] {
            let ratio = |r: &Round| r[index].per_second() / r[1].per_second() * 100.0;
            let (median, low, high) = spread(rounds.iter().map(ratio).collect());
            let p99 = rounds.iter().map(|r| r[index].p99_us).max().unwrap_or(0);
            println!(
                "   {name}: median {median:.1} % of the favicon's throughput (rounds {low:.1}–{high:.1} %; goal ≥ {goal} %: {}); \
                 worst p99 {} (goal < {}: {})",
                verdict(median >= goal),
                ms(p99),
                ms(p99_goal_us),
                verdict(p99 < p99_goal_us)
            );
        }
        let (median, low, high) = spread(
            rounds
                .iter()
                .map(|r| r[2].per_second() / r[0].per_second() * 100.0)
                .collect(),
        );
        println!("   campaign page vs the same bytes from plain axum: median {median:.1} % ({low:.1}–{high:.1} %)");
        let cpus: Vec<[f64; 4]> = rounds
            .iter()
            .filter_map(|r| {
                Some([
                    r[0].cpu_us?.server,
                    r[1].cpu_us?.server,
                    r[2].cpu_us?.server,
                    r[3].cpu_us?.server,
                ])
            })
            .collect();
        if !cpus.is_empty() {
            let n = cpus.len() as f64;
            let mean = |i: usize| cpus.iter().map(|c| c[i]).sum::<f64>() / n;
            println!(
                "   server CPU per request, mean of the rounds: plain axum {:.1} µs, favicon {:.1} µs, campaign page {:.1} µs, idea page {:.1} µs",
                mean(0),
                mean(1),
                mean(2),
                mean(3)
            );
        }
        println!();
    }

    pub(super) fn print_writes(&mut self, title: &str, out: &LoadOutcome, target: f64, unit: &str, check: &Check) {
        let n = self.section();
        let mut out_sorted = LoadOutcome {
            latencies_us: out.latencies_us.clone(),
            ..LoadOutcome::default()
        };
        let rate = out.per_second(out.acked.len());
        println!("{n}. {title}");
        println!(
            "   {} acknowledged in {:.1} s: {} {unit} (target ≥ {}: {}); p50 {}, p99 {}",
            thousands(out.acked.len() as f64),
            out.elapsed.as_secs_f64(),
            thousands(rate),
            thousands(target),
            verdict(rate >= target),
            ms(out_sorted.percentile_us(50.0)),
            ms(out_sorted.percentile_us(99.0))
        );
        let statuses: Vec<String> = out.statuses.iter().map(|(s, n)| format!("{s}: {n}")).collect();
        println!(
            "   sent {}, answers {{{}}}, connection errors/timeouts {}",
            out.sent(),
            statuses.join(", "),
            out.io_errors
        );
        if let Some(e) = &out.first_error {
            println!("   first non-2xx: {e}");
        }
        println!(
            "   rows stored {} vs acknowledged {}: acknowledged but missing {}, stored but not acknowledged {}{} → {}",
            check.rows,
            check.acked,
            check.missing,
            check.extra,
            if check.notes.is_empty() {
                String::new()
            } else {
                format!("; {}", check.notes.join("; "))
            },
            if check.ok() { "OK" } else { "FAILED" }
        );
        if !check.ok() {
            self.failures.push(format!(
                "{title}: {} rows for {} acknowledgements",
                check.rows, check.acked
            ));
        }
        println!();
    }

    pub(super) fn section(&mut self) -> usize {
        self.next_section += 1;
        self.next_section - 1
    }

    pub(super) fn finish(self) -> bool {
        if self.failures.is_empty() {
            println!("correctness checks: all passed");
            true
        } else {
            println!("correctness checks FAILED:");
            for f in &self.failures {
                println!("   - {f}");
            }
            false
        }
    }
}

/// One round of the page comparison, in the order of [`LABELS`].
pub(super) type Round = [GetResult; 4];

pub(super) const LABELS: [&str; 4] = ["plain axum", "favicon", "campaign page", "idea page"];

/// Median, lowest and highest.
fn spread(mut values: Vec<f64>) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    match (values.first(), values.last()) {
        (Some(&low), Some(&high)) => (values[values.len() / 2], low, high),
        _ => (0.0, 0.0, 0.0),
    }
}
