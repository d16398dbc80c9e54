import StrataRESP
import Testing

/// The README's StrataRESP example, kept compiling and correct (the code between the markers is
/// the README's, checked by `ReadmeCodeBlockTests`).
@Suite("README example")
struct ReadmeExampleTests {
    @Test func readmeExample() throws {
        // README: begin resp
        // Encode commands into one reusable buffer (no allocation per argument).
        var encoder = RESPEncoder()
        encoder.writeCommand("SET", "user:42", "Ada", "EX", 60)
        encoder.writeCommand("GET", "user:42")
        // ... write encoder.buffer to a socket, then encoder.reset() ...

        // Parse replies however the bytes arrive: whole, byte by byte, or in 16 KiB reads.
        var parser = RESPParser()
        parser.append(contentsOf: Array("+OK\r\n$3\r\nAda\r\n%1\r\n+proto\r\n:3\r\n".utf8))
        var replies: [RESPValue] = []
        while let reply = try parser.next() {
            replies.append(reply)  // simple string "OK", then "Ada", then map {simple string "proto": integer 3}
        }

        // Typed access, with a clear error for the wrong type.
        let name = try RESPValue.bulkString("Ada").asString()  // "Ada"
        let fields: [String: Int] = try RESPValue.map([(key: "proto", value: 3)]).decode()
        // README: end resp

        #expect(try RESPParser.parseAll(encoder.buffer, mode: .commands).count == 2)
        #expect(
            replies.map(\.description) == [
                "simple string \"OK\"", "\"Ada\"", "map {simple string \"proto\": integer 3}",
            ])
        #expect(name == "Ada")
        #expect(fields == ["proto": 3])
    }
}
