//! Colour arithmetic for tenant branding: WCAG 2.1 contrast ratios, so text placed on a
//! space's colours stays readable (AA asks for 4.5:1 for body text).

/// Relative luminance of `#rrggbb` (WCAG 2.1 definition). `None` for anything else.
pub fn luminance(hex: &str) -> Option<f64> {
    let hex = hex.strip_prefix('#')?;
    if hex.len() != 6 {
        return None;
    }
    let channel = |i: usize| -> Option<f64> {
        let c = f64::from(u8::from_str_radix(hex.get(i..i + 2)?, 16).ok()?) / 255.0;
        Some(if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        })
    };
    Some(0.2126 * channel(0)? + 0.7152 * channel(2)? + 0.0722 * channel(4)?)
}

/// Contrast ratio between two colours, from 1 to 21.
pub fn contrast_ratio(a: &str, b: &str) -> Option<f64> {
    let (la, lb) = (luminance(a)?, luminance(b)?);
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    Some((hi + 0.05) / (lo + 0.05))
}

/// Black or white, whichever reads better on `background`.
pub fn text_color_on(background: &str) -> &'static str {
    let on_white = contrast_ratio(background, "#ffffff").unwrap_or(21.0);
    let on_black = contrast_ratio(background, "#000000").unwrap_or(1.0);
    if on_white >= on_black { "#ffffff" } else { "#000000" }
}

/// WCAG AA minimum for the primary colour, which is used for text and links on white (4.5:1).
/// Text *on* the primary colour is black or white, whichever reads better ([`text_color_on`]).
/// The secondary colour only draws decorative borders, so any colour will do.
pub const PRIMARY_MIN_CONTRAST: f64 = 4.5;

/// Why a pair of brand colours is refused (a locale key), if it is.
pub fn check_brand_colours(primary: &str, secondary: &str) -> Result<(), &'static str> {
    match (contrast_ratio(primary, "#ffffff"), luminance(secondary)) {
        (None, _) | (_, None) => Err("console.colour_invalid"),
        (Some(p), _) if p < PRIMARY_MIN_CONTRAST => Err("console.colour_primary_contrast"),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wcag_reference_values() {
        assert!((contrast_ratio("#000000", "#ffffff").unwrap() - 21.0).abs() < 1e-9);
        assert!((contrast_ratio("#777777", "#ffffff").unwrap() - 4.48).abs() < 0.01);
        assert_eq!(text_color_on("#003189"), "#ffffff");
        assert_eq!(text_color_on("#ffd700"), "#000000");
        assert_eq!(luminance("red"), None);
    }

    #[test]
    fn brand_colours_must_read_on_white() {
        assert_eq!(check_brand_colours("#0a3d91", "#e2001a"), Ok(()));
        assert_eq!(
            check_brand_colours("#ffdd00", "#e2001a"),
            Err("console.colour_primary_contrast")
        );
        assert_eq!(check_brand_colours("#0a3d91", "#f0f0f0"), Ok(()), "decorative");
        assert_eq!(check_brand_colours("bleu", "#000000"), Err("console.colour_invalid"));
    }
}
