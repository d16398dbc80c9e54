extension RedisClient {
    /// Commands sent and `send(2)` calls made on the shared connections open now. For tests that
    /// observe automatic pipelining (fewer writes than commands).
    package var _writeCounters: (commands: Int, writes: Int) {
        pool._sharedConnections.reduce(into: (0, 0)) { total, connection in
            let counters = connection.counters
            total.0 += counters.commands
            total.1 += counters.writes
        }
    }

    /// The IDs of the shared connections open now, in the order they opened. For tests that check
    /// whether a connection was closed and replaced.
    package var _sharedConnectionIDs: [Int] {
        pool._sharedConnections.filter { !$0.isClosed }.map(\.id)
    }

    /// Closes every shared connection as if the network failed. For tests.
    package func _breakSharedConnections() {
        for connection in pool._sharedConnections {
            connection.close(RedisClientError(.connectionClosed, "closed by a test"))
        }
    }
}

extension RedisConnectionPool {
    package var _sharedConnections: [RedisConnection] { sharedSnapshot() }
}

extension RedisConfiguration.Backoff {
    /// The delay after `failures` consecutive failures, with the jitter at its midpoint. For tests.
    package func _delay(afterFailures failures: Int) -> Duration {
        delay(afterFailures: failures, random: 0.5)
    }
}
