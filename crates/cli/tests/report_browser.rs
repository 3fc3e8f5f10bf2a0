//! The HTML reports in a real browser: headless Chromium renders the engineer and executive pages of
//! the bundled example, saves screenshots under `target/` and, from the DOM after layout, checks
//! that every chart drew SVG shapes with a non-zero size.
//!
//! Needs `chromium` on the PATH (`.ci/run` installs it). Without it the test is skipped with a
//! notice — except under CI (`CI` set, e.g. `CI=true`), where a missing browser fails it.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_riskpath");

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for name in ["chromium", "chromium-browser"] {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// The workspace's `target/` directory.
fn target_dir() -> PathBuf {
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().map(Path::to_path_buf).unwrap_or(tmp)
}

/// Runs Chromium headless on `page` with `extra` arguments; returns its stdout. Killed after 120 s.
fn headless(browser: &Path, profile: &Path, page: &Path, extra: &[&str]) -> String {
    let url = format!("file://{}", page.canonicalize().unwrap().display());
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(&url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 120 s on {url}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    let _ = child.stderr.take().unwrap().read_to_string(&mut stderr);
    assert!(status.success(), "chromium failed on {url}: {status}\n{stderr}");
    reader.join().unwrap()
}

/// A copy of the page with a measuring script appended (the report itself has none): it writes
/// each chart's rendered box and its shapes' boxes into a `<pre id="measure">` that --dump-dom shows.
fn measuring_copy(html: &str, to: &Path) {
    const SCRIPT: &str = r#"<script>
(function () {
  var out = [];
  document.querySelectorAll('svg.chart').forEach(function (svg) {
    var box = svg.getBoundingClientRect();
    var shapes = 0, drawn = 0;
    svg.querySelectorAll('path, rect, line, circle').forEach(function (s) {
      shapes++;
      var b = s.getBBox();
      if ((b.width > 0 || b.height > 0) && s.getBoundingClientRect().width + s.getBoundingClientRect().height > 0) drawn++;
    });
    out.push([svg.id, Math.round(box.width), Math.round(box.height), shapes, drawn].join(' '));
  });
  var pre = document.createElement('pre');
  pre.id = 'measure';
  pre.textContent = out.join('\n');
  document.body.appendChild(pre);
})();
</script>"#;
    let with = html.replacen("</body>", &format!("{SCRIPT}</body>"), 1);
    std::fs::write(to, with).unwrap();
}

fn render(model: &Path, audience: &str, out: &Path) -> String {
    let status = Command::new(BIN)
        .args(["report", model.to_str().unwrap(), "--audience", audience, "-o", out.to_str().unwrap()])
        .args(["--trials", "5000", "--years", "5000", "--decision-trials", "1024"])
        .env("NO_COLOR", "1")
        .status()
        .expect("run riskpath");
    assert!(status.success(), "riskpath report --audience {audience} failed");
    std::fs::read_to_string(out).unwrap()
}

#[test]
fn charts_render_in_headless_chromium() {
    let Some(browser) = chromium() else {
        let ci = std::env::var("CI").unwrap_or_default();
        if !ci.is_empty() && ci != "0" && !ci.eq_ignore_ascii_case("false") {
            panic!("chromium is not installed, and CI is set: .ci/run must install it (apt-get install chromium)");
        }
        println!(
            "SKIPPED charts_render_in_headless_chromium: chromium is not on the PATH (install it with apt-get install chromium)"
        );
        return;
    };
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/acme");
    let work = tempfile::tempdir().unwrap();
    let target = target_dir();
    for (audience, screenshot, min_charts) in
        [("engineer", "report-screenshot.png", 8), ("exec", "report-screenshot-exec.png", 2)]
    {
        let page = work.path().join(format!("{audience}.html"));
        let html = render(&model, audience, &page);
        let profile = work.path().join(format!("profile-{audience}"));
        // The page as a person sees it.
        let shot = target.join(screenshot);
        let _ = std::fs::remove_file(&shot);
        headless(&browser, &profile, &page, &[&format!("--screenshot={}", shot.display()), "--window-size=1200,3000"]);
        let png = std::fs::read(&shot).expect("screenshot written");
        assert!(png.starts_with(b"\x89PNG") && png.len() > 20_000, "a non-trivial screenshot at {}", shot.display());

        // The DOM as Chromium parsed and laid it out (a copy of the page with a measuring script):
        // the charts are SVG with shapes, every chart has a box and its shapes have extent.
        let measured = work.path().join(format!("{audience}-measure.html"));
        measuring_copy(&html, &measured);
        let dom = headless(&browser, &profile, &measured, &["--dump-dom", "--window-size=1200,3000"]);
        let charts = dom.matches("<svg").count();
        assert!(charts >= min_charts, "{audience}: {charts} SVG charts in the DOM");
        assert!(!dom.contains("<parsererror"), "{audience}: SVG parsed");
        for svg in dom.split("<svg").skip(1) {
            let svg = &svg[..svg.find("</svg>").expect("svg closed")];
            assert!(svg.contains("<path") || svg.contains("<rect"), "{audience}: a chart without shapes");
            assert!(!svg.contains("d=\"\""), "{audience}: an empty path");
        }
        let start = dom.find("<pre id=\"measure\">").expect("the measuring script ran") + "<pre id=\"measure\">".len();
        let report = &dom[start..start + dom[start..].find("</pre>").unwrap()];
        let rows: Vec<&str> = report.lines().collect();
        assert!(rows.len() >= min_charts, "{audience}: measured {} charts:\n{report}", rows.len());
        assert_eq!(
            rows.len(),
            dom.matches("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\"").count(),
            "every chart measured"
        );
        for row in &rows {
            let f: Vec<&str> = row.split(' ').collect();
            let n = |i: usize| f[i].parse::<f64>().unwrap();
            assert!(n(1) > 50.0 && n(2) > 20.0, "{audience}: chart {} is {}×{} px", f[0], f[1], f[2]);
            assert!(n(3) > 0.0 && n(4) > 0.0, "{audience}: chart {} drew {} of {} shapes", f[0], f[4], f[3]);
        }
        println!("{audience}: {} charts drawn; screenshot at {}", rows.len(), shot.display());
    }
}

/// At phone width (390 px) neither page is wider than the screen (wide tables and path diagrams
/// scroll inside their own box), and the executive page prints on one A4 page.
#[test]
fn reports_fit_a_phone_and_the_exec_page_prints_on_one_page() {
    let Some(browser) = chromium() else {
        println!("SKIPPED reports_fit_a_phone_and_the_exec_page_prints_on_one_page: chromium is not on the PATH");
        return;
    };
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/acme");
    let work = tempfile::tempdir().unwrap();
    for audience in ["engineer", "exec"] {
        let page = work.path().join(format!("{audience}.html"));
        render(&model, audience, &page);
        let profile = work.path().join(format!("profile-phone-{audience}"));
        // Chromium will not make a window narrower than 500 px: the page is laid out in a 390 px
        // iframe, and the wrapper reads how wide the page inside it is.
        let wrapper = work.path().join(format!("{audience}-phone.html"));
        let name = page.file_name().unwrap().to_str().unwrap();
        std::fs::write(
            &wrapper,
            format!(
                "<!DOCTYPE html><html><body><iframe id=\"f\" src=\"{name}\" style=\"width:390px;height:2000px;border:0\"></iframe>\
                 <pre id=\"width\"></pre><script>document.getElementById('f').addEventListener('load', function () {{\
                 document.getElementById('width').textContent = this.contentDocument.documentElement.scrollWidth; }});</script></body></html>"
            ),
        )
        .unwrap();
        let dom = headless(
            &browser,
            &profile,
            &wrapper,
            &["--dump-dom", "--allow-file-access-from-files", "--virtual-time-budget=5000", "--window-size=500,2000"],
        );
        let start = dom.find("<pre id=\"width\">").expect("the measuring script ran") + "<pre id=\"width\">".len();
        let width: u32 = dom[start..start + dom[start..].find("</pre>").unwrap()].parse().unwrap();
        assert!(width <= 390, "{audience}: the page is {width} px wide on a 390 px screen");
        if audience == "exec" {
            let pdf = work.path().join("exec.pdf");
            headless(
                &browser,
                &profile,
                &page,
                &[&format!("--print-to-pdf={}", pdf.display()), "--no-pdf-header-footer"],
            );
            let bytes = std::fs::read(&pdf).expect("PDF written");
            let text = String::from_utf8_lossy(&bytes);
            let pages: Vec<u32> = text
                .match_indices("/Count ")
                .filter_map(|(i, _)| text[i + 7..].split(|c: char| !c.is_ascii_digit()).next()?.parse().ok())
                .collect();
            assert_eq!(pages.iter().max(), Some(&1), "the executive page prints on {pages:?} pages");
        }
    }
}
