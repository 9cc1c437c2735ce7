//! Parsing of DICOM DA, TM and DT strings into exact, comparable date-times.
//!
//! * DA: `YYYYMMDD` (also the legacy ACR-NEMA `YYYY.MM.DD`).
//! * TM: `HHMM`, `HHMMSS`, `HHMMSS.F` … `HHMMSS.FFFFFF`, and the legacy `HH:MM[:SS[.F…]]`.
//!   A time given to the hour only (`HH`) is rejected: it is not precise enough to decay a dose.
//! * DT: `YYYYMMDDHHMM[SS[.F…]][&ZZXX]` with an optional UTC offset `+HHMM`/`-HHMM`. A DT
//!   without at least hours and minutes is rejected for the same reason.
//!
//! Leading/trailing spaces and trailing NUL bytes are ignored (DICOM pads values to even
//! length). Fractions are exact: `.012` is 12 000 µs (calculate-suv turns it into 120 ms).
//! Years outside [`MIN_YEAR`]..=[`MAX_YEAR`] are rejected as implausible for a PET
//! acquisition. Nothing here panics on any input.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cmp::Ordering;
use std::fmt;
use thiserror::Error;

/// Earliest year accepted in a DA or DT value.
pub const MIN_YEAR: i32 = 1900;
/// Latest year accepted in a DA or DT value.
pub const MAX_YEAR: i32 = 2200;

const MICROS_PER_SECOND: i64 = 1_000_000;
const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SECOND;

/// Why a DICOM date or time string could not be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DicomTimeError {
    /// The value is empty (or only padding).
    #[error("the value is empty")]
    Empty,
    /// The value does not follow the DICOM format (wrong length or non-digit characters).
    #[error("'{0}' is not in DICOM format")]
    Malformed(String),
    /// A field (month, day, hour, minute, second, UTC offset) is out of range.
    #[error("'{0}' has a field out of range")]
    OutOfRange(String),
    /// The year is outside the plausible range for a PET study.
    #[error("year {0} is not plausible for a PET study")]
    ImplausibleYear(i32),
    /// The value is valid DICOM but too coarse (no minutes) to decay a dose.
    #[error("'{0}' is not precise enough (hours and minutes are needed)")]
    TooCoarse(String),
}

/// A calendar date (proleptic Gregorian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DicomDate {
    /// Year, e.g. 2026.
    pub year: i32,
    /// Month 1–12.
    pub month: u32,
    /// Day of month 1–31.
    pub day: u32,
}

/// A time of day with microsecond resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DicomTime {
    /// Hour 0–23.
    pub hour: u32,
    /// Minute 0–59.
    pub minute: u32,
    /// Second 0–60 (60 only for a leap second).
    pub second: u32,
    /// Microseconds 0–999 999.
    pub micros: u32,
}

/// A date and time of day, with the UTC offset when the DT value carried one.
///
/// Two values compare by the instant they denote: [`DicomDateTime::instant_micros`], which
/// interprets a value without an offset as local time of an (unknown, shared) zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DicomDateTime {
    /// The calendar date.
    pub date: DicomDate,
    /// The time of day.
    pub time: DicomTime,
    /// UTC offset in minutes east of UTC, when the DT value carried `&ZZXX`.
    pub utc_offset_minutes: Option<i32>,
}

fn clean(s: &str) -> &str {
    s.trim_end_matches(['\0', ' ']).trim_start_matches(' ')
}

fn digits(s: &str, whole: &str) -> Result<u32, DicomTimeError> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DicomTimeError::Malformed(whole.to_string()));
    }
    s.parse::<u32>()
        .map_err(|_| DicomTimeError::Malformed(whole.to_string()))
}

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

impl DicomDate {
    /// Builds a validated date.
    pub fn new(year: i32, month: u32, day: u32) -> Result<Self, DicomTimeError> {
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return Err(DicomTimeError::ImplausibleYear(year));
        }
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return Err(DicomTimeError::OutOfRange(format!(
                "{year:04}{month:02}{day:02}"
            )));
        }
        Ok(Self { year, month, day })
    }

    /// Parses a DICOM DA value (`YYYYMMDD`, or legacy `YYYY.MM.DD`).
    pub fn parse_da(value: &str) -> Result<Self, DicomTimeError> {
        let v = clean(value);
        if v.is_empty() {
            return Err(DicomTimeError::Empty);
        }
        let compact: String = if v.len() == 10 && v.as_bytes()[4] == b'.' && v.as_bytes()[7] == b'.'
        {
            v.chars().filter(|c| *c != '.').collect()
        } else {
            v.to_string()
        };
        if compact.len() != 8 {
            return Err(DicomTimeError::Malformed(v.to_string()));
        }
        let year = digits(&compact[0..4], v)? as i32;
        let month = digits(&compact[4..6], v)?;
        let day = digits(&compact[6..8], v)?;
        Self::new(year, month, day)
    }

    /// Days since 1970-01-01 (negative before).
    pub fn days_since_epoch(&self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = if y >= 0 { y } else { y - 399 } / 400;
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let d = i64::from(self.day);
        let mp = if m > 2 { m - 3 } else { m + 9 };
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` days after (negative: before) this one.
    pub fn add_days(&self, days: i64) -> Self {
        let z = self.days_since_epoch() + days + 719_468;
        let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let y = yoe + era * 400;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = y + i64::from(m <= 2);
        Self {
            year: year as i32,
            month: m as u32,
            day: d as u32,
        }
    }
}

fn parse_fraction(f: &str, whole: &str) -> Result<u32, DicomTimeError> {
    if f.is_empty() || f.len() > 6 || !f.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DicomTimeError::Malformed(whole.to_string()));
    }
    let n = digits(f, whole)?;
    // Scale to microseconds: ".012" -> 12_000, ".5" -> 500_000.
    Ok(n * 10u32.pow(6 - f.len() as u32))
}

impl DicomTime {
    /// Builds a validated time of day.
    pub fn new(hour: u32, minute: u32, second: u32, micros: u32) -> Result<Self, DicomTimeError> {
        if hour > 23 || minute > 59 || second > 60 || micros > 999_999 {
            return Err(DicomTimeError::OutOfRange(format!(
                "{hour:02}{minute:02}{second:02}"
            )));
        }
        Ok(Self {
            hour,
            minute,
            second,
            micros,
        })
    }

    /// Parses a DICOM TM value (`HHMM[SS[.F{1,6}]]` or legacy `HH:MM[:SS[.F{1,6}]]`).
    pub fn parse_tm(value: &str) -> Result<Self, DicomTimeError> {
        let v = clean(value);
        if v.is_empty() {
            return Err(DicomTimeError::Empty);
        }
        let (main, frac) = match v.split_once('.') {
            Some((a, b)) => (a, Some(b)),
            None => (v, None),
        };
        let compact: String = if main.contains(':') {
            let parts: Vec<&str> = main.split(':').collect();
            if parts.len() > 3 || parts.iter().any(|p| p.len() != 2) {
                return Err(DicomTimeError::Malformed(v.to_string()));
            }
            parts.concat()
        } else {
            main.to_string()
        };
        match compact.len() {
            2 => return Err(DicomTimeError::TooCoarse(v.to_string())),
            4 | 6 => {}
            _ => return Err(DicomTimeError::Malformed(v.to_string())),
        }
        if frac.is_some() && compact.len() != 6 {
            return Err(DicomTimeError::Malformed(v.to_string()));
        }
        let hour = digits(&compact[0..2], v)?;
        let minute = digits(&compact[2..4], v)?;
        let second = if compact.len() == 6 {
            digits(&compact[4..6], v)?
        } else {
            0
        };
        let micros = match frac {
            Some(f) => parse_fraction(f, v)?,
            None => 0,
        };
        Self::new(hour, minute, second, micros)
    }

    /// Microseconds since midnight.
    pub fn micros_of_day(&self) -> i64 {
        (i64::from(self.hour) * 3600 + i64::from(self.minute) * 60 + i64::from(self.second))
            * MICROS_PER_SECOND
            + i64::from(self.micros)
    }
}

impl DicomDateTime {
    /// Combines a date and a time of day (no UTC offset).
    pub fn from_date_time(date: DicomDate, time: DicomTime) -> Self {
        Self {
            date,
            time,
            utc_offset_minutes: None,
        }
    }

    /// Parses a DA and a TM value into one date-time.
    pub fn parse_da_tm(da: &str, tm: &str) -> Result<Self, DicomTimeError> {
        Ok(Self::from_date_time(
            DicomDate::parse_da(da)?,
            DicomTime::parse_tm(tm)?,
        ))
    }

    /// Parses a DICOM DT value `YYYYMMDDHHMM[SS[.F{1,6}]][&ZZXX]`.
    pub fn parse_dt(value: &str) -> Result<Self, DicomTimeError> {
        let v = clean(value);
        if v.is_empty() {
            return Err(DicomTimeError::Empty);
        }
        // Split off a UTC offset: a '+' or '-' after the date part.
        let (main, offset) = match v
            .char_indices()
            .skip(4)
            .find(|(_, c)| *c == '+' || *c == '-')
        {
            Some((i, _)) => (&v[..i], Some(&v[i..])),
            None => (v, None),
        };
        let utc_offset_minutes = match offset {
            None => None,
            Some(o) => {
                if o.len() != 5 {
                    return Err(DicomTimeError::Malformed(v.to_string()));
                }
                let hh = digits(&o[1..3], v)? as i32;
                let mm = digits(&o[3..5], v)? as i32;
                if hh > 14 || mm > 59 {
                    return Err(DicomTimeError::OutOfRange(v.to_string()));
                }
                let total = hh * 60 + mm;
                Some(if o.starts_with('-') { -total } else { total })
            }
        };
        let (whole, frac) = match main.split_once('.') {
            Some((a, b)) => (a, Some(b)),
            None => (main, None),
        };
        if !whole.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DicomTimeError::Malformed(v.to_string()));
        }
        match whole.len() {
            4 | 6 | 8 | 10 => return Err(DicomTimeError::TooCoarse(v.to_string())),
            12 | 14 => {}
            _ => return Err(DicomTimeError::Malformed(v.to_string())),
        }
        if frac.is_some() && whole.len() != 14 {
            return Err(DicomTimeError::Malformed(v.to_string()));
        }
        let date = DicomDate::parse_da(&whole[0..8]).map_err(|e| match e {
            DicomTimeError::ImplausibleYear(y) => DicomTimeError::ImplausibleYear(y),
            _ => DicomTimeError::OutOfRange(v.to_string()),
        })?;
        let tm = match frac {
            Some(f) => format!("{}.{}", &whole[8..], f),
            None => whole[8..].to_string(),
        };
        let time =
            DicomTime::parse_tm(&tm).map_err(|_| DicomTimeError::OutOfRange(v.to_string()))?;
        Ok(Self {
            date,
            time,
            utc_offset_minutes,
        })
    }

    /// Microseconds since 1970-01-01T00:00 of the local wall clock (the offset is ignored).
    pub fn local_micros(&self) -> i64 {
        self.date.days_since_epoch() * MICROS_PER_DAY + self.time.micros_of_day()
    }

    /// The instant in microseconds, taking the value's own UTC offset, or else
    /// `local_offset_minutes`, or else treating it as UTC (all zone-less values then share
    /// one unknown zone, which is what comparisons within one study need).
    pub fn instant_micros(&self, local_offset_minutes: Option<i32>) -> i64 {
        let off = self
            .utc_offset_minutes
            .or(local_offset_minutes)
            .unwrap_or(0);
        self.local_micros() - i64::from(off) * 60 * MICROS_PER_SECOND
    }

    /// Seconds from `earlier` to `self` (positive when `self` is later).
    pub fn seconds_since(&self, earlier: &Self, local_offset_minutes: Option<i32>) -> f64 {
        let d = self.instant_micros(local_offset_minutes)
            - earlier.instant_micros(local_offset_minutes);
        d as f64 / MICROS_PER_SECOND as f64
    }

    /// This date-time shifted by a whole number of days (wall clock).
    pub fn add_days(&self, days: i64) -> Self {
        Self {
            date: self.date.add_days(days),
            ..*self
        }
    }

    /// This date-time shifted by `seconds` (rounded to the microsecond), keeping its offset.
    pub fn add_seconds(&self, seconds: f64) -> Self {
        let shift = (seconds * MICROS_PER_SECOND as f64).round() as i64;
        let total = self.local_micros() + shift;
        let days = total.div_euclid(MICROS_PER_DAY);
        let rem = total.rem_euclid(MICROS_PER_DAY);
        let secs = rem / MICROS_PER_SECOND;
        let base = DicomDate {
            year: 1970,
            month: 1,
            day: 1,
        };
        Self {
            date: base.add_days(days),
            time: DicomTime {
                hour: (secs / 3600) as u32,
                minute: ((secs / 60) % 60) as u32,
                second: (secs % 60) as u32,
                micros: (rem % MICROS_PER_SECOND) as u32,
            },
            utc_offset_minutes: self.utc_offset_minutes,
        }
    }
}

impl PartialOrd for DicomDateTime {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for DicomDateTime {
    /// Orders by instant, values without an offset being taken as UTC (see
    /// [`DicomDateTime::instant_micros`]).
    fn cmp(&self, other: &Self) -> Ordering {
        self.instant_micros(None)
            .cmp(&other.instant_micros(None))
            .then(self.local_micros().cmp(&other.local_micros()))
    }
}

/// Parses a DICOM UTC offset value such as Timezone Offset From UTC (0008,0201), `+HHMM`.
pub fn parse_utc_offset(value: &str) -> Result<i32, DicomTimeError> {
    let v = clean(value);
    if v.is_empty() {
        return Err(DicomTimeError::Empty);
    }
    if v.len() != 5 || !(v.starts_with('+') || v.starts_with('-')) {
        return Err(DicomTimeError::Malformed(v.to_string()));
    }
    let hh = digits(&v[1..3], v)? as i32;
    let mm = digits(&v[3..5], v)? as i32;
    if hh > 14 || mm > 59 {
        return Err(DicomTimeError::OutOfRange(v.to_string()));
    }
    let t = hh * 60 + mm;
    Ok(if v.starts_with('-') { -t } else { t })
}

impl fmt::Display for DicomDateTime {
    /// ISO 8601, e.g. `2020-12-17T08:30:45.000000` or `…+01:00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}",
            self.date.year,
            self.date.month,
            self.date.day,
            self.time.hour,
            self.time.minute,
            self.time.second,
            self.time.micros
        )?;
        if let Some(o) = self.utc_offset_minutes {
            let sign = if o < 0 { '-' } else { '+' };
            write!(f, "{}{:02}:{:02}", sign, o.abs() / 60, o.abs() % 60)?;
        }
        Ok(())
    }
}

impl Serialize for DicomDateTime {
    /// Serialised as the ISO 8601 string of [`fmt::Display`].
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DicomDateTime {
    /// Accepts a DICOM DT (`20201217084500.000000+0100`) or the ISO form written by
    /// [`Serialize`] (`2020-12-17T08:45:00.000000+01:00`).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let dt = match s.split_once('T') {
            Some((date, time)) => {
                let (t, off) = match time.find(['+', '-']) {
                    Some(i) => (&time[..i], &time[i..]),
                    None => (time, ""),
                };
                format!(
                    "{}{}{}",
                    date.replace('-', ""),
                    t.replace(':', ""),
                    off.replace(':', "")
                )
            }
            None => s,
        };
        Self::parse_dt(&dt).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_da() {
        let d = DicomDate::parse_da("20201217 ").unwrap();
        assert_eq!((d.year, d.month, d.day), (2020, 12, 17));
        assert_eq!(DicomDate::parse_da("2020.12.17").unwrap(), d);
        assert!(DicomDate::parse_da("20200230").is_err());
        assert!(DicomDate::parse_da("20240229").is_ok());
        assert!(DicomDate::parse_da("20230229").is_err());
        assert!(DicomDate::parse_da("2020121").is_err());
        assert!(DicomDate::parse_da("2020-12-17").is_err());
        assert_eq!(
            DicomDate::parse_da("30001127"),
            Err(DicomTimeError::ImplausibleYear(3000))
        );
        assert_eq!(DicomDate::parse_da("  \0"), Err(DicomTimeError::Empty));
    }

    #[test]
    fn parses_tm_variants() {
        let t = DicomTime::parse_tm("104830.351370").unwrap();
        assert_eq!(
            (t.hour, t.minute, t.second, t.micros),
            (10, 48, 30, 351_370)
        );
        assert_eq!(DicomTime::parse_tm("084500.00 ").unwrap().micros, 0);
        assert_eq!(DicomTime::parse_tm("084500.012").unwrap().micros, 12_000);
        assert_eq!(DicomTime::parse_tm("0845").unwrap().second, 0);
        assert_eq!(
            DicomTime::parse_tm("08:45:30.5").unwrap(),
            DicomTime::new(8, 45, 30, 500_000).unwrap()
        );
        assert_eq!(DicomTime::parse_tm("08:45").unwrap().minute, 45);
        assert!(matches!(
            DicomTime::parse_tm("08"),
            Err(DicomTimeError::TooCoarse(_))
        ));
        assert!(DicomTime::parse_tm("246000").is_err());
        assert!(DicomTime::parse_tm("12a000").is_err());
        assert!(DicomTime::parse_tm("120000.1234567").is_err());
        assert!(DicomTime::parse_tm("1200.5").is_err());
        assert!(DicomTime::parse_tm("12:0:00").is_err());
    }

    #[test]
    fn parses_dt_with_offset_and_padding() {
        let dt = DicomDateTime::parse_dt("20201217084500.00 ").unwrap();
        assert_eq!(dt.to_string(), "2020-12-17T08:45:00.000000");
        let z = DicomDateTime::parse_dt("20201217084500+0100").unwrap();
        assert_eq!(z.utc_offset_minutes, Some(60));
        assert_eq!(z.seconds_since(&dt, None), -3600.0);
        let m = DicomDateTime::parse_dt("202012170845-0530").unwrap();
        assert_eq!(m.utc_offset_minutes, Some(-330));
        assert!(matches!(
            DicomDateTime::parse_dt("20201217"),
            Err(DicomTimeError::TooCoarse(_))
        ));
        assert!(DicomDateTime::parse_dt("2020121708450").is_err());
        assert!(DicomDateTime::parse_dt("20201217084500+01").is_err());
        assert!(DicomDateTime::parse_dt("garbage").is_err());
        assert!(DicomDateTime::parse_dt("20201317084500").is_err());
    }

    #[test]
    fn day_arithmetic_round_trips() {
        let d = DicomDate::new(2020, 3, 1).unwrap();
        assert_eq!(d.add_days(-1), DicomDate::new(2020, 2, 29).unwrap());
        assert_eq!(DicomDate::new(1970, 1, 1).unwrap().days_since_epoch(), 0);
        let dt = DicomDateTime::parse_dt("20201231235959.5").unwrap();
        assert_eq!(
            dt.add_seconds(0.5).to_string(),
            "2021-01-01T00:00:00.000000"
        );
        assert_eq!(
            dt.add_seconds(-86400.0).date,
            DicomDate::new(2020, 12, 30).unwrap()
        );
    }

    #[test]
    fn utc_offset_parsing() {
        assert_eq!(parse_utc_offset("+0100"), Ok(60));
        assert_eq!(parse_utc_offset("-0330 "), Ok(-210));
        assert!(parse_utc_offset("0100").is_err());
    }
}
