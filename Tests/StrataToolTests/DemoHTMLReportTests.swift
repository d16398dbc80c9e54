import Glibc
import StrataServerTestSupport
import Testing

@testable import strata

/// `strata demo --html`: the page from a short real demo run is well-formed, self-contained,
/// escapes what it prints, and renders in headless Chromium without script errors.
///
/// The checks with python3 (its `html.parser`) and Chromium are skipped with a note when the tool
/// is missing, unless `STRATA_REQUIRE_TOOLS=1`, which makes a missing tool a failure.
@Suite("strata demo --html", .blockingIO)
struct DemoHTMLReportTests {
    /// One short demo run on embedded fake servers, shared by the tests (about a second).
    static let shortRun = Task {
        var options = DemoCommand.Options()
        options.instances = 2
        options.concurrency = 4
        options.keys = 500
        options.requests = 4000
        options.dbLatencyMilliseconds = 1
        options.progress = false
        return try await DemoCommand(options: options).singleRegionReport()
    }

    static let tiers = ["local", "regional", "global", "database"]

    @Test func theStructureIsFixed() async throws {
        let report = try await Self.shortRun.value
        // A sample before the first request, then one every 1% of them.
        #expect(report.timeline.count == 101)
        #expect(report.timeline.map(\.requests) == Array(stride(from: 0, through: 4000, by: 40)))
        let html = report.html
        var position = html.startIndex
        for section in ["headline", "tiers", "histograms", "hit-ratios", "notes", "settings"] {
            let marker = "<section id=\"\(section)\">"
            let found = try #require(html[position...].firstRange(of: marker), "\(marker) missing or out of order")
            position = found.upperBound
        }
        for tier in Self.tiers {
            #expect(html.contains("<svg class=\"histogram\" data-tier=\"\(tier)\""), "no histogram for \(tier)")
        }
        for tier in Self.tiers.dropLast() {
            #expect(
                html.contains("<svg class=\"timeline\" data-tier=\"\(tier)\" data-points=\"101\""),
                "no hit-ratio chart for \(tier)")
        }
        #expect(!html.contains("<section id=\"cluster\">"))
        // Something was drawn: bars in the histograms, lines in the hit-ratio charts.
        #expect(html.ranges(of: "<rect class=\"bar\"").count > 10)
        #expect(!html.contains("d=\"M0,0\""), "an empty hit-ratio line")
    }

    @Test func everythingPrintedIsEscaped() async throws {
        let run = try await Self.shortRun.value
        let hostile = "<script>alert(\"x\")</script> & 'y'\nglobal: </td>"
        let report = DemoReport(
            options: run.options, serverDescription: hostile, tally: run.tally, statistics: run.statistics,
            databaseLoads: run.databaseLoads, stampedeGets: run.stampedeGets, stampedeLoads: run.stampedeLoads,
            elapsed: run.elapsed, timeline: run.timeline)
        let html = report.html
        #expect(!html.contains("<script>alert"))
        #expect(
            html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;<br>global: &lt;/td&gt;"))
        // The page's own scripts only: the error recorder, the data, the readout.
        #expect(html.ranges(of: "<script").count == 3)
        #expect(HTML.jsonString("</script><!-- \"a\\b\"\n") == #""\u003c/script\u003e\u003c!-- \"a\\b\"\u000a""#)
    }

    @Test func itIsWellFormedAndSelfContained() async throws {
        guard let python = Self.tool(["python3"], purpose: "the HTML well-formedness check") else { return }
        let html = try await Self.shortRun.value.html
        let result = try ChildProcess.run(python, ["-c", Self.checker], input: Array(html.utf8), timeout: .seconds(60))
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let problems = lines.filter { $0.hasPrefix("problem ") }
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        #expect(lines.contains("doctype html"))
        let figures = ["throughput", "avoided", "stampede", "stale", "errors", "writes"].map { "figure-" + $0 }
        let ids =
            ["headline"] + figures + ["tiers", "histograms", "hit-ratios", "notes", "settings", "strata-timeline"]
        #expect(lines.filter { $0.hasPrefix("id ") } == ids.map { "id " + $0 })
        #expect(
            lines.filter { $0.hasPrefix("svg ") }
                == Self.tiers.map { "svg histogram " + $0 } + Self.tiers.dropLast().map { "svg timeline " + $0 })
    }

    @Test func itRendersInHeadlessChromiumWithoutScriptErrors() async throws {
        let names = ["chromium-headless-shell", "chromium", "chromium-browser", "google-chrome"]
        guard let chromium = Self.tool(names, purpose: "the headless-browser check") else { return }
        let directory = try Self.temporaryDirectory()
        defer { Self.remove(directory) }
        let page = directory + "/report.html"
        let screenshot = directory + "/report.png"
        try SimulateCommand.write(try await Self.shortRun.value.html, to: page)
        let common = [
            "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
            "--user-data-dir=\(directory)/profile", "--window-size=1100,2200",
        ]

        let dump = try ChildProcess.run(chromium, common + ["--dump-dom", "file://\(page)"], timeout: .seconds(90))
        #expect(dump.status == 0, "\(dump.stderr)")
        let root = try #require(Self.startTag("html", in: dump.stdout), "no <html> in the DOM dump:\n\(dump.stdout)")
        #expect(!root.contains("data-script-errors"), "script errors: \(root)")
        #expect(root.contains("data-strata-script=\"ready\""), "the script did not finish: \(root)")
        #expect(root.contains("data-strata-charts=\"3\""), "\(root)")
        let console = dump.stderr.split(separator: "\n").filter { $0.contains("Uncaught") }
        #expect(console.isEmpty, "\(console.joined(separator: "\n"))")

        let shot = try ChildProcess.run(chromium, common + ["--screenshot=\(screenshot)", "file://\(page)"])
        #expect(shot.status == 0, "\(shot.stderr)")
        let png = try #require(Self.read(screenshot), "no screenshot at \(screenshot)")
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), "not a PNG")
        if png.count >= 24 {
            let width = png[16..<20].reduce(0) { $0 << 8 | Int($1) }
            let height = png[20..<24].reduce(0) { $0 << 8 | Int($1) }
            #expect(width == 1100 && height == 2200, "\(width)x\(height)")
        }
        // A nearly blank page of this size compresses to about 12 KB; the report's is 200 KB or more.
        #expect(png.count > 60_000, "a \(png.count)-byte screenshot: is the page blank?")
    }

    // MARK: Helpers

    /// The first of `names` on PATH, or nil after a note (or a failure under STRATA_REQUIRE_TOOLS=1).
    static func tool(_ names: [String], purpose: String) -> String? {
        if let path = names.lazy.compactMap(ChildProcess.find).first { return path }
        let reason =
            names.count == 1 ? "\(names[0]) is not on PATH" : "none of \(names.joined(separator: ", ")) is on PATH"
        if ChildProcess.environment("STRATA_REQUIRE_TOOLS") == "1" {
            Issue.record("STRATA_REQUIRE_TOOLS=1 but \(reason) (\(purpose))")
        } else {
            print("note: \(reason); \(purpose) is skipped")
        }
        return nil
    }

    /// The start tag of the first `name` element in `html`, attributes and all.
    static func startTag(_ name: String, in html: String) -> String? {
        guard let start = html.firstRange(of: "<\(name)"), let end = html[start.upperBound...].firstIndex(of: ">")
        else {
            return nil
        }
        return String(html[start.lowerBound...end])
    }

    /// Prints `doctype html`, `id ID` per id, `svg CLASS TIER` per chart, and `problem ...` for
    /// tags that do not nest, duplicate ids, and anything that would load from elsewhere.
    static let checker = #"""
        import sys
        from html.parser import HTMLParser
        VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
        class Checker(HTMLParser):
            def __init__(self):
                super().__init__(convert_charrefs=True)
                self.stack, self.ids, self.out, self.problems = [], set(), [], []
            def handle_decl(self, decl):
                if decl.lower() == "doctype html":
                    self.out.append("doctype html")
            def attributes(self, tag, attrs):
                for name, value in attrs:
                    if name in ("src", "href", "xlink:href", "srcset", "action", "poster", "data"):
                        self.problems.append(f"a reference to load: <{tag} {name}={value!r}>")
                names = dict(attrs)
                if "id" in names:
                    if names["id"] in self.ids:
                        self.problems.append(f"duplicate id {names['id']}")
                    self.ids.add(names["id"])
                    self.out.append("id " + names["id"])
                if tag == "svg":
                    self.out.append(f"svg {names.get('class')} {names.get('data-tier')}")
            def handle_starttag(self, tag, attrs):
                self.attributes(tag, attrs)
                if tag not in VOID:
                    self.stack.append((tag, self.getpos()))
            def handle_startendtag(self, tag, attrs):
                self.attributes(tag, attrs)
            def handle_endtag(self, tag):
                if tag in VOID:
                    return
                if not self.stack:
                    self.problems.append(f"</{tag}> at {self.getpos()} closes nothing")
                    return
                opened, at = self.stack.pop()
                if opened != tag:
                    self.problems.append(f"</{tag}> at {self.getpos()} closes <{opened}> from {at}")
        text = sys.stdin.read()
        checker = Checker()
        checker.feed(text)
        checker.close()
        for tag, at in checker.stack:
            checker.problems.append(f"<{tag}> from {at} is never closed")
        for needle in ("http:", "https:", "url(", "@import", "//cdn"):
            if needle in text:
                checker.problems.append(f"{needle} in the page")
        for line in checker.out:
            print(line)
        for problem in checker.problems:
            print("problem " + problem)
        """#

    static func temporaryDirectory() throws -> String {
        var template = Array("/tmp/strata-html-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw TestSupportError("mkdtemp failed: errno \(errno)") }
        return String(decoding: UnsafeRawBufferPointer(start: made, count: strlen(made)), as: UTF8.self)
    }

    /// Removes `directory` and everything in it (Chromium's profile included).
    static func remove(_ directory: String) {
        _ = try? ChildProcess.run("/bin/rm", ["-rf", directory], timeout: .seconds(30))
    }

    static func read(_ path: String) -> [UInt8]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes += buffer[0..<count]
        }
        return bytes
    }
}
