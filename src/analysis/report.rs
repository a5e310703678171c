//! The report of a campaign's analysis: its latest finished run, with the operator's edits
//! applied, priorities computed over the contributions still there, representatives and
//! near-duplicate groups ready to show. The console's "Analyse" page, its exports and the
//! published results all read it.

use std::collections::HashMap;

use serde::Serialize;
use uuid::Uuid;

use super::MIN_THEMED;
use super::contributions::{self, Contribution, ContributionKind};
use super::priority::{Priority, PriorityWeights, prioritize};
use super::profiles;
use super::store::{self, Run};
use super::versions::{EffectiveTheme, apply_edits};
use crate::tenancy::TenantTx;

/// A contribution as the page shows it: an idea (title and excerpt) or a free-text answer
/// (its question and an excerpt).
#[derive(Debug, Clone, Serialize)]
pub struct ContributionView {
    pub id: Uuid,
    pub kind: ContributionKind,
    /// An idea's title, or the start of an answer.
    pub title: String,
    pub excerpt: String,
    /// For an answer: its question.
    pub question: Option<String>,
    pub likes: u32,
    pub merged_into: Option<Uuid>,
    /// Whether the public may see it (a published idea).
    #[serde(skip)]
    pub public: bool,
}

/// A theme with its priority, as the page and the exports show it.
#[derive(Debug, Clone, Serialize)]
pub struct ThemeView {
    pub rank: usize,
    #[serde(flatten)]
    pub theme: EffectiveTheme,
    pub size: usize,
    /// Its share of the themed contributions, in percent.
    pub share: f64,
    pub priority: Priority,
    pub score: String,
    pub representatives: Vec<ContributionView>,
}

/// A theme the operator set aside: its contributions count as unthemed.
#[derive(Debug, Clone, Serialize)]
pub struct DroppedTheme {
    pub key: Uuid,
    pub name: String,
    pub size: usize,
}

/// A group of near-duplicates.
#[derive(Debug, Clone, Serialize)]
pub struct DuplicateView {
    pub contributions: Vec<ContributionView>,
    /// The kept contribution when the group is merged.
    pub merged: Option<Uuid>,
    pub ids: String,
}

/// The latest finished run with the operator's edits applied.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub run: Run,
    pub themes: Vec<ThemeView>,
    /// Themes set aside (the console lists them, to take them back).
    pub dropped: Vec<DroppedTheme>,
    /// Fewer contributions than [`MIN_THEMED`]: themes would mean little, so the console shows
    /// them as a plain list ([`Report::plain`]) and nothing is published.
    pub small: bool,
    pub min_themed: usize,
    /// Every contribution, for a small set.
    pub plain: Vec<ContributionView>,
    pub duplicates: Vec<DuplicateView>,
    pub weights: PriorityWeights,
    /// The survey question whose answers stand for profiles, or `None`: profiles are then the
    /// kinds of contribution.
    pub profile_question: Option<String>,
    /// The contributions as they are now (for the exports; not sent to templates).
    #[serde(skip)]
    pub contributions: Vec<Contribution>,
}

fn excerpt(text: &str, chars: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= chars {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(chars).collect();
        format!("{}…", cut.trim_end())
    }
}

/// The label of the question chosen for profiles, if any.
async fn profile_label(tx: &mut TenantTx, campaign: Uuid, chosen: Option<Uuid>) -> Result<Option<String>, sqlx::Error> {
    let Some(question) = chosen else {
        return Ok(None);
    };
    Ok(profiles::candidates(tx, campaign)
        .await?
        .into_iter()
        .find(|(id, _)| *id == question)
        .map(|(_, label)| label))
}

/// The theme (index into `themes`) of each contribution, if any.
fn themed(themes: &[EffectiveTheme], contributions: &[Contribution]) -> Vec<Option<usize>> {
    let mut theme_of: HashMap<Uuid, usize> = HashMap::new();
    for (t, theme) in themes.iter().enumerate() {
        for m in &theme.members {
            theme_of.insert(*m, t);
        }
    }
    contributions.iter().map(|c| theme_of.get(&c.id).copied()).collect()
}

/// Whether a run analysed too few contributions for its themes to mean something.
pub fn is_small(run: &Run) -> bool {
    (run.contributions.unwrap_or(0).max(0) as usize) < MIN_THEMED
}

/// The run's themes with the operator's edits applied: those kept, and those set aside.
fn edited(
    stored: &[super::versions::StoredTheme],
    assignment: &[(Uuid, Option<Uuid>)],
    edits: &[super::versions::Edit],
    by_id: &HashMap<Uuid, &Contribution>,
) -> (Vec<EffectiveTheme>, Vec<DroppedTheme>) {
    let (dropped, themes): (Vec<EffectiveTheme>, Vec<EffectiveTheme>) =
        apply_edits(stored, assignment, edits, &|id| by_id.get(&id).map(|c| c.text()))
            .into_iter()
            .partition(|t| t.dropped);
    let dropped = dropped
        .into_iter()
        .map(|t| DroppedTheme {
            key: t.key,
            size: t.members.len(),
            name: t.name,
        })
        .collect();
    (themes, dropped)
}

/// Builds the report of the campaign's latest finished run, if any, for the console: every
/// kind of contribution.
pub async fn report(tx: &mut TenantTx, campaign: Uuid) -> Result<Option<Report>, sqlx::Error> {
    let Some(run) = store::latest_done(tx, campaign).await? else {
        return Ok(None);
    };
    let stored = store::themes(tx, run.id).await?;
    let assignment = store::assignment(tx, run.id).await?;
    let edits = store::edits(tx, campaign).await?;
    let profile = profiles::chosen(tx, campaign).await?;
    let profile_question = profile_label(tx, campaign, profile).await?;
    let contributions = contributions::read(tx, campaign, profile).await?;
    let merges = store::merges(tx, campaign).await?;
    let groups = store::duplicates(tx, run.id).await?;

    let by_id: HashMap<Uuid, &Contribution> = contributions.iter().map(|c| (c.id, c)).collect();
    let (themes, dropped) = edited(&stored, &assignment, &edits, &by_id);

    // Priorities over the contributions still there (a hidden one drops out).
    let signals: Vec<_> = contributions.iter().map(|c| c.signals.clone()).collect();
    let themed = themed(&themes, &contributions);
    let weights = PriorityWeights::default();
    let priorities = prioritize(&themed, &signals, themes.len(), &weights);
    let total = themed.iter().filter(|t| t.is_some()).count().max(1);

    let view = |id: Uuid, chars: usize| -> Option<ContributionView> {
        by_id.get(&id).map(|c| {
            let (title, excerpt) = match c.kind {
                ContributionKind::Idea => (c.title.clone(), excerpt(&c.body, chars)),
                ContributionKind::Answer => (excerpt(&c.body, 80), excerpt(&c.body, chars)),
            };
            ContributionView {
                id,
                kind: c.kind,
                title,
                excerpt,
                question: c.question.clone(),
                likes: c.signals.likes,
                merged_into: merges.get(&id).copied(),
                public: c.public,
            }
        })
    };
    let views = priorities
        .into_iter()
        .enumerate()
        .map(|(rank, priority)| {
            let theme = themes[priority.theme].clone();
            let size = priority.contributions;
            ThemeView {
                rank: rank + 1,
                representatives: theme
                    .representatives
                    .iter()
                    .filter_map(|&id| view(id, 280))
                    .take(5)
                    .collect(),
                share: 100.0 * size as f64 / total as f64,
                score: format!("{:.0}", priority.score),
                size,
                priority,
                theme,
            }
        })
        .collect();
    let duplicates = groups
        .into_iter()
        .map(|group| {
            let members: Vec<ContributionView> = group.iter().filter_map(|&id| view(id, 160)).collect();
            let kept = members.iter().find(|i| i.merged_into.is_none()).map(|i| i.id);
            let merged = kept.filter(|k| members.iter().all(|i| i.id == *k || i.merged_into == Some(*k)));
            DuplicateView {
                ids: members.iter().map(|i| i.id.to_string()).collect::<Vec<_>>().join(","),
                contributions: members,
                merged,
            }
        })
        .filter(|d| d.contributions.len() > 1)
        .collect();
    let small = is_small(&run);
    let plain = if small {
        contributions.iter().filter_map(|c| view(c.id, 280)).collect()
    } else {
        Vec::new()
    };
    Ok(Some(Report {
        small,
        min_themed: MIN_THEMED,
        plain,
        run,
        themes: views,
        dropped,
        duplicates,
        weights,
        profile_question,
        contributions,
    }))
}

/// The report as the public may see it (published results): representatives are published
/// ideas only (free-text survey answers are never shown publicly, and public pages link to
/// ideas), and neither duplicates nor contributions are kept.
/// Only a reviewed analysis is public: none until an operator publishes the latest run's themes.
pub async fn public_report(tx: &mut TenantTx, campaign: Uuid) -> Result<Option<Report>, sqlx::Error> {
    // A small set is never public: its themes would mean little.
    let reviewed = store::latest_done(tx, campaign)
        .await?
        .is_some_and(|run| run.published_at.is_some() && !is_small(&run));
    if !reviewed {
        return Ok(None);
    }
    Ok(report(tx, campaign).await?.map(|mut report| {
        for theme in &mut report.themes {
            theme.representatives.retain(|r| r.public);
        }
        report.duplicates.clear();
        report.dropped.clear();
        report.contributions.clear();
        report
    }))
}
