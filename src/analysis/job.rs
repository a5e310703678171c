//! The analysis of a campaign as a background job.
//!
//! Asking for an analysis queues a run (`analysis_runs`, status `queued`) and wakes a worker for
//! the space. The worker claims runs one at a time with `FOR UPDATE SKIP LOCKED`, so two
//! instances never take the same run, and holds a lease it renews with every progress report.
//! If its process dies, the lease runs out and the next worker takes the run again; opening the
//! analysis page wakes one. The engine runs on a blocking thread; progress goes to the run's row
//! twice a second, where the page reads it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use uuid::Uuid;

use super::engine::{AnalysisError, Params, Stage, ThemeChoice, ThemeCount, analyse_source};
use super::store::{self, Claimed, Results};
use super::stored::Stored;
use super::versions::carry_keys;
use crate::tenancy::{TenantDb, TenantId};
use crate::web::i18n::stored_text;

/// How long a worker may go without a progress report before its run is taken back.
pub const LEASE_SECONDS: f64 = 600.0;

/// Starts a worker for the space's waiting runs, in the background.
pub fn wake(db: TenantDb, tenant: TenantId) {
    tokio::spawn(async move {
        if let Err(error) = work(&db, tenant).await {
            tracing::error!(error = %format!("{error:#}"), %tenant, "analysis worker stopped");
        }
    });
}

/// Every minute, runs whatever waits in any space: runs queued while no page woke a worker, and
/// runs whose worker died (their lease ran out). Started with the other background jobs.
pub async fn sweep(db: TenantDb, stop: tokio_util::sync::CancellationToken) {
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_secs(60)) => {}
        }
        let spaces = match db.list_tenants().await {
            Ok(spaces) => spaces,
            Err(error) => {
                tracing::warn!(%error, "analysis sweep cannot list the spaces");
                continue;
            }
        };
        for (tenant, _) in spaces {
            if let Err(error) = work(&db, tenant).await {
                tracing::error!(error = %format!("{error:#}"), %tenant, "analysis sweep failed");
            }
        }
    }
}

/// Claims and runs the space's waiting runs until none is left. Returns how many ran.
pub async fn work(db: &TenantDb, tenant: TenantId) -> anyhow::Result<usize> {
    let mut ran = 0;
    loop {
        let mut tx = db.begin_in(tenant).await?;
        let claimed = store::claim_run(&mut tx, LEASE_SECONDS).await?;
        tx.commit().await?;
        let Some(run) = claimed else { return Ok(ran) };
        let id = run.id;
        if let Err(error) = process(db, tenant, run).await {
            tracing::error!(error = %format!("{error:#}"), run = %id, "analysis run failed");
            let mut tx = db.begin_in(tenant).await?;
            store::fail_run(&mut tx, id, "analysis_text.refusal.internal", 0).await?;
            tx.commit().await?;
        }
        ran += 1;
    }
}

/// Runs one claimed run to its end: done with results, or failed with a message.
#[tracing::instrument(skip_all, fields(%tenant, run = %run.id))]
async fn process(db: &TenantDb, tenant: TenantId, run: Claimed) -> anyhow::Result<()> {
    let mut tx = db.begin_in(tenant).await?;
    let previous = match store::latest_done(&mut tx, run.campaign_id).await? {
        Some(previous) => store::members_by_key(&mut tx, previous.id).await?,
        None => Vec::new(),
    };
    tx.commit().await?;

    // The contributions stream to the engine as they are read: only their ids are kept.
    // Profiles do not change the themes: they only weigh in priorities, computed when shown.
    let source = Stored::new(db.clone(), tenant, run.campaign_id).await?;
    let params = Params {
        themes: match run.themes_wanted {
            Some(k) if k > 0 => ThemeCount::Fixed(k as usize),
            _ => ThemeCount::Auto,
        },
        ..Params::default()
    };

    // The engine on a blocking thread; its progress in a shared cell the reporter reads.
    let progress: Arc<Mutex<(Stage, f32)>> = Arc::new(Mutex::new((Stage::Reading, 0.0)));
    let cell = progress.clone();
    let mut engine = tokio::task::spawn_blocking(move || {
        let mut source = source;
        let result = analyse_source(&mut source, &params, &mut |stage, done| {
            if let Ok(mut p) = cell.lock() {
                *p = (stage, done);
            }
        });
        (source.ids, result)
    });
    let (contributions, result) = loop {
        tokio::select! {
            finished = &mut engine => break finished?,
            _ = tokio::time::sleep(Duration::from_millis(500)) => {
                let (stage, done) = *progress.lock().map_err(|_| anyhow::anyhow!("progress lock poisoned"))?;
                let mut tx = db.begin_in(tenant).await?;
                store::record_progress(&mut tx, run.id, &format!("analysis_text.stage.{}", stage.code()), done, LEASE_SECONDS).await?;
                tx.commit().await?;
            }
        }
    };
    let count = contributions.len() as i32;

    let mut tx = db.begin_in(tenant).await?;
    // Metered by the database: a run that becomes `done` writes its usage event in this
    // transaction (trigger `analysis_runs_metered`).
    let analysis = match result {
        Ok(analysis) => analysis,
        Err(AnalysisError::Source(error)) => anyhow::bail!("cannot read the contributions: {error}"),
        Err(error) => {
            store::fail_run(&mut tx, run.id, &refusal(&error, count), count).await?;
            tx.commit().await?;
            return Ok(());
        }
    };
    let members: Vec<Vec<Uuid>> = (0..analysis.themes.len())
        .map(|t| {
            analysis
                .assignment
                .iter()
                .zip(&contributions)
                .filter(|(a, _)| **a == Some(t))
                .map(|(_, id)| *id)
                .collect()
        })
        .collect();
    let keys = carry_keys(&previous, &members);
    let results = Results {
        themes: analysis
            .themes
            .iter()
            .zip(keys)
            .map(|(theme, key)| {
                let representatives = theme.representatives.iter().map(|&i| contributions[i]).collect();
                (key, theme, representatives)
            })
            .collect(),
        assignment: contributions
            .iter()
            .zip(&analysis.assignment)
            .map(|(id, a)| (*id, a.map(|t| t as i32)))
            .collect(),
        duplicates: analysis
            .duplicates
            .iter()
            .map(|g| g.iter().map(|&i| contributions[i]).collect())
            .collect(),
        unclassified: analysis.unclassified() as i32,
        theme_choice: &theme_choice(&analysis.choice),
    };
    store::save_results(&mut tx, run.id, &results).await?;
    tx.commit().await?;
    tracing::info!(
        contributions = count,
        themes = analysis.themes.len(),
        "analysis run done"
    );
    Ok(())
}

/// Why a campaign cannot be analysed, stored by key (worded when shown, in the reader's
/// language: [`crate::web::i18n::Lang::stored`]).
pub fn refusal(error: &AnalysisError, contributions: i32) -> String {
    match (error, contributions) {
        // The job fails such a run itself, as an internal error; here for completeness.
        (AnalysisError::Source(_), _) => "analysis_text.refusal.internal".to_owned(),
        (_, 0) => "analysis_text.refusal.none".to_owned(),
        (_, 1) => "analysis_text.refusal.one".to_owned(),
        (AnalysisError::NoText, _) => "analysis_text.refusal.empty".to_owned(),
        (AnalysisError::TooFew { with_content }, n) => stored_text(
            "analysis_text.refusal.too_few",
            &[("n", n.to_string()), ("with_content", with_content.to_string())],
        ),
    }
}

/// How the number of themes was chosen, stored by key with its numbers.
pub fn theme_choice(choice: &ThemeChoice) -> String {
    if !choice.automatic {
        return stored_text("analysis_text.choice.fixed", &[("chosen", choice.chosen.to_string())]);
    }
    let (from, to) = (
        choice.tried.first().map_or(choice.chosen, |t| t.0),
        choice.tried.last().map_or(choice.chosen, |t| t.0),
    );
    stored_text(
        "analysis_text.choice.auto",
        &[
            ("chosen", choice.chosen.to_string()),
            ("sample", choice.sample.to_string()),
            ("from", from.to_string()),
            ("to", to.to_string()),
            ("stability", format!("{:.2}", choice.stability)),
        ],
    )
}
