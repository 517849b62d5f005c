//! How numbers print the way Go prints them (kustomize marshals through
//! Go's JSON and go-yaml). Below both the document model (`Value`'s text of
//! a float) and the emitter.

use std::fmt::Write as _;

/// How a float prints after kustomize's JSON round trip. Go's JSON writes
/// a float64 as its shortest digits, in `%f` form below 1e21 (an integral
/// `9.223372036854776e18` becomes `9223372036854776000`); go-yaml then
/// reads that text back as an integer when it fits `int64` or `uint64` and
/// prints it so, and otherwise as a float printed in `%g` form
/// (`-9223372036854776000` overflows: `-9.223372036854776e+18`; kubectl
/// 1.37).
pub fn format_number_json_roundtrip(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            ".inf".into()
        } else {
            "-.inf".into()
        };
    }
    if f.fract() == 0.0 && f.abs() < 1e21 {
        if f == 0.0 {
            return "0".into();
        }
        let text = shortest_integral_digits(f);
        if text.parse::<i64>().is_ok() || text.parse::<u64>().is_ok() {
            return text;
        }
    }
    format_float_go(f)
}

/// An integral float below 1e21 as Go's `strconv.FormatFloat(f, 'f', -1,
/// 64)` writes it: the shortest digits that read back as `f`, padded with
/// zeros.
fn shortest_integral_digits(f: f64) -> String {
    let e = format!("{:e}", f.abs());
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: usize = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    let mut out = String::with_capacity(exp + 2);
    if f < 0.0 {
        out.push('-');
    }
    out.push_str(&digits);
    for _ in digits.len()..exp + 1 {
        out.push('0');
    }
    out
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)`.
pub fn format_float_go(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    // shortest round-trip digits and decimal exponent from Rust's `{:e}`
    let e = format!("{:e}", f.abs());
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    let nd = digits.len() as i32;
    let mut out = String::new();
    if f < 0.0 {
        out.push('-');
    }
    if !(-4..6).contains(&exp) {
        // %e with nd-1 decimals and a two-digit exponent at least
        out.push_str(&digits[..1]);
        if nd > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let _ = write!(out, "{:02}", exp.abs());
        return out;
    }
    // %f with max(nd - (exp+1), 0) decimals
    let dp = exp + 1;
    if dp <= 0 {
        out.push_str("0.");
        for _ in 0..(-dp) {
            out.push('0');
        }
        out.push_str(&digits);
    } else if dp >= nd {
        out.push_str(&digits);
        for _ in 0..(dp - nd) {
            out.push('0');
        }
    } else {
        out.push_str(&digits[..dp as usize]);
        out.push('.');
        out.push_str(&digits[dp as usize..]);
    }
    out
}
