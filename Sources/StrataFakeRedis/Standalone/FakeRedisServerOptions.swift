/// The command line of `strata server`: where the fake Redis server listens and whether it
/// requires a password.
///
/// ```swift
/// let options = try FakeRedisServerOptions(arguments: ["--port", "6380", "--requirepass", "s3cret"])
/// options.port  // 6380
/// ```
///
/// Flags take their value as the next argument or after `=` (`--port=6380`); `--bind` takes
/// one or more addresses, as Redis' does. Unknown flags, missing or malformed values and stray
/// arguments are errors that say what was wrong.
public struct FakeRedisServerOptions: Sendable, Hashable {
    /// `--bind`: the (first) address to listen on.
    public var host: String
    /// `--bind`'s further addresses (`--bind 127.0.0.1 ::1`).
    public var additionalBindAddresses: [String]
    /// `--port`: the TCP port; 0 picks a free one.
    public var port: Int
    /// `--requirepass`: the password AUTH must give.
    public var password: String?
    /// `--unixsocket`: a Unix domain socket to listen on as well.
    public var unixSocketPath: String?
    /// `--help` or `-h` was given: print ``usage`` instead of running.
    public var showHelp: Bool
    /// `--cluster N`: run a ``FakeRedisCluster`` of N primaries instead of one server, on
    /// consecutive ports from ``port`` (free ports when it is 0).
    public var clusterPrimaries: Int?

    /// The defaults: 127.0.0.1, port 6379, no password, no Unix socket.
    public init(
        host: String = "127.0.0.1", additionalBindAddresses: [String] = [], port: Int = 6379, password: String? = nil,
        unixSocketPath: String? = nil, showHelp: Bool = false
    ) {
        self.host = host
        self.additionalBindAddresses = additionalBindAddresses
        self.port = port
        self.password = password
        self.unixSocketPath = unixSocketPath
        self.showHelp = showHelp
    }

    /// Parses command-line arguments (without the program and subcommand names).
    ///
    /// - Throws: ``ParseError`` naming the offending argument.
    public init(arguments: [String]) throws(ParseError) {
        self.init()
        var i = 0
        while i < arguments.count {
            let argument = arguments[i]
            i += 1
            if argument == "-h" || argument == "--help" {
                showHelp = true
                continue
            }
            guard argument.hasPrefix("--") else {
                throw ParseError("unexpected argument '\(argument)'")
            }
            var name = argument
            var inlineValue: String?
            if let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                inlineValue = String(argument[argument.index(after: equals)...])
            }
            guard Self.valueFlags.contains(name) else {
                throw ParseError("unknown option '\(name)'")
            }
            let value: String
            if let inlineValue {
                value = inlineValue
            } else {
                guard i < arguments.count else { throw ParseError("option '\(name)' needs a value") }
                value = arguments[i]
                i += 1
            }
            switch name {
            case "--port":
                guard let port = Int(value), (0...65535).contains(port) else {
                    throw ParseError("invalid port '\(value)': expected a number from 0 to 65535")
                }
                self.port = port
            case "--bind":
                guard !value.isEmpty else { throw ParseError("option '--bind' needs an address") }
                host = value
                additionalBindAddresses = []
                // More addresses may follow, up to the next option.
                while inlineValue == nil, i < arguments.count, !arguments[i].hasPrefix("-") {
                    additionalBindAddresses.append(arguments[i])
                    i += 1
                }
            case "--requirepass":
                password = value.isEmpty ? nil : value
            case "--cluster":
                guard let count = Int(value), (1...1000).contains(count) else {
                    throw ParseError("invalid node count '\(value)': expected a number from 1 to 1000")
                }
                clusterPrimaries = count
            default:
                guard !value.isEmpty else { throw ParseError("option '--unixsocket' needs a path") }
                unixSocketPath = value
            }
        }
        if clusterPrimaries != nil && unixSocketPath != nil {
            throw ParseError(
                "option '--unixsocket' cannot be combined with '--cluster' (cluster nodes are reached over TCP)")
        }
        if let count = clusterPrimaries, port != 0, port + count - 1 > 65535 {
            throw ParseError(
                "option '--cluster \(count)' needs ports \(port) to \(port + count - 1); the last is past 65535")
        }
    }

    private static let valueFlags: Set<String> = ["--port", "--bind", "--requirepass", "--unixsocket", "--cluster"]

    /// The server configuration these options describe.
    public var configuration: FakeRedisServer.Configuration {
        FakeRedisServer.Configuration(
            host: host, additionalBindAddresses: additionalBindAddresses, port: port, unixSocketPath: unixSocketPath,
            password: password)
    }

    /// The help text.
    public static let usage = """
        Usage: strata server [--port N] [--bind ADDRESS...] [--requirepass PASSWORD] [--unixsocket PATH]
                             [--cluster N]

        Runs Strata's fake Redis server in the foreground until Ctrl-C (SIGINT) or SIGTERM.
        It speaks RESP2 and RESP3, so redis-cli, redis-benchmark and any Redis client work with it.

        Options:
          --port N                TCP port to listen on (default 6379; 0 picks a free port)
          --bind ADDRESS...       addresses to listen on (default 127.0.0.1; e.g. 127.0.0.1 ::1)
          --requirepass PASSWORD  require AUTH with this password
          --unixsocket PATH       also listen on this Unix domain socket
          --cluster N             run a Redis Cluster of N primaries (slots split evenly) on
                                  consecutive ports from --port (free ports with --port 0)
          -h, --help              show this help
        """

    /// A command line that could not be parsed.
    public struct ParseError: Error, Hashable, Sendable, CustomStringConvertible {
        /// What was wrong, naming the argument.
        public var message: String

        init(_ message: String) { self.message = message }

        public var description: String { message }
    }
}
