//! The analysis never holds a campaign's texts whole: the engine reads them in batches and
//! fetches again the few it quotes. These tests hold that this changes nothing to the result,
//! from memory, from a CSV file (`ecoute analyse`) and from the database (the job), and that
//! few texts are fetched again.

use ecoute::analysis::cli::{self, Options};
use ecoute::analysis::contributions;
use ecoute::analysis::phrase_label::MAX_SCANNED;
use ecoute::analysis::{Params, TextSource, ThemeCount, analyse, analyse_source, store};
use ecoute::tenancy::TenantDb;

use crate::helpers::{TestDb, insert_campaign, tenant_id};

use super::*;

/// Texts in memory, handed over `batch` at a time, with a count of what is fetched again.
struct Batched<'a> {
    texts: &'a [&'a str],
    batch: usize,
    fetches: usize,
    fetched: usize,
}

impl TextSource for Batched<'_> {
    fn len_hint(&self) -> Option<usize> {
        Some(self.texts.len())
    }

    fn read(&mut self, batch: &mut dyn FnMut(&[&str])) -> Result<(), String> {
        self.texts.chunks(self.batch).for_each(batch);
        Ok(())
    }

    fn fetch(&mut self, indices: &[usize]) -> Result<Vec<String>, String> {
        assert!(
            indices.windows(2).all(|w| w[0] < w[1]),
            "indices ascending and distinct"
        );
        self.fetches += 1;
        self.fetched += indices.len();
        Ok(indices.iter().map(|&i| self.texts[i].to_owned()).collect())
    }
}

#[test]
fn an_analysis_read_in_batches_is_the_one_made_in_memory_and_fetches_few_texts_again() {
    let all = answers();
    let texts: Vec<&str> = all.iter().map(|(_, t)| t.as_str()).take(30_000).collect();
    let params = Params {
        themes: ThemeCount::Fixed(8),
        ..Params::default()
    };
    let whole = analyse(&texts, &params, &mut |_, _| {}).unwrap();
    let whole_json = serde_json::to_string(&whole).unwrap();
    // Small batches are read one by one, large ones in parallel parts: both give the same
    // words, so the same themes, labels, representatives and duplicates.
    for batch in [997, 21_000] {
        let mut source = Batched {
            texts: &texts,
            batch,
            fetches: 0,
            fetched: 0,
        };
        let mut reading = Vec::new();
        let streamed = analyse_source(&mut source, &params, &mut |stage, done| {
            if stage.code() == "reading" {
                reading.push(done);
            }
        })
        .unwrap();
        assert_eq!(
            serde_json::to_string(&streamed).unwrap(),
            whole_json,
            "batches of {batch}"
        );
        assert!(
            !whole.duplicates.is_empty() && whole.themes.iter().all(|t| t.samples.len() == t.representatives.len())
        );
        for (theme, index) in streamed
            .themes
            .iter()
            .flat_map(|t| t.samples.iter().zip(&t.representatives))
        {
            assert_eq!(theme, texts[*index]);
        }
        // The labels' texts and the representatives' first window in one request, rarely a
        // second (a window of 512 a theme).
        assert!(source.fetches <= 2, "{} fetches", source.fetches);
        assert!(
            source.fetched <= 8 * (MAX_SCANNED + 64 + 512),
            "{} texts fetched again of {}",
            source.fetched,
            texts.len()
        );
        // Progress while reading, up to the reading's share.
        assert!(reading.len() >= texts.len() / batch && reading.windows(2).all(|w| w[0] <= w[1]));
    }
}

#[test]
fn the_command_streams_a_csv_file_and_quotes_its_rows() {
    let all = answers();
    let dir = std::env::temp_dir().join(format!("ecoute-streamed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (input, output) = (dir.join("reponses.csv"), dir.join("themes.json"));
    let mut file = String::from("\u{feff}num;texte\n");
    let rows: Vec<(String, &str)> = all
        .iter()
        .take(25_000)
        .enumerate()
        .map(|(i, (_, text))| (format!("r{i}"), text.as_str()))
        .collect();
    for (id, text) in &rows {
        file.push_str(&format!("{id};\"{}\"\n", text.replace('"', "\"\"")));
    }
    std::fs::write(&input, file).unwrap();
    let options = Options {
        text_column: None,
        id_column: Some("num".into()),
        themes: ThemeCount::Fixed(6),
    };
    cli::run(&input, &options, Some(&output)).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&output).unwrap()).unwrap();
    let text_of: HashMap<&str, &str> = rows.iter().map(|(id, text)| (id.as_str(), *text)).collect();
    let assignments = json["assignments"].as_array().unwrap();
    assert_eq!(assignments.len(), rows.len());
    assert_eq!(assignments[7]["id"], "r7");
    let themes = json["themes"].as_array().unwrap();
    assert_eq!(themes.len(), 6);
    for representative in themes.iter().flat_map(|t| t["representatives"].as_array().unwrap()) {
        let id = representative["id"].as_str().unwrap();
        assert_eq!(representative["text"].as_str(), text_of.get(id).copied(), "{id}");
    }
    // The same as the engine on the texts in memory.
    let texts: Vec<&str> = rows.iter().map(|r| r.1).collect();
    let params = Params {
        themes: ThemeCount::Fixed(6),
        ..Params::default()
    };
    let whole = analyse(&texts, &params, &mut |_, _| {}).unwrap();
    let labels: Vec<&str> = themes.iter().map(|t| t["label"].as_str().unwrap()).collect();
    assert_eq!(
        labels,
        whole.themes.iter().map(|t| t.label.as_str()).collect::<Vec<_>>()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn the_job_streams_the_campaign_and_finds_what_the_engine_finds_in_memory() {
    let test_db = TestDb::new().await;
    let owner = test_db.owner().await;
    let db = TenantDb::new(test_db.app_pool().await);
    let tenant = tenant_id(&owner, "gironde").await;
    let campaign = insert_campaign(&owner, "gironde", "local", "Consultation lue au fil de l'eau").await;
    let rows = sample(&answers(), &["ECO_09", "FIS_02", "ECO_03"], 150, 40);
    let texts: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
    insert_ideas(&owner, "gironde", campaign, &texts).await;

    let run = run_analysis(&db, tenant, campaign, Some(3)).await;
    assert_eq!(run.status, "done", "{:?}", run.message);
    let space = crate::helpers::space(&db, tenant).await;
    let mut tx = db.begin_in(space).await.unwrap();
    let stored = store::themes(&mut tx, run.id).await.unwrap();
    let assignment = store::assignment(&mut tx, run.id).await.unwrap();
    // The engine on the texts read whole, as the job read them before it streamed.
    let read = contributions::read(&mut tx, campaign, None).await.unwrap();
    tx.commit().await.unwrap();
    let whole_texts: Vec<String> = read.iter().map(|c| c.text()).collect();
    let params = Params {
        themes: ThemeCount::Fixed(3),
        ..Params::default()
    };
    let whole = analyse(&whole_texts, &params, &mut |_, _| {}).unwrap();
    assert_eq!(assignment.len(), read.len());
    let labels: Vec<&str> = stored.iter().map(|t| t.label.as_str()).collect();
    assert_eq!(
        labels,
        whole.themes.iter().map(|t| t.label.as_str()).collect::<Vec<_>>()
    );
    for (theme, computed) in stored.iter().zip(&whole.themes) {
        let ids: Vec<Uuid> = computed.representatives.iter().map(|&i| read[i].id).collect();
        assert_eq!(theme.representatives, ids);
    }
    // Every contribution under the theme the engine gave it.
    let key_of: HashMap<usize, Uuid> = stored.iter().enumerate().map(|(i, t)| (i, t.key)).collect();
    let by_id: HashMap<Uuid, Option<Uuid>> = assignment.into_iter().collect();
    for (contribution, theme) in read.iter().zip(&whole.assignment) {
        assert_eq!(
            by_id[&contribution.id],
            theme.map(|t| key_of[&t]),
            "{}",
            contribution.id
        );
    }
}

/// What can be read once only (a pipe) is read whole, and analysed the same.
#[test]
fn the_command_reads_a_pipe_once() {
    use std::io::Write;
    let all = answers();
    let mut csv = String::from("texte\n");
    for (_, text) in all.iter().take(2_000) {
        csv.push_str(&format!("\"{}\"\n", text.replace('"', "\"\"")));
    }
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ecoute"))
        .args(["analyse", "/dev/stdin", "--themes", "4"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(csv.as_bytes()));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(output.status.success());
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["assignments"].as_array().unwrap().len(), 2_000);
    assert_eq!(json["assignments"][0]["id"], "1");
    assert_eq!(json["themes"].as_array().unwrap().len(), 4);
}
