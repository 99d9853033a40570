//! Small CSV files of fixed columns that people upload (item mappings, the diagnosis dictionary): UTF-8 with or
//! without a BOM, one header line naming the columns in any order, blank lines skipped. Every problem lands in
//! the import's report by line, so a file is refused whole with all its problems at once.
use crate::error::ImportReport;

/// The most problems a report lists; the rest are counted.
pub const MAX_REPORTED: usize = 500;

/// One data line: its fields in the order of the columns asked for, trimmed.
pub struct Row {
    pub line: u64,
    pub fields: Vec<String>,
}

/// A data line that is not a row of the layout.
pub struct Malformed {
    pub line: u64,
    pub reason: String,
}

/// The data lines of `file` in order (blank lines aside), each a row of the columns or malformed; a problem
/// with the header goes to `report`, and then there are no lines.
pub fn read(
    file: &[u8],
    columns: &[&str],
    report: &mut ImportReport,
) -> Vec<Result<Row, Malformed>> {
    let layout = columns.join(",");
    let file = file.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(file);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(file);
    let mut records = reader.byte_records();
    let header = match records.next() {
        None => Err(format!("the file is empty; expected the header {layout}")),
        Some(Err(e)) => Err(format!("the header is not readable CSV: {e}")),
        Some(Ok(header)) => {
            let names: Vec<String> = header
                .iter()
                .map(|h| String::from_utf8_lossy(h).trim().to_ascii_lowercase())
                .collect();
            let at: Option<Vec<usize>> = columns
                .iter()
                .map(|c| names.iter().position(|n| n == c))
                .collect();
            match at {
                Some(at) if names.len() == columns.len() => Ok(at),
                _ => Err(format!(
                    "the header must be {layout}; found {}",
                    names.join(",")
                )),
            }
        }
    };
    let positions = match header {
        Ok(positions) => positions,
        Err(reason) => {
            report.push(1, String::new(), reason, MAX_REPORTED);
            return Vec::new();
        }
    };
    // The reader counts no blank line and starts a record where the one before ended, blank lines included,
    // so a line's number is counted here from the record's first character, as a text editor numbers it.
    let mut counted = (0usize, 1u64);
    let mut line_at = |position: Option<&csv::Position>| {
        let byte = position.map_or(0, |p| usize::try_from(p.byte()).unwrap_or(usize::MAX));
        let (from, line) = counted;
        let mut byte = byte.clamp(from, file.len());
        while matches!(file.get(byte), Some(b'\r' | b'\n')) {
            byte += 1;
        }
        let newlines = file[from..byte].iter().filter(|&&b| b == b'\n').count();
        counted = (byte, line + newlines as u64);
        counted.1
    };
    let mut lines = Vec::new();
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = line_at(e.position());
                let reason = format!("not readable CSV: {e}");
                lines.push(Err(Malformed { line, reason }));
                continue;
            }
        };
        let line = line_at(record.position());
        if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        if record.len() != columns.len() {
            let reason = format!(
                "has {} fields; expected {} ({layout})",
                record.len(),
                columns.len()
            );
            lines.push(Err(Malformed { line, reason }));
            continue;
        }
        let fields: Result<Vec<String>, _> = positions
            .iter()
            .map(|&at| std::str::from_utf8(&record[at]).map(|f| f.trim().to_owned()))
            .collect();
        lines.push(match fields {
            Ok(fields) => Ok(Row { line, fields }),
            Err(_) => Err(Malformed {
                line,
                reason: "is not UTF-8 text".into(),
            }),
        });
    }
    lines
}

/// The row, or its problem added to `report`.
pub fn row_or_report(line: Result<Row, Malformed>, report: &mut ImportReport) -> Option<Row> {
    match line {
        Ok(row) => Some(row),
        Err(m) => {
            report.push(m.line, String::new(), m.reason, MAX_REPORTED);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(report: &ImportReport) -> Vec<(u64, &str)> {
        report
            .errors
            .iter()
            .map(|p| (p.row, p.reason.as_str()))
            .collect()
    }

    /// The rows, the malformed lines reported in their place.
    fn rows(file: &[u8], report: &mut ImportReport) -> Vec<Row> {
        read(file, &["code", "name"], report)
            .into_iter()
            .filter_map(|line| row_or_report(line, report))
            .collect()
    }

    #[test]
    fn reads_columns_in_any_order_and_reports_bad_lines() {
        let file = "\u{feff}Name, code\n急性上呼吸道感染 , J06.9\n\n原发性高血压,I10\nonly-one\n"
            .as_bytes();
        assert_eq!(
            read(file, &["code", "name"], &mut ImportReport::default()).len(),
            3
        );
        let mut report = ImportReport::default();
        let rows = rows(file, &mut report);
        let fields: Vec<(u64, &[String])> = rows.iter().map(|r| (r.line, &r.fields[..])).collect();
        assert_eq!(
            fields,
            [
                (2, &["J06.9".to_owned(), "急性上呼吸道感染".to_owned()][..]),
                (4, &["I10".to_owned(), "原发性高血压".to_owned()][..]),
            ]
        );
        assert_eq!(
            problems(&report),
            [(5, "has 1 fields; expected 2 (code,name)")]
        );
    }

    #[test]
    fn a_wrong_or_missing_header_is_one_problem() {
        for (file, says) in [
            (&b""[..], "the file is empty; expected the header code,name"),
            (
                b"code,title\nI10,x\n",
                "the header must be code,name; found code,title",
            ),
            (b"code\nI10\n", "the header must be code,name; found code"),
        ] {
            let mut report = ImportReport::default();
            assert!(read(file, &["code", "name"], &mut report).is_empty());
            assert_eq!(problems(&report), [(1, says)]);
        }
        let mut report = ImportReport::default();
        rows(b"code,name\nI10,\xff\xfe\n", &mut report);
        assert_eq!(problems(&report), [(2, "is not UTF-8 text")]);
    }
}
