//! A table of text cells, the same for CSV and JSON, and its download: what every export and
//! open-data file of the console is built from. [`Encoder`] writes one row at a time, so a
//! download can also be written while its rows are read ([`crate::web::downloads`]).

use serde::{Serialize, Serializer};

/// A table: headers and rows of cells, the same for CSV and JSON.
#[derive(Debug, Clone, Serialize)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// What a table downloads as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// UTF-8 with a byte-order mark, `;`-separated, CRLF: what Excel opens right in a French
    /// locale.
    Csv,
    /// An array of objects, one per row, keyed by header in the headers' order.
    Json,
}

impl Format {
    /// `csv` or `json`, the extension of a download's address.
    pub fn parse(extension: &str) -> Option<Format> {
        match extension {
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Json => "application/json",
        }
    }
}

/// Writes a table row by row, in either format; [`Encoder::take`] hands over what is written
/// so far.
pub struct Encoder {
    out: Out,
    headers: Vec<String>,
    rows: u64,
}

enum Out {
    Csv(Box<csv::Writer<Vec<u8>>>),
    Json(Vec<u8>),
}

impl Encoder {
    pub fn new(format: Format, headers: Vec<String>) -> anyhow::Result<Self> {
        let out = match format {
            Format::Csv => {
                let mut writer = csv_writer(b"\xEF\xBB\xBF".to_vec());
                writer.write_record(&headers)?;
                Out::Csv(Box::new(writer))
            }
            Format::Json => Out::Json(b"[".to_vec()),
        };
        Ok(Encoder { out, headers, rows: 0 })
    }

    /// One row, its cells in the headers' order. In CSV a cell a spreadsheet would evaluate
    /// becomes text.
    pub fn row<S: AsRef<str>>(&mut self, cells: &[S]) -> anyhow::Result<()> {
        match &mut self.out {
            Out::Csv(writer) => {
                for cell in cells {
                    writer.write_field(defuse(cell.as_ref()).as_bytes())?;
                }
                writer.write_record(None::<&[u8]>)?;
            }
            Out::Json(out) => {
                out.extend_from_slice(if self.rows == 0 { b"\n" } else { b",\n" });
                serde_json::to_writer(
                    &mut *out,
                    &Object {
                        headers: &self.headers,
                        cells,
                    },
                )?;
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// About how many bytes wait to be taken.
    pub fn pending(&self) -> usize {
        match &self.out {
            Out::Csv(writer) => writer.get_ref().len(),
            Out::Json(out) => out.len(),
        }
    }

    /// The bytes written since the last take.
    pub fn take(&mut self) -> anyhow::Result<Vec<u8>> {
        Ok(match &mut self.out {
            // The writer gives its buffer back only whole: a fresh one goes on (one a chunk).
            Out::Csv(writer) => std::mem::replace(writer.as_mut(), csv_writer(Vec::new()))
                .into_inner()
                .map_err(|e| anyhow::anyhow!("{}", e.error()))?,
            Out::Json(out) => std::mem::take(out),
        })
    }

    /// The last bytes: what is pending, and the JSON array's end.
    pub fn finish(mut self) -> anyhow::Result<Vec<u8>> {
        if let Out::Json(out) = &mut self.out {
            out.extend_from_slice(if self.rows == 0 { b"]\n" } else { b"\n]\n" });
        }
        self.take()
    }
}

/// The CSV writer of every table: `;`-separated, CRLF.
fn csv_writer(out: Vec<u8>) -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .from_writer(out)
}

/// A row as a JSON object, keyed by header in the headers' order.
struct Object<'a, S> {
    headers: &'a [String],
    cells: &'a [S],
}

impl<S: AsRef<str>> Serialize for Object<'_, S> {
    fn serialize<Z: Serializer>(&self, serializer: Z) -> Result<Z::Ok, Z::Error> {
        serializer.collect_map(self.headers.iter().zip(self.cells.iter().map(|c| c.as_ref())))
    }
}

impl Table {
    /// The table's bytes in `format`.
    pub fn encode(&self, format: Format) -> anyhow::Result<Vec<u8>> {
        let mut encoder = Encoder::new(format, self.headers.clone())?;
        for row in &self.rows {
            encoder.row(row)?;
        }
        encoder.finish()
    }

    /// CSV bytes: BOM, `;`-separated, CRLF, formula-looking cells neutralised.
    pub fn to_csv(&self) -> anyhow::Result<Vec<u8>> {
        self.encode(Format::Csv)
    }

    /// The table as a download: `format` is `csv` or `json`, `filename` without extension.
    /// Not cached (`no-store`): exports hold personal opinions.
    pub fn download(&self, format: &str, filename: &str) -> anyhow::Result<axum::response::Response> {
        use axum::http::{HeaderValue, header};
        use axum::response::IntoResponse;
        let format = Format::parse(format).unwrap_or(Format::Json);
        let mut response = self.encode(format)?.into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
        headers.insert(header::CONTENT_DISPOSITION, disposition(filename, format)?);
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        Ok(response)
    }
}

/// `attachment; filename="…"` for `filename` (without extension) in `format`.
pub fn disposition(filename: &str, format: Format) -> anyhow::Result<axum::http::HeaderValue> {
    Ok(axum::http::HeaderValue::from_str(&format!(
        "attachment; filename=\"{filename}.{}\"",
        format.extension()
    ))?)
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

    fn table() -> Table {
        Table {
            headers: vec!["a".into(), "b".into()],
            rows: vec![vec!["=HYPERLINK(\"x\")".into(), "du texte; avec \"guillemets\"".into()]],
        }
    }

    #[test]
    fn csv_has_a_bom_semicolons_and_no_formulas() {
        let csv = String::from_utf8(table().to_csv().unwrap()).unwrap();
        assert!(csv.starts_with('\u{feff}'));
        assert_eq!(
            csv.trim_start_matches('\u{feff}'),
            "a;b\r\n\"'=HYPERLINK(\"\"x\"\")\";\"du texte; avec \"\"guillemets\"\"\"\r\n"
        );
    }

    #[test]
    fn json_keeps_the_headers_order_and_the_cells_as_written() {
        let mut table = table();
        table.headers = vec!["z".into(), "a".into()];
        let json = String::from_utf8(table.encode(Format::Json).unwrap()).unwrap();
        assert_eq!(
            json,
            "[\n{\"z\":\"=HYPERLINK(\\\"x\\\")\",\"a\":\"du texte; avec \\\"guillemets\\\"\"}\n]\n"
        );
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(parsed[0]["a"], "du texte; avec \"guillemets\"");
        table.rows.clear();
        assert_eq!(table.encode(Format::Json).unwrap(), b"[]\n");
    }

    #[test]
    fn taken_in_pieces_the_bytes_are_the_same() {
        let mut encoder = Encoder::new(Format::Csv, vec!["n".into()]).unwrap();
        let mut pieces = Vec::new();
        for n in 0..1000 {
            encoder.row(&[n.to_string()]).unwrap();
            if n % 7 == 0 {
                pieces.extend(encoder.take().unwrap());
            }
        }
        pieces.extend(encoder.finish().unwrap());
        let whole = Table {
            headers: vec!["n".into()],
            rows: (0..1000).map(|n| vec![n.to_string()]).collect(),
        };
        assert_eq!(pieces, whole.to_csv().unwrap());
    }
}
