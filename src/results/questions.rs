//! One survey question's results: counts per option (choices, scale points) or average
//! positions (rankings), its chart, and the chart in words.

use super::*;
use crate::web::format::{decimal, integer, percent_of};
use crate::web::i18n::Lang;

pub(super) fn percent(part: i64, whole: i64) -> i64 {
    if whole == 0 {
        0
    } else {
        (part * 100 + whole / 2) / whole
    }
}

/// Aggregates one question's answers and draws its chart.
pub fn question_result(question: &Question, values: &[serde_json::Value], lang: &str) -> QuestionResult {
    let lang = Lang::parse(lang).unwrap_or_default();
    let answered = values.len() as i64;
    let chart_id = format!("q-{}", question.id.simple());
    let mut average = None;
    let (kind, options) = match question.kind {
        QuestionKind::SingleChoice | QuestionKind::MultipleChoice => choices(question, values, answered),
        QuestionKind::Scale => {
            let (options, mean) = scale(question, values, answered);
            average = mean;
            ("scale", options)
        }
        QuestionKind::Ranking => ("ranking", ranking(question, values)),
        QuestionKind::ShortText | QuestionKind::LongText => ("text", Vec::new()),
    };
    let summary = summary_of(kind, &options, answered, average, lang);
    let chart = (!options.is_empty()).then(|| {
        let bars: Vec<Bar> = options
            .iter()
            .map(|o| Bar {
                label: o.label.clone(),
                value: o.count,
                shown: Some(bar_words(lang, kind, o)),
            })
            .collect();
        bar_chart(lang, &chart_id, &question.label, &summary, &bars, "#000091")
    });
    QuestionResult {
        id: question.id,
        label: question.label.clone(),
        kind,
        answered,
        options,
        average,
        chart,
        summary,
    }
}

/// Counts per option of a single or multiple choice question, with their share of respondents.
pub(super) fn choices(
    question: &Question,
    values: &[serde_json::Value],
    answered: i64,
) -> (&'static str, Vec<OptionCount>) {
    let mut options: Vec<OptionCount> = question
        .options
        .iter()
        .map(|label| OptionCount {
            label: label.clone(),
            count: 0,
            percent: 0,
        })
        .collect();
    for value in values {
        let chosen: Vec<&str> = match value {
            serde_json::Value::String(s) => vec![s.as_str()],
            serde_json::Value::Array(items) => items.iter().filter_map(|v| v.as_str()).collect(),
            _ => Vec::new(),
        };
        for choice in chosen {
            if let Some(option) = options.iter_mut().find(|o| o.label == choice) {
                option.count += 1;
            }
        }
    }
    for option in &mut options {
        option.percent = percent(option.count, answered);
    }
    let kind = if question.kind == QuestionKind::SingleChoice {
        "single_choice"
    } else {
        "multiple_choice"
    };
    (kind, options)
}

/// Counts per point of a scale, with the average (one decimal) when anyone answered.
pub(super) fn scale(
    question: &Question,
    values: &[serde_json::Value],
    answered: i64,
) -> (Vec<OptionCount>, Option<f64>) {
    let mut options: Vec<OptionCount> = (question.scale_min..=question.scale_max)
        .map(|v| OptionCount {
            label: v.to_string(),
            count: 0,
            percent: 0,
        })
        .collect();
    let mut sum = 0.0;
    for value in values {
        if let Some(v) = value.as_f64() {
            sum += v;
            if let Some(option) = options.iter_mut().find(|o| o.label == (v as i64).to_string()) {
                option.count += 1;
            }
        }
    }
    for option in &mut options {
        option.percent = percent(option.count, answered);
    }
    let average = (answered > 0).then(|| (sum / answered as f64 * 10.0).round() / 10.0);
    (options, average)
}

/// A ranking: each option's average position (1 = first), best first.
pub(super) fn ranking(question: &Question, values: &[serde_json::Value]) -> Vec<OptionCount> {
    // Average position of each option (1 = first); shown best first.
    let mut totals: Vec<(String, f64, i64)> = question.options.iter().map(|o| (o.clone(), 0.0, 0)).collect();
    for value in values {
        if let serde_json::Value::Array(items) = value {
            for (position, item) in items.iter().enumerate() {
                if let Some(entry) = totals.iter_mut().find(|t| Some(t.0.as_str()) == item.as_str()) {
                    entry.1 += (position + 1) as f64;
                    entry.2 += 1;
                }
            }
        }
    }
    let mut ranked: Vec<(String, f64)> = totals
        .into_iter()
        .map(|(label, sum, n)| (label, if n == 0 { f64::INFINITY } else { sum / n as f64 }))
        .collect();
    ranked.sort_by(|a, b| a.1.total_cmp(&b.1));
    let n = question.options.len() as f64;
    ranked
        .into_iter()
        .map(|(label, avg)| OptionCount {
            label,
            // Bar height: a score where first place scores most (n + 1 − average rank).
            count: if avg.is_finite() {
                ((n + 1.0 - avg) * 10.0).round() as i64
            } else {
                0
            },
            percent: if avg.is_finite() {
                (avg * 10.0).round() as i64
            } else {
                0
            },
        })
        .collect()
}

/// What a bar's title says of its option: the count and its share of respondents, or for a
/// ranking the average rank (stored in tenths in `percent`).
fn bar_words(lang: Lang, kind: &str, o: &OptionCount) -> String {
    if kind == "ranking" {
        let rank = decimal(lang, o.percent as f64 / 10.0, 1);
        return lang.fill("charts.average_rank", &[("rank", &rank)]);
    }
    lang.fill(
        "charts.count_share",
        &[
            ("count", &integer(lang, o.count)),
            ("share", &percent_of(lang, o.percent as f64, 0)),
        ],
    )
}

/// The chart in words: the leading answers, the average, or the ranking.
pub(super) fn summary_of(
    kind: &str,
    options: &[OptionCount],
    answered: i64,
    average: Option<f64>,
    lang: Lang,
) -> String {
    if answered == 0 {
        return lang.text("charts.no_answers");
    }
    let people = lang.fill(
        &format!("charts.answered.{}", lang.plural_form(answered)),
        &[("n", &integer(lang, answered))],
    );
    match kind {
        "ranking" => {
            let order: Vec<&str> = options.iter().map(|o| o.label.as_str()).collect();
            let order = order.join(&lang.text("charts.then"));
            lang.fill("charts.ranking", &[("people", &people), ("order", &order)])
        }
        "text" => people,
        _ => {
            let mut sorted: Vec<&OptionCount> = options.iter().collect();
            sorted.sort_by_key(|o| std::cmp::Reverse(o.count));
            let top: Vec<String> = sorted
                .iter()
                .take(3)
                .map(|o| format!("{} {}", o.label, percent_of(lang, o.percent as f64, 0)))
                .collect();
            let top = top.join(&lang.text("charts.leading_separator"));
            let mut text = lang.fill("charts.leading", &[("people", &people), ("top", &top)]);
            if let Some(average) = average {
                let average = decimal(lang, average, 1);
                text.push_str(&lang.fill("charts.average", &[("average", &average)]));
            }
            text
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(kind: QuestionKind, options: &[&str]) -> Question {
        Question {
            id: Uuid::new_v4(),
            position: 1,
            kind,
            label: "Question".into(),
            help: String::new(),
            required: false,
            open_data: false,
            options: options.iter().map(|o| o.to_string()).collect(),
            max_choices: None,
            scale_min: 1,
            scale_max: 5,
            condition: None,
        }
    }

    #[test]
    fn choices_are_counted_with_percentages_of_respondents() {
        let q = question(QuestionKind::MultipleChoice, &["Téléphone", "Accueil", "Internet"]);
        let values = vec![
            serde_json::json!(["Téléphone", "Internet"]),
            serde_json::json!(["Internet"]),
            serde_json::json!(["Accueil", "Internet"]),
            serde_json::json!(["Inconnu"]),
        ];
        let r = question_result(&q, &values, "fr");
        assert_eq!(r.answered, 4);
        let counts: Vec<i64> = r.options.iter().map(|o| o.count).collect();
        assert_eq!(counts, vec![1, 1, 3]);
        assert_eq!(r.options[2].percent, 75);
        assert!(r.summary.contains("Internet 75\u{202f}%"), "{}", r.summary);
        assert!(r.summary.starts_with("4 personnes ont répondu."), "{}", r.summary);
        assert!(r.chart.unwrap().contains("<desc"));
    }

    #[test]
    fn scales_give_a_distribution_and_an_average_and_rankings_an_order() {
        let q = question(QuestionKind::Scale, &[]);
        let r = question_result(
            &q,
            &[serde_json::json!(4), serde_json::json!(5), serde_json::json!(3)],
            "fr",
        );
        assert_eq!(r.average, Some(4.0));
        assert_eq!(r.options.len(), 5);
        assert_eq!(r.options[3].count, 1);

        let q = question(QuestionKind::Ranking, &["A", "B", "C"]);
        let values = vec![serde_json::json!(["B", "A", "C"]), serde_json::json!(["B", "C", "A"])];
        let r = question_result(&q, &values, "en");
        let order: Vec<&str> = r.options.iter().map(|o| o.label.as_str()).collect();
        assert_eq!(order, vec!["B", "A", "C"]);
        assert!(r.summary.contains("B, then A, then C"));
        assert!(r.summary.starts_with("2 people answered."), "{}", r.summary);
        assert!(r.chart.unwrap().contains("average rank 1.0"));
    }

    #[test]
    fn text_questions_have_no_chart() {
        let q = question(QuestionKind::LongText, &[]);
        let r = question_result(&q, &[serde_json::json!("Un avis")], "fr");
        assert!(r.chart.is_none());
        assert_eq!(r.answered, 1);
    }
}
