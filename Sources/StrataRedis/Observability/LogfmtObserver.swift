import Glibc

/// An observer that writes one structured line per event to standard error (or any sink): logfmt
/// by default, JSON lines on request. For programs without a logging stack.
///
/// ```swift
/// var configuration = try RedisConfiguration(url: "redis://127.0.0.1:6379")
/// configuration.observer = LogfmtObserver()            // warnings and notices
/// configuration.observer = LogfmtObserver(level: .debug)  // every command and tier read too
/// ```
///
/// A line looks like this (logfmt, then JSON):
///
/// ```
/// ts=2026-12-02T15:41:36.123Z level=warning event=connection_failed endpoint=127.0.0.1:6379 code="connection failed" reason="connect: Connection refused"
/// {"ts":"2026-12-02T15:41:36.123Z","level":"warning","event":"connection_failed","endpoint":"127.0.0.1:6379",...}
/// ```
///
/// Levels: `debug` for what happens on every read (command finished, tier hit or miss, loader
/// called, invalidation received), `info` for state changes that are part of normal life
/// (connection opened or closed, tracking resumed, breaker closed, local tier flushed,
/// invalidation published, stale value served), `warning` for failures (connection failed,
/// reconnect scheduled, pool exhausted, tracking lost, breaker opened, tier or loader failed, a
/// command that failed).
public final class LogfmtObserver: StrataObserver {
    /// How lines are written.
    public enum Format: Sendable, Hashable {
        /// `key=value` pairs, values quoted when they hold spaces, quotes or `=`.
        case logfmt
        /// One JSON object per line.
        case json
    }

    /// How much is written.
    public enum Level: Int, Sendable, Hashable, Comparable, CustomStringConvertible {
        /// Everything, including each command and tier read.
        case debug
        /// Normal state changes and failures.
        case info
        /// Failures only.
        case warning

        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }

        /// `debug`, `info` or `warning`.
        public var description: String {
            switch self {
            case .debug: return "debug"
            case .info: return "info"
            case .warning: return "warning"
            }
        }
    }

    /// The line format.
    public let format: Format
    /// The lowest level written.
    public let level: Level
    private let sink: @Sendable (String) -> Void
    private let clock: @Sendable () -> Int64

    /// Creates an observer writing lines of `format`, from `level` up, to `sink` (standard error
    /// by default, one `write(2)` per line). `unixMilliseconds` gives each line's timestamp;
    /// `nil` leaves the `ts` field out.
    public init(
        format: Format = .logfmt,
        level: Level = .info,
        unixMilliseconds: (@Sendable () -> Int64)? = LogfmtObserver.systemUnixMilliseconds,
        sink: @escaping @Sendable (String) -> Void = LogfmtObserver.writeToStandardError
    ) {
        self.format = format
        self.level = level
        self.sink = sink
        self.clock = unixMilliseconds ?? { Int64.min }
    }

    /// Writes `event` as one line, when its level is at least ``level``.
    public func observe(_ event: StrataEvent) {
        let eventLevel = Self.level(of: event)
        guard eventLevel >= level else { return }
        var fields: [(String, Field)] = []
        let now = clock()
        if now != Int64.min { fields.append(("ts", .text(Self.timestamp(unixMilliseconds: now)))) }
        fields.append(("level", .text(eventLevel.description)))
        fields.append(("event", .text("\(event.name)")))
        Self.describe(event, into: &fields)
        sink(format == .json ? Self.json(fields) : Self.logfmt(fields))
    }

    // MARK: Events to fields

    /// A field's value.
    enum Field {
        case text(String)
        case integer(Int64)
    }

    /// The level an event is written at: `debug` for what happens on every read, `info` for
    /// normal state changes, `warning` for failures. Logging adapters map events the same way.
    public static func level(of event: StrataEvent) -> Level {
        switch event {
        case .commandFinished(_, _, .success), .tierHit, .tierMiss, .loaderCalled, .invalidationReceived:
            return .debug
        case .connectionOpened, .connectionClosed, .trackingResumed, .breakerClosed, .localTierFlushed,
            .invalidationPublished, .staleServed:
            return .info
        case .connectionFailed, .reconnectScheduled, .poolExhausted, .trackingLost, .breakerOpened, .tierFailed,
            .loaderFailed, .loaderTimedOut, .commandFinished:
            return .warning
        }
    }

    private static func microseconds(_ duration: Duration) -> Field {
        let (seconds, attoseconds) = duration.components
        return .integer(seconds * 1_000_000 + attoseconds / 1_000_000_000_000)
    }

    private static func error(_ error: RedisClientError, into fields: inout [(String, Field)]) {
        fields.append(("code", .text(error.code.description)))
        fields.append(("reason", .text(error.message)))
    }

    /// The event's own fields, after `ts`, `level` and `event`.
    static func describe(_ event: StrataEvent, into fields: inout [(String, Field)]) {
        switch event {
        case .connectionOpened(let id, let endpoint):
            fields += [("connection", .integer(Int64(id))), ("endpoint", .text(endpoint.description))]
        case .connectionClosed(let id, let endpoint, let reason):
            fields += [("connection", .integer(Int64(id))), ("endpoint", .text(endpoint.description))]
            error(reason, into: &fields)
        case .connectionFailed(let endpoint, let reason), .poolExhausted(let endpoint, let reason):
            fields.append(("endpoint", .text(endpoint.description)))
            error(reason, into: &fields)
        case .reconnectScheduled(let endpoint, let delay, let failures):
            fields += [
                ("endpoint", .text(endpoint.description)), ("delay_us", microseconds(delay)),
                ("failures", .integer(Int64(failures))),
            ]
        case .commandFinished(let name, let duration, let outcome):
            fields += [
                ("command", .text(name)), ("duration_us", microseconds(duration)), ("outcome", .text("\(outcome)")),
            ]
            if case .clientError(let code) = outcome { fields.append(("code", .text(code.description))) }
        case .trackingLost(let reason):
            error(reason, into: &fields)
        case .trackingResumed:
            break
        case .tierHit(let tier, let duration), .tierMiss(let tier, let duration):
            fields += [("tier", .text(tier)), ("duration_us", microseconds(duration))]
        case .staleServed(let tier), .breakerOpened(let tier), .breakerClosed(let tier):
            fields.append(("tier", .text(tier)))
        case .tierFailed(let tier, let reason):
            fields += [("tier", .text(tier)), ("error", .text("\(reason)"))]
        case .localTierFlushed(let reason):
            fields.append(("reason", .text("\(reason)")))
        case .loaderCalled(let key, let duration), .loaderTimedOut(let key, let duration):
            fields += [("key", .text(key)), ("duration_us", microseconds(duration))]
        case .loaderFailed(let key, let duration, let failure):
            fields += [("key", .text(key)), ("duration_us", microseconds(duration)), ("error", .text("\(failure)"))]
        case .invalidationPublished(let channel, let keys):
            fields += [("channel", .text(channel)), ("keys", .integer(Int64(keys)))]
        case .invalidationReceived(let keys):
            fields.append(("keys", .integer(Int64(keys))))
        }
    }

    // MARK: Formats

    /// `key=value ...`: a value is quoted (with `\"`, `\\`, `\n` escaped) when it is empty or holds
    /// a space, `=`, a quote or a control character.
    static func logfmt(_ fields: [(String, Field)]) -> String {
        var line = ""
        for (index, (key, value)) in fields.enumerated() {
            if index > 0 { line += " " }
            line += key
            line += "="
            switch value {
            case .integer(let number):
                line += String(number)
            case .text(let text):
                let plain =
                    !text.isEmpty
                    && !text.unicodeScalars.contains { $0 == " " || $0 == "=" || $0 == "\"" || $0.value < 0x20 }
                line += plain ? text : "\"" + escaped(text, json: false) + "\""
            }
        }
        return line
    }

    /// One JSON object: strings escaped as JSON requires, integers as numbers.
    static func json(_ fields: [(String, Field)]) -> String {
        var line = "{"
        for (index, (key, value)) in fields.enumerated() {
            if index > 0 { line += "," }
            line += "\"" + escaped(key, json: true) + "\":"
            switch value {
            case .integer(let number): line += String(number)
            case .text(let text): line += "\"" + escaped(text, json: true) + "\""
            }
        }
        return line + "}"
    }

    private static func escaped(_ text: String, json: Bool) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += json ? "\\u" + String(repeating: "0", count: 4 - hex.count) + hex : "\\x" + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// `2026-12-02T15:41:36.123Z` (UTC, milliseconds).
    static func timestamp(unixMilliseconds: Int64) -> String {
        let milliseconds = Int(((unixMilliseconds % 1000) + 1000) % 1000)
        let totalSeconds = (unixMilliseconds - Int64(milliseconds)) / 1000
        let days = Int(totalSeconds >= 0 ? totalSeconds / 86_400 : (totalSeconds - 86_399) / 86_400)
        let secondOfDay = Int(totalSeconds - Int64(days) * 86_400)
        // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):"
            + "\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2)).\(pad(milliseconds, 3))Z"
    }

    // MARK: Defaults

    /// The wall clock, in Unix milliseconds.
    public static let systemUnixMilliseconds: @Sendable () -> Int64 = {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }

    /// Writes `line` and a newline to standard error in one `write(2)` (lines from several
    /// threads do not interleave).
    public static let writeToStandardError: @Sendable (String) -> Void = { line in
        var bytes = Array(line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                // A failure (or a non-blocking stderr that would block) drops the rest: there is
                // nowhere to report it.
                let written = try? SystemCall.run("write") {
                    Glibc.write(2, raw.baseAddress! + offset, raw.count - offset)
                }
                guard let written, written > 0 else { return }
                offset += written
            }
        }
    }
}

extension StrataEvent {
    /// The event's details as name/value pairs (`command`, `duration_us`, `tier`, `reason`, ...),
    /// as ``LogfmtObserver`` writes them after `event`; for logging adapters. Builds strings: call
    /// it only for events that are kept.
    public var fields: [(name: String, value: String)] {
        var fields: [(String, LogfmtObserver.Field)] = []
        LogfmtObserver.describe(self, into: &fields)
        return fields.map { name, field in
            switch field {
            case .text(let text): return (name, text)
            case .integer(let number): return (name, String(number))
            }
        }
    }
}
