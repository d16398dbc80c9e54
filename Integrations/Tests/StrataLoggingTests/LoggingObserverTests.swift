import Logging
import StrataLogging
import StrataRedis
import Synchronization
import Testing

/// Records what reaches a swift-log handler.
final class LogStore: Sendable {
    struct Record: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }
    private let records = Mutex<[Record]>([])
    func append(_ record: Record) { records.withLock { $0.append(record) } }
    var all: [Record] { records.withLock { $0 } }
}

struct RecordingHandler: LogHandler {
    let store: LogStore
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        store.append(
            LogStore.Record(
                level: event.level, message: event.message.description,
                metadata: (event.metadata ?? [:]).mapValues { "\($0)" }))
    }
}

@Suite("StrataLogging")
struct LoggingObserverTests {
    @Test func eventsBecomeRecordsAtTheirLevelWithTheirDetails() {
        let store = LogStore()
        var logger = Logger(label: "strata", factory: { _ in RecordingHandler(store: store) })
        logger.logLevel = .info
        let observer = LoggingObserver(logger: logger)
        let endpoint = RedisConfiguration.Endpoint.tcp(host: "127.0.0.1", port: 6379)
        // A debug event: below the logger's level, dropped.
        observer.observe(.commandFinished(name: "GET", duration: .microseconds(42), outcome: .success))
        observer.observe(.connectionOpened(id: 7, endpoint: endpoint))
        observer.observe(.breakerOpened(tier: "redis"))
        let records = store.all
        #expect(records.map(\.message) == ["connection_opened", "breaker_opened"])
        #expect(records.map(\.level) == [.info, .warning])
        #expect(records.first?.metadata == ["connection": "7", "endpoint": "127.0.0.1:6379"])
        #expect(records.last?.metadata == ["tier": "redis"])
    }

    @Test func debugLoggersSeeEveryCommand() {
        let store = LogStore()
        var logger = Logger(label: "strata", factory: { _ in RecordingHandler(store: store) })
        logger.logLevel = .debug
        LoggingObserver(logger: logger).observe(
            .commandFinished(name: "GET", duration: .microseconds(42), outcome: .success))
        #expect(store.all.map(\.metadata) == [["command": "GET", "duration_us": "42", "outcome": "success"]])
    }
}
