//! How numbers print the way Go prints them (kustomize marshals through
//! Go's JSON and go-yaml). Below both the document model (`Value`'s text of
//! a float) and the emitter.

use std::fmt::Write as _;

/// How a float prints after kustomize's JSON round trip: integral values
/// that fit 64 bits print as integers, the rest as Go's `%g` shortest form.
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
        let i = f as i128;
        if i >= i64::MIN as i128 && i <= u64::MAX as i128 {
            return i.to_string();
        }
    }
    format_float_go(f)
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
