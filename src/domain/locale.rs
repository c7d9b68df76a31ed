//! A user's language, as a BCP 47 tag (`de`, `pt-BR`, `zh-Hant-TW`): given
//! at registration, or taken from the `Accept-Language` header, and used to
//! pick the templates of the mails and pages they see.
//!
//! Only the shape of a tag is checked (subtags of letters and digits, a
//! language first), and its case is made canonical (`pt-BR`, `zh-Hant`), so
//! the same language always finds the same templates. A value that is not a
//! tag is not an error anywhere: the caller falls back to the default.

use std::fmt;

/// The longest tag kept; real tags are far shorter.
const MAX_LEN: usize = 35;

/// A well-formed language tag in canonical case.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Locale(String);

impl Locale {
    /// A tag such as `de`, `pt-br` or `zh_Hant_TW`, or `None`.
    pub fn parse(raw: &str) -> Option<Locale> {
        let raw = raw.trim();
        if raw.is_empty() || raw.len() > MAX_LEN {
            return None;
        }
        let mut subtags = raw.split(['-', '_']);
        let language = subtags.next()?;
        let letters = |s: &str| s.bytes().all(|b| b.is_ascii_alphabetic());
        if !(2..=8).contains(&language.len()) || !letters(language) {
            return None;
        }
        let mut tag = language.to_ascii_lowercase();
        for subtag in subtags {
            if subtag.is_empty()
                || subtag.len() > 8
                || !subtag.bytes().all(|b| b.is_ascii_alphanumeric())
            {
                return None;
            }
            tag.push('-');
            tag.push_str(&canonical_case(subtag));
        }
        Some(Locale(tag))
    }

    /// The preferred language of an `Accept-Language` header that is a
    /// well-formed tag (`*` and malformed entries are skipped).
    pub fn from_accept_language(header: &str) -> Option<Locale> {
        let mut best: Option<(u16, Locale)> = None;
        for item in header.split(',').take(32) {
            let mut parts = item.split(';');
            let Some(tag) = parts.next().and_then(Locale::parse) else {
                continue;
            };
            let weight = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1000), quality);
            if let Some(weight) = weight.filter(|&w| w > 0)
                && best.as_ref().is_none_or(|(b, _)| weight > *b)
            {
                best = Some((weight, tag));
            }
        }
        best.map(|(_, tag)| tag)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The tag and each shorter tag it falls back to: `pt-BR`, then `pt`.
    pub fn fallbacks(&self) -> impl Iterator<Item = &str> {
        let tag = self.0.as_str();
        let ends = tag
            .match_indices('-')
            .map(|(i, _)| i)
            .rev()
            .collect::<Vec<_>>();
        std::iter::once(tag).chain(ends.into_iter().map(move |end| &tag[..end]))
    }

    /// The primary language alone: `pt` for `pt-BR`.
    pub fn language(&self) -> &str {
        self.0.split('-').next().unwrap_or(&self.0)
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Regions upper case (`BR`), scripts title case (`Hant`), the rest lower.
fn canonical_case(subtag: &str) -> String {
    match subtag.len() {
        2 if subtag.bytes().all(|b| b.is_ascii_alphabetic()) => subtag.to_ascii_uppercase(),
        4 if subtag.bytes().all(|b| b.is_ascii_alphabetic()) => {
            let lower = subtag.to_ascii_lowercase();
            lower[..1].to_ascii_uppercase() + &lower[1..]
        }
        _ => subtag.to_ascii_lowercase(),
    }
}

/// A `q` value (`0.8`) in thousandths; `None` when malformed.
fn quality(q: &str) -> Option<u16> {
    let value: f32 = q.parse().ok()?;
    (0.0..=1.0)
        .contains(&value)
        .then(|| (value * 1000.0).round() as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(s: &str) -> Option<String> {
        Locale::parse(s).map(|l| l.0)
    }

    #[test]
    fn tags_are_made_canonical() {
        assert_eq!(tag("de").as_deref(), Some("de"));
        assert_eq!(tag("PT-br").as_deref(), Some("pt-BR"));
        assert_eq!(tag("zh_hant_tw").as_deref(), Some("zh-Hant-TW"));
        assert_eq!(tag("es-419").as_deref(), Some("es-419"));
        assert_eq!(tag(" en ").as_deref(), Some("en"));
    }

    #[test]
    fn what_is_not_a_tag_is_refused() {
        for bad in [
            "",
            "e",
            "english language",
            "de-",
            "-de",
            "1de",
            "de--DE",
            "de-DE!",
            "<script>",
            &"a".repeat(36),
            "de-abcdefghi",
        ] {
            assert_eq!(tag(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn fallbacks_drop_one_subtag_at_a_time() {
        let l = Locale::parse("zh-Hant-TW").unwrap();
        assert_eq!(
            l.fallbacks().collect::<Vec<_>>(),
            ["zh-Hant-TW", "zh-Hant", "zh"]
        );
        assert_eq!(Locale::parse("de").unwrap().fallbacks().count(), 1);
        assert_eq!(l.language(), "zh");
    }

    #[test]
    fn accept_language_picks_the_highest_quality_tag() {
        let pick = |h: &str| Locale::from_accept_language(h).map(|l| l.0);
        assert_eq!(pick("de-DE,de;q=0.9,en;q=0.8").as_deref(), Some("de-DE"));
        assert_eq!(pick("en;q=0.5, fr;q=0.9").as_deref(), Some("fr"));
        assert_eq!(pick("*, de;q=0.1").as_deref(), Some("de"));
        assert_eq!(pick("de;q=0, en;q=bad").as_deref(), None);
        assert_eq!(pick("").as_deref(), None);
        assert_eq!(pick("no such thing!!").as_deref(), None);
    }
}
