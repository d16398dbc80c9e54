import Logging
import StrataRedis

/// Writes Strata's events to a swift-log `Logger`: the message is the event's name
/// (`connection_failed`), its details are metadata (`endpoint`, `reason`, ...).
///
/// ```swift
/// var configuration = try RedisConfiguration(url: "redis://127.0.0.1:6379")
/// configuration.observer = LoggingObserver(logger: Logger(label: "strata"))
/// ```
///
/// Levels follow ``StrataRedis/LogfmtObserver/level(of:)``: per-read events (commands, tier hits
/// and misses) at `debug`, normal state changes at `info`, failures at `warning`. An event below
/// the logger's level costs one comparison: its metadata is built only when it is logged.
public final class LoggingObserver: StrataObserver {
    /// The logger events go to.
    public let logger: Logger

    /// Logs Strata's events to `logger`.
    public init(logger: Logger) {
        self.logger = logger
    }

    /// Logs `event` at its level, if the logger's level lets it through.
    public func observe(_ event: StrataEvent) {
        let level = Self.level(LogfmtObserver.level(of: event))
        guard level >= logger.logLevel else { return }
        var metadata: Logger.Metadata = [:]
        for (name, value) in event.fields { metadata[name] = .string(value) }
        logger.log(level: level, "\(event.name)", metadata: metadata)
    }

    static func level(_ level: LogfmtObserver.Level) -> Logger.Level {
        switch level {
        case .debug: return .debug
        case .info: return .info
        case .warning: return .warning
        }
    }
}
