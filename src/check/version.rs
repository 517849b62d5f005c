//! Version strings as vendors write them, ordered numerically.
//!
//! The version is the first dotted number in the text (`0.15` in
//! `release-0.15-l0-release-0.15`, `7.1.0.0` in
//! `aerospike/aerospike-server-enterprise:7.1.0.0`), or failing that the
//! first number that starts the text or follows a `v` or a separator
//! (`v2`, `build-7`). Components compare as numbers (`4.2.0.10` is above
//! `4.2.0.5`) and missing components count as zero (`0.15` equals
//! `0.15.0`). A pre-release tag right after the number (`-rc1`, `.beta2`,
//! `-alpha`, `-pre`, `-dev`, `-snapshot`) sorts before the release; any
//! other suffix (`-l0-release-0.15`, `-ubuntu`) is ignored.

use std::cmp::Ordering;

/// A parsed version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub nums: Vec<u64>,
    /// The pre-release tag (lower case), if any.
    pub pre: Option<String>,
}

const PRE_TAGS: &[&str] = &["alpha", "beta", "rc", "pre", "dev", "snapshot"];

impl Version {
    /// The version found in `s`, if any.
    pub fn parse(s: &str) -> Option<Version> {
        let b = s.as_bytes();
        let (start, end) = dotted(b).or_else(|| single(b))?;
        let nums = s[start..end]
            .split('.')
            .map(|p| p.parse::<u64>().unwrap_or(u64::MAX))
            .collect();
        Some(Version {
            nums,
            pre: pre_tag(&s[end..]),
        })
    }
}

/// The first `\d+(\.\d+)+` in `b`.
fn dotted(b: &[u8]) -> Option<(usize, usize)> {
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_digit()) {
            let start = i;
            let mut j = i;
            let mut dots = 0;
            loop {
                while j < b.len() && b[j].is_ascii_digit() {
                    j += 1;
                }
                if j + 1 < b.len() && b[j] == b'.' && b[j + 1].is_ascii_digit() {
                    dots += 1;
                    j += 1;
                } else {
                    break;
                }
            }
            if dots > 0 {
                return Some((start, j));
            }
            i = j;
        } else {
            i += 1;
        }
    }
    None
}

/// The first number at the start, after `v`/`V` at the start, or after a
/// non-alphanumeric character.
fn single(b: &[u8]) -> Option<(usize, usize)> {
    for i in 0..b.len() {
        if !b[i].is_ascii_digit() || (i > 0 && b[i - 1].is_ascii_digit()) {
            continue;
        }
        let ok = i == 0
            || !b[i - 1].is_ascii_alphanumeric()
            || (i == 1 && matches!(b[0], b'v' | b'V'))
            || (i >= 2 && matches!(b[i - 1], b'v' | b'V') && !b[i - 2].is_ascii_alphanumeric());
        if ok {
            let mut j = i;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            return Some((i, j));
        }
    }
    None
}

fn pre_tag(rest: &str) -> Option<String> {
    let r = rest.strip_prefix(['-', '.', '_', '+']).unwrap_or(rest);
    let word: String = r
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect::<String>()
        .to_ascii_lowercase();
    PRE_TAGS.iter().any(|t| word.starts_with(t)).then_some(word)
}

impl Ord for Version {
    fn cmp(&self, other: &Version) -> Ordering {
        let n = self.nums.len().max(other.nums.len());
        for i in 0..n {
            let a = self.nums.get(i).copied().unwrap_or(0);
            let b = other.nums.get(i).copied().unwrap_or(0);
            match a.cmp(&b) {
                Ordering::Equal => continue,
                o => return o,
            }
        }
        match (&self.pre, &other.pre) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(a), Some(b)) => crate::yaml::emit::natural_cmp(a, b),
        }
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Version) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let nums: Vec<String> = self.nums.iter().map(u64::to_string).collect();
        write!(f, "{}", nums.join("."))?;
        if let Some(p) = &self.pre {
            write!(f, "-{p}")?;
        }
        Ok(())
    }
}

/// Compares two version strings; `None` when either holds no version.
pub fn compare(a: &str, b: &str) -> Option<Ordering> {
    Some(Version::parse(a)?.cmp(&Version::parse(b)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap_or_else(|| panic!("no version in {s}"))
    }

    #[test]
    fn finds_the_version_in_vendor_strings() {
        assert_eq!(v("release-0.15-l0-release-0.15").nums, vec![0, 15]);
        assert_eq!(v("l0-release-0.15").nums, vec![0, 15]);
        assert_eq!(v("v1.2.3").nums, vec![1, 2, 3]);
        assert_eq!(v("4.2.0.10").nums, vec![4, 2, 0, 10]);
        assert_eq!(
            v("aerospike/aerospike-server-enterprise:7.1.0.0").nums,
            vec![7, 1, 0, 0]
        );
        assert_eq!(v("registry:5000/aerospike:6.4.0.2").nums, vec![6, 4, 0, 2]);
        assert_eq!(v("7").nums, vec![7]);
        assert_eq!(v("v2").nums, vec![2]);
        assert_eq!(v("build-7").nums, vec![7]);
        assert!(Version::parse("latest").is_none());
        assert!(Version::parse("l0").is_none());
        assert!(Version::parse("").is_none());
    }

    #[test]
    fn orders_numerically() {
        assert!(v("4.2.0.10") > v("4.2.0.5"));
        assert!(v("0.15") > v("0.9"));
        assert_eq!(v("0.15"), v("0.15").clone());
        assert_eq!(v("0.15").cmp(&v("0.15.0")), Ordering::Equal);
        assert_eq!(
            v("release-0.15-l0-release-0.15").cmp(&v("v0.15")),
            Ordering::Equal
        );
        assert!(v("release-0.14-l0-release-0.14") < v("release-0.15-l0-release-0.15"));
        assert!(v("1.10.0") > v("1.9.9"));
    }

    #[test]
    fn pre_releases_come_first() {
        assert!(v("1.2.3-rc1") < v("1.2.3"));
        assert!(v("1.2.3-rc1") < v("1.2.3-rc2"));
        assert!(v("1.2.3-rc2") < v("1.2.3-rc10"));
        assert!(v("1.2.3-alpha") < v("1.2.3-beta"));
        assert!(v("1.2.3-rc1") > v("1.2.2"));
        // other suffixes are labels, not pre-releases
        assert_eq!(v("1.2.3-ubuntu").cmp(&v("1.2.3")), Ordering::Equal);
        assert_eq!(v("1.2.3-rc1").to_string(), "1.2.3-rc1");
    }

    #[test]
    fn compare_strings() {
        assert_eq!(compare("0.14", "0.15"), Some(Ordering::Less));
        assert_eq!(compare("latest", "0.15"), None);
    }
}
