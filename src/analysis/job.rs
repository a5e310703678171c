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

use super::contributions;
use super::engine::{AnalysisError, Params, Stage, ThemeCount, analyse};
use super::store::{self, Claimed, Results};
use super::versions::carry_keys;
use crate::tenancy::{TenantDb, TenantId};

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
            store::fail_run(
                &mut tx,
                id,
                "L'analyse a rencontré une erreur interne ; relancez-la.",
                0,
            )
            .await?;
            tx.commit().await?;
        }
        ran += 1;
    }
}

/// Runs one claimed run to its end: done with results, or failed with a message.
#[tracing::instrument(skip_all, fields(%tenant, run = %run.id))]
async fn process(db: &TenantDb, tenant: TenantId, run: Claimed) -> anyhow::Result<()> {
    let mut tx = db.begin_in(tenant).await?;
    // Profiles do not change the themes: they only weigh in priorities, computed when shown.
    let contributions = contributions::read(&mut tx, run.campaign_id, None).await?;
    let previous = match store::latest_done(&mut tx, run.campaign_id).await? {
        Some(previous) => store::members_by_key(&mut tx, previous.id).await?,
        None => Vec::new(),
    };
    tx.commit().await?;

    let count = contributions.len() as i32;
    let texts: Vec<String> = contributions.iter().map(|c| c.text()).collect();
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
        let result = analyse(&texts, &params, &mut |stage, done| {
            if let Ok(mut p) = cell.lock() {
                *p = (stage, done);
            }
        });
        (texts, result)
    });
    let (texts, result) = loop {
        tokio::select! {
            finished = &mut engine => break finished?,
            _ = tokio::time::sleep(Duration::from_millis(500)) => {
                let (stage, done) = *progress.lock().map_err(|_| anyhow::anyhow!("progress lock poisoned"))?;
                let mut tx = db.begin_in(tenant).await?;
                store::record_progress(&mut tx, run.id, stage.describe(), done, LEASE_SECONDS).await?;
                tx.commit().await?;
            }
        }
    };
    drop(texts);

    let mut tx = db.begin_in(tenant).await?;
    // Metered by the database: a run that becomes `done` writes its usage event in this
    // transaction (trigger `analysis_runs_metered`).
    let analysis = match result {
        Ok(analysis) => analysis,
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
                .map(|(_, c)| c.id)
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
                let representatives = theme.representatives.iter().map(|&i| contributions[i].id).collect();
                (key, theme, representatives)
            })
            .collect(),
        assignment: contributions
            .iter()
            .zip(&analysis.assignment)
            .map(|(c, a)| (c.id, a.map(|t| t as i32)))
            .collect(),
        duplicates: analysis
            .duplicates
            .iter()
            .map(|g| g.iter().map(|&i| contributions[i].id).collect())
            .collect(),
        unclassified: analysis.unclassified() as i32,
        theme_choice: &analysis.choice.explanation,
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

/// Why a campaign cannot be analysed, in words for the operator.
pub fn refusal(error: &AnalysisError, contributions: i32) -> String {
    match (error, contributions) {
        (_, 0) => "Cette campagne n'a encore aucune contribution à analyser.".to_owned(),
        (_, 1) => "Une seule contribution : il en faut au moins deux pour dégager des thèmes.".to_owned(),
        (AnalysisError::NoText, _) => "Les contributions de cette campagne sont vides.".to_owned(),
        (AnalysisError::TooFew { with_content }, n) => format!(
            "Sur {n} contributions, {with_content} seulement contiennent des mots porteurs de sens \
             (les autres ne sont faites que de mots outils ou de signes) : il en faut au moins deux."
        ),
    }
}
