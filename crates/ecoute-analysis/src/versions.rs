//! Runs are versions; the operator's edits outlive them.
//!
//! - **Stable keys.** Each theme of a run has a key. A new run's theme takes the key of the
//!   previous run's theme it shares the most contributions with (Jaccard overlap of their
//!   members, at least [`MIN_OVERLAP`], each old key given once, best overlaps first); a theme
//!   that matches none gets a new key.
//! - **Edits** are stored against keys and replayed, in the order they were made, on whatever run
//!   is shown: a rename names the theme, a merge moves one theme's contributions into another, a
//!   split moves the contributions of a theme that mention a phrase into a new theme, a drop
//!   sets a theme aside (its contributions left unthemed) until a restore, an assignment files
//!   one contribution under a theme (taking it out of any other). An edit whose theme no longer
//!   exists has no effect.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use uuid::Uuid;

use super::text::fold_text;

/// Least overlap for a new theme to inherit an old theme's key.
pub const MIN_OVERLAP: f64 = 0.2;

/// Keys for the themes of a new run (`new[i]`: members of theme i), from the previous run's
/// themes (`old`: key and members). Unmatched themes get a fresh key.
pub fn carry_keys(old: &[(Uuid, Vec<Uuid>)], new: &[Vec<Uuid>]) -> Vec<Uuid> {
    let mut owner: HashMap<Uuid, usize> = HashMap::new();
    for (o, (_, members)) in old.iter().enumerate() {
        for m in members {
            owner.insert(*m, o);
        }
    }
    let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
    for (t, members) in new.iter().enumerate() {
        let mut shared: HashMap<usize, usize> = HashMap::new();
        for m in members {
            if let Some(&o) = owner.get(m) {
                *shared.entry(o).or_default() += 1;
            }
        }
        for (o, s) in shared {
            let union = members.len() + old[o].1.len() - s;
            pairs.push((s as f64 / union.max(1) as f64, t, o));
        }
    }
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut keys: Vec<Option<Uuid>> = vec![None; new.len()];
    let mut taken: HashSet<usize> = HashSet::new();
    for (overlap, t, o) in pairs {
        if overlap < MIN_OVERLAP {
            break;
        }
        if keys[t].is_none() && !taken.contains(&o) {
            keys[t] = Some(old[o].0);
            taken.insert(o);
        }
    }
    keys.into_iter().map(|k| k.unwrap_or_else(Uuid::new_v4)).collect()
}

/// One operator edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    Rename {
        key: Uuid,
        name: String,
    },
    Merge {
        into: Uuid,
        from: Uuid,
    },
    Split {
        key: Uuid,
        new_key: Uuid,
        phrase: String,
        name: String,
    },
    /// Sets a theme aside: it is no theme for the public, its contributions are unthemed.
    Drop {
        key: Uuid,
    },
    /// Takes a dropped theme back.
    Restore {
        key: Uuid,
    },
    /// Files one contribution under a theme, by hand: it leaves whatever theme it was in.
    Assign {
        key: Uuid,
        contribution: Uuid,
    },
}

/// A theme as a run stored it.
#[derive(Debug, Clone)]
pub struct StoredTheme {
    pub key: Uuid,
    pub label: String,
    pub key_phrases: Vec<String>,
    pub cohesion: f32,
    pub representatives: Vec<Uuid>,
}

/// A theme as the operator sees it, edits applied.
#[derive(Debug, Clone, Serialize)]
pub struct EffectiveTheme {
    pub key: Uuid,
    /// The operator's name, or the computed label.
    pub name: String,
    pub computed_label: String,
    pub renamed: bool,
    pub key_phrases: Vec<String>,
    pub cohesion: f32,
    pub representatives: Vec<Uuid>,
    /// Its contributions (not sent to templates: there may be thousands).
    #[serde(skip)]
    pub members: Vec<Uuid>,
    /// Labels of the themes merged into this one.
    pub merged: Vec<String>,
    /// For a theme made by a split: the phrase that made it.
    pub split_phrase: Option<String>,
    /// Set aside by the operator: shown to them apart, never to the public.
    pub dropped: bool,
}

/// Applies `edits` in order to a run's themes. `assignment` lists each contribution with the
/// key of its theme; `text` gives a contribution's text (for splits).
pub fn apply_edits(
    themes: &[StoredTheme],
    assignment: &[(Uuid, Option<Uuid>)],
    edits: &[Edit],
    text: &dyn Fn(Uuid) -> Option<String>,
) -> Vec<EffectiveTheme> {
    let mut out: Vec<EffectiveTheme> = themes
        .iter()
        .map(|t| EffectiveTheme {
            key: t.key,
            name: t.label.clone(),
            computed_label: t.label.clone(),
            renamed: false,
            key_phrases: t.key_phrases.clone(),
            cohesion: t.cohesion,
            representatives: t.representatives.clone(),
            members: Vec::new(),
            merged: Vec::new(),
            split_phrase: None,
            dropped: false,
        })
        .collect();
    let index: HashMap<Uuid, usize> = out.iter().enumerate().map(|(i, t)| (t.key, i)).collect();
    for (idea, key) in assignment {
        if let Some(&i) = key.as_ref().and_then(|k| index.get(k)) {
            out[i].members.push(*idea);
        }
    }
    let find = |out: &[EffectiveTheme], key: Uuid| out.iter().position(|t| t.key == key);
    for edit in edits {
        match edit {
            Edit::Rename { key, name } => {
                if let Some(i) = find(&out, *key) {
                    out[i].name = name.clone();
                    out[i].renamed = true;
                }
            }
            Edit::Merge { into, from } => {
                let (Some(a), Some(b)) = (find(&out, *into), find(&out, *from)) else {
                    continue;
                };
                if a == b {
                    continue;
                }
                let gone = out.remove(b);
                let a = if b < a { a - 1 } else { a };
                let target = &mut out[a];
                target.members.extend(gone.members);
                target.merged.push(gone.name);
                target.merged.extend(gone.merged);
                for p in gone.key_phrases {
                    if !target.key_phrases.contains(&p) {
                        target.key_phrases.push(p);
                    }
                }
                target.representatives.extend(gone.representatives);
            }
            Edit::Split {
                key,
                new_key,
                phrase,
                name,
            } => split(&mut out, *key, *new_key, phrase, name, text),
            Edit::Drop { key } | Edit::Restore { key } => {
                if let Some(i) = find(&out, *key) {
                    out[i].dropped = matches!(edit, Edit::Drop { .. });
                }
            }
            Edit::Assign { key, contribution } => {
                let Some(i) = find(&out, *key) else { continue };
                for theme in out.iter_mut() {
                    theme.members.retain(|m| m != contribution);
                    theme.representatives.retain(|m| m != contribution);
                }
                out[i].members.push(*contribution);
            }
        }
    }
    out.sort_by(|a, b| b.members.len().cmp(&a.members.len()).then(a.name.cmp(&b.name)));
    out
}

/// A split: the contributions of theme `key` that contain `phrase` become the theme `new_key`.
fn split(
    out: &mut Vec<EffectiveTheme>,
    key: Uuid,
    new_key: Uuid,
    phrase: &str,
    name: &str,
    text: &dyn Fn(Uuid) -> Option<String>,
) {
    let find = |out: &[EffectiveTheme], key: Uuid| out.iter().position(|t| t.key == key);
    let Some(i) = find(out, key) else { return };
    if find(out, new_key).is_some() {
        return;
    }
    let wanted = fold_text(phrase);
    let (moved, kept): (Vec<Uuid>, Vec<Uuid>) = out[i]
        .members
        .iter()
        .partition(|&&m| text(m).is_some_and(|t| format!(" {} ", fold_text(&t)).contains(&format!(" {wanted} "))));
    if moved.is_empty() || kept.is_empty() {
        return;
    }
    let moved_set: HashSet<Uuid> = moved.iter().copied().collect();
    let (moved_reps, kept_reps): (Vec<Uuid>, Vec<Uuid>) =
        out[i].representatives.iter().partition(|r| moved_set.contains(r));
    out[i].members = kept;
    out[i].representatives = kept_reps;
    let cohesion = out[i].cohesion;
    out.push(EffectiveTheme {
        key: new_key,
        name: name.to_owned(),
        computed_label: name.to_owned(),
        renamed: true,
        key_phrases: vec![phrase.to_owned()],
        cohesion,
        representatives: moved_reps,
        members: moved,
        merged: Vec::new(),
        split_phrase: Some(phrase.to_owned()),
        dropped: false,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<Uuid> {
        (0..n).map(|_| Uuid::new_v4()).collect()
    }

    #[test]
    fn keys_follow_the_biggest_overlap() {
        let people = ids(10);
        let (k1, k2) = (Uuid::new_v4(), Uuid::new_v4());
        let old = vec![(k1, people[0..5].to_vec()), (k2, people[5..10].to_vec())];
        // The new run found the same two themes in the other order, one contribution moved, and
        // a third theme of new contributions.
        let fresh = ids(3);
        let new = vec![people[4..10].to_vec(), people[0..4].to_vec(), fresh];
        let keys = carry_keys(&old, &new);
        assert_eq!(keys[0], k2);
        assert_eq!(keys[1], k1);
        assert!(keys[2] != k1 && keys[2] != k2);
    }

    #[test]
    fn edits_replay_on_a_new_run() {
        let ideas = ids(6);
        let (a, b, c) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let texts: HashMap<Uuid, String> = ideas
            .iter()
            .enumerate()
            .map(|(i, id)| {
                (
                    *id,
                    if i < 2 {
                        "Plus de crèches".into()
                    } else {
                        format!("Horaires d'ouverture {i}")
                    },
                )
            })
            .collect();
        let stored = |key, label: &str| StoredTheme {
            key,
            label: label.into(),
            key_phrases: vec![label.to_lowercase()],
            cohesion: 0.5,
            representatives: Vec::new(),
        };
        let themes = vec![stored(a, "Accueil"), stored(b, "Horaires"), stored(c, "Guichet")];
        let assignment: Vec<(Uuid, Option<Uuid>)> = vec![
            (ideas[0], Some(a)),
            (ideas[1], Some(a)),
            (ideas[2], Some(a)),
            (ideas[3], Some(b)),
            (ideas[4], Some(c)),
            (ideas[5], None),
        ];
        let new_key = Uuid::new_v4();
        let edits = vec![
            Edit::Rename {
                key: b,
                name: "Horaires des agences".into(),
            },
            Edit::Merge { into: b, from: c },
            Edit::Split {
                key: a,
                new_key,
                phrase: "crèches".into(),
                name: "Modes de garde".into(),
            },
            // A theme gone from this run: no effect.
            Edit::Rename {
                key: Uuid::new_v4(),
                name: "Ailleurs".into(),
            },
        ];
        let out = apply_edits(&themes, &assignment, &edits, &|id| texts.get(&id).cloned());
        let names: Vec<(&str, usize)> = out.iter().map(|t| (t.name.as_str(), t.members.len())).collect();
        assert_eq!(
            names,
            [("Horaires des agences", 2), ("Modes de garde", 2), ("Accueil", 1)]
        );
        assert_eq!(out[0].merged, ["Guichet"]);
        assert_eq!(out[1].split_phrase.as_deref(), Some("crèches"));
        assert!(out.iter().all(|t| !t.dropped));

        // Dropped, a theme is set aside with its members; restored, it is back.
        let mut edits = edits;
        edits.push(Edit::Drop { key: a });
        let out = apply_edits(&themes, &assignment, &edits, &|id| texts.get(&id).cloned());
        let dropped: Vec<&str> = out.iter().filter(|t| t.dropped).map(|t| t.name.as_str()).collect();
        assert_eq!(dropped, ["Accueil"]);
        edits.push(Edit::Restore { key: a });
        let out = apply_edits(&themes, &assignment, &edits, &|id| texts.get(&id).cloned());
        assert!(out.iter().all(|t| !t.dropped));
    }

    #[test]
    fn an_assignment_moves_one_contribution_and_ignores_a_gone_theme() {
        let people = ids(4);
        let (k1, k2) = (Uuid::new_v4(), Uuid::new_v4());
        let stored = |key: Uuid, label: &str, reps: Vec<Uuid>| StoredTheme {
            key,
            label: label.into(),
            key_phrases: Vec::new(),
            cohesion: 0.5,
            representatives: reps,
        };
        let themes = vec![
            stored(k1, "Horaires", vec![people[0]]),
            stored(k2, "Accueil", vec![people[2]]),
        ];
        let assignment: Vec<(Uuid, Option<Uuid>)> = vec![
            (people[0], Some(k1)),
            (people[1], Some(k1)),
            (people[2], Some(k2)),
            (people[3], None),
        ];
        let edits = vec![
            Edit::Assign {
                key: k2,
                contribution: people[0],
            },
            Edit::Assign {
                key: k2,
                contribution: people[3],
            },
            Edit::Assign {
                key: Uuid::new_v4(),
                contribution: people[1],
            },
        ];
        let out = apply_edits(&themes, &assignment, &edits, &|_| None);
        let of = |k: Uuid| out.iter().find(|t| t.key == k).unwrap();
        assert_eq!(
            of(k1).members,
            vec![people[1]],
            "moved out, and a gone theme moves nothing"
        );
        assert!(of(k1).representatives.is_empty(), "no longer stands for its old theme");
        assert_eq!(of(k2).members, vec![people[2], people[0], people[3]]);
    }
}
