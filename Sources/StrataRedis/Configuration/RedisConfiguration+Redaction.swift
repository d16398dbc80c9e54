extension RedisConfiguration {
    /// The configuration as a URL for logs and tool output, with the password shown as `***`.
    ///
    /// ```swift
    /// let configuration = try RedisConfiguration(url: "redis://app:s3cr%40t@cache.internal/2?name=worker")
    /// print(configuration.redactedURL)  // redis://app:***@cache.internal:6379/2?name=worker
    /// ```
    ///
    /// The port is always shown; the database, protocol and client name when they are not the
    /// defaults. A user name without a password is shown as the `username` query parameter.
    public var redactedURL: String {
        var query: [String] = []
        var credentials = ""
        if password != nil {
            credentials = (username.map { Self.percentEncoded($0, keeping: "") } ?? "") + ":***@"
        } else if let username {
            query.append("username=" + Self.percentEncoded(username, keeping: ""))
        }
        var url: String
        switch endpoint {
        case .tcp(let host, let port):
            url = "redis://" + credentials + (host.contains(":") ? "[\(host)]" : host) + ":\(port)"
            if database != 0 { url += "/\(database)" }
        case .unixSocket(let path):
            url = "unix://" + credentials + Self.percentEncoded(path, keeping: "/")
            if database != 0 { query.insert("db=\(database)", at: 0) }
        }
        switch protocolVersion {
        case .resp2: query.append("protocol=2")
        case .resp3: query.append("protocol=3")
        case .resp3PreferringFallback: break
        }
        if let clientName { query.append("name=" + Self.percentEncoded(clientName, keeping: "")) }
        return query.isEmpty ? url : url + "?" + query.joined(separator: "&")
    }

    /// A Redis URL with its password hidden, for logs and tool output: the ``redactedURL`` of the
    /// configuration it parses to, or `<invalid Redis URL>` when it does not parse (then nothing
    /// of it is shown, since any part of it may be a password).
    public static func redactedURL(_ url: String) -> String {
        (try? RedisConfiguration(url: url))?.redactedURL ?? "<invalid Redis URL>"
    }

    /// `text` with every byte but the unreserved ones (RFC 3986) and `keeping` percent-encoded.
    private static func percentEncoded(_ text: String, keeping: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let scalar = Unicode.Scalar(byte)
            let unreserved =
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || "-._~".unicodeScalars.contains(scalar) || keeping.unicodeScalars.contains(scalar)
            if unreserved {
                out.unicodeScalars.append(scalar)
            } else {
                let hex = String(byte, radix: 16, uppercase: true)
                out += byte < 0x10 ? "%0" + hex : "%" + hex
            }
        }
        return out
    }
}
