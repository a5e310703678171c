//! The benchmark's synthetic pools, and the same as `ecoute panel`'s CSV files.

use std::path::Path;

use ecoute::workshops::selection::{Bounds, Instance};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The value names of the six Caf criteria in the CSV files; generic criteria get `a`, `b`, `c`.
const NAMES: [(&str, &[&str]); 6] = [
    (
        "famille",
        &["couple avec enfants", "parent isolé", "couple sans enfant", "seul"],
    ),
    ("age", &["18-29", "30-39", "40-49", "50-64", "65+"]),
    ("prestation", &["AF", "APL", "RSA", "prime d'activité", "aucune"]),
    ("departement", &["33", "24", "47", "40", "64"]),
    ("genre", &["femme", "homme"]),
    ("accessibilite", &["non", "oui"]),
];

fn names(feature: usize) -> (String, Vec<String>) {
    match NAMES.get(feature) {
        Some((name, values)) => (name.to_string(), values.iter().map(|v| v.to_string()).collect()),
        None => (
            format!("critere_{}", feature + 1),
            ["a", "b", "c"].map(String::from).to_vec(),
        ),
    }
}

/// `--write-pool DIR`: the pool of the arguments as CSV files, and a line saying what it is.
pub fn write_pool(args: &super::Args, dir: &Path) -> anyhow::Result<()> {
    let instance = synthetic_pool(args.volunteers, args.seats, args.features, args.seed);
    write_csv(&instance, dir)?;
    println!(
        "{} respondents, {} features, {} distinct profiles, quotas for {} seats: {}",
        args.volunteers,
        instance.values.len(),
        ecoute::workshops::selection::Types::group(&instance).len(),
        args.seats,
        dir.display()
    );
    Ok(())
}

/// Writes `categories.csv` (bounds in seats) and `respondents.csv` (id, one column per
/// feature) into `dir`.
pub fn write_csv(instance: &Instance, dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut categories = csv::Writer::from_path(dir.join("categories.csv"))?;
    categories.write_record(["feature", "value", "min", "max"])?;
    for (f, bounds) in instance.quotas.iter().enumerate() {
        let (name, values) = names(f);
        for (v, b) in bounds.iter().enumerate() {
            categories.write_record([name.clone(), values[v].clone(), b.min.to_string(), b.max.to_string()])?;
        }
    }
    categories.flush()?;
    let mut respondents = csv::Writer::from_path(dir.join("respondents.csv"))?;
    let features: Vec<(String, Vec<String>)> = (0..instance.values.len()).map(names).collect();
    respondents.write_record(std::iter::once("id".to_owned()).chain(features.iter().map(|(n, _)| n.clone())))?;
    for (i, profile) in instance.profiles.iter().enumerate() {
        let cells = profile.iter().enumerate().map(|(f, &v)| features[f].1[v].clone());
        respondents.write_record(std::iter::once(format!("r{i}")).chain(cells))?;
    }
    respondents.flush()?;
    Ok(())
}

pub fn pick(rng: &mut impl Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut u = rng.random::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if u < *w {
            return i;
        }
        u -= w;
    }
    weights.len() - 1
}

/// Six criteria, as a Caf would ask them, then `features − 6` generic ones of three values
/// (shares 50/30/20 %, quotas 20–70, 15–45 and 10–35 %).
pub fn synthetic_pool(volunteers: usize, seats: u32, features: usize, seed: u64) -> Instance {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let profiles = (0..volunteers)
        .map(|_| {
            // Family: couple with children, single parent, couple without, single.
            let family = pick(&mut rng, &[45.0, 22.0, 13.0, 20.0]);
            // Age: 18–29, 30–39, 40–49, 50–64, 65+ (younger for single parents).
            let age = if family == 1 {
                pick(&mut rng, &[25.0, 40.0, 25.0, 9.0, 1.0])
            } else {
                pick(&mut rng, &[12.0, 28.0, 28.0, 22.0, 10.0])
            };
            // Main benefit: family allowance, housing, RSA, activity bonus, none.
            let benefit = if family == 1 {
                pick(&mut rng, &[30.0, 25.0, 30.0, 13.0, 2.0])
            } else {
                pick(&mut rng, &[38.0, 27.0, 10.0, 15.0, 10.0])
            };
            // Département of the region, by population.
            let departement = pick(&mut rng, &[40.0, 24.0, 16.0, 12.0, 8.0]);
            // Gender: volunteers are mostly women, single parents even more.
            let gender = if family == 1 {
                pick(&mut rng, &[88.0, 12.0])
            } else {
                pick(&mut rng, &[58.0, 42.0])
            };
            // Accessibility needs.
            let access = pick(&mut rng, &[91.0, 9.0]);
            let mut profile = vec![family, age, benefit, departement, gender, access];
            profile.extend((6..features).map(|_| pick(&mut rng, &[50.0, 30.0, 20.0])));
            profile
        })
        .collect();
    let p = |lo: f64, hi: f64| Bounds::from_percent(seats, lo, hi);
    let mut values = vec![4, 5, 5, 5, 2, 2];
    values.resize(features.max(6), 3);
    let mut quotas = vec![
        vec![p(30.0, 50.0), p(30.0, 45.0), p(5.0, 25.0), p(10.0, 30.0)],
        vec![p(10.0, 40.0); 5],
        vec![p(20.0, 45.0), p(15.0, 40.0), p(15.0, 35.0), p(10.0, 30.0), p(5.0, 15.0)],
        vec![p(30.0, 45.0), p(18.0, 30.0), p(12.0, 22.0), p(8.0, 17.0), p(5.0, 12.0)],
        vec![p(45.0, 55.0), p(45.0, 55.0)],
        vec![p(0.0, 100.0), p(10.0, 20.0)],
    ];
    quotas.resize(features.max(6), vec![p(20.0, 70.0), p(15.0, 45.0), p(10.0, 35.0)]);
    Instance {
        seats,
        values,
        profiles,
        quotas,
        households: Vec::new(),
    }
}
