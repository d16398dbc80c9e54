import Foundation
import Testing

/// The DocC articles' code is compiled code: every ```swift block of every article and landing
/// page in `Sources/*/*.docc` must be, exactly, a region the tests compile and run (between
/// `// DocC: begin NAME` and `// DocC: end NAME`, or a README region), with the same rules as
/// `ReadmeCodeBlockTests` (regions of one name joined by a blank line, indentation removed, the
/// tests' `url: url` shown as `url: "redis://127.0.0.1:6379"`). Every `DocC` region must appear in
/// some article, so none is compiled for nothing.
@Suite("DocC code blocks")
struct DocCCodeBlockTests {
    /// Every ```swift block of every Markdown file of every catalog, with the file it is in.
    static func codeBlocks() throws -> [(file: String, code: String)] {
        let sources = ReadmeCodeBlockTests.root.appendingPathComponent("Sources")
        let files =
            FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL }
            .filter { $0.pathExtension == "md" && $0.path.contains(".docc/") } ?? []
        var blocks: [(file: String, code: String)] = []
        for file in files.sorted(by: { $0.path < $1.path }) {
            let name = file.pathComponents.suffix(2).joined(separator: "/")
            var current: [Substring]?
            for line in try String(contentsOf: file, encoding: .utf8).split(
                separator: "\n", omittingEmptySubsequences: false)
            {
                if current == nil, line.hasPrefix("```swift") {
                    current = []
                } else if current != nil, line.hasPrefix("```") {
                    blocks.append((name, current!.joined(separator: "\n")))
                    current = nil
                } else if current != nil {
                    current!.append(line)
                }
            }
            #expect(current == nil, "\(name) has a code block that is never closed")
        }
        return blocks
    }

    @Test func everyArticleBlockIsCompiled() throws {
        let docc = try ReadmeCodeBlockTests.regions(marker: "DocC")
        let compiled = Set(docc.values).union(try ReadmeCodeBlockTests.regions().values)
        let blocks = try Self.codeBlocks()
        #expect(!blocks.isEmpty, "no ```swift block found in Sources/*/*.docc")
        for block in blocks {
            let isCompiled = compiled.contains(block.code)  // (a Bool, so a failure does not print the set)
            #expect(
                isCompiled,
                "\(block.file) shows code no test compiles (mark it `// DocC: begin NAME` in a test):\n\(block.code)"
            )
        }
        let shown = Set(blocks.map(\.code))
        for (name, code) in docc.sorted(by: { $0.key < $1.key }) {
            let isShown = shown.contains(code)
            #expect(isShown, "no article shows the 'DocC' region '\(name)' as the tests compile it:\n\(code)")
        }
    }
}
