//! A table of text cells, the same for CSV and JSON, and its download: what every export and
//! open-data file of the console is built from.

use serde::Serialize;
use serde_json::Value;

/// A table: headers and rows of cells, the same for CSV and JSON.
#[derive(Debug, Clone, Serialize)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// CSV bytes: BOM, `;`-separated, CRLF, formula-looking cells neutralised.
    pub fn to_csv(&self) -> Result<Vec<u8>, csv::Error> {
        let mut out = b"\xEF\xBB\xBF".to_vec();
        {
            let mut writer = csv::WriterBuilder::new()
                .delimiter(b';')
                .terminator(csv::Terminator::CRLF)
                .from_writer(&mut out);
            writer.write_record(&self.headers)?;
            for row in &self.rows {
                writer.write_record(row.iter().map(|c| defuse(c).into_owned()))?;
            }
            writer.flush()?;
        }
        Ok(out)
    }

    /// JSON: one object per row, keyed by header.
    pub fn to_json(&self) -> Value {
        Value::Array(
            self.rows
                .iter()
                .map(|row| {
                    Value::Object(
                        self.headers
                            .iter()
                            .cloned()
                            .zip(row.iter().map(|c| Value::String(c.clone())))
                            .collect(),
                    )
                })
                .collect(),
        )
    }
}

impl Table {
    /// The table as a download: `format` is `csv` or `json`, `filename` without extension.
    /// Not cached (`no-store`): exports hold personal opinions.
    pub fn download(&self, format: &str, filename: &str) -> anyhow::Result<axum::response::Response> {
        use axum::http::{HeaderValue, header};
        use axum::response::IntoResponse;
        let (body, content_type) = if format == "csv" {
            (self.to_csv()?, "text/csv; charset=utf-8")
        } else {
            (serde_json::to_vec_pretty(&self.to_json())?, "application/json")
        };
        let disposition = format!("attachment; filename=\"{filename}.{format}\"");
        let mut response = body.into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition)?);
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        Ok(response)
    }
}

/// A cell a spreadsheet would evaluate becomes text.
fn defuse(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_has_a_bom_semicolons_and_no_formulas() {
        let table = Table {
            headers: vec!["a".into(), "b".into()],
            rows: vec![vec!["=HYPERLINK(\"x\")".into(), "du texte; avec \"guillemets\"".into()]],
        };
        let csv = String::from_utf8(table.to_csv().unwrap()).unwrap();
        assert!(csv.starts_with('\u{feff}'));
        assert_eq!(
            csv.trim_start_matches('\u{feff}'),
            "a;b\r\n\"'=HYPERLINK(\"\"x\"\")\";\"du texte; avec \"\"guillemets\"\"\"\r\n"
        );
    }
}
