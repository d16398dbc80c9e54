/// Parses Redis connection URLs without Foundation.
enum RedisURLParser {
    static func parse(_ url: String) throws(RedisClientError) -> RedisConfiguration {
        func fail(_ message: String) -> RedisClientError {
            RedisClientError(.invalidConfiguration, "invalid Redis URL: \(message)")
        }
        guard let colon = url.firstIndex(of: ":"), url[colon...].hasPrefix("://") else {
            throw fail("expected redis://host[:port][/db] or unix:///path, got no scheme")
        }
        let scheme = url[..<colon].lowercased()
        var rest = url[url.index(colon, offsetBy: 3)...]

        // Query parameters.
        var query: [(name: String, value: String)] = []
        if let mark = rest.firstIndex(of: "?") {
            for item in rest[rest.index(after: mark)...].split(separator: "&") where !item.isEmpty {
                let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let name = try decode(parts[0], what: "query parameter")
                let value = parts.count > 1 ? try decode(parts[1], what: "query parameter") : ""
                query.append((name: name, value: value))
            }
            rest = rest[..<mark]
        }
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }

        var configuration: RedisConfiguration
        switch scheme {
        case "rediss":
            throw RedisClientError(
                .unsupported,
                "rediss:// needs TLS, which the built-in transport does not provide; "
                    + "connect through a TLS proxy such as stunnel with redis://, or use a Unix socket")
        case "redis", "valkey":
            // [user[:password]@]host[:port][/db]
            var authority = rest
            var path: Substring = ""
            if let slash = rest.firstIndex(of: "/") {
                authority = rest[..<slash]
                path = rest[rest.index(after: slash)...]
            }
            var hostPort = authority
            var username: String?
            var password: String?
            if let at = authority.lastIndex(of: "@") {
                let userinfo = authority[..<at]
                hostPort = authority[authority.index(after: at)...]
                if let colon = userinfo.firstIndex(of: ":") {
                    let user = try decode(userinfo[..<colon], what: "user name")
                    username = user.isEmpty ? nil : user
                    password = try decode(userinfo[userinfo.index(after: colon)...], what: "password")
                } else if !userinfo.isEmpty {
                    // redis://secret@host: a lone userinfo is the password, as redis-cli reads it.
                    password = try decode(userinfo, what: "password")
                }
            }
            let (host, port) = try parseHostPort(hostPort, fail: fail)
            configuration = RedisConfiguration(host: host, port: port)
            configuration.username = username
            configuration.password = password
            if !path.isEmpty {
                guard let db = Int(path), db >= 0 else { throw fail("the database \"\(path)\" is not a number") }
                configuration.database = db
            }
        case "unix", "redis+unix":
            var path = rest
            var username: String?
            var password: String?
            if let at = rest.lastIndex(of: "@"), !rest.hasPrefix("/") {
                let userinfo = rest[..<at]
                path = rest[rest.index(after: at)...]
                if let colon = userinfo.firstIndex(of: ":") {
                    let user = try decode(userinfo[..<colon], what: "user name")
                    username = user.isEmpty ? nil : user
                    password = try decode(userinfo[userinfo.index(after: colon)...], what: "password")
                } else {
                    password = try decode(userinfo, what: "password")
                }
            }
            let decoded = try decode(path, what: "socket path")
            guard decoded.hasPrefix("/") else {
                throw fail("a unix socket URL needs an absolute path: unix:///path/to/socket")
            }
            guard decoded.utf8.count < 108 else { throw fail("the socket path is longer than 107 bytes") }
            configuration = RedisConfiguration(unixSocketPath: decoded)
            configuration.username = username
            configuration.password = password
        default:
            throw fail("unknown scheme \"\(scheme)\"; expected redis://, rediss:// or unix://")
        }

        for (name, value) in query {
            switch name {
            case "db", "database":
                guard let db = Int(value), db >= 0 else { throw fail("the database \"\(value)\" is not a number") }
                configuration.database = db
            case "protocol":
                switch value {
                case "2": configuration.protocolVersion = .resp2
                case "3": configuration.protocolVersion = .resp3
                default: throw fail("protocol must be 2 or 3, got \"\(value)\"")
                }
            case "name", "client_name":
                configuration.clientName = value
            case "password":
                configuration.password = value
            case "username", "user":
                configuration.username = value
            default:
                throw fail("unknown query parameter \"\(name)\"; known: db, protocol, name, username, password")
            }
        }
        return try configuration.validated()
    }

    private static func parseHostPort(
        _ text: Substring,
        fail: (String) -> RedisClientError
    ) throws(RedisClientError) -> (String, Int) {
        var host: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw fail("the IPv6 address has no closing ']'") }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw fail("expected ':port' after the IPv6 address") }
                portText = after.dropFirst()
            }
            guard host.contains(":") else { throw fail("\"\(host)\" in brackets is not an IPv6 address") }
        } else {
            let colons = text.filter { $0 == ":" }.count
            if colons > 1 { throw fail("an IPv6 host must be in brackets, like redis://[::1]:6379") }
            if let colon = text.firstIndex(of: ":") {
                host = text[..<colon]
                portText = text[text.index(after: colon)...]
            } else {
                host = text
            }
        }
        if host.isEmpty { host = "127.0.0.1" }
        var port = 6379
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else {
                throw fail("the port \"\(portText)\" is not a number between 1 and 65535")
            }
            port = value
        }
        return (String(host), port)
    }

    /// Percent-decoding (`%40` is `@`).
    private static func decode(_ text: Substring, what: String) throws(RedisClientError) -> String {
        guard text.contains("%") else { return String(text) }
        var bytes: [UInt8] = []
        var utf8 = text.utf8[...]
        while let byte = utf8.first {
            utf8 = utf8.dropFirst()
            if byte == UInt8(ascii: "%") {
                let hex = utf8.prefix(2)
                guard hex.count == 2, let value = UInt8(String(decoding: hex, as: UTF8.self), radix: 16) else {
                    throw RedisClientError(
                        .invalidConfiguration, "invalid Redis URL: bad percent-escape in the \(what)")
                }
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw RedisClientError(.invalidConfiguration, "invalid Redis URL: the \(what) is not UTF-8")
        }
        return decoded
    }
}
