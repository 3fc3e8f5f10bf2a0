//! Source files of a model and the problems found in them.
//! Every problem carries a file, a byte span, a line and a column, and renders with a caret (miette).

use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};

/// Index of a file in [`Sources`].
pub type FileId = u32;

/// One loaded model file: its path (as given, relative to the model directory when possible) and text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: Arc<str>,
    /// Byte offset of each line's start, computed at the first [`Sources::line_col`]: a report
    /// may locate thousands of items in one large file.
    line_starts: OnceLock<Vec<u32>>,
}

impl SourceFile {
    fn line_starts(&self) -> &[u32] {
        self.line_starts.get_or_init(|| {
            let newlines = self.text.bytes().enumerate().filter(|&(_, b)| b == b'\n').map(|(i, _)| i as u32 + 1);
            std::iter::once(0).chain(newlines).collect()
        })
    }
}

/// All files a model was loaded from, so any [`Loc`] can be shown with its source line.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn add(&mut self, path: PathBuf, text: Arc<str>) -> FileId {
        self.files.push(SourceFile { path, text, line_starts: OnceLock::new() });
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
        let text = &file.text;
        let offset = floor_char_boundary(text, (loc.offset as usize).min(text.len()));
        let starts = file.line_starts();
        // The last line starting at or before the offset (the first always starts at 0).
        let line = starts.partition_point(|&s| s as usize <= offset);
        let line_start = starts[line - 1] as usize;
        (line, text[line_start..offset].chars().count() + 1)
    }
    /// `path:line:col` of a location, as editors and CI annotations expect.
    pub fn position(&self, loc: Loc) -> String {
        let (line, col) = self.line_col(loc);
        format!("{}:{}:{}", self.get(loc.file).path.display(), line, col)
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

    /// Renders every problem with its source snippet and caret; colour only when asked.
    pub fn render(&self, color: bool) -> String {
        let theme = if color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
        let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
        let mut out = String::new();
        for problem in &self.list {
            let shown = ShownProblem::new(problem, &self.sources);
            if handler.render_report(&mut out, &shown).is_err() {
                out.push_str(&problem.message);
                out.push('\n');
            }
        }
        out
    }

    /// One line per problem, `file:line:col: error: message`, for logs and CI annotations.
    pub fn render_short(&self) -> String {
        let mut out = String::new();
        for p in &self.list {
            let level = match p.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            let place = p.loc.map(|l| format!("{}: ", self.sources.position(l))).unwrap_or_default();
            out.push_str(&format!("{place}{level}: {}", p.message));
            if let Some(help) = &p.help {
                out.push_str(&format!(" ({help})"));
            }
            if let Some((loc, label)) = &p.related {
                out.push_str(&format!(" [{label}: {}]", self.sources.position(*loc)));
            }
            out.push('\n');
        }
        out
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render_short())
    }
}

impl std::error::Error for Problems {}

/// A problem bound to its source text, in the shape miette renders.
struct ShownProblem {
    message: String,
    severity: Severity,
    help: Option<String>,
    source: Option<NamedSource<String>>,
    labels: Vec<LabeledSpan>,
}

impl ShownProblem {
    fn new(problem: &Problem, sources: &Sources) -> Self {
        let mut labels = Vec::new();
        let mut source = None;
        let mut message = problem.message.clone();
        if let Some(loc) = problem.loc {
            let file = sources.get(loc.file);
            source = Some(NamedSource::new(file.path.display().to_string(), file.text.to_string()));
            labels.push(LabeledSpan::new_primary_with_span(
                problem.label.clone(),
                (loc.offset as usize, loc.len as usize),
            ));
            if let Some((rel, text)) = &problem.related {
                if rel.file == loc.file {
                    labels
                        .push(LabeledSpan::new_with_span(Some(text.clone()), (rel.offset as usize, rel.len as usize)));
                } else {
                    message.push_str(&format!(" ({text} at {})", sources.position(*rel)));
                }
            }
            message = format!("{}: {message}", sources.position(loc));
        }
        ShownProblem { message, severity: problem.severity, help: problem.help.clone(), source, labels }
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

    /// The line index gives what counting newlines before the offset gives, at every offset
    /// (inside multi-byte characters too, which round down to the character's start).
    #[test]
    fn line_col_matches_counting_newlines() {
        let text = "a: 1\n\nnodes: [é, 日本]\r\n  - x\n\n";
        let mut sources = Sources::default();
        let file = sources.add(PathBuf::from("t.yaml"), text.into());
        for offset in 0..=text.len() + 2 {
            let before = &text[..floor_char_boundary(text, offset.min(text.len()))];
            let line_start = before.rfind('\n').map_or(0, |i| i + 1);
            let naive = (before.matches('\n').count() + 1, before[line_start..].chars().count() + 1);
            assert_eq!(sources.line_col(Loc { file, offset: offset as u32, len: 0 }), naive, "offset {offset}");
        }
    }
}
