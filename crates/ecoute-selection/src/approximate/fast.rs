//! The fast panel oracle of [`super`]: milliseconds where the integer program takes seconds.

use std::time::Instant;

use crate::{Instance, SelectionError, Types, oracle};

/// Lightest members an outsider may replace, in [`Greedy::improve`].
const SCAN: usize = 64;

/// The fast panel oracle: the heaviest panel it can find for weights per member. Each call
/// starts from its last panel and from a greedy panel (types by decreasing weight, each taking
/// the members the quotas' maxima allow while the seats left can still meet every minimum),
/// improves both by swapping one member for a heavier one while the quotas hold, and keeps the
/// heavier. Milliseconds on 20,000 profiles; not always the heaviest panel. Without any panel
/// yet (the greedy can fail), the integer program of [`super::oracle`] gives the first.
pub(super) struct Greedy<'a> {
    pub(super) instance: &'a Instance,
    types: &'a Types,
    order: Vec<usize>,
    /// The last panel returned: where the next call starts.
    pub(super) last: Option<Vec<u32>>,
    /// The integer program's time limit.
    pub(super) deadline: Instant,
}

impl<'a> Greedy<'a> {
    pub(super) fn new(instance: &'a Instance, types: &'a Types, deadline: Instant) -> Greedy<'a> {
        Greedy {
            instance,
            types,
            order: (0..types.len()).collect(),
            last: None,
            deadline,
        }
    }

    pub(super) fn panel(&mut self, weights: &[f64]) -> Result<Option<Vec<u32>>, SelectionError> {
        self.order
            .sort_unstable_by(|&a, &b| weights[b].total_cmp(&weights[a]).then(a.cmp(&b)));
        let value = |p: &[u32]| p.iter().zip(weights).map(|(&n, w)| f64::from(n) * w).sum::<f64>();
        let fresh = [0, self.instance.seats / 20, self.instance.seats / 5]
            .into_iter()
            .find_map(|margin| self.greedy(margin));
        let fresh = fresh.map(|p| self.improve(p, weights));
        let warm = self.last.take().map(|p| self.improve(p, weights));
        let best = match (fresh, warm) {
            (Some(a), Some(b)) => Some(if value(&a) >= value(&b) { a } else { b }),
            (a, b) => a.or(b),
        };
        let best = match best {
            Some(best) => best,
            None => {
                let limit = self.deadline.saturating_duration_since(Instant::now());
                match oracle::best_panel_within(self.instance, self.types, weights, Some(limit)) {
                    Ok(Some(panel)) => panel,
                    Ok(None) => return Ok(None),
                    Err(_) if Instant::now() >= self.deadline => return Ok(None),
                    Err(e) => return Err(e),
                }
            }
        };
        self.last = Some(best.clone());
        Ok(Some(best))
    }

    /// Members of each value of each criterion, and whether each household has someone.
    fn counts(&self, panel: &[u32]) -> (Vec<Vec<u32>>, Vec<bool>) {
        let mut counts: Vec<Vec<u32>> = self.instance.values.iter().map(|&n| vec![0; n]).collect();
        let mut seated = vec![false; self.types.households.len()];
        for (t, &n) in panel.iter().enumerate().filter(|&(_, &n)| n > 0) {
            for (c, &v) in self.types.profiles[t].iter().enumerate() {
                counts[c][v] += n;
            }
            if let Some(h) = self.types.household_of[t] {
                seated[h] = true;
            }
        }
        (counts, seated)
    }

    /// The greedy panel in `order`, if it fills the seats; `margin` seats are kept free of
    /// the minimums (met sooner, the last seats are easier to fill).
    fn greedy(&self, margin: u32) -> Option<Vec<u32>> {
        let (instance, types) = (self.instance, self.types);
        let mut counts: Vec<Vec<u32>> = instance.values.iter().map(|&n| vec![0; n]).collect();
        let mut need: Vec<u32> = instance
            .quotas
            .iter()
            .map(|row| row.iter().map(|b| b.min).sum())
            .collect();
        let mut seated = vec![false; types.households.len()];
        let mut left = instance.seats;
        let mut panel = vec![0u32; types.len()];
        for &t in &self.order {
            if left == 0 {
                break;
            }
            let profile = &types.profiles[t];
            let cap = types.cap(t, instance.seats) as u32;
            let household = types.household_of[t];
            while panel[t] < cap && left > 0 && household.is_none_or(|h| !seated[h]) {
                let fits = profile.iter().enumerate().all(|(c, &v)| {
                    let b = instance.quotas[c][v];
                    counts[c][v] < b.max && need[c] - u32::from(counts[c][v] < b.min) + margin.min(left - 1) < left
                });
                if !fits {
                    break;
                }
                for (c, &v) in profile.iter().enumerate() {
                    if counts[c][v] < instance.quotas[c][v].min {
                        need[c] -= 1;
                    }
                    counts[c][v] += 1;
                }
                panel[t] += 1;
                left -= 1;
                if let Some(h) = household {
                    seated[h] = true;
                }
            }
        }
        (left == 0 && types.composition_ok(instance, &panel)).then_some(panel)
    }

    /// Swaps, in passes over the outsiders by decreasing weight: each takes the seat of the
    /// lightest member it can replace without breaking a quota or a household.
    fn improve(&self, mut panel: Vec<u32>, weights: &[f64]) -> Vec<u32> {
        let (instance, types) = (self.instance, self.types);
        let (mut counts, mut seated) = self.counts(&panel);
        for _ in 0..4 {
            let mut members: Vec<usize> = (0..types.len()).filter(|&t| panel[t] > 0).collect();
            members.sort_unstable_by(|&a, &b| weights[a].total_cmp(&weights[b]));
            let mut swapped = false;
            for &b in &self.order {
                let Some(&lightest) = members.first() else { break };
                if weights[b] <= weights[lightest] + 1e-15 {
                    break;
                }
                if panel[b] as usize >= types.cap(b, instance.seats) {
                    continue;
                }
                let pb = &types.profiles[b];
                let found = members
                    .iter()
                    .take(SCAN)
                    .take_while(|&&a| weights[a] < weights[b])
                    .position(|&a| {
                        let pa = &types.profiles[a];
                        let room = match types.household_of[b] {
                            None => true,
                            Some(h) => !seated[h] || types.household_of[a] == Some(h),
                        };
                        room && a != b
                            && (0..pa.len()).all(|c| {
                                pa[c] == pb[c]
                                    || (counts[c][pa[c]] > instance.quotas[c][pa[c]].min
                                        && counts[c][pb[c]] < instance.quotas[c][pb[c]].max)
                            })
                    });
                let Some(k) = found else { continue };
                let a = members[k];
                panel[a] -= 1;
                panel[b] += 1;
                for c in 0..pb.len() {
                    counts[c][types.profiles[a][c]] -= 1;
                    counts[c][pb[c]] += 1;
                }
                if let Some(h) = types.household_of[a] {
                    seated[h] = false;
                }
                if let Some(h) = types.household_of[b] {
                    seated[h] = true;
                }
                if panel[a] == 0 {
                    members.remove(k);
                }
                if panel[b] == 1 {
                    let at = members.partition_point(|&m| weights[m] < weights[b]);
                    members.insert(at, b);
                }
                swapped = true;
            }
            if !swapped {
                break;
            }
        }
        panel
    }
}
