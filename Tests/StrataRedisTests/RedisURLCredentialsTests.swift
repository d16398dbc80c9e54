import StrataRedis
import Testing

/// A password as it is written in a URL, and as the parsed configuration must hold it.
struct URLPassword: Sendable, CustomTestStringConvertible {
    var written: String
    var decoded: String

    init(_ written: String, decoded: String? = nil) {
        self.written = written
        self.decoded = decoded ?? written
    }

    /// Every character percent-encoded, the way a careful URL builder writes it.
    var encoded: String { Self.percentEncoded(decoded) }

    static func percentEncoded(_ text: String) -> String {
        text.utf8.map { byte in
            let hex = String(byte, radix: 16, uppercase: true)
            return "%" + (byte < 0x10 ? "0" + hex : hex)
        }.joined()
    }

    var testDescription: String { written }
}

/// Distinctive passwords full of the URL's delimiters, so that any three characters of one are
/// unlikely to occur in an honest message.
let urlPasswords: [URLPassword] = [
    URLPassword("Kw9/Qz#Xv?Jp@Lm:Tb"),
    URLPassword("Yq@@Zr//Vn##Hx??"),
    URLPassword("Fj:Gk:Hl"),
    URLPassword("Pz%40Wq", decoded: "Pz@Wq"),
    URLPassword("Uv%40%3Fk#Ob", decoded: "Uv@?k#Ob"),
    URLPassword("@Dv8Ns"),
    URLPassword("Rt7?"),
    URLPassword("Mc/3"),
    URLPassword("Bx#Vy"),
    URLPassword("Gh?dB=3k"),
    URLPassword("Sq:/#?@Wk"),
    URLPassword("Ünï/cødé@Pw"),
    URLPassword("Jx@Qv?Zk@Wr#Yt@Ub"),
]

@Suite("URL credentials")
struct RedisURLCredentialsTests {
    /// The first substring of `secret`, three characters or longer, that `text` contains, as is
    /// or percent-encoded.
    static func leak(of secret: String, in text: String) -> String? {
        let characters = Array(secret)
        guard characters.count >= 3 else { return text.contains(secret) && !secret.isEmpty ? secret : nil }
        for start in 0...(characters.count - 3) {
            let piece = String(characters[start..<(start + 3)])
            // A lone escape such as "%40" says nothing about the password; its neighbours are checked.
            if piece.first == "%" && piece.dropFirst().allSatisfy(\.isHexDigit) { continue }
            if text.contains(piece) || text.contains(URLPassword.percentEncoded(piece)) { return piece }
        }
        return nil
    }

    /// Every rendering of `value` a log line, a debugger or an error report could show.
    static func renderings(_ value: some Any) -> [String] {
        var dumped = ""
        dump(value, to: &dumped)
        return ["\(value)", String(describing: value), String(reflecting: value), dumped]
    }

    static func expectNoLeak(
        _ password: URLPassword,
        in texts: [String],
        _ context: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        for text in texts {
            for secret in [password.decoded, password.written] {
                if let piece = leak(of: secret, in: text) {
                    Issue.record(
                        "\(context): shows \(piece.debugDescription) of the password in \(text.debugDescription)",
                        sourceLocation: sourceLocation)
                }
            }
        }
    }

    /// A URL with the password in it, and what it must parse to.
    struct Expected {
        var url: String
        var username: String?
        var endpoint: RedisConfiguration.Endpoint
        var database = 0
        var clientName: String?
        var protocolVersion = RedisConfiguration.ProtocolVersion.resp3PreferringFallback
    }

    static func wellFormed(_ password: URLPassword) -> [Expected] {
        let w = password.written
        var cases = [
            Expected(
                url: "redis://appuser:\(w)@cache.example:6380/3", username: "appuser",
                endpoint: .tcp(host: "cache.example", port: 6380), database: 3),
            Expected(url: "redis://:\(w)@cache.example", endpoint: .tcp(host: "cache.example", port: 6379)),
            Expected(
                url: "redis://appuser:\(w)@[::1]:6390/2?protocol=2&name=worker", username: "appuser",
                endpoint: .tcp(host: "::1", port: 6390), database: 2, clientName: "worker",
                protocolVersion: .resp2),
            // An '@' in a query value stays in the query.
            Expected(
                url: "valkey://appuser:\(w)@cache.example?db=5&name=a@b", username: "appuser",
                endpoint: .tcp(host: "cache.example", port: 6379), database: 5, clientName: "a@b"),
            Expected(
                url: "redis://appuser:\(password.encoded)@10.0.0.7:7001", username: "appuser",
                endpoint: .tcp(host: "10.0.0.7", port: 7001)),
            Expected(
                url: "redis://cache.example?username=appuser&password=\(password.encoded)", username: "appuser",
                endpoint: .tcp(host: "cache.example", port: 6379)),
            Expected(
                url: "unix://appuser:\(w)@/var/run/redis.sock?db=2", username: "appuser",
                endpoint: .unixSocket(path: "/var/run/redis.sock"), database: 2),
        ]
        if !w.contains(":") {
            // redis://secret@host: a lone user information is the password, as redis-cli reads it.
            cases.append(
                Expected(url: "redis://\(w)@cache.example:7000", endpoint: .tcp(host: "cache.example", port: 7000)))
        }
        return cases
    }

    static func malformed(_ password: URLPassword) -> [(url: String, code: RedisClientError.Code)] {
        let w = password.written
        let long = String(repeating: "d", count: 120)
        return [
            ("redis://appuser:\(w)@cache.example:99999", .invalidConfiguration),
            ("redis://appuser:\(w)@cache.example:abc", .invalidConfiguration),
            ("redis://appuser:\(w)@cache.example:0", .invalidConfiguration),
            ("redis://appuser:\(w)@cache.example/x", .invalidConfiguration),
            ("redis://appuser:\(w)@cache.example/1/2", .invalidConfiguration),
            ("redis://appuser:\(w)@cache.example?color=blue", .invalidConfiguration),
            ("redis://appuser:\(w)@cache.example?protocol=4", .invalidConfiguration),
            ("redis://appuser:\(w)@cache.example?db=-1", .invalidConfiguration),
            ("redis://appuser:\(w)@cache.example?password=%zz", .invalidConfiguration),
            ("redis://appuser:\(w)%zz@cache.example", .invalidConfiguration),
            ("redis://appuser:\(w)%C3@cache.example", .invalidConfiguration),
            ("redis://appuser:\(w)@[::1", .invalidConfiguration),
            ("redis://appuser:\(w)@[::1]x", .invalidConfiguration),
            ("redis://appuser:\(w)@[notipv6]:6379", .invalidConfiguration),
            ("redis://appuser:\(w)@::1:6379", .invalidConfiguration),
            ("redis://appuser:\(w)@cache.example#fragment", .invalidConfiguration),
            ("http://appuser:\(w)@cache.example", .invalidConfiguration),
            ("rediss://appuser:\(w)@cache.example", .unsupported),
            ("appuser:\(w)@cache.example", .invalidConfiguration),
            ("unix://appuser:\(w)@relative.sock", .invalidConfiguration),
            ("unix://appuser:\(w)@/\(long)/\(long)", .invalidConfiguration),
            ("unix://appuser:\(w)@/tmp/r.sock?protocol=x", .invalidConfiguration),
        ]
    }

    @Test(arguments: urlPasswords)
    func passwordsWithDelimitersParseAndStayHidden(_ password: URLPassword) throws {
        for expected in Self.wellFormed(password) {
            let configuration: RedisConfiguration
            do {
                configuration = try RedisConfiguration(url: expected.url)
            } catch {
                Issue.record("a URL with password \(password.written.debugDescription) failed: \(error)")
                Self.expectNoLeak(password, in: Self.renderings(error), "the error")
                continue
            }
            let context = "the configuration of \(expected.url.debugDescription)"
            #expect(configuration.password == password.decoded, "\(context)")
            #expect(configuration.username == expected.username, "\(context)")
            #expect(configuration.endpoint == expected.endpoint, "\(context)")
            #expect(configuration.database == expected.database, "\(context)")
            #expect(configuration.clientName == expected.clientName, "\(context)")
            #expect(configuration.protocolVersion == expected.protocolVersion, "\(context)")
            Self.expectNoLeak(password, in: Self.renderings(configuration), context)
            Self.expectNoLeak(password, in: [configuration.redactedURL], "\(context), redacted")
            Self.expectNoLeak(password, in: [RedisConfiguration.redactedURL(expected.url)], "\(context), redacted")
        }
    }

    @Test(arguments: urlPasswords)
    func errorsNeverShowThePassword(_ password: URLPassword) {
        for (url, code) in Self.malformed(password) {
            let error = #expect(throws: RedisClientError.self, "\(url.debugDescription) must be refused") {
                try RedisConfiguration(url: url)
            }
            guard let error else { continue }
            #expect(error.code == code, "\(url.debugDescription): \(error)")
            let context = "the error for \(url.debugDescription)"
            Self.expectNoLeak(password, in: [error.message] + Self.renderings(error), context)
            Self.expectNoLeak(password, in: [RedisConfiguration.redactedURL(url)], "\(context), redacted")
            let client = #expect(throws: RedisClientError.self) { try RedisClient(url: url) }
            if let client { Self.expectNoLeak(password, in: Self.renderings(client), "\(context), from RedisClient") }
        }
    }
}
