/// Parses Redis connection URLs without Foundation.
///
/// The reading rule is documented on ``RedisConfiguration/init(url:)``: the user information ends
/// at the first `@` (or nowhere, which is tried first) after which the rest of the URL is a valid
/// host part. No error message quotes the URL: any part of it may be a password.
enum RedisURLParser {
    private enum Kind { case tcp, unix }

    static func parse(_ url: String) throws(RedisClientError) -> RedisConfiguration {
        guard let colon = url.firstIndex(of: ":"), url[colon...].hasPrefix("://") else {
            throw fail("expected redis://host[:port][/db] or unix:///path, got no scheme")
        }
        let scheme = url[..<colon]
        let rest = url[url.index(colon, offsetBy: 3)...]
        let kind: Kind
        switch scheme.lowercased() {
        case "rediss":
            throw RedisClientError(
                .unsupported,
                "rediss:// needs TLS, which the built-in transport does not provide; "
                    + "connect through a TLS proxy such as stunnel with redis://, or use a Unix socket")
        case "redis", "valkey": kind = .tcp
        case "unix", "redis+unix": kind = .unix
        default:
            // The scheme is what precedes "://", never user information; show it only if it looks like one.
            let shown = isSchemeName(scheme) ? " \"\(scheme)\"" : ""
            throw fail("unknown scheme\(shown); expected redis://, rediss:// or unix://")
        }
        // No user information first, then each '@' from left to right: the first reading that gives
        // a valid configuration wins. The last one's error is the one reported.
        var failure: RedisClientError
        do {
            return try read(kind, rest, userinfoEnd: nil)
        } catch {
            failure = error
        }
        var at = rest.startIndex
        while let next = rest[at...].firstIndex(of: "@") {
            do {
                return try read(kind, rest, userinfoEnd: next)
            } catch {
                failure = error
            }
            at = rest.index(after: next)
        }
        throw failure
    }

    /// One reading of `rest` (the URL after `://`): user information up to `userinfoEnd` (none
    /// when `nil`), then `host[:port][/db][?query]`, or `/path[?query]` for a Unix socket.
    private static func read(
        _ kind: Kind,
        _ rest: Substring,
        userinfoEnd: Substring.Index?
    ) throws(RedisClientError) -> RedisConfiguration {
        var remainder = rest
        var username: String?
        var password: String?
        if let at = userinfoEnd {
            let userinfo = rest[..<at]
            remainder = rest[rest.index(after: at)...]
            if let colon = userinfo.firstIndex(of: ":") {
                let user = try decode(userinfo[..<colon], what: "user name")
                username = user.isEmpty ? nil : user
                password = try decode(userinfo[userinfo.index(after: colon)...], what: "password")
            } else if !userinfo.isEmpty {
                // redis://secret@host: a lone user information is the password, as redis-cli reads it.
                password = try decode(userinfo, what: "password")
            }
        }
        if remainder.contains("#") {
            throw fail("a Redis URL has no fragment: a '#' may only appear in the password")
        }
        var query: Substring = ""
        if let mark = remainder.firstIndex(of: "?") {
            query = remainder[remainder.index(after: mark)...]
            remainder = remainder[..<mark]
        }

        var configuration: RedisConfiguration
        switch kind {
        case .tcp:
            var hostPort = remainder
            var path: Substring = ""
            if let slash = remainder.firstIndex(of: "/") {
                hostPort = remainder[..<slash]
                path = remainder[remainder.index(after: slash)...]
            }
            let (host, port) = try parseHostPort(hostPort)
            configuration = RedisConfiguration(host: host, port: port)
            if !path.isEmpty {
                guard let db = parseDatabase(path) else {
                    throw fail("the path after the host must be a database number, like /2")
                }
                configuration.database = db
            }
        case .unix:
            guard remainder.hasPrefix("/") else {
                throw fail("a unix socket URL needs an absolute path: unix:///path/to/socket")
            }
            let path = try decode(remainder, what: "socket path")
            guard path.utf8.count < 108 else { throw fail("the socket path is longer than 107 bytes") }
            configuration = RedisConfiguration(unixSocketPath: path)
        }
        configuration.username = username
        configuration.password = password
        try applyQuery(query, to: &configuration)
        return try configuration.validated()
    }

    private static func applyQuery(
        _ query: Substring,
        to configuration: inout RedisConfiguration
    ) throws(RedisClientError) {
        var number = 0
        for item in query.split(separator: "&") where !item.isEmpty {
            number += 1
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = try decode(parts[0], what: "query parameter")
            let value = parts.count > 1 ? try decode(parts[1], what: "query parameter") : ""
            switch name {
            case "db", "database":
                guard let db = parseDatabase(value[...]) else { throw fail("the db parameter is not a number") }
                configuration.database = db
            case "protocol":
                switch value {
                case "2": configuration.protocolVersion = .resp2
                case "3": configuration.protocolVersion = .resp3
                default: throw fail("protocol must be 2 or 3")
                }
            case "name", "client_name":
                configuration.clientName = value
            case "password":
                configuration.password = value
            case "username", "user":
                configuration.username = value
            default:
                throw fail(
                    "unknown query parameter (number \(number) after the '?'); "
                        + "known: db, protocol, name, username, password")
            }
        }
    }

    /// `host[:port]`, `[ipv6][:port]`, or nothing (127.0.0.1:6379).
    private static func parseHostPort(_ text: Substring) throws(RedisClientError) -> (String, Int) {
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
            guard host.contains(":") else { throw fail("a host in brackets must be an IPv6 address") }
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
        // An '@' here means this reading put part of the user information in the host.
        guard !host.contains("@"), !host.contains("[") else { throw fail("the host name is not valid") }
        if host.isEmpty { host = "127.0.0.1" }
        var port = 6379
        if let portText {
            guard portText.allSatisfy(\.isASCIIDigit), let value = Int(portText), (1...65535).contains(value)
            else { throw fail("the port is not a number between 1 and 65535") }
            port = value
        }
        return (String(host), port)
    }

    /// A database number: decimal digits only.
    private static func parseDatabase(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.allSatisfy(\.isASCIIDigit) else { return nil }
        return Int(text)
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
                    throw fail("bad percent-escape in the \(what)")
                }
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw fail("the \(what) is not UTF-8 once percent-decoded")
        }
        return decoded
    }

    /// RFC 3986's scheme: a letter, then letters, digits, `+`, `-` and `.`; at most 32 of them.
    private static func isSchemeName(_ text: Substring) -> Bool {
        guard let first = text.first, first.isASCII, first.isLetter, text.count <= 32 else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }
    }

    private static func fail(_ message: String) -> RedisClientError {
        RedisClientError(.invalidConfiguration, "invalid Redis URL: \(message)")
    }
}

extension Character {
    /// `0` to `9`, and nothing else that Unicode calls a digit.
    fileprivate var isASCIIDigit: Bool { isASCII && isWholeNumber }
}
