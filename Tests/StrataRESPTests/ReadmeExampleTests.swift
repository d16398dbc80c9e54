import StrataRESP
import Testing

/// The README's StrataRESP example, kept compiling and correct.
@Suite("README example")
struct ReadmeExampleTests {
    @Test func readmeExample() throws {
        var encoder = RESPEncoder()
        encoder.writeCommand("SET", "user:42", "Ada", "EX", 60)
        encoder.writeCommand("GET", "user:42")
        #expect(try RESPParser.parseAll(encoder.buffer, mode: .commands).count == 2)

        var parser = RESPParser()
        parser.append(contentsOf: Array("+OK\r\n$3\r\nAda\r\n%1\r\n+proto\r\n:3\r\n".utf8))
        var printed: [String] = []
        while let reply = try parser.next() {
            printed.append(reply.description)
        }
        #expect(printed == ["simple string \"OK\"", "\"Ada\"", "map {simple string \"proto\": integer 3}"])

        let name = try RESPValue.bulkString("Ada").asString()
        let fields: [String: Int] = try RESPValue.map([(key: "proto", value: 3)]).decode()
        #expect(name == "Ada")
        #expect(fields == ["proto": 3])
    }
}
