import Foundation
import Testing

/// The README's code blocks are the code the `ReadmeExampleTests` compile and run: every region
/// between `// README: begin NAME` and `// README: end NAME` in a test file (regions of one name
/// joined by a blank line, indentation removed) must appear in README.md as written, with the
/// tests' `url: url` shown as `url: "redis://127.0.0.1:6379"`.
@Suite("README code blocks")
struct ReadmeCodeBlockTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Region name -> its code, from every Swift file under Tests/: the regions between
    /// `// MARKER: begin NAME` and `// MARKER: end NAME` (`README`, or `DocC` for the articles).
    static func regions(marker: String = "README") throws -> [String: String] {
        let begin = "// \(marker): begin "
        let end = "// \(marker): end "
        var found: [String: [String]] = [:]
        let tests = root.appendingPathComponent("Tests")
        let files =
            FileManager.default.enumerator(at: tests, includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" } ?? []
        for file in files.sorted(by: { $0.path < $1.path }) {
            let lines = try String(contentsOf: file, encoding: .utf8).split(
                separator: "\n", omittingEmptySubsequences: false)
            var current: (name: String, lines: [Substring])?
            for line in lines {
                let trimmed = line.drop { $0 == " " }
                if trimmed.hasPrefix(begin) {
                    current = (String(trimmed.dropFirst(begin.count)), [])
                } else if trimmed.hasPrefix(end), let region = current {
                    found[region.name, default: []].append(dedent(region.lines))
                    current = nil
                } else if current != nil {
                    current!.lines.append(line)
                }
            }
        }
        return found.mapValues { $0.joined(separator: "\n\n") }
    }

    /// The region's lines without their common indentation and trailing blank lines (the
    /// formatter puts one after a region of imports).
    static func dedent(_ lines: [Substring]) -> String {
        var lines = lines
        while lines.last?.allSatisfy({ $0 == " " }) == true { lines.removeLast() }
        let indent = lines.filter { !$0.isEmpty }.map { $0.prefix { $0 == " " }.count }.min() ?? 0
        return lines.map { $0.isEmpty ? "" : String($0.dropFirst(indent)) }.joined(separator: "\n")
            .replacingOccurrences(of: "url: url", with: "url: \"redis://127.0.0.1:6379\"")
    }

    @Test func everyExampleIsInTheReadmeAsCompiled() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let regions = try Self.regions()
        #expect(
            Set(regions.keys) == [
                "resp", "client", "codable", "cluster", "cluster tier", "tiers", "batch", "local", "fake",
                "fake cluster", "observe",
            ])
        for (name, code) in regions.sorted(by: { $0.key < $1.key }) {
            #expect(
                readme.contains(code), "README.md does not show the '\(name)' example as the tests compile it:\n\(code)"
            )
        }
    }
}
