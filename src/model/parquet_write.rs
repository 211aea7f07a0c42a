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
//!
//! A row group is given as Arrow arrays ([`Columns`]), built straight from
//! the timeline's columns ([`values`], [`nullable`], [`text_array`],
//! [`string_array`]): a polars frame stored every string as a 16-byte view
//! beside its bytes, built one value at a time, which cost as much as
//! encoding the text.

use polars::io::parquet::write::BatchedWriter;
use polars::prelude::*;
use polars_arrow::array::{Array, DictionaryArray, PrimitiveArray, Utf8Array};
use polars_arrow::bitmap::MutableBitmap;
use polars_arrow::datatypes::{ArrowDataType, Field as ArrowField, IntegerType};
use polars_arrow::offset::OffsetsBuffer;
use polars_arrow::types::NativeType;
use polars_parquet::parquet::CowBuffer;
use polars_parquet::parquet::compression::{Compression, CompressionOptions};
use polars_parquet::parquet::page::{CompressedDataPage, CompressedDictPage, DataPageHeader, Page};
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
    /// Ids of interned strings (`u32`, no nulls): written as polars writes
    /// them, byte for byte, but the dictionary of a batch whose ids lie far
    /// apart is grouped here through a table of integers, where polars
    /// goes through its generic value map (hashing, growing and checking
    /// each value: with its cardinality estimate, 4.5 % of the CPU of
    /// ingesting the mixed corpus of BENCHMARKS.md). A batch whose ids lie
    /// within 65,536 of each other goes through polars' own fast path.
    Ids,
}

/// How one column is written.
struct ColumnPlan {
    /// Its Parquet type (from the file's schema).
    ty: ParquetType,
    /// One encoding per leaf (every column pm-tui writes has one).
    encodings: Vec<Encoding>,
    /// Statistics and compression.
    options: WriteOptions,
    /// Whether the column holds interned strings' ids ([`Layout::Ids`]).
    ids: bool,
}

/// One batch of rows: each column's name and values, in the file's order.
pub(crate) type Columns = Vec<(&'static str, Box<dyn Array>)>;

/// A Parquet file being written a row group at a time (see the module
/// documentation).
pub(crate) struct RowGroupWriter<W: Write> {
    inner: BatchedWriter<W>,
    plan: Vec<ColumnPlan>,
    /// Each column's name and Arrow type: every batch must have them.
    shape: Vec<(&'static str, ArrowDataType)>,
}

impl<W: Write> RowGroupWriter<W> {
    /// Start a file on `out` whose columns are those of `first` (the first
    /// batch), compressed with `codec`, the columns named in `layouts` laid
    /// out as they say. Arrow's large strings are polars' strings in the
    /// file's schema, as if a polars frame had been written.
    pub(crate) fn new(
        out: W,
        first: &[(&'static str, Box<dyn Array>)],
        codec: ParquetCompression,
        layouts: &[(&str, Layout)],
    ) -> PolarsResult<Self> {
        let shape: Vec<(&'static str, ArrowDataType)> = first
            .iter()
            .map(|(name, array)| (*name, array.dtype().clone()))
            .collect();
        if let Some((name, _)) = layouts
            .iter()
            .find(|(name, _)| !shape.iter().any(|(column, _)| column == name))
        {
            polars_bail!(ColumnNotFound: "a layout for {name}, which the file does not have");
        }
        let arrow: ArrowSchema = shape
            .iter()
            .map(|(name, dtype)| ArrowField::new((*name).into(), dtype.clone(), true))
            .map(|f| (f.name.clone(), f))
            .collect();
        let schema = Schema::from_arrow_schema(&arrow);
        let mut inner = ParquetWriter::new(out)
            .with_compression(codec)
            .batched(&schema)?;
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
                    Some(Layout::Ids) | None => {
                        (get_dtype_encoding(&field.dtype), options.statistics)
                    }
                };
                ColumnPlan {
                    ty,
                    encodings,
                    options: WriteOptions {
                        statistics,
                        ..options
                    },
                    ids: layout == Some(Layout::Ids),
                }
            })
            .collect();
        Ok(RowGroupWriter { inner, plan, shape })
    }

    /// Write `columns` (named and typed as the first batch was) as one
    /// row group. Each column's values are dropped as soon as its pages
    /// are compressed, so the batch is not held whole beside its pages.
    pub(crate) fn write(&mut self, columns: Columns) -> PolarsResult<()> {
        let same = columns.len() == self.shape.len()
            && columns
                .iter()
                .zip(&self.shape)
                .all(|((name, array), (want, dtype))| name == want && array.dtype() == dtype);
        if !same {
            polars_bail!(SchemaMismatch: "a batch whose columns differ from the file's");
        }
        let rows = columns.first().map_or(0, |(_, a)| a.len());
        if rows == 0 {
            return Ok(());
        }
        if columns.iter().any(|(_, a)| a.len() != rows) {
            polars_bail!(ShapeMismatch: "columns of different lengths in one batch");
        }
        let leaves = columns
            .into_par_iter()
            .zip(&self.plan)
            .map(|((_, array), col)| {
                let encodings = batch_encodings(array.as_ref(), &col.encodings);
                let (array, encodings) = match encodings {
                    [Encoding::RleDictionary] if col.ids => ids_dictionary(array),
                    _ => (array, encodings),
                };
                let leaves = array_to_columns(array, col.ty.clone(), col.options, encodings)?;
                leaves
                    .into_iter()
                    .map(|pages| {
                        // A column's pages are encoded in order, then
                        // compressed in parallel: the message text's few
                        // pages are most of a batch's LZ4, and compressed
                        // one after another they left the other core idle
                        // once the other columns were done.
                        let pages = pages.collect::<PolarsResult<Vec<Page>>>()?;
                        pages
                            .into_par_iter()
                            .map(|page| compress_page(page, col.options.compression))
                            .collect::<PolarsResult<Vec<CompressedPage>>>()
                    })
                    .collect::<PolarsResult<Vec<_>>>()
            })
            .collect::<PolarsResult<Vec<Vec<Vec<CompressedPage>>>>>()?;
        let pages: Vec<Vec<CompressedPage>> = leaves.into_iter().flatten().collect();
        self.inner.write_row_group(rows as u64, &pages)
    }

    /// Write the footer.
    pub(crate) fn finish(self) -> PolarsResult<u64> {
        self.inner.finish()
    }
}

/// Compress one page. LZ4, the codec of a case's events, goes through a
/// buffer each thread keeps: polars' `compress` gives every page a new
/// buffer of LZ4's worst-case size and zeroes it, and the kernel faults in
/// and zeroes that memory first (pages are about 1 MiB, so each buffer is
/// mapped afresh): a tenth of the Parquet write of an access log. Only
/// the compressed bytes are copied out. Other codecs, and data pages of
/// format v2 (which this writer does not make), go through polars.
fn compress_page(page: Page, codec: CompressionOptions) -> PolarsResult<CompressedPage> {
    if codec != CompressionOptions::Lz4Raw {
        return Ok(compress(page, Vec::new(), codec)?);
    }
    match page {
        Page::Data(data) if matches!(data.header(), DataPageHeader::V1(_)) => {
            let header = data.header().clone();
            let size = data.buffer().len();
            let compressed = lz4_compressed(data.buffer())?;
            let Some(rows) = data.num_rows else {
                polars_bail!(ComputeError: "a Parquet data page without a row count");
            };
            Ok(CompressedPage::Data(CompressedDataPage::new(
                header,
                CowBuffer::Owned(compressed),
                Compression::Lz4Raw,
                size,
                data.descriptor,
                rows,
            )))
        }
        Page::Dict(dict) => Ok(CompressedPage::Dict(CompressedDictPage::new(
            CowBuffer::Owned(lz4_compressed(&dict.buffer)?),
            Compression::Lz4Raw,
            dict.buffer.len(),
            dict.num_values,
            dict.is_sorted,
        ))),
        page => Ok(compress(page, Vec::new(), codec)?),
    }
}

/// `input` as an LZ4 block, as polars writes `Lz4Raw` (no size prefix,
/// the default mode), compressed into this thread's scratch buffer.
fn lz4_compressed(input: &[u8]) -> PolarsResult<Vec<u8>> {
    thread_local! {
        static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let bound = lz4::block::compress_bound(input.len())?;
    SCRATCH.with_borrow_mut(|scratch| {
        if scratch.len() < bound {
            scratch.resize(bound, 0);
        }
        let room = scratch.get_mut(..bound).unwrap_or_default();
        let n = lz4::block::compress_to_buffer(input, None, false, room)?;
        Ok(room.get(..n).unwrap_or_default().to_vec())
    })
}

/// The encodings of `array`'s column in this batch: those `planned`,
/// except that a batch of nulls, or of one integer repeated, is written
/// plain instead of as a dictionary. Such columns are common (an access
/// log has no lock holder, no job, no transaction), and polars' dictionary
/// encoder costs five times the plain one on them: it finds the range of
/// values, marks each one seen and looks each one up again for its key, or
/// for nulls hashes every row. Plain nulls are only their definition
/// levels; plain repeated values are a page that compresses to about
/// 1 KiB where the dictionary's takes a few bytes.
fn batch_encodings<'a>(array: &dyn Array, planned: &'a [Encoding]) -> &'a [Encoding] {
    const PLAIN: &[Encoding] = &[Encoding::Plain];
    if planned != [Encoding::RleDictionary] || array.is_empty() {
        return planned;
    }
    if array.null_count() == array.len() || repeats_one_integer(array) {
        PLAIN
    } else {
        planned
    }
}

/// A batch of [`Layout::Ids`] as polars would encode it, byte for byte:
/// plain when polars' estimate finds more than three quarters of the ids
/// distinct, else its dictionary (the distinct ids in the order they first
/// appear, as polars' grouping makes it), grouped here through a table of
/// integers. Ids within 65,536 of each other, or an array that is not
/// `u32` without nulls, are left to polars.
fn ids_dictionary(array: Box<dyn Array>) -> (Box<dyn Array>, &'static [Encoding]) {
    const DICTIONARY: &[Encoding] = &[Encoding::RleDictionary];
    const PLAIN: &[Encoding] = &[Encoding::Plain];
    let Some(ids) = array
        .as_any()
        .downcast_ref::<PrimitiveArray<u32>>()
        .filter(|a| a.null_count() == 0)
    else {
        return (array, DICTIONARY);
    };
    let values = ids.values();
    let (min, max) = values
        .iter()
        .fold((u32::MAX, 0), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    if values.is_empty() || max - min <= u32::from(u16::MAX) {
        return (array, DICTIONARY);
    }
    let estimate = polars_compute::cardinality::estimate_cardinality(ids);
    if values.len() > 128 && estimate as f64 / values.len() as f64 > 0.75 {
        return (array, PLAIN);
    }
    let mut key_of: hashbrown::HashMap<u32, u32, foldhash::fast::FixedState> =
        hashbrown::HashMap::with_capacity_and_hasher(estimate + estimate / 4, Default::default());
    let mut distinct: Vec<u32> = Vec::with_capacity(estimate);
    let keys: Vec<u32> = values
        .iter()
        .map(|&id| {
            *key_of.entry(id).or_insert_with(|| {
                distinct.push(id);
                distinct.len() as u32 - 1
            })
        })
        .collect();
    let dtype =
        ArrowDataType::Dictionary(IntegerType::UInt32, Box::new(ArrowDataType::UInt32), false);
    let dictionary = DictionaryArray::<u32>::try_new(
        dtype,
        PrimitiveArray::from_vec(keys),
        Box::new(PrimitiveArray::from_vec(distinct)),
    );
    match dictionary {
        Ok(d) => (Box::new(d), DICTIONARY),
        Err(_) => (array, DICTIONARY),
    }
}

/// Whether `array` holds one integer on every row (and no null).
fn repeats_one_integer(array: &dyn Array) -> bool {
    fn same<T: NativeType>(array: &dyn Array) -> bool {
        array
            .as_any()
            .downcast_ref::<PrimitiveArray<T>>()
            .is_some_and(|a| {
                let v = a.values();
                a.null_count() == 0 && v.first().is_some_and(|&x| v.iter().all(|&y| y == x))
            })
    }
    use polars_arrow::types::PrimitiveType as P;
    match array.dtype().to_physical_type() {
        polars_arrow::datatypes::PhysicalType::Primitive(p) => match p {
            P::Int8 => same::<i8>(array),
            P::Int16 => same::<i16>(array),
            P::Int32 => same::<i32>(array),
            P::Int64 => same::<i64>(array),
            P::UInt8 => same::<u8>(array),
            P::UInt16 => same::<u16>(array),
            P::UInt32 => same::<u32>(array),
            P::UInt64 => same::<u64>(array),
            _ => false,
        },
        _ => false,
    }
}

/// Values that are all present.
pub(crate) fn values<T: NativeType>(v: Vec<T>) -> Box<dyn Array> {
    Box::new(PrimitiveArray::from_vec(v))
}

/// Values where those `present` rejects are nulls (absent markers stay in
/// the values buffer, hidden by the validity).
pub(crate) fn nullable<T: NativeType>(v: Vec<T>, present: impl Fn(&T) -> bool) -> Box<dyn Array> {
    let mut validity = MutableBitmap::with_capacity(v.len());
    for x in &v {
        validity.push(present(x));
    }
    Box::new(PrimitiveArray::new(
        T::PRIMITIVE.into(),
        v.into(),
        validity.into(),
    ))
}

/// `n` strings as an Arrow large-string array: `put(k, buf)` appends row
/// `k`'s text to `buf` and says whether the row has one (a null if not).
/// The text goes end to end into one buffer with one offset per row.
pub(crate) fn text_array(n: usize, put: impl FnMut(usize, &mut Vec<u8>) -> bool) -> Box<dyn Array> {
    // `put` appends whole strings here, so the parts are always valid.
    try_text_array(n, put)
        .unwrap_or_else(|| Box::new(Utf8Array::<i64>::new_null(ArrowDataType::LargeUtf8, n)))
}

/// [`text_array`] for a `put` that appends bytes it has not checked: the
/// batch is checked as UTF-8 once, and `None` when it is not.
pub(crate) fn try_text_array(
    n: usize,
    mut put: impl FnMut(usize, &mut Vec<u8>) -> bool,
) -> Option<Box<dyn Array>> {
    let mut values = Vec::new();
    let mut offsets = Vec::with_capacity(n + 1);
    let mut validity = MutableBitmap::with_capacity(n);
    offsets.push(0i64);
    for k in 0..n {
        let start = values.len();
        let present = put(k, &mut values);
        if !present {
            values.truncate(start);
        }
        validity.push(present);
        offsets.push(values.len() as i64);
    }
    string_array(offsets, values, validity)
}

/// A large-string array from its parts (one offset per row and one more,
/// the text end to end, the rows present), UTF-8 checked once for all of
/// them; `None` when the offsets or the text are not valid.
pub(crate) fn string_array(
    offsets: Vec<i64>,
    values: Vec<u8>,
    validity: MutableBitmap,
) -> Option<Box<dyn Array>> {
    let offsets = OffsetsBuffer::try_from(offsets).ok()?;
    let array = Utf8Array::<i64>::try_new(
        ArrowDataType::LargeUtf8,
        offsets,
        values.into(),
        validity.into(),
    )
    .ok()?;
    Some(Box::new(array))
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars_parquet::parquet::statistics::Statistics;
    use polars_parquet::read::read_metadata;
    use std::io::Cursor;

    /// Rows `rows` of a table like the timeline's: ascending times (ten
    /// events a second), repeated message text with gaps, a handful of ids,
    /// and sizes with gaps (an absent marker under each).
    fn table(rows: std::ops::Range<usize>) -> (Vec<i64>, Vec<Option<String>>, Vec<u32>, Vec<u64>) {
        let ts = rows
            .clone()
            .map(|i| 1_700_000_000_000 + (i as i64 / 10) * 1000)
            .collect();
        let message = rows
            .clone()
            .map(|i| (i % 7 != 0).then(|| format!("GET /item/{} 200 ✓", i % 50)))
            .collect();
        let id = rows.clone().map(|i| (i % 5) as u32).collect();
        let bytes = rows
            .map(|i| if i % 3 == 0 { u64::MAX } else { i as u64 * 10 })
            .collect();
        (ts, message, id, bytes)
    }

    fn columns(rows: std::ops::Range<usize>) -> Columns {
        let (ts, message, id, bytes) = table(rows);
        let text = text_array(message.len(), |k, buf| {
            message[k]
                .as_ref()
                .inspect(|m| buf.extend_from_slice(m.as_bytes()))
                .is_some()
        });
        vec![
            ("ts", values(ts)),
            ("message", text),
            ("id", values(id)),
            ("bytes", nullable(bytes, |&b| b != u64::MAX)),
        ]
    }

    fn frame(rows: std::ops::Range<usize>) -> DataFrame {
        let n = rows.len();
        let (ts, message, id, bytes) = table(rows);
        let bytes: Vec<Option<u64>> = bytes
            .into_iter()
            .map(|b| (b != u64::MAX).then_some(b))
            .collect();
        let cols = vec![
            Column::new("ts".into(), ts),
            Column::new("message".into(), message),
            Column::new("id".into(), id),
            Column::new("bytes".into(), bytes),
        ];
        DataFrame::new(n, cols).expect("equal lengths")
    }

    const LAYOUTS: [(&str, Layout); 2] = [("ts", Layout::Ascending), ("message", Layout::Text)];

    fn written(codec: ParquetCompression) -> Vec<u8> {
        let mut out = Vec::new();
        let first = columns(0..10_000);
        let mut w = RowGroupWriter::new(&mut out, &first, codec, &LAYOUTS).expect("writer");
        w.write(first).expect("first group");
        w.write(columns(10_000..25_000)).expect("second group");
        w.write(columns(25_000..25_000)).expect("no rows, no group");
        w.finish().expect("footer");
        out
    }

    /// The pages compressed through the thread's scratch buffer are those
    /// polars' `compress` makes, field for field and byte for byte: data
    /// pages plain, delta-coded and with nulls, and a dictionary's pages.
    #[test]
    fn lz4_pages_are_those_polars_compresses() {
        let options = WriteOptions {
            statistics: StatisticsOptions::default(),
            compression: CompressionOptions::Lz4Raw,
            version: polars_parquet::write::Version::V1,
            data_page_size: Some(64 * 1024),
        };
        let (mut data, mut dict) = (0, 0);
        for (name, array) in columns(0..25_000) {
            let field = ArrowField::new(name.into(), array.dtype().clone(), true);
            let ty = polars_parquet::write::to_parquet_type(&field).expect("type");
            let encodings = match name {
                "ts" => vec![Encoding::DeltaBinaryPacked],
                "id" => vec![Encoding::RleDictionary],
                _ => vec![Encoding::Plain],
            };
            let pages = |array: Box<dyn Array>| {
                array_to_columns(array, ty.clone(), options, &encodings)
                    .expect("pages")
                    .into_iter()
                    .flatten()
                    .map(|page| page.expect("page"))
                    .collect::<Vec<Page>>()
            };
            let theirs = pages(array.clone());
            let ours = pages(array);
            assert!(ours.len() > 1, "{name}: one page");
            for (a, b) in ours.into_iter().zip(theirs) {
                match &a {
                    Page::Data(_) => data += 1,
                    Page::Dict(_) => dict += 1,
                }
                let ours = compress_page(a, CompressionOptions::Lz4Raw).expect("ours");
                let theirs = compress(b, Vec::new(), CompressionOptions::Lz4Raw).expect("theirs");
                assert_eq!(format!("{ours:?}"), format!("{theirs:?}"), "{name}");
            }
        }
        assert!(
            data > 8 && dict >= 1,
            "{data} data pages, {dict} dictionary pages"
        );
    }

    /// Ids columns are written byte for byte as polars writes them, and
    /// the dictionaries of ids far apart are grouped by pm-tui: a few ids
    /// spread over millions, ids nearly all distinct (plain), ids close
    /// together (polars' own path), and a batch under 129 rows whose ids
    /// are all distinct (still a dictionary, by polars' rule).
    #[test]
    fn ids_are_written_as_polars_writes_them() {
        let mut rng = pm_parsers::testutil::XorShift(0x9E37_79B9_7F4A_7C15);
        let mut next = move |m: u64| rng.below(m as usize) as u32;
        let spread: Vec<u32> = (0..50).map(|_| next(10_000_000)).collect();
        let batch = |rows: usize, next: &mut dyn FnMut(u64) -> u32| -> Columns {
            let few: Vec<u32> = (0..rows).map(|_| spread[next(50) as usize]).collect();
            let unique: Vec<u32> = (0..rows).map(|_| next(u32::MAX as u64)).collect();
            let close: Vec<u32> = (0..rows).map(|_| 1000 + next(60_000)).collect();
            vec![
                ("few", values(few)),
                ("unique", values(unique)),
                ("close", values(close)),
            ]
        };
        let batches: Vec<Columns> = [20_000, 100, 7_000]
            .into_iter()
            .map(|rows| batch(rows, &mut next))
            .collect();
        let write = |layouts: &[(&str, Layout)]| -> Vec<u8> {
            let mut out = Vec::new();
            let mut w =
                RowGroupWriter::new(&mut out, &batches[0], ParquetCompression::Lz4Raw, layouts)
                    .expect("writer");
            for b in &batches {
                w.write(b.clone()).expect("group");
            }
            w.finish().expect("footer");
            out
        };
        let ids = [
            ("few", Layout::Ids),
            ("unique", Layout::Ids),
            ("close", Layout::Ids),
        ];
        assert!(
            write(&ids) == write(&[]),
            "ids written otherwise than polars does"
        );
        // Which of them pm-tui grouped itself.
        let kind = |array: &dyn Array| {
            let (array, encodings) = ids_dictionary(array.to_boxed());
            let grouped = matches!(array.dtype(), ArrowDataType::Dictionary(..));
            (grouped, encodings == [Encoding::RleDictionary])
        };
        let [few, unique, close] = &batches[0][..] else {
            panic!("three columns");
        };
        assert_eq!(kind(few.1.as_ref()), (true, true));
        assert_eq!(kind(unique.1.as_ref()), (false, false));
        assert_eq!(kind(close.1.as_ref()), (false, true));
        let [_, small_unique, _] = &batches[1][..] else {
            panic!("three columns");
        };
        assert_eq!(kind(small_unique.1.as_ref()), (true, true));
    }

    /// Every layout reads back as it was written, across row groups, with
    /// nulls, by polars' own reader, as the frame polars would have written
    /// (large strings read back as polars' strings).
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
            let [ts, message, id, _] = group.parquet_columns() else {
                panic!("four columns");
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

    /// A column whose batch is all nulls, or one integer repeated, is
    /// written plain (no dictionary page) in that row group, and as a
    /// dictionary in a row group where its values vary; every group reads
    /// back as written.
    #[test]
    fn nulls_and_repeated_integers_are_written_plain() {
        let n = 1000;
        let batch = |varied: bool| -> Columns {
            let id: Vec<u32> = (0..n).map(|i| if varied { i % 5 } else { 7 }).collect();
            let pid: Vec<i64> = (0..n)
                .map(|i| if varied { i64::from(i % 3) } else { i64::MIN })
                .collect();
            let rank: Vec<u64> = (0..n).map(|i| u64::from(i % 4)).collect();
            vec![
                ("id", values(id)),
                ("pid", nullable(pid, |&p| p != i64::MIN)),
                ("rank", values(rank)),
            ]
        };
        let mut bytes = Vec::new();
        let first = batch(false);
        let mut w = RowGroupWriter::new(&mut bytes, &first, ParquetCompression::Lz4Raw, &[])
            .expect("writer");
        w.write(first).expect("repeated and null");
        w.write(batch(true)).expect("varied");
        w.finish().expect("footer");
        let meta = read_metadata(&mut Cursor::new(&bytes)).expect("footer");
        let dictionaries: Vec<[bool; 3]> = meta
            .row_groups
            .iter()
            .map(|g| {
                let [id, pid, rank] = g.parquet_columns() else {
                    panic!("three columns");
                };
                [id, pid, rank].map(|c| c.dictionary_page_offset().is_some())
            })
            .collect();
        assert_eq!(dictionaries, [[false, false, true], [true, true, true]]);
        let back = ParquetReader::new(Cursor::new(bytes))
            .finish()
            .expect("read");
        let id: Vec<u32> = (0..n).map(|_| 7).chain((0..n).map(|i| i % 5)).collect();
        let pid: Vec<Option<i64>> = (0..n)
            .map(|_| None)
            .chain((0..n).map(|i| Some(i64::from(i % 3))))
            .collect();
        let rank: Vec<u64> = (0..2 * n).map(|i| u64::from(i % n % 4)).collect();
        let want = DataFrame::new(
            2 * n as usize,
            vec![
                Column::new("id".into(), id),
                Column::new("pid".into(), pid),
                Column::new("rank".into(), rank),
            ],
        )
        .expect("equal lengths");
        assert_eq!(back, want);
    }

    /// A batch whose columns differ from the file's is refused, not
    /// written under the wrong names or types.
    #[test]
    fn a_batch_of_another_shape_is_refused() {
        let mut out = Vec::new();
        let first = columns(0..10);
        let mut w = RowGroupWriter::new(&mut out, &first, ParquetCompression::Lz4Raw, &LAYOUTS)
            .expect("writer");
        let mut renamed = columns(10..20);
        renamed[2].0 = "other";
        assert!(w.write(renamed).is_err());
        let mut retyped = columns(10..20);
        retyped[2].1 = values(vec![0u64; 10]);
        assert!(w.write(retyped).is_err());
        let unknown = [("tss", Layout::Ascending)];
        let refused = RowGroupWriter::new(Vec::new(), &first, ParquetCompression::Lz4Raw, &unknown);
        assert!(refused.is_err(), "a layout for a column the file lacks");
        let mut short = columns(10..20);
        short[2].1 = values(vec![0u32; 9]);
        assert!(w.write(short).is_err());
        assert!(w.write(columns(10..20)).is_ok());
    }

    /// Text whose parts do not hold together (offsets past the text, bytes
    /// that are not UTF-8) is no array, so the caller can fall back.
    #[test]
    fn string_parts_are_checked() {
        let valid = |n: usize| {
            let mut v = MutableBitmap::new();
            v.extend_constant(n, true);
            v
        };
        assert!(string_array(vec![0, 2, 5], b"abcde".to_vec(), valid(2)).is_some());
        assert!(string_array(vec![0, 2, 6], b"abcde".to_vec(), valid(2)).is_none());
        assert!(string_array(vec![0, 2, 5], b"ab\xffde".to_vec(), valid(2)).is_none());
        // A cut inside a character.
        assert!(string_array(vec![0, 1, 3], "éa".as_bytes().to_vec(), valid(2)).is_none());
    }
}
