//! Stream processing and feature pipelines (reference solutions): windowed features with a
//! watermark, exactly-once processing under crashes, an idempotent backfill, schema validation,
//! robust anomaly flags, a cron schedule and a feature DAG that reruns only what changed.

use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};

// ---------------------------------------------------------------------------------------------
// Windowed features

/// One event of a stream: a key (a user, a device), its event time and an integer value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub key: String,
    /// Milliseconds since 1970-01-01 00:00 UTC (the event's own time, not its arrival).
    pub time: i64,
    pub value: i64,
}

/// Windows of `size_ms` starting every `hop_ms` (`0 < hop_ms <= size_ms`; tumbling windows have
/// `hop_ms == size_ms`), and how far the watermark trails the latest event time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowSpec {
    pub size_ms: i64,
    pub hop_ms: i64,
    pub lateness_ms: i64,
}

/// One window's features, as it was emitted.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowFeatures {
    pub key: String,
    /// The window is `[start, end)`.
    pub start: i64,
    pub end: i64,
    pub count: u64,
    pub sum: i64,
    pub max: i64,
    /// `sum as f64 / count as f64`.
    pub mean: f64,
    /// The index of the event whose arrival moved the watermark past the window's end, or the
    /// number of events when the window was flushed at the end of the stream.
    pub fired_after: usize,
}

/// Every emitted window, in the order emitted, and how many (event, window) pairs came late.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Windowed {
    pub windows: Vec<WindowFeatures>,
    pub late: u64,
}

/// The running aggregate of an open window.
#[derive(Clone, Copy)]
struct Acc {
    count: u64,
    sum: i64,
    max: i64,
}

pub fn window_features(spec: &WindowSpec, events: &[Event]) -> Windowed {
    // Open windows by (end, key, start): the ones to fire first come first.
    let mut open: BTreeMap<(i64, String, i64), Acc> = BTreeMap::new();
    let mut out = Windowed::default();
    let mut watermark = i64::MIN;
    let fire = |open: &mut BTreeMap<(i64, String, i64), Acc>, upto: i64, at: usize, out: &mut Windowed| {
        while let Some(entry) = open.first_entry() {
            if entry.key().0 > upto {
                break;
            }
            let ((end, key, start), a) = entry.remove_entry();
            out.windows.push(WindowFeatures {
                key,
                start,
                end,
                count: a.count,
                sum: a.sum,
                max: a.max,
                mean: a.sum as f64 / a.count as f64,
                fired_after: at,
            });
        }
    };
    for (i, e) in events.iter().enumerate() {
        // The windows [s, s + size) with s a multiple of hop and s <= t < s + size.
        let last = e.time.div_euclid(spec.hop_ms) * spec.hop_ms;
        let mut start = last;
        while start > e.time - spec.size_ms {
            let end = start + spec.size_ms;
            if end <= watermark {
                out.late += 1;
            } else {
                let a = open.entry((end, e.key.clone(), start)).or_insert(Acc { count: 0, sum: 0, max: i64::MIN });
                a.count += 1;
                a.sum += e.value;
                a.max = a.max.max(e.value);
            }
            start -= spec.hop_ms;
        }
        watermark = watermark.max(e.time - spec.lateness_ms);
        fire(&mut open, watermark, i, &mut out);
    }
    fire(&mut open, i64::MAX, events.len(), &mut out);
    out
}

// ---------------------------------------------------------------------------------------------
// Exactly-once processing

/// One record of a log; its offset is its position in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The event's id: the producer may have written the same event twice (same id, key and
    /// amount) at two offsets.
    pub id: String,
    pub key: String,
    pub amount: i64,
}

/// A durable key-value store: what survives a crash. Writes are applied in atomic batches: a
/// crash never leaves half a batch written.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Store {
    entries: BTreeMap<String, i64>,
    batches: Vec<Vec<(String, i64)>>,
}

impl Store {
    /// The value stored under `key`.
    pub fn get(&self, key: &str) -> Option<i64> {
        self.entries.get(key).copied()
    }

    /// Writes every `(key, value)` of the batch at once (a later write to the same key wins).
    pub fn commit(&mut self, batch: Vec<(String, i64)>) {
        for (k, v) in &batch {
            self.entries.insert(k.clone(), *v);
        }
        self.batches.push(batch);
    }

    /// Everything stored, by key.
    pub fn entries(&self) -> &BTreeMap<String, i64> {
        &self.entries
    }

    /// How many batches were committed so far.
    pub fn commits(&self) -> usize {
        self.batches.len()
    }

    /// The store as it was after its first `commits` batches: what a crash leaves of it.
    pub fn rolled_back(&self, commits: usize) -> Store {
        let mut store = Store::default();
        for batch in &self.batches[..commits.min(self.batches.len())] {
            store.commit(batch.clone());
        }
        store
    }
}

/// A consumer of the log, restarted after every crash.
pub trait Consumer {
    /// Starts, or restarts after a crash, from what the store holds.
    fn open(store: &Store) -> Self
    where
        Self: Sized;

    /// Processes the record at `offset`.
    fn apply(&mut self, offset: u64, record: &Record, store: &mut Store);
}

/// Per-key totals of `amount`, written to the store under `total:<key>`.
pub struct Totals {}

impl Consumer for Totals {
    fn open(_store: &Store) -> Totals {
        Totals {}
    }

    fn apply(&mut self, _offset: u64, record: &Record, store: &mut Store) {
        let seen = format!("seen:{}", record.id);
        if store.get(&seen).is_some() {
            return;
        }
        let total = format!("total:{}", record.key);
        let new = store.get(&total).unwrap_or(0) + record.amount;
        // The total and the mark that this event counted, in one batch.
        store.commit(vec![(total, new), (seen, 1)]);
    }
}

// ---------------------------------------------------------------------------------------------
// Backfill

/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;

/// One raw event of the history: who, when (milliseconds since 1970-01-01 00:00 UTC), how much.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawEvent {
    pub user: String,
    pub time_ms: i64,
    pub amount: i64,
}

/// The aggregate of one day's partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DailyAggregate {
    pub count: u64,
    pub sum: i64,
    /// Distinct users.
    pub users: u64,
}

/// A table partitioned by day: day number (days since 1970-01-01, negative before) to its
/// aggregate.
pub type DailyTable = BTreeMap<i64, DailyAggregate>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackfillError {
    /// `first_day > last_day`.
    EmptyRange,
}

pub fn backfill(
    table: &mut DailyTable,
    events: &[RawEvent],
    first_day: i64,
    last_day: i64,
) -> Result<(), BackfillError> {
    if first_day > last_day {
        return Err(BackfillError::EmptyRange);
    }
    let mut days: BTreeMap<i64, (DailyAggregate, BTreeSet<&str>)> =
        (first_day..=last_day).map(|d| (d, Default::default())).collect();
    for e in events {
        if let Some((agg, users)) = days.get_mut(&e.time_ms.div_euclid(DAY_MS)) {
            agg.count += 1;
            agg.sum += e.amount;
            users.insert(&e.user);
        }
    }
    for (day, (mut agg, users)) in days {
        agg.users = users.len() as u64;
        table.insert(day, agg);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Schema validation and anomalies

/// The JSON type a field must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// A JSON number written without a fraction or an exponent.
    Integer,
    /// Any JSON number.
    Number,
    String,
    Bool,
}

/// One field of a schema.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldSpec {
    pub name: String,
    pub kind: FieldType,
    pub required: bool,
    pub nullable: bool,
    /// Inclusive bounds of a numeric field.
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// The values a string field may take.
    pub allowed: Option<Vec<String>>,
}

/// What is wrong with one field of one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViolationKind {
    NotAnObject,
    Missing,
    Null,
    WrongType,
    BelowMin,
    AboveMax,
    NotAllowed,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub record: usize,
    /// The field's name; empty for `NotAnObject`.
    pub field: String,
    pub kind: ViolationKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValidationError {
    /// The text is not JSON.
    InvalidJson,
    /// The JSON is not an array.
    NotAnArray,
}

fn parse_records(records_json: &str) -> Result<Vec<serde_json::Value>, ValidationError> {
    match serde_json::from_str(records_json).map_err(|_| ValidationError::InvalidJson)? {
        serde_json::Value::Array(records) => Ok(records),
        _ => Err(ValidationError::NotAnArray),
    }
}

fn check_field(spec: &FieldSpec, value: Option<&serde_json::Value>) -> Option<ViolationKind> {
    use serde_json::Value as J;
    let value = match value {
        None => return spec.required.then_some(ViolationKind::Missing),
        Some(J::Null) => return (!spec.nullable).then_some(ViolationKind::Null),
        Some(v) => v,
    };
    let right_type = match spec.kind {
        FieldType::Integer => value.is_i64() || value.is_u64(),
        FieldType::Number => value.is_number(),
        FieldType::String => value.is_string(),
        FieldType::Bool => value.is_boolean(),
    };
    if !right_type {
        return Some(ViolationKind::WrongType);
    }
    if let Some(x) = value.as_f64() {
        if spec.min.is_some_and(|min| x < min) {
            return Some(ViolationKind::BelowMin);
        }
        if spec.max.is_some_and(|max| x > max) {
            return Some(ViolationKind::AboveMax);
        }
    }
    if let (Some(s), Some(allowed)) = (value.as_str(), &spec.allowed) {
        if !allowed.iter().any(|a| a == s) {
            return Some(ViolationKind::NotAllowed);
        }
    }
    None
}

pub fn validate(schema: &[FieldSpec], records_json: &str) -> Result<Vec<Violation>, ValidationError> {
    let records = parse_records(records_json)?;
    let mut out = Vec::new();
    for (i, record) in records.iter().enumerate() {
        let Some(object) = record.as_object() else {
            out.push(Violation { record: i, field: String::new(), kind: ViolationKind::NotAnObject });
            continue;
        };
        // By field name: the schema's fields and the record's unknown ones.
        let mut found: BTreeMap<&str, ViolationKind> = BTreeMap::new();
        for spec in schema {
            if let Some(kind) = check_field(spec, object.get(&spec.name)) {
                found.insert(&spec.name, kind);
            }
        }
        for name in object.keys() {
            if !schema.iter().any(|s| &s.name == name) {
                found.insert(name, ViolationKind::Unknown);
            }
        }
        out.extend(found.into_iter().map(|(field, kind)| Violation { record: i, field: field.to_string(), kind }));
    }
    Ok(out)
}

/// One numeric field's robust statistics and the records it flags.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldAnomalies {
    pub field: String,
    pub median: f64,
    /// The median absolute deviation from the median.
    pub mad: f64,
    /// The records flagged, by index, ascending.
    pub flagged: Vec<usize>,
}

/// The scale of the modified z-score: Φ⁻¹(0.75), so that MAD / 0.6745 estimates σ for normal data.
pub const MAD_SCALE: f64 = 0.6745;

fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

pub fn robust_anomalies(
    schema: &[FieldSpec],
    records_json: &str,
    threshold: f64,
) -> Result<Vec<FieldAnomalies>, ValidationError> {
    let records = parse_records(records_json)?;
    let mut out = Vec::new();
    for spec in schema.iter().filter(|s| matches!(s.kind, FieldType::Integer | FieldType::Number)) {
        let values: Vec<(usize, f64)> = records
            .iter()
            .enumerate()
            .filter_map(|(i, r)| Some((i, r.as_object()?.get(&spec.name)?.as_f64()?)))
            .collect();
        if values.is_empty() {
            continue;
        }
        let mut xs: Vec<f64> = values.iter().map(|v| v.1).collect();
        xs.sort_by(f64::total_cmp);
        let m = median(&xs);
        let mut deviations: Vec<f64> = xs.iter().map(|x| (x - m).abs()).collect();
        deviations.sort_by(f64::total_cmp);
        let mad = median(&deviations);
        let flagged = values
            .iter()
            .filter(|&&(_, x)| if mad == 0.0 { x != m } else { (MAD_SCALE * (x - m) / mad).abs() > threshold })
            .map(|v| v.0)
            .collect();
        out.push(FieldAnomalies { field: spec.name.clone(), median: m, mad, flagged });
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Scheduled jobs

/// A minute of the calendar (UTC, proleptic Gregorian).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    /// 1 to 12.
    pub month: u32,
    /// 1 to 31.
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    /// 0 = Sunday to 6 = Saturday.
    pub weekday: u32,
}

/// The calendar minute of `minutes` since 1970-01-01 00:00 UTC (negative before), by Howard
/// Hinnant's `civil_from_days` (<https://howardhinnant.github.io/date_algorithms.html>).
pub fn civil(minutes: i64) -> Civil {
    let days = minutes.div_euclid(1440);
    let in_day = minutes.rem_euclid(1440);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    Civil {
        year,
        month,
        day,
        hour: (in_day / 60) as u32,
        minute: (in_day % 60) as u32,
        // 1970-01-01 was a Thursday.
        weekday: (days + 4).rem_euclid(7) as u32,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CronError {
    /// Not exactly five fields.
    FieldCount,
    /// An item that is not `*`, a number, a range or a step (an empty item, a letter, `1-`).
    Syntax,
    /// A number outside its field's range, a range whose start is after its end, a step of 0.
    OutOfRange,
}

/// The horizon of the search: 8 years of 366 days, in minutes.
pub const HORIZON_MINUTES: i64 = 8 * 366 * 1440;

/// One field of a cron expression: the values it allows, and whether it starts with `*`.
struct CronField {
    allowed: Vec<bool>,
    star: bool,
}

fn number(s: &str) -> Result<u32, CronError> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CronError::Syntax);
    }
    s.parse().map_err(|_| CronError::OutOfRange)
}

fn parse_field(text: &str, lo: u32, hi: u32) -> Result<CronField, CronError> {
    let mut allowed = vec![false; hi as usize + 1];
    for item in text.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => (r, Some(number(s)?)),
            None => (item, None),
        };
        let (a, b) = if range == "*" {
            (lo, hi)
        } else if let Some((a, b)) = range.split_once('-') {
            (number(a)?, number(b)?)
        } else {
            let a = number(range)?;
            (a, if step.is_some() { hi } else { a })
        };
        if a < lo || b > hi || a > b || step == Some(0) {
            return Err(CronError::OutOfRange);
        }
        for v in (a..=b).step_by(step.unwrap_or(1) as usize) {
            allowed[v as usize] = true;
        }
    }
    Ok(CronField { allowed, star: text.starts_with('*') })
}

pub fn next_runs(expr: &str, after: i64, n: usize) -> Result<Vec<i64>, CronError> {
    let fields: Vec<&str> = expr.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(CronError::FieldCount);
    }
    let minute = parse_field(fields[0], 0, 59)?;
    let hour = parse_field(fields[1], 0, 23)?;
    let dom = parse_field(fields[2], 1, 31)?;
    let month = parse_field(fields[3], 1, 12)?;
    let dow = parse_field(fields[4], 0, 6)?;
    let mut runs = Vec::new();
    let first_day = (after + 1).div_euclid(1440);
    let end = after + HORIZON_MINUTES;
    let mut day = first_day;
    while runs.len() < n && day * 1440 <= end {
        let c = civil(day * 1440);
        let (d, w) = (dom.allowed[c.day as usize], dow.allowed[c.weekday as usize]);
        let day_matches = if dom.star || dow.star { d && w } else { d || w };
        if month.allowed[c.month as usize] && day_matches {
            for h in (0..24).filter(|&h| hour.allowed[h]) {
                for m in (0..60).filter(|&m| minute.allowed[m]) {
                    let t = day * 1440 + (h * 60 + m) as i64;
                    if t > after && t <= end && runs.len() < n {
                        runs.push(t);
                    }
                }
            }
        }
        day += 1;
    }
    Ok(runs)
}

// ---------------------------------------------------------------------------------------------
// A feature DAG

/// One step of a feature pipeline: its name and what it reads (sources or other steps).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub name: String,
    pub inputs: Vec<String>,
}

/// What a run of the pipeline does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Every step, in the order they run in.
    pub order: Vec<String>,
    /// The steps that must run (their digest changed), in `order`.
    pub run: Vec<String>,
    /// Every step's digest.
    pub digests: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DagError {
    /// Two steps share a name, or a step is named like a source.
    DuplicateStep,
    /// An input that is neither a source nor a step.
    UnknownInput,
    /// The steps depend on each other in a circle.
    Cycle,
}

pub fn plan(
    steps: &[Step],
    sources: &BTreeMap<String, String>,
    previous: &BTreeMap<String, String>,
) -> Result<Plan, DagError> {
    let mut by_name: HashMap<&str, &Step> = HashMap::new();
    for s in steps {
        if sources.contains_key(&s.name) || by_name.insert(&s.name, s).is_some() {
            return Err(DagError::DuplicateStep);
        }
    }
    if steps.iter().flat_map(|s| &s.inputs).any(|i| !sources.contains_key(i) && !by_name.contains_key(i.as_str())) {
        return Err(DagError::UnknownInput);
    }
    // Kahn's algorithm, the ready steps in a set ordered by name.
    let mut waiting: HashMap<&str, usize> = steps
        .iter()
        .map(|s| (s.name.as_str(), s.inputs.iter().filter(|i| by_name.contains_key(i.as_str())).count()))
        .collect();
    let mut ready: BTreeSet<&str> = waiting.iter().filter(|(_, &n)| n == 0).map(|(&s, _)| s).collect();
    let mut order: Vec<String> = Vec::new();
    while let Some(name) = ready.pop_first() {
        order.push(name.to_string());
        for s in steps {
            // A step that reads `name` twice waits for it twice.
            for _ in s.inputs.iter().filter(|i| i.as_str() == name) {
                let n = waiting.get_mut(s.name.as_str()).expect("every step waits");
                *n -= 1;
                if *n == 0 {
                    ready.insert(&s.name);
                }
            }
        }
    }
    if order.len() < steps.len() {
        return Err(DagError::Cycle);
    }
    let mut digests: BTreeMap<String, String> = BTreeMap::new();
    for name in &order {
        let mut text = format!("{name}\n");
        for input in &by_name[name.as_str()].inputs {
            let d = sources.get(input).or_else(|| digests.get(input)).expect("inputs are ordered first");
            text.push_str(&format!("{input}={d}\n"));
        }
        let hex: String = Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
        digests.insert(name.clone(), hex);
    }
    let run = order.iter().filter(|s| previous.get(*s) != digests.get(*s)).cloned().collect();
    Ok(Plan { order, run, digests })
}
