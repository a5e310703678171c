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

    pub(super) fn print_pages(&mut self, rounds: &[(GetResult, GetResult)], bytes: usize, ideas: usize) {
        println!(
            "2. Campaign page with {} ideas (GET /consultations/{BIG}, {} bytes, Host: {TENANT}.…) vs plain axum \
             returning the same bytes, {} round(s) alternated",
            thousands(ideas as f64),
            thousands(bytes as f64),
            rounds.len()
        );
        println!(
            "   {:<18} {:>10} {:>10} {:>10} {:>10} {:>8} {:>12} {:>12}",
            "", "requests", "req/s", "p50", "p99", "errors", "server CPU", "client CPU"
        );
        let cpu = |r: &GetResult, pick: fn(&CpuPerRequest) -> f64| {
            r.cpu_us
                .as_ref()
                .map_or("-".to_owned(), |c| format!("{:.1} µs", pick(c)))
        };
        let mut ratios = Vec::new();
        for (round, (ceiling, page)) in rounds.iter().enumerate() {
            for (label, r) in [("static axum", ceiling), ("campaign page", page)] {
                println!(
                    "   {:<18} {:>10} {:>10} {:>10} {:>10} {:>8} {:>12} {:>12}",
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
                if label == "campaign page" && r.errors > 0 {
                    println!("   warning: {} page requests did not answer 200", r.errors);
                }
            }
            ratios.push(page.per_second() / ceiling.per_second() * 100.0);
        }
        let shown: Vec<String> = ratios.iter().map(|r| format!("{r:.1} %")).collect();
        ratios.sort_by(f64::total_cmp);
        let median = ratios[ratios.len() / 2];
        let mut p99s: Vec<u64> = rounds.iter().map(|(_, page)| page.p99_us).collect();
        p99s.sort_unstable();
        let worst_p99 = p99s.last().copied().unwrap_or(0);
        println!(
            "   ratio by round: {}; median {median:.1} % of the static ceiling (target ≥ 50 %: {}); \
             worst page p99 {} (target < 10 ms: {})",
            shown.join(", "),
            verdict(median >= 50.0),
            ms(worst_p99),
            verdict(worst_p99 < 10_000)
        );
        let cpus: Vec<(f64, f64)> = rounds
            .iter()
            .filter_map(|(c, p)| Some((c.cpu_us?.server, p.cpu_us?.server)))
            .collect();
        if !cpus.is_empty() {
            let n = cpus.len() as f64;
            let (s, p) = cpus.iter().fold((0.0, 0.0), |a, c| (a.0 + c.0 / n, a.1 + c.1 / n));
            println!(
                "   server CPU per request, mean of the rounds: static {s:.1} µs, page {p:.1} µs ({:.1} % of the page's)",
                s / p * 100.0
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
