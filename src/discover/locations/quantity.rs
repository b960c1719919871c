//! Kubernetes resource quantities (`512Mi`, `1.5Gi`, `1e9`, `250m`), parsed
//! exactly: integer arithmetic only, no floating point, so `1.5Gi` is
//! 1610612736 bytes and not a rounding of it.
//!
//! Grammar (k8s.io/apimachinery `resource.Quantity`):
//! `[+-] digits [. digits] [suffix]`, suffix one of `Ki Mi Gi Ti Pi Ei`
//! (powers of 1024), `m k M G T P E` (powers of 1000, `m` = 1/1000), or an
//! exponent `e<n>` / `E<n>`. Like Kubernetes, a fractional result is rounded
//! up (a memory of `0.5` is 1 byte; a CPU of `0.0001` is 1 millicore).

use std::fmt;

/// A parsed quantity: `mantissa × 10^exp10 × 2^exp2`, with a sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quantity {
    negative: bool,
    mantissa: u128,
    exp10: i32,
    exp2: u32,
    /// The suffix was `m` (thousandths): fine for CPU, almost always a
    /// mistake for memory (`500m` of memory is half a byte).
    milli: bool,
}

/// Why a quantity was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuantityError(pub String);

impl fmt::Display for QuantityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn err(text: &str, why: &str) -> QuantityError {
    QuantityError(format!("`{text}` is not a Kubernetes quantity: {why}"))
}

const BINARY: [(&str, u32); 6] = [
    ("Ki", 10),
    ("Mi", 20),
    ("Gi", 30),
    ("Ti", 40),
    ("Pi", 50),
    ("Ei", 60),
];
const DECIMAL: [(&str, i32); 7] = [
    ("m", -3),
    ("k", 3),
    ("M", 6),
    ("G", 9),
    ("T", 12),
    ("P", 15),
    ("E", 18),
];

/// Parses a quantity.
pub fn parse(text: &str) -> Result<Quantity, QuantityError> {
    let s = text.trim();
    if s.is_empty() {
        return Err(err(text, "empty"));
    }
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut negative = false;
    if let Some(&c) = bytes.first() {
        if c == b'+' || c == b'-' {
            negative = c == b'-';
            i = 1;
        }
    }
    let mut mantissa: u128 = 0;
    let mut exp10: i32 = 0;
    let mut digits = 0usize;
    let mut seen_point = false;
    while let Some(&c) = bytes.get(i) {
        if c.is_ascii_digit() {
            digits += 1;
            if mantissa == 0 && c == b'0' {
                // Leading zeros add nothing.
            } else {
                mantissa = mantissa
                    .checked_mul(10)
                    .and_then(|m| m.checked_add(u128::from(c - b'0')))
                    .ok_or_else(|| err(text, "too many digits"))?;
            }
            if seen_point {
                exp10 -= 1;
            }
        } else if c == b'.' && !seen_point {
            seen_point = true;
        } else {
            break;
        }
        i += 1;
    }
    if digits == 0 {
        return Err(err(text, "no number"));
    }
    let suffix = &s[i..];
    let mut exp2 = 0;
    let mut milli = false;
    if suffix.is_empty() {
    } else if let Some(&(_, p)) = BINARY.iter().find(|(name, _)| *name == suffix) {
        exp2 = p;
    } else if let Some(&(name, p)) = DECIMAL.iter().find(|(name, _)| *name == suffix) {
        exp10 += p;
        milli = name == "m";
    } else if let Some(exponent) = suffix
        .strip_prefix('e')
        .or_else(|| suffix.strip_prefix('E'))
    {
        let n: i32 = exponent
            .parse()
            .ok()
            .filter(|n: &i32| n.abs() <= 100)
            .ok_or_else(|| err(text, "bad exponent"))?;
        exp10 += n;
    } else {
        let hint = match suffix.to_ascii_lowercase().as_str() {
            "kb" | "mb" | "gb" | "tb" | "kib" | "mib" | "gib" | "b" | "g" | "gi" | "mi" | "ki" => {
                " (Kubernetes writes `Mi`/`Gi` for powers of 1024, `M`/`G` for powers of 1000)"
            }
            _ => "",
        };
        return Err(QuantityError(format!(
            "`{text}` is not a Kubernetes quantity: unknown suffix `{suffix}`{hint}"
        )));
    }
    Ok(Quantity {
        negative,
        mantissa,
        exp10,
        exp2,
        milli,
    })
}

impl Quantity {
    pub fn is_milli(&self) -> bool {
        self.milli
    }

    /// The value times `10^scale`, rounded up to an integer.
    fn scaled(&self, scale: i32, text: &str) -> Result<u64, QuantityError> {
        if self.negative && self.mantissa != 0 {
            return Err(err(text, "negative"));
        }
        let too_large = || err(text, "too large");
        let numerator = 1u128
            .checked_shl(self.exp2)
            .and_then(|p| self.mantissa.checked_mul(p))
            .ok_or_else(too_large)?;
        let e = self.exp10 + scale;
        let value = if e >= 0 {
            let p = 10u128
                .checked_pow(u32::try_from(e).map_err(|_| too_large())?)
                .ok_or_else(too_large)?;
            numerator.checked_mul(p).ok_or_else(too_large)?
        } else {
            match 10u128.checked_pow(e.unsigned_abs()) {
                Some(d) => numerator.div_ceil(d),
                // Dividing by more than 10^38: any non-zero value rounds up to 1.
                None => u128::from(numerator != 0),
            }
        };
        u64::try_from(value).map_err(|_| too_large())
    }
}

/// Memory in bytes, exactly (rounded up to a whole byte like Kubernetes).
pub fn parse_bytes(text: &str) -> Result<u64, QuantityError> {
    parse(text)?.scaled(0, text)
}

/// CPU in millicores (rounded up to a whole millicore like Kubernetes).
pub fn parse_millicores(text: &str) -> Result<u64, QuantityError> {
    parse(text)?.scaled(3, text)
}

/// The shortest exact quantity for a number of bytes: a power-of-1024 suffix
/// when one divides it (`1536Mi`), else a power of 1000 (`500M`), else plain.
/// `parse_bytes(&format_bytes(b)) == Ok(b)` for every `b`.
pub fn format_bytes(bytes: u64) -> String {
    if bytes == 0 {
        return "0".to_string();
    }
    for &(name, p) in BINARY.iter().rev() {
        let unit = 1u64 << p;
        if bytes.is_multiple_of(unit) {
            return format!("{}{name}", bytes / unit);
        }
    }
    for &(name, p) in DECIMAL.iter().rev() {
        if p <= 0 {
            continue;
        }
        let unit = 10u64.pow(p.unsigned_abs());
        if bytes.is_multiple_of(unit) {
            return format!("{}{name}", bytes / unit);
        }
    }
    bytes.to_string()
}

/// Millicores as Kubernetes writes them: `2` for 2000, `250m` for 250.
pub fn format_millicores(millis: u64) -> String {
    if millis.is_multiple_of(1000) {
        (millis / 1000).to_string()
    } else {
        format!("{millis}m")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_is_exact() {
        let cases: &[(&str, u64)] = &[
            ("512Mi", 512 * 1024 * 1024),
            ("2Gi", 2 * 1024 * 1024 * 1024),
            ("1G", 1_000_000_000),
            ("1.5Gi", 1_610_612_736),
            ("500M", 500_000_000),
            ("1e9", 1_000_000_000),
            ("1E9", 1_000_000_000),
            ("128974848", 128_974_848),
            ("129e6", 129_000_000),
            ("123Mi", 128_974_848),
            ("0.5Ki", 512),
            ("1k", 1000),
            ("1Ki", 1024),
            ("1Ti", 1 << 40),
            ("1Pi", 1 << 50),
            ("1Ei", 1 << 60),
            ("+1Mi", 1 << 20),
            ("0", 0),
            ("0.1", 1),
            (".5Gi", 536_870_912),
            ("1.", 1),
            ("007Mi", 7 << 20),
            ("  256Mi ", 256 << 20),
            ("1.000000000000000000001Gi", 1_073_741_825),
        ];
        for &(text, bytes) in cases {
            assert_eq!(parse_bytes(text), Ok(bytes), "{text}");
        }
    }

    #[test]
    fn cpu_in_millicores() {
        let cases: &[(&str, u64)] = &[
            ("250m", 250),
            ("1", 1000),
            ("0.5", 500),
            ("2.5", 2500),
            ("100m", 100),
            ("0.0001", 1),
            ("1e-3", 1),
            ("1k", 1_000_000),
        ];
        for &(text, millis) in cases {
            assert_eq!(parse_millicores(text), Ok(millis), "{text}");
        }
    }

    #[test]
    fn garbage_is_rejected() {
        for text in [
            "",
            "Mi",
            "abc",
            "1.5.2",
            "512MB",
            "1GB",
            "-1Gi",
            "1Zi",
            "1e",
            "1e999",
            "1 Gi",
            "--1",
            "1Gi1",
            "16Ei",
            "99999999999999999999999999999999999999999",
        ] {
            assert!(parse_bytes(text).is_err(), "{text} should be rejected");
        }
        let e = parse_bytes("512MB").unwrap_err();
        assert!(
            e.0.contains("unknown suffix `MB`") && e.0.contains("Mi"),
            "{e}"
        );
        assert!(parse_bytes("-0").is_ok());
    }

    #[test]
    fn milli_memory_is_flagged() {
        let q = parse("500m").unwrap();
        assert!(q.is_milli());
        assert_eq!(parse_bytes("500m"), Ok(1));
        assert_eq!(parse_bytes("128974848000m"), Ok(128_974_848));
        assert!(!parse("500Mi").unwrap().is_milli());
    }

    #[test]
    fn format_round_trips() {
        assert_eq!(format_bytes(1_610_612_736), "1536Mi");
        assert_eq!(format_bytes(2 << 30), "2Gi");
        assert_eq!(format_bytes(500_000_000), "500M");
        assert_eq!(format_bytes(128_974_848), "123Mi");
        assert_eq!(format_bytes(1_000_000_001), "1000000001");
        assert_eq!(format_bytes(0), "0");
        let mut b: u64 = 1;
        for i in 0..2000u64 {
            for candidate in [b, b.wrapping_add(i), i * 1000, i << 20, u64::MAX - i] {
                let text = format_bytes(candidate);
                assert_eq!(parse_bytes(&text), Ok(candidate), "{candidate} -> {text}");
            }
            b = b.wrapping_mul(3).wrapping_add(7);
        }
        for text in [
            "512Mi", "2Gi", "1G", "1.5Gi", "500M", "1e9", "129e6", "123Mi",
        ] {
            let bytes = parse_bytes(text).unwrap();
            assert_eq!(parse_bytes(&format_bytes(bytes)), Ok(bytes), "{text}");
        }
        for m in [0, 1, 250, 1000, 1500, 64_000] {
            assert_eq!(parse_millicores(&format_millicores(m)), Ok(m));
        }
        assert_eq!(format_millicores(250), "250m");
        assert_eq!(format_millicores(2000), "2");
    }
}
