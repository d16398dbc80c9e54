import StrataCache
import Testing

struct CodecTests {
    struct User: Codable, Equatable {
        var name: String
        var age: Int
    }

    @Test func bytesPassThrough() throws {
        let codec = BytesCodec()
        #expect(try codec.decode(codec.encode([0, 1, 255])) == [0, 1, 255])
    }

    @Test(arguments: ["", "hello", "héllo wörld", "🙂"])
    func stringsRoundTripAsUTF8(_ text: String) throws {
        let codec = StringCodec()
        let bytes = try codec.encode(text)
        #expect(bytes == Array(text.utf8))
        #expect(try codec.decode(bytes) == text)
    }

    @Test func invalidUTF8IsAnError() {
        #expect(throws: CacheCodecError.self) { try StringCodec().decode([0xFF, 0xFE]) }
        do {
            _ = try StringCodec().decode([0xC3])
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidUTF8)
        }
    }

    @Test func jsonRoundTripsCodableValues() throws {
        let codec = JSONCodec<User>()
        let user = User(name: "Ada", age: 36)
        #expect(try codec.decode(codec.encode(user)) == user)
    }

    @Test func jsonRejectsOtherShapes() {
        do {
            _ = try JSONCodec<User>().decode(Array("{\"name\": 1}".utf8))
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .decodingFailed)
        }
    }
}
