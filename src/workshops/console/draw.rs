//! The draw: seats and quotas, LEXIMIN over the pool, and an infeasibility explained.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use uuid::Uuid;

use crate::error::PageError;
use crate::web::Ground;
use crate::web::console::{ConsoleOf, right};
use crate::web::csrf::CsrfForm;
use crate::web::page::Page;
use crate::web::pages::see_other;
use crate::workshops::applications::Recruitment;
use crate::workshops::criteria::{Dimension, PercentQuotas, build_instance};
use crate::workshops::queries::Volunteer;
use crate::workshops::queries::{self, NewDraw};
use crate::workshops::selection::{self, Options, SelectionError, stats};

use super::view::*;

/// `POST /admin/campagnes/{id}/ateliers/tirage`: seats and quotas, then the draw.
pub async fn draw(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::ManageWorkshops>,
    Path(id): Path<Uuid>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let f: BTreeMap<String, String> = fields.into_iter().map(|(k, v)| (k, v.trim().to_owned())).collect();
    let (campaign, recruitment, pool, existing) = load(&state, &page, id).await?;
    let Some(recruitment) = recruitment else {
        return Err(PageError::NotFound);
    };
    let answer = |problems: Vec<String>, existing, status| {
        render(
            &page,
            &operator,
            &campaign,
            Some(&recruitment),
            &pool,
            existing,
            &f,
            problems,
            None,
            status,
        )
    };
    let fail = |problems, existing| answer(problems, existing, StatusCode::UNPROCESSABLE_ENTITY);
    if existing.is_some() {
        return fail(vec![page.text("workshops_console.already_drawn")], existing);
    }
    let seats = f.get("seats").and_then(|s| s.parse::<u32>().ok()).filter(|&s| s > 0);
    // "Aperçu": the page again with the other form of each quota, nothing drawn.
    if f.contains_key("apercu") {
        let mut problems = read_quotas(&page, &recruitment, &f, seats).err().unwrap_or_default();
        if seats.is_none() {
            problems.push(page.text("workshops_console.seats_invalid"));
        }
        let status = if problems.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        return answer(problems, existing, status);
    }
    let Some(seats) = seats else {
        return fail(vec![page.text("workshops_console.seats_invalid")], existing);
    };
    let quotas = match read_quotas(&page, &recruitment, &f, Some(seats)) {
        Ok(quotas) => quotas,
        Err(bad) => return fail(bad, existing),
    };
    let (instance, dimensions, households) = problem(&recruitment, &pool, &quotas, seats, &f);
    let seed: u64 = rand::random();
    let computed = fair_draw(instance, seed).await?;
    let (fair, drawn) = match computed {
        Ok(done) => done,
        Err(SelectionError::Infeasible(reasons)) => {
            let problems = reasons.iter().map(|r| explain(&page, r, &dimensions)).collect();
            return fail(problems, existing);
        }
        Err(SelectionError::Invalid(_)) => return fail(vec![page.text("workshops_console.seats_invalid")], existing),
        Err(e) => return Err(anyhow::anyhow!("selection: {e}").into()),
    };
    let made = Made {
        seed,
        seats,
        quotas: &quotas,
        households: &households,
        fair: &fair,
        drawn: &drawn,
    };
    if !store(&state, &page, &operator.0, recruitment.id, &pool, made).await? {
        return fail(vec![page.text("workshops_console.already_drawn")], existing);
    }
    see_other(&format!("/admin/campagnes/{id}/ateliers"))
}

/// A draw made, to be stored.
struct Made<'a> {
    seed: u64,
    seats: u32,
    quotas: &'a PercentQuotas,
    households: &'a [String],
    fair: &'a selection::Fair,
    drawn: &'a selection::Draw,
}

/// Stores the draw and everyone's place with its audit line; `false` when the recruitment was
/// drawn meanwhile.
async fn store(
    state: &Ground,
    page: &Page,
    operator: &crate::web::console::Operator,
    recruitment: Uuid,
    pool: &[Volunteer],
    made: Made<'_>,
) -> Result<bool, PageError> {
    let spread = stats::spread(&made.fair.probabilities);
    let rows = draw_rows(pool, &made.fair.probabilities, made.drawn);
    let algorithm = algorithm(made.fair, spread.min);
    let mut tx = state.db.begin(&page.tenant).await?;
    let stored = queries::store_draw(
        &mut tx,
        recruitment,
        NewDraw {
            seed: made.seed,
            seats: made.seats,
            quotas: made.quotas,
            algorithm: &algorithm,
            min_probability: spread.min,
            gini: spread.gini,
            drawn_by: &operator.email,
            households: made.households,
            rows,
        },
    )
    .await?;
    let Some(draw_id) = stored else {
        return Ok(false);
    };
    crate::audit::record(
        &mut tx,
        operator,
        crate::audit::AuditAction::WORKSHOPS_DRAW,
        &draw_id.to_string(),
        serde_json::json!({
            "seed": made.seed.to_string(),
            "seats": made.seats,
            "min_probability": spread.min,
            "algorithm": algorithm,
            "households": made.households,
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// The LEXIMIN probabilities over the pool, then the draw with `seed`, off the async threads.
async fn fair_draw(
    instance: selection::Instance,
    seed: u64,
) -> Result<Result<(selection::Fair, selection::Draw), SelectionError>, PageError> {
    tokio::task::spawn_blocking(move || {
        let fair = selection::leximin(
            &instance,
            &Options {
                // About a second on large pools (the quota polytope); small pools with narrow
                // quotas can need column generation, 3 to 4.5 s in the benchmark's sweep. A draw
                // happens once per recruitment: waiting a few seconds for the exact LEXIMIN is
                // worth it, and the request timeout (30 s) is far.
                time_budget: Duration::from_secs(10),
                ..Options::default()
            },
        )?;
        let drawn = selection::draw(&fair, seed);
        Ok::<_, SelectionError>((fair, drawn))
    })
    .await
    .map_err(|e| anyhow::anyhow!("selection task: {e}").into())
}

/// The selection problem: the quotas over the pool, with the household rule on the imported
/// columns ticked (`foyer-{i}`); also returns those columns.
fn problem(
    recruitment: &Recruitment,
    pool: &[Volunteer],
    quotas: &PercentQuotas,
    seats: u32,
    f: &BTreeMap<String, String>,
) -> (selection::Instance, Vec<Dimension>, Vec<String>) {
    let households: Vec<String> = household_columns(pool)
        .into_iter()
        .enumerate()
        .filter(|(i, _)| f.contains_key(&format!("foyer-{i}")))
        .map(|(_, c)| c)
        .collect();
    let answers: Vec<_> = pool.iter().map(|v| v.answers.clone()).collect();
    let (mut instance, dimensions) = build_instance(&recruitment.criteria, quotas, seats, &answers);
    let cells: Vec<_> = pool.iter().map(|v| v.columns.clone()).collect();
    instance.households = crate::workshops::imports::households(&cells, &households);
    (instance, dimensions, households)
}

/// What ran, in the operator's words, stored with the draw: exact LEXIMIN (on the quota
/// polytope, or by column generation where the polytope has corners no panel reaches), or,
/// when the time budget cut it or the pool was too large for the exact methods (the approximate
/// one), the method, the smallest probability reached and the best any distribution can give
/// (the bound), which says how far from optimal the draw may be.
fn algorithm(fair: &selection::Fair, min: f64) -> String {
    let four = |x: f64| crate::web::format::decimal(crate::web::i18n::Lang::Fr, x, 4);
    let method = match fair.via {
        selection::Method::Polytope => "polytope des quotas",
        selection::Method::Approximate => {
            // Above the profile threshold the exact path is not tried; below it, it ran out of
            // time and the approximate result was the better one (leximin/fallback.rs).
            let why = if fair.types.len() > selection::Options::default().exact_types {
                "trop de profils pour la méthode exacte"
            } else {
                "méthode exacte inachevée dans le temps imparti"
            };
            return match fair.bound.filter(|&b| b > 0.0) {
                Some(bound) => format!(
                    "leximin approché ({why} : plus petite probabilité {}, \
                     la meilleure possible au plus {}, soit {} %)",
                    four(min),
                    four(bound),
                    crate::web::format::decimal(crate::web::i18n::Lang::Fr, 100.0 * min / bound, 1)
                ),
                None => format!("leximin approché ({why})"),
            };
        }
        _ => "génération de colonnes",
    };
    match (fair.complete, fair.bound) {
        (true, _) => format!("leximin exact ({method})"),
        (false, Some(bound)) => format!(
            "leximin ({method}, limité en temps : plus petite probabilité {}, la meilleure possible au plus {})",
            four(min),
            four(bound)
        ),
        (false, None) => format!("leximin ({method}, limité en temps)"),
    }
}

/// The rows a draw stores: each person drawn with their seat, then the waiting list in order,
/// each with their probability of selection.
fn draw_rows(
    pool: &[Volunteer],
    probabilities: &[f64],
    drawn: &selection::Draw,
) -> Vec<(Uuid, f64, Option<i32>, Option<i32>)> {
    let mut rows = Vec::with_capacity(pool.len());
    for (seat, &i) in drawn.panel.iter().enumerate() {
        rows.push((pool[i].application_id, probabilities[i], Some(seat as i32 + 1), None));
    }
    for (rank, &i) in drawn.waitlist.iter().enumerate() {
        rows.push((pool[i].application_id, probabilities[i], None, Some(rank as i32 + 1)));
    }
    rows
}

/// An infeasibility in the operator's words, quotas named `« criterion : answer »`.
fn explain(page: &Page, reason: &selection::Infeasibility, dimensions: &[Dimension]) -> String {
    let quota = |c: usize, v: usize| {
        dimensions
            .get(c)
            .map(|d| format!("« {} : {} »", d.label, d.values.get(v).cloned().unwrap_or_default()))
            .unwrap_or_default()
    };
    let criterion = |c: usize| {
        dimensions
            .get(c)
            .map(|d| format!("« {} »", d.label))
            .unwrap_or_default()
    };
    crate::workshops::infeasible::explain(reason, &|key| page.text(key), &quota, &criterion)
}
