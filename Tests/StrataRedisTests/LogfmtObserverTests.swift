import StrataRedis
import StrataSync
import Testing

/// The built-in line observer's exact output, in both formats.
@Suite("Logfmt observer")
struct LogfmtObserverTests {
    final class Lines: Sendable {
        private let lines = StrataMutex<[String]>([])
        func append(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    /// 2026-12-02T15:41:36.123Z.
    static let fixedTime: @Sendable () -> Int64 = { 1_796_226_096_123 }

    static let endpoint = RedisConfiguration.Endpoint.tcp(host: "127.0.0.1", port: 6379)

    static let events: [StrataEvent] = [
        .connectionOpened(id: 3, endpoint: endpoint),
        .connectionFailed(endpoint: endpoint, reason: RedisClientError(.connectionFailed, "connect: \"refused\"")),
        .reconnectScheduled(endpoint: endpoint, delay: .milliseconds(25), failures: 1),
        .commandFinished(name: "GET", duration: .microseconds(42), outcome: .success),
        .commandFinished(name: "CLIENT TRACKING", duration: .milliseconds(1), outcome: .clientError(.timeout)),
        .tierHit(tier: "local", duration: .zero),
        .localTierFlushed(reason: "coherence link lost"),
        .invalidationPublished(channel: "changes", keys: 2),
    ]

    @Test func writesLogfmtLinesFromTheChosenLevel() {
        let lines = Lines()
        let observer = LogfmtObserver(level: .info, unixMilliseconds: Self.fixedTime, sink: lines.append)
        for event in Self.events { observer.observe(event) }
        #expect(
            lines.all == [
                "ts=2026-12-02T15:41:36.123Z level=info event=connection_opened connection=3 endpoint=127.0.0.1:6379",
                #"ts=2026-12-02T15:41:36.123Z level=warning event=connection_failed endpoint=127.0.0.1:6379 "#
                    + #"code="connection failed" reason="connect: \"refused\"""#,
                "ts=2026-12-02T15:41:36.123Z level=warning event=reconnect_scheduled endpoint=127.0.0.1:6379 "
                    + "delay_us=25000 failures=1",
                #"ts=2026-12-02T15:41:36.123Z level=warning event=command_finished command="CLIENT TRACKING" "#
                    + #"duration_us=1000 outcome=client_error code="timed out""#,
                #"ts=2026-12-02T15:41:36.123Z level=info event=local_tier_flushed reason="coherence link lost""#,
                "ts=2026-12-02T15:41:36.123Z level=info event=invalidation_published channel=changes keys=2",
            ])
    }

    @Test func writesJSONLinesWithEverythingAtDebug() {
        let lines = Lines()
        let observer = LogfmtObserver(format: .json, level: .debug, unixMilliseconds: nil, sink: lines.append)
        observer.observe(Self.events[1])
        observer.observe(Self.events[3])
        observer.observe(Self.events[5])
        #expect(
            lines.all == [
                #"{"level":"warning","event":"connection_failed","endpoint":"127.0.0.1:6379","#
                    + #""code":"connection failed","reason":"connect: \"refused\""}"#,
                #"{"level":"debug","event":"command_finished","command":"GET","duration_us":42,"outcome":"success"}"#,
                #"{"level":"debug","event":"tier_hit","tier":"local","duration_us":0}"#,
            ])
    }

    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (951_782_400_999, "2000-02-29T00:00:00.999Z"),
        (4_107_542_399_000, "2100-02-28T23:59:59.000Z"),
        (-1, "1969-12-31T23:59:59.999Z"),
    ])
    func formatsTimestampsInUTC(_ milliseconds: Int64, _ expected: String) {
        let lines = Lines()
        let observer = LogfmtObserver(unixMilliseconds: { milliseconds }, sink: lines.append)
        observer.observe(.trackingResumed)
        #expect(lines.all == ["ts=\(expected) level=info event=tracking_resumed"])
    }
}
