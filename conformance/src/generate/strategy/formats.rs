//! Strings of the `format`s the specs use (and the draft-4 ones a hand-written spec may add),
//! built from parts so they shrink towards simple, still valid values.
//!
//! `password`, `binary` and unknown formats have no strategy here: they are plain strings.

use std::borrow::Cow;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use proptest::collection::vec;
use proptest::prelude::any;
use proptest::sample::select;
use proptest::strategy::{BoxedStrategy, Strategy};

/// A strategy for strings of `format`, or `None` when the format puts no shape on the string.
pub fn strategy(format: &str) -> Option<BoxedStrategy<String>> {
    Some(match format {
        "uuid" => any::<[u8; 16]>().prop_map(uuid).boxed(),
        "date-time" => date_time(),
        "date" => date().boxed(),
        "email" => (
            word(1, 12),
            word(1, 10),
            select(&["com", "org", "net", "io"][..]),
        )
            .prop_map(|(local, domain, tld)| format!("{local}@{domain}.{tld}"))
            .boxed(),
        "uri" | "url" | "uri-reference" | "iri" => (word(1, 10), word(0, 12))
            .prop_map(|(host, path)| format!("https://{host}.example/{path}"))
            .boxed(),
        "hostname" => word(1, 12).prop_map(|h| format!("{h}.example.com")).boxed(),
        "ipv4" => any::<[u8; 4]>()
            .prop_map(|b| format!("{}.{}.{}.{}", b[0], b[1], b[2], b[3]))
            .boxed(),
        "ipv6" => any::<[u16; 8]>()
            .prop_map(|g| {
                g.iter()
                    .map(|x| format!("{x:x}"))
                    .collect::<Vec<_>>()
                    .join(":")
            })
            .boxed(),
        // Standard base64 with padding (RFC 4648), as `format: byte` requires.
        "byte" => vec(any::<u8>(), 0..=24)
            .prop_map(|b| STANDARD.encode(b))
            .boxed(),
        _ => return None,
    })
}

/// Lower-case letters and digits, `min..=max` of them.
fn word(min: usize, max: usize) -> BoxedStrategy<String> {
    const ALNUM: &[std::ops::RangeInclusive<char>] = &['a'..='z', '0'..='9'];
    vec(proptest::char::ranges(Cow::Borrowed(ALNUM)), min..=max)
        .prop_map(String::from_iter)
        .boxed()
}

/// `YYYY-MM-DD` with day 1–28, valid in every month.
fn date() -> impl Strategy<Value = String> {
    (1970u32..=2099, 1u32..=12, 1u32..=28).prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}"))
}

/// RFC 3339 date-time: UTC or an offset, with or without fractional seconds.
fn date_time() -> BoxedStrategy<String> {
    let time = (
        0u32..24,
        0u32..60,
        0u32..60,
        proptest::option::of(0u32..1000),
    );
    let offset = select(&["Z", "+00:00", "+09:00", "-05:30"][..]);
    (date(), time, offset)
        .prop_map(|(date, (h, m, s, frac), offset)| {
            let frac = frac.map(|f| format!(".{f:03}")).unwrap_or_default();
            format!("{date}T{h:02}:{m:02}:{s:02}{frac}{offset}")
        })
        .boxed()
}

/// A version-4 UUID from 16 random bytes, written digit by digit into one string (a
/// `format!` per byte was a tenth of drawing an xsolla case, whose ids are UUIDs).
fn uuid(mut b: [u8; 16]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let mut out = String::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    #[test]
    fn a_uuid_is_its_bytes_in_groups_with_version_4_and_the_rfc_variant() {
        assert_eq!(uuid([0; 16]), "00000000-0000-4000-8000-000000000000");
        assert_eq!(uuid([0xff; 16]), "ffffffff-ffff-4fff-bfff-ffffffffffff");
        let counting: [u8; 16] = std::array::from_fn(|i| (i as u8) * 17);
        assert_eq!(uuid(counting), "00112233-4455-4677-8899-aabbccddeeff");
    }

    #[test]
    fn bytes_are_padded_standard_base64() {
        let mut runner = TestRunner::deterministic();
        let s = strategy("byte").unwrap();
        for _ in 0..100 {
            let value = s.new_tree(&mut runner).unwrap().current();
            let decoded = STANDARD.decode(&value);
            assert!(decoded.is_ok_and(|b| b.len() <= 24), "{value}");
            assert_eq!(value.len() % 4, 0, "{value}");
        }
    }

    #[test]
    fn formatted_strings_pass_the_format_validators() {
        let mut runner = TestRunner::deterministic();
        for format in [
            "uuid",
            "date-time",
            "date",
            "email",
            "uri",
            "hostname",
            "ipv4",
            "ipv6",
        ] {
            let schema = serde_json::json!({"type": "string", "format": format});
            let v = gamespec_spec::schema::compile(
                &serde_json::json!({}),
                gamespec_spec::schema::Direction::Request,
                &schema,
            )
            .unwrap();
            let s = strategy(format).unwrap();
            for _ in 0..100 {
                let value = s.new_tree(&mut runner).unwrap().current();
                assert!(v.is_valid(&serde_json::json!(value)), "{format}: {value}");
            }
        }
        assert!(strategy("password").is_none());
        assert!(strategy("no-such-format").is_none());
    }
}
