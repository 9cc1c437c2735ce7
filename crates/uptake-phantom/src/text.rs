//! DICOM text encodings: Decimal Strings that fit 16 bytes, dates and times.
//!
//! Every number written as DS goes through [`ds`], and the generator then works with
//! the value *parsed back* from that string ([`ds_value`]), so that geometry and
//! rescale factors used to compute pixel values are exactly what a reader sees.

/// Formats `v` as a DICOM Decimal String of at most 16 characters, choosing the fixed or
/// exponent notation that parses back closest to `v`. Zero (and negative zero) is `"0"`.
pub fn ds(v: f64) -> String {
    ds_max(v, 16)
}

/// Like [`ds`] but at most `max_len` characters (`max_len >= 1`).
pub fn ds_max(v: f64, max_len: usize) -> String {
    if v == 0.0 || !v.is_finite() {
        return "0".to_string();
    }
    let mut best: Option<(String, f64)> = None;
    let mut consider = |s: String| {
        if s.len() > max_len {
            return;
        }
        let s = if s == "-0" { "0".to_string() } else { s };
        let err = match s.parse::<f64>() {
            Ok(p) => (p - v).abs(),
            Err(_) => return,
        };
        match &best {
            Some((_, e)) if *e <= err => {}
            _ => best = Some((s, err)),
        }
    };
    for decimals in (0..=15).rev() {
        let s = trim_fixed(format!("{v:.decimals$}"));
        if s.len() <= max_len {
            consider(s);
            break;
        }
    }
    for digits in (0..=14).rev() {
        let s = format!("{v:.digits$e}");
        if s.len() <= max_len {
            consider(trim_exp(&s));
            break;
        }
    }
    best.map(|(s, _)| s).unwrap_or_else(|| "0".to_string())
}

fn trim_fixed(s: String) -> String {
    if !s.contains('.') {
        return s;
    }
    let t = s.trim_end_matches('0').trim_end_matches('.');
    t.to_string()
}

fn trim_exp(s: &str) -> String {
    match s.split_once('e') {
        Some((m, e)) if m.contains('.') => {
            let m = m.trim_end_matches('0').trim_end_matches('.');
            format!("{m}e{e}")
        }
        _ => s.to_string(),
    }
}

/// A DS value with one trailing space, as Philips writes its private factors: the
/// number is formatted with an odd length (at most 15) so that the space makes the
/// value length even and no further padding is added.
pub fn ds_with_trailing_space(v: f64) -> String {
    let mut max_len = 15;
    loop {
        let s = ds_max(v, max_len);
        if s.len() % 2 == 1 || max_len <= 1 {
            return format!("{s} ");
        }
        max_len = s.len() - 1;
    }
}

/// The value a reader gets from [`ds`]`(v)`.
pub fn ds_value(v: f64) -> f64 {
    ds(v).parse().unwrap_or(0.0)
}

/// Several DS values joined with `\`, and the parsed values.
pub fn ds_multi(values: &[f64]) -> (String, Vec<f64>) {
    let strs: Vec<String> = values.iter().map(|&v| ds(v)).collect();
    let parsed = strs.iter().map(|s| s.parse().unwrap_or(0.0)).collect();
    (strs.join("\\"), parsed)
}

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date {
    /// Year.
    pub year: i32,
    /// Month, 1–12.
    pub month: u32,
    /// Day, 1–31.
    pub day: u32,
}

impl Date {
    /// Days since 1970-01-01 (proleptic Gregorian).
    pub fn to_days(self) -> i64 {
        let (y, m, d) = (self.year as i64, self.month as i64, self.day as i64);
        let y = if m <= 2 { y - 1 } else { y };
        let era = if y >= 0 { y } else { y - 399 } / 400;
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146097 + doe - 719468
    }

    /// The date `days` days after 1970-01-01.
    pub fn from_days(days: i64) -> Date {
        let z = days + 719468;
        let era = if z >= 0 { z } else { z - 146096 } / 146097;
        let doe = z - era * 146097;
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        let y = yoe + era * 400;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        Date {
            year: (if m <= 2 { y + 1 } else { y }) as i32,
            month: m as u32,
            day: d as u32,
        }
    }
}

/// A local date-time, as seconds relative to midnight at the start of a base date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DateTime {
    /// Whole seconds since 1970-01-01T00:00:00 (local time, no zone).
    pub epoch_s: i64,
}

impl DateTime {
    /// `base` at `seconds` after its midnight (may be negative: the day before).
    pub fn at(base: Date, seconds: i64) -> DateTime {
        DateTime {
            epoch_s: base.to_days() * 86_400 + seconds,
        }
    }

    /// This date-time plus `s` seconds.
    pub fn plus(self, s: i64) -> DateTime {
        DateTime {
            epoch_s: self.epoch_s + s,
        }
    }

    /// Seconds from `earlier` to `self`.
    pub fn seconds_since(self, earlier: DateTime) -> i64 {
        self.epoch_s - earlier.epoch_s
    }

    fn split(self) -> (Date, u32, u32, u32) {
        let days = self.epoch_s.div_euclid(86_400);
        let s = self.epoch_s.rem_euclid(86_400) as u32;
        (Date::from_days(days), s / 3600, (s / 60) % 60, s % 60)
    }

    /// DICOM DA: `YYYYMMDD`.
    pub fn da(self) -> String {
        let (d, ..) = self.split();
        format!("{:04}{:02}{:02}", d.year, d.month, d.day)
    }

    /// DICOM TM: `HHMMSS.000000` (six fractional digits, as many scanners write).
    pub fn tm(self) -> String {
        let (_, h, m, s) = self.split();
        format!("{h:02}{m:02}{s:02}.000000")
    }

    /// DICOM DT: `YYYYMMDDHHMMSS.000000` (no UTC offset).
    pub fn dt(self) -> String {
        let (d, h, m, s) = self.split();
        format!(
            "{:04}{:02}{:02}{h:02}{m:02}{s:02}.000000",
            d.year, d.month, d.day
        )
    }

    /// ISO 8601 local date-time `YYYY-MM-DDTHH:MM:SS` (for `truth.json`).
    pub fn iso(self) -> String {
        let (d, h, m, s) = self.split();
        format!(
            "{:04}-{:02}-{:02}T{h:02}:{m:02}:{s:02}",
            d.year, d.month, d.day
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ds_fits_and_round_trips() {
        for &v in &[
            0.0,
            -0.0,
            1.0,
            -222.25,
            3.6458333333333335,
            0.000551234567891,
            350000000.0,
            -512.5000000000001,
            1.0e-20,
            123456789.12345679,
            -std::f64::consts::FRAC_1_SQRT_2,
        ] {
            let s = ds(v);
            assert!(s.len() <= 16, "{s}");
            assert!(!s.starts_with("-0") || s.starts_with("-0."), "{s}");
            let p: f64 = s.parse().unwrap();
            assert!((p - v).abs() <= 1e-10 * v.abs().max(1.0), "{v} -> {s}");
        }
        assert_eq!(ds(-512.5000000000001), "-512.5");
        assert_eq!(ds(0.9765625), "0.9765625");
        assert_eq!(ds(-0.0), "0");
    }

    #[test]
    fn dates() {
        let d = Date {
            year: 2026,
            month: 11,
            day: 20,
        };
        assert_eq!(Date::from_days(d.to_days()), d);
        let t = DateTime::at(d, -1800);
        assert_eq!(t.da(), "20261119");
        assert_eq!(t.tm(), "233000.000000");
        assert_eq!(t.dt(), "20261119233000.000000");
        assert_eq!(DateTime::at(d, 0).iso(), "2026-11-20T00:00:00");
    }
}
