//! Parquet files written a row group at a time, with the encoding chosen
//! per column and every column's pages encoded and compressed in parallel.
//!
//! polars' own batched writer does two things that cost an ingest time on
//! the thread writing the case, the longest after the parse:
//!
//! - it tries a dictionary for every string column: it estimates the
//!   column's distinct values, and unless they are nearly all distinct it
//!   hashes every value into a dictionary. Message text, request paths,
//!   statements and the `extra` JSON are rarely worth one, and pm-tui
//!   already keeps its repeated strings as ids;
//! - it encodes the columns in parallel but leaves their pages to be
//!   encoded and compressed lazily, one after another, on the thread that
//!   writes the file.
//!
//! This writer takes the file writer polars builds (schema, footer,
//! metadata stay polars'), and hands it row groups whose pages are already
//! compressed. The caller names a [`Layout`] for the columns it knows:
//! free text is written plain without min/max statistics, ascending
//! integers (times, offsets, line numbers) as deltas; the other columns
//! as polars would (a dictionary when their values allow one).

use polars::io::parquet::write::BatchedWriter;
use polars::prelude::*;
use polars_parquet::write::{
    CompressedPage, Encoding, ParquetType, StatisticsOptions, WriteOptions, array_to_columns,
    compress, get_dtype_encoding,
};
use rayon::prelude::*;
use std::io::Write;

/// How a column the caller knows is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    /// Free text: plain, without min/max statistics (useless on text, and
    /// a scan of every value).
    Text,
    /// Integers that mostly ascend (times of a sorted timeline, offsets
    /// and line numbers within a file): delta-encoded, which is smaller
    /// than a dictionary of nearly unique values and needs no hashing.
    Ascending,
}

/// How one column is written.
struct ColumnPlan {
    /// Its Parquet type (from the file's schema).
    ty: ParquetType,
    /// One encoding per leaf (every column pm-tui writes has one).
    encodings: Vec<Encoding>,
    /// Statistics and compression.
    options: WriteOptions,
}

/// A Parquet file being written a row group at a time (see the module
/// documentation).
pub(crate) struct RowGroupWriter<W: Write> {
    inner: BatchedWriter<W>,
    plan: Vec<ColumnPlan>,
}

impl<W: Write> RowGroupWriter<W> {
    /// Start a file of frames with `schema` on `out`, compressed with
    /// `codec`, the columns named in `layouts` laid out as they say.
    pub(crate) fn new(
        out: W,
        schema: &Schema,
        codec: ParquetCompression,
        layouts: &[(&str, Layout)],
    ) -> PolarsResult<Self> {
        let mut inner = ParquetWriter::new(out)
            .with_compression(codec)
            .batched(schema)?;
        let arrow = schema.to_arrow(CompatLevel::newest());
        let options = WriteOptions {
            statistics: StatisticsOptions::default(),
            compression: codec.into(),
            version: polars_parquet::write::Version::V1,
            data_page_size: None,
        };
        let fields = inner.parquet_schema().fields().to_vec();
        let plan = fields
            .into_iter()
            .zip(arrow.iter_values())
            .map(|(ty, field)| {
                let layout = layouts
                    .iter()
                    .find(|(name, _)| *name == field.name.as_str())
                    .map(|&(_, layout)| layout);
                let (encodings, statistics) = match layout {
                    Some(Layout::Text) => (
                        vec![Encoding::Plain],
                        StatisticsOptions {
                            min_value: false,
                            max_value: false,
                            ..options.statistics
                        },
                    ),
                    Some(Layout::Ascending) => {
                        (vec![Encoding::DeltaBinaryPacked], options.statistics)
                    }
                    None => (get_dtype_encoding(&field.dtype), options.statistics),
                };
                ColumnPlan {
                    ty,
                    encodings,
                    options: WriteOptions {
                        statistics,
                        ..options
                    },
                }
            })
            .collect();
        Ok(RowGroupWriter { inner, plan })
    }

    /// Write `df` (which has the schema given to [`RowGroupWriter::new`]) as
    /// one row group.
    pub(crate) fn write(&mut self, df: &DataFrame) -> PolarsResult<()> {
        let plan = &self.plan;
        for batch in df.iter_chunks(CompatLevel::newest(), false) {
            let rows = batch.len();
            if rows == 0 {
                continue;
            }
            let columns = batch.columns();
            if columns.len() != plan.len() {
                polars_bail!(ShapeMismatch: "a frame of {} columns for a file of {}", columns.len(), plan.len());
            }
            let leaves = columns
                .par_iter()
                .zip(plan)
                .map(|(array, col)| {
                    let leaves =
                        array_to_columns(array, col.ty.clone(), col.options, &col.encodings)?;
                    leaves
                        .into_iter()
                        .map(|pages| {
                            pages
                                .map(|page| {
                                    Ok(compress(page?, Vec::new(), col.options.compression)?)
                                })
                                .collect::<PolarsResult<Vec<CompressedPage>>>()
                        })
                        .collect::<PolarsResult<Vec<_>>>()
                })
                .collect::<PolarsResult<Vec<Vec<Vec<CompressedPage>>>>>()?;
            let pages: Vec<Vec<CompressedPage>> = leaves.into_iter().flatten().collect();
            self.inner.write_row_group(rows as u64, &pages)?;
        }
        Ok(())
    }

    /// Write the footer.
    pub(crate) fn finish(self) -> PolarsResult<u64> {
        self.inner.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars_parquet::parquet::statistics::Statistics;
    use polars_parquet::read::read_metadata;
    use std::io::Cursor;

    /// Rows `rows` of a frame like the timeline's: ascending times (ten
    /// events a second), repeated message text with gaps, and a handful of
    /// ids.
    fn frame(rows: std::ops::Range<usize>) -> DataFrame {
        let n = rows.len();
        let ts: Vec<i64> = rows
            .clone()
            .map(|i| 1_700_000_000_000 + (i as i64 / 10) * 1000)
            .collect();
        let message: Vec<Option<String>> = rows
            .clone()
            .map(|i| (i % 7 != 0).then(|| format!("GET /item/{} 200", i % 50)))
            .collect();
        let id: Vec<u32> = rows.map(|i| (i % 5) as u32).collect();
        let cols = vec![
            Column::new("ts".into(), ts),
            Column::new("message".into(), message),
            Column::new("id".into(), id),
        ];
        DataFrame::new(n, cols).expect("equal lengths")
    }

    const LAYOUTS: [(&str, Layout); 2] = [("ts", Layout::Ascending), ("message", Layout::Text)];

    fn written(codec: ParquetCompression) -> Vec<u8> {
        let mut out = Vec::new();
        let first = frame(0..10_000);
        let mut w = RowGroupWriter::new(&mut out, first.schema(), codec, &LAYOUTS).expect("writer");
        w.write(&first).expect("first group");
        w.write(&frame(10_000..25_000)).expect("second group");
        w.finish().expect("footer");
        out
    }

    /// Every layout reads back as it was written, across row groups, with
    /// nulls, by polars' own reader.
    #[test]
    fn round_trips_through_polars() {
        let bytes = written(ParquetCompression::Lz4Raw);
        let back = ParquetReader::new(Cursor::new(bytes))
            .finish()
            .expect("read");
        assert_eq!(back, frame(0..25_000));
    }

    /// The layouts are what the file holds: times as deltas (a fraction of
    /// the 8 bytes a plain time takes), text plain (no dictionary page,
    /// though its values repeat) without min/max, other columns as polars
    /// lays them out (a dictionary for a few ids, min/max kept).
    #[test]
    fn columns_are_laid_out_as_asked() {
        let bytes = written(ParquetCompression::Uncompressed);
        let meta = read_metadata(&mut Cursor::new(&bytes)).expect("footer");
        assert_eq!(meta.row_groups.len(), 2);
        for group in &meta.row_groups {
            let [ts, message, id] = group.parquet_columns() else {
                panic!("three columns");
            };
            let rows = group.num_rows() as i64;
            // Plain: 8 bytes a row; deltas of 0 or 1000: 10 bits.
            assert!(
                ts.uncompressed_size() < 2 * rows,
                "ts: {} bytes",
                ts.uncompressed_size()
            );
            assert!(ts.dictionary_page_offset().is_none());
            assert!(message.dictionary_page_offset().is_none());
            assert!(id.dictionary_page_offset().is_some());
            let stats = |c: &polars_parquet::read::ColumnChunkMetadata| {
                c.statistics(&meta.footer_buf)
                    .expect("statistics")
                    .expect("valid")
            };
            match stats(message) {
                Statistics::Binary(s) => {
                    assert_eq!((s.min_value, s.max_value), (None, None));
                    assert!(s.null_count.is_some_and(|n| n > 0));
                }
                other => panic!("message statistics {other:?}"),
            }
            match stats(ts) {
                Statistics::Int64(s) => assert!(s.min_value.is_some() && s.max_value.is_some()),
                other => panic!("ts statistics {other:?}"),
            }
        }
    }
}
