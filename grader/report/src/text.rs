//! Student-controlled text made safe to show: a panic message, the tail of stderr, a compiler
//! message quoting their code. Such text reaches terminals, CI summaries, HTML, JUnit and JSON;
//! it must neither drive a terminal (ANSI/OSC escape sequences could clear the screen and print a
//! fake "ok") nor grow without bound (one panic message of 256 MiB once took the grader down).

/// The most bytes of one student-controlled message kept in a report.
pub const MAX_MESSAGE_BYTES: usize = 4096;

/// `s` without control characters and cut to at most `max` bytes (on a character boundary, with
/// a note of how much was cut). Kept: newlines and tabs. Removed: every other C0 control (ESC
/// among them, so no escape sequence survives), DEL, the C1 controls (U+0080–U+009F; U+009B is a
/// one-character CSI on some terminals) and the bidirectional overrides and isolates
/// (U+202A–U+202E, U+2066–U+2069), which can make a line read differently from what it is.
pub fn clean(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max) + 32);
    let mut cut = 0usize;
    for (i, c) in s.char_indices() {
        if out.len() + c.len_utf8() > max {
            cut = s.len() - i;
            break;
        }
        if !is_unsafe(c) {
            out.push(c);
        } else if c == '\r' {
            // A carriage return would let a line overwrite itself on a terminal.
            out.push(' ');
        }
    }
    if cut > 0 {
        out.push_str(&format!("… ({cut} more bytes cut)"));
    }
    out
}

/// [`clean`] with the default bound, [`MAX_MESSAGE_BYTES`].
pub fn message(s: &str) -> String {
    clean(s, MAX_MESSAGE_BYTES)
}

fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// Whether `s` is already clean (no character [`clean`] would remove).
pub fn is_clean(s: &str) -> bool {
    !s.chars().any(is_unsafe)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_are_removed_and_text_kept() {
        let forged = "boom\u{1b}[2J\u{1b}[H\u{1b}]0;title\u{7}ok stage1.linalg.dot score 2/2\r\u{9b}31m\u{202e}x";
        let c = message(forged);
        assert!(is_clean(&c), "{c:?}");
        assert!(!c.contains('\u{1b}') && !c.contains('\u{7}') && !c.contains('\u{9b}') && !c.contains('\r'));
        assert!(c.starts_with("boom[2J[H]0;title"));
        assert!(c.contains("ok stage1.linalg.dot score 2/2"));
        assert_eq!(message("line 1\n\tline 2"), "line 1\n\tline 2");
    }

    #[test]
    fn long_text_is_cut_on_a_character_boundary() {
        let s = "é".repeat(10_000);
        let c = clean(&s, 101);
        assert!(c.starts_with(&"é".repeat(50)));
        assert!(c.ends_with("(19900 more bytes cut)"), "{c}");
        assert_eq!(clean("short", 101), "short");
        let huge = "x".repeat(64 << 20);
        assert!(message(&huge).len() < MAX_MESSAGE_BYTES + 64);
    }
}
