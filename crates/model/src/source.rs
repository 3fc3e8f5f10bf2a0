//! Source files of a model and the problems found in them.
//! Every problem carries a file, a byte span, a line and a column, and renders with a caret (miette).

use std::borrow::Cow;
use std::fmt;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan};

/// Index of a file in [`Sources`].
pub type FileId = u32;

/// One loaded model file: its path (as given, relative to the model directory when possible) and
/// text, or for a file read a line at a time ([`Streamed`]) what is kept of it instead.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    /// The whole text; empty for a streamed file.
    pub text: Arc<str>,
    streamed: Option<Arc<Streamed>>,
    /// Byte offset of each line's start, computed at the first [`Sources::line_col`]: a report
    /// may locate thousands of items in one large file.
    line_starts: OnceLock<Vec<u32>>,
    /// Characters before each [`BLOCK`]-byte boundary, so a column on a long line (minified JSON)
    /// costs one block's count, not the whole line's.
    char_marks: OnceLock<Vec<u32>>,
}

/// Bytes between two [`SourceFile::char_marks`].
const BLOCK: usize = 4096;

/// What is kept of a file read a line at a time (JSON Lines): not its text, but where each line
/// starts, its length and its SHA-256; a line is read again from disk when a position or a problem
/// needs its characters.
#[derive(Debug, Clone)]
pub struct Streamed {
    pub line_starts: Vec<u32>,
    pub len: u64,
    pub sha256: [u8; 32],
}

/// Longest stretch of a streamed file read back from disk to show it.
const MAX_READ_BACK: usize = 1 << 24;

impl SourceFile {
    /// The file's length in bytes.
    pub fn len(&self) -> usize {
        self.streamed.as_ref().map_or(self.text.len(), |s| s.len as usize)
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// What is kept of a streamed file (`None` when the text is kept whole).
    pub fn streamed(&self) -> Option<&Streamed> {
        self.streamed.as_deref()
    }
    /// Bytes `start..end` as text (a character cut at the end is dropped): see [`Self::bytes`].
    fn slice(&self, start: usize, end: usize) -> Cow<'_, str> {
        match self.bytes(start, end) {
            Cow::Borrowed(bytes) => Cow::Borrowed(utf8_prefix(bytes)),
            Cow::Owned(bytes) => Cow::Owned(utf8_prefix(&bytes).to_string()),
        }
    }
    /// Bytes `start..end`: from memory, or read back from disk for a streamed file (at most
    /// [`MAX_READ_BACK`]; empty when the file cannot be read now).
    fn bytes(&self, start: usize, end: usize) -> Cow<'_, [u8]> {
        if self.streamed.is_none() {
            return Cow::Borrowed(&self.text.as_bytes()[start.min(end)..end]);
        }
        let want = end.saturating_sub(start).min(MAX_READ_BACK);
        let read = || -> std::io::Result<Vec<u8>> {
            let (mut file, _) =
                crate::files::open_regular(&self.path).map_err(|e| std::io::Error::other(e.to_string()))?;
            file.seek(SeekFrom::Start(start as u64))?;
            let mut bytes = Vec::with_capacity(want);
            file.take(want as u64).read_to_end(&mut bytes)?;
            Ok(bytes)
        };
        Cow::Owned(read().unwrap_or_default())
    }
    fn line_starts(&self) -> &[u32] {
        if let Some(s) = &self.streamed {
            return &s.line_starts;
        }
        self.line_starts.get_or_init(|| {
            // Line breaks as YAML and JSON read them: LF, CR LF, and a CR alone.
            let bytes = self.text.as_bytes();
            let breaks = bytes
                .iter()
                .enumerate()
                .filter(|&(i, &b)| b == b'\n' || b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
            std::iter::once(0).chain(breaks.map(|(i, _)| i as u32 + 1)).collect()
        })
    }

    /// Characters in the text before byte `offset` (a character boundary).
    fn chars_before(&self, offset: usize) -> usize {
        let marks = self.char_marks.get_or_init(|| {
            let bytes = self.text.as_bytes();
            let mut marks = vec![0u32];
            let mut count = 0u32;
            for chunk in bytes.chunks(BLOCK) {
                count += chunk.iter().filter(|&&b| (b as i8) >= -0x40).count() as u32;
                marks.push(count);
            }
            marks
        });
        let block = offset / BLOCK;
        let tail = &self.text.as_bytes()[block * BLOCK..offset];
        marks[block] as usize + tail.iter().filter(|&&b| (b as i8) >= -0x40).count()
    }
}

/// All files a model was loaded from, so any [`Loc`] can be shown with its source line.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn add(&mut self, path: PathBuf, text: Arc<str>) -> FileId {
        self.push(SourceFile { path, text, streamed: None, line_starts: OnceLock::new(), char_marks: OnceLock::new() })
    }
    /// Adds a file read a line at a time from `path` (which must stay readable there for its
    /// lines to be shown).
    pub fn add_streamed(&mut self, path: PathBuf, streamed: Streamed) -> FileId {
        let streamed = Some(Arc::new(streamed));
        let text = Arc::from("");
        self.push(SourceFile { path, text, streamed, line_starts: OnceLock::new(), char_marks: OnceLock::new() })
    }
    fn push(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        (self.files.len() - 1) as FileId
    }
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id as usize]
    }
    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }
    /// Line and column (1-based, columns in characters) of a location.
    pub fn line_col(&self, loc: Loc) -> (usize, usize) {
        let file = self.get(loc.file);
        let offset = (loc.offset as usize).min(file.len());
        let starts = file.line_starts();
        // The last line starting at or before the offset (the first always starts at 0).
        let line = starts.partition_point(|&s| s as usize <= offset);
        let line_start = starts[line - 1] as usize;
        if file.streamed.is_some() {
            return (line, file.slice(line_start, offset).chars().count() + 1);
        }
        let offset = floor_char_boundary(&file.text, offset);
        (line, file.chars_before(offset) - file.chars_before(line_start) + 1)
    }
    /// `path:line:col` of a location, as editors and CI annotations expect.
    pub fn position(&self, loc: Loc) -> String {
        let (line, col) = self.line_col(loc);
        format!("{}:{}:{}", self.get(loc.file).path.display(), line, col)
    }
    /// Byte range of 1-based line `line` (without its line break).
    fn line_range(&self, file: FileId, line: usize) -> (usize, usize) {
        let f = self.get(file);
        let starts = f.line_starts();
        let start = starts[line - 1] as usize;
        let mut end = starts.get(line).map_or(f.len(), |&s| s as usize - 1);
        if end > start && *f.bytes(end - 1, end) == *b"\r" {
            end -= 1; // CR LF
        }
        (start, end)
    }
    fn line_count(&self, file: FileId) -> usize {
        self.get(file).line_starts().len()
    }
}

/// The longest prefix of `bytes` that is UTF-8 (a character cut at the end is dropped).
fn utf8_prefix(bytes: &[u8]) -> &str {
    match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default(),
    }
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A place in a model file: byte offset and length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Loc {
    pub file: FileId,
    pub offset: u32,
    pub len: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// One thing wrong with a model: what, where, and how to fix it.
#[derive(Debug, Clone)]
pub struct Problem {
    pub severity: Severity,
    pub message: String,
    pub loc: Option<Loc>,
    /// Text under the caret, e.g. "defined again here".
    pub label: Option<String>,
    pub help: Option<String>,
    /// A second place that explains the first (e.g. the first definition of a duplicate id).
    pub related: Option<(Loc, String)>,
}

impl Problem {
    pub fn error(message: impl Into<String>, loc: Option<Loc>) -> Self {
        Problem { severity: Severity::Error, message: message.into(), loc, label: None, help: None, related: None }
    }
    pub fn warning(message: impl Into<String>, loc: Option<Loc>) -> Self {
        Problem { severity: Severity::Warning, ..Problem::error(message, loc) }
    }
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    pub fn with_help_opt(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }
    pub fn with_related(mut self, loc: Loc, label: impl Into<String>) -> Self {
        self.related = Some((loc, label.into()));
        self
    }
}

/// The problems of one load: all of them, errors and warnings, in file order.
#[derive(Debug, Clone, Default)]
pub struct Problems {
    pub sources: Sources,
    pub list: Vec<Problem>,
}

impl Problems {
    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.list.iter().filter(|p| p.severity == Severity::Error)
    }
    pub fn error_count(&self) -> usize {
        self.errors().count()
    }
    pub fn warnings(&self) -> impl Iterator<Item = &Problem> {
        self.list.iter().filter(|p| p.severity == Severity::Warning)
    }

    /// Renders the problems with their source snippets and carets (at most [`MAX_SHOWN_PRETTY`];
    /// the rest are counted); colour only when asked. Model text is escaped for the terminal.
    pub fn render(&self, color: bool) -> String {
        let theme = if color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
        let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
        let mut out = String::new();
        for problem in self.list.iter().take(MAX_SHOWN_PRETTY) {
            let shown = ShownProblem::new(problem, &self.sources);
            if handler.render_report(&mut out, &shown).is_err() {
                out.push_str(&shown.message);
                out.push('\n');
            }
        }
        out.push_str(&self.not_shown(MAX_SHOWN_PRETTY));
        out
    }

    /// One line per problem, `file:line:col: error: message`, for logs and CI annotations (at most
    /// [`MAX_SHOWN_SHORT`]; the rest are counted).
    pub fn render_short(&self) -> String {
        let mut out = String::new();
        for p in self.list.iter().take(MAX_SHOWN_SHORT) {
            let level = match p.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            let place = p.loc.map(|l| format!("{}: ", self.sources.shown_position(l))).unwrap_or_default();
            out.push_str(&format!("{place}{level}: {}", shown_text(&p.message)));
            if let Some(help) = &p.help {
                out.push_str(&format!(" ({})", shown_text(help)));
            }
            if let Some((loc, label)) = &p.related {
                out.push_str(&format!(" [{}: {}]", shown_text(label), self.sources.shown_position(*loc)));
            }
            out.push('\n');
        }
        out.push_str(&self.not_shown(MAX_SHOWN_SHORT));
        out
    }

    /// `… and N more problems (E errors, W warnings)` when more than `shown` were found.
    fn not_shown(&self, shown: usize) -> String {
        let rest = &self.list[self.list.len().min(shown)..];
        if rest.is_empty() {
            return String::new();
        }
        let errors = rest.iter().filter(|p| p.severity == Severity::Error).count();
        format!(
            "… and {} not shown ({}, {}); fix the first ones and run again\n",
            crate::words::count(rest.len(), "more problem"),
            crate::words::count(errors, "error"),
            crate::words::count(rest.len() - errors, "warning")
        )
    }
}

/// Most problems [`Problems::render`] shows with snippets.
pub const MAX_SHOWN_PRETTY: usize = 100;
/// Most problems [`Problems::render_short`] lists.
pub const MAX_SHOWN_SHORT: usize = 1_000;
/// Longest message, help or label shown, in characters (values echoed in them are cut).
pub const MAX_MESSAGE_CHARS: usize = 400;
/// Characters of a source line shown around a problem (long lines are cut to a window).
const WINDOW_CHARS: usize = 100;
/// A span over more lines than this is shown by its first line.
const MAX_SPAN_LINES: usize = 6;

/// Model text for a terminal: cut to [`MAX_MESSAGE_CHARS`], control characters made visible.
fn shown_text(s: &str) -> String {
    crate::escape::terminal(&crate::escape::clip(s, MAX_MESSAGE_CHARS)).into_owned()
}

impl Sources {
    /// [`Sources::position`] with the file name escaped for a terminal.
    pub fn shown_position(&self, loc: Loc) -> String {
        crate::escape::terminal(&self.position(loc)).into_owned()
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render_short())
    }
}

impl std::error::Error for Problems {}

/// A problem bound to a window of its source text, in the shape miette renders.
struct ShownProblem {
    message: String,
    severity: Severity,
    help: Option<String>,
    source: Option<Window>,
    labels: Vec<LabeledSpan>,
}

impl ShownProblem {
    fn new(problem: &Problem, sources: &Sources) -> Self {
        let mut labels = Vec::new();
        let mut source = None;
        let mut message = shown_text(&problem.message);
        if let Some(loc) = problem.loc {
            let window = Window::around(sources, loc);
            if let Some(span) = window.span(sources, loc) {
                labels.push(LabeledSpan::new_primary_with_span(problem.label.as_deref().map(shown_text), span));
            }
            if let Some((rel, text)) = &problem.related {
                match window.span(sources, *rel).filter(|_| rel.file == loc.file) {
                    Some(span) => labels.push(LabeledSpan::new_with_span(Some(shown_text(text)), span)),
                    None => message.push_str(&format!(" ({} at {})", shown_text(text), sources.shown_position(*rel))),
                }
            }
            message = format!("{}: {message}", sources.shown_position(loc));
            source = Some(window);
        }
        ShownProblem {
            message,
            severity: problem.severity,
            help: problem.help.as_deref().map(shown_text),
            source,
            labels,
        }
    }
}

/// The lines around a problem, each cut to [`WINDOW_CHARS`] around its column and escaped for
/// the terminal: what miette shows, with the file's real line numbers. Built per problem from the
/// lines it needs, so rendering costs the same on a minified 60 MB line as on a short one.
struct Window {
    name: String,
    text: String,
    file: FileId,
    /// 1-based number of the window's first line.
    first_line: usize,
    /// The first character of each line shown.
    first_char: usize,
    /// Per line shown: its byte start in the file, and the window offset of each character from
    /// `first_char` on (one past the last included).
    lines: Vec<(usize, Vec<usize>)>,
}

impl Window {
    fn around(sources: &Sources, loc: Loc) -> Window {
        let file = sources.get(loc.file);
        let (line, col) = sources.line_col(loc);
        let end_line = sources.line_col(Loc { offset: loc.offset.saturating_add(loc.len), ..loc }).0;
        let end_line = if end_line > line + MAX_SPAN_LINES { line } else { end_line };
        let first_line = line.saturating_sub(1).max(1);
        let last_line = (end_line + 1).min(sources.line_count(loc.file));
        // Lines that fit are shown whole; on a longer one the window starts a third before the column.
        let fits = (first_line..=last_line).all(|n| {
            let (start, end) = sources.line_range(loc.file, n);
            end - start <= WINDOW_CHARS || file.slice(start, end).chars().nth(WINDOW_CHARS).is_none()
        });
        let first_char = if fits { 0 } else { (col - 1).saturating_sub(WINDOW_CHARS / 3) };
        let mut window = Window {
            name: crate::escape::terminal(&file.path.display().to_string()).into_owned(),
            text: String::new(),
            file: loc.file,
            first_line,
            first_char,
            lines: Vec::new(),
        };
        for n in first_line..=last_line {
            if n > first_line {
                window.text.push('\n');
            }
            let (start, end) = sources.line_range(loc.file, n);
            window.push_line(&file.slice(start, end), start);
        }
        window
    }

    /// Appends one line, cut to the window's columns, recording where each character lands.
    fn push_line(&mut self, line: &str, start: usize) {
        let mut chars = line.chars().skip(self.first_char).peekable();
        if self.first_char > 0 && chars.peek().is_some() {
            self.text.push('…');
        }
        let mut offsets = Vec::with_capacity(WINDOW_CHARS + 1);
        for c in chars.by_ref().take(WINDOW_CHARS) {
            offsets.push(self.text.len());
            if crate::escape::is_unsafe(c) {
                self.text.push_str(&crate::escape::terminal(&c.to_string()));
            } else {
                self.text.push(c);
            }
        }
        offsets.push(self.text.len());
        if chars.next().is_some() {
            self.text.push('…');
        }
        self.lines.push((start, offsets));
    }

    /// The window span of `loc`, clamped to what is shown; `None` when its line is not shown.
    fn span(&self, sources: &Sources, loc: Loc) -> Option<miette::SourceSpan> {
        if loc.file != self.file {
            return None;
        }
        let at = |offset: u32| -> Option<usize> {
            let (line, col) = sources.line_col(Loc { offset, ..loc });
            let (_, offsets) = self.lines.get(line.checked_sub(self.first_line)?)?;
            let i = (col - 1).saturating_sub(self.first_char).min(offsets.len() - 1);
            Some(offsets[i])
        };
        let start = at(loc.offset)?;
        let end = at(loc.offset.saturating_add(loc.len)).filter(|&e| e >= start).unwrap_or_else(|| {
            // The span ends on a later line (or past the window): show it to the end of its line.
            let (line, _) = sources.line_col(loc);
            self.lines[line - self.first_line].1.last().copied().unwrap_or(start)
        });
        Some((start, end - start).into())
    }
}

impl miette::SourceCode for Window {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let inner = self.text.read_span(span, before, after)?;
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line() + self.first_line - 1,
            // miette counts the column in bytes of the window line, which starts with `…` when cut.
            (inner.column() + self.first_char).saturating_sub(if self.first_char > 0 { '…'.len_utf8() } else { 0 }),
            inner.line_count(),
        )))
    }
}

impl fmt::Debug for ShownProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
impl fmt::Display for ShownProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
impl std::error::Error for ShownProblem {}

impl Diagnostic for ShownProblem {
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() { None } else { Some(Box::new(self.labels.iter().cloned())) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line index gives what counting line breaks before the offset gives, at every offset
    /// (inside multi-byte characters too, which round down to the character's start); a CR alone
    /// is a line break, as in YAML and JSON.
    #[test]
    fn line_col_matches_counting_newlines() {
        let text = "a: 1\n\nnodes: [é, 日本]\r\n  - x\n\nold: mac\rline\r\r";
        let mut sources = Sources::default();
        let file = sources.add(PathBuf::from("t.yaml"), text.into());
        for offset in 0..=text.len() + 2 {
            let before = &text[..floor_char_boundary(text, offset.min(text.len()))];
            let unified = before.replace("\r\n", "\n").replace('\r', "\n");
            // A CR at the very end may still turn out to be the first half of a CR LF.
            let unified = if before.ends_with('\r') && text[before.len()..].starts_with('\n') {
                unified[..unified.len() - 1].to_string() + "\r"
            } else {
                unified
            };
            let line_start = unified.rfind('\n').map_or(0, |i| i + 1);
            let naive = (unified.matches('\n').count() + 1, unified[line_start..].chars().count() + 1);
            assert_eq!(sources.line_col(Loc { file, offset: offset as u32, len: 0 }), naive, "offset {offset}");
        }
    }

    fn one_file(text: &str) -> (Sources, FileId) {
        let mut sources = Sources::default();
        let file = sources.add(PathBuf::from("m.json"), text.into());
        (sources, file)
    }

    /// A problem past column 65,535 of a minified file panicked in miette ("Formatting argument
    /// out of range", issue 25): it is shown in a window of its line with the real column.
    #[test]
    fn problems_on_long_lines_show_a_window_with_the_real_column() {
        let line = format!(
            "{{\"pad\": \"{}\", \"bad\": \"é-target\", \"more\": \"{}\"}}",
            "x".repeat(150_000),
            "y".repeat(90_000)
        );
        let offset = line.find("é-target").unwrap() as u32;
        let (sources, file) = one_file(&line);
        let problem = Problem::error("unknown node `é-target`", Some(Loc { file, offset, len: 9 })).with_label("here");
        let problems = Problems { list: vec![problem], sources };
        let shown = problems.render(false);
        assert!(shown.contains("m.json:1:150021: unknown node"), "{shown}");
        assert!(shown.contains("é-target"), "{shown}");
        assert!(shown.len() < 2_000, "the window, not the line: {} bytes", shown.len());
        assert!(problems.render_short().starts_with("m.json:1:150021: error: unknown node"));
    }

    /// Control characters in messages, labels, helps and file names reach the terminal escaped.
    #[test]
    fn rendering_escapes_model_text_and_file_names() {
        let mut sources = Sources::default();
        let file = sources.add(PathBuf::from("evil\u{1b}]0;PWNED\u{7}.yaml"), "id: \"\u{1b}[2J\"\n".into());
        let problem = Problem::error("unknown node `\u{1b}[2J`", Some(Loc { file, offset: 4, len: 6 }))
            .with_help("did you mean `\u{1b}[1m`?")
            .with_label("\u{9b}here");
        let problems = Problems { list: vec![problem], sources };
        for shown in [problems.render(false), problems.render(true), problems.render_short()] {
            assert!(!shown.contains("\u{7}") && !shown.contains("\u{9b}") && !shown.contains("\u{1b}]"), "{shown:?}");
            assert!(!shown.contains("\u{1b}[2J") && !shown.contains("\u{1b}[1m`"), "{shown:?}");
            assert!(shown.contains("\\e]0;PWNED"), "{shown:?}");
        }
    }

    /// 20,000 problems took 27.9 s to render with snippets (issue 25): at most 100 are shown with
    /// snippets and 1,000 in short form, the rest counted; echoed values are cut.
    #[test]
    fn many_problems_are_capped_and_long_values_cut() {
        let text = "- a\n".repeat(20_000);
        let (sources, file) = one_file(&text);
        let list = (0..20_000u32)
            .map(|i| {
                Problem::error(
                    format!("duplicate id `{}`", "v".repeat(100_000)),
                    Some(Loc { file, offset: i * 4 + 2, len: 1 }),
                )
            })
            .collect();
        let problems = Problems { list, sources };
        let started = std::time::Instant::now();
        let pretty = problems.render(false);
        let short = problems.render_short();
        assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
        assert_eq!(pretty.matches("duplicate id").count(), MAX_SHOWN_PRETTY);
        assert!(
            pretty.contains("… and 19,900 more problems not shown (19,900 errors, 0 warnings)"),
            "{}",
            &pretty[pretty.len() - 300..]
        );
        assert_eq!(short.lines().count(), MAX_SHOWN_SHORT + 1);
        assert!(short.contains("… and 19,000 more problems"));
        assert!(short.len() < MAX_SHOWN_SHORT * (MAX_MESSAGE_CHARS + 100), "{} bytes", short.len());
        assert!(short.contains("(+99615 characters)"), "{}", short.lines().next().unwrap());
    }
}
