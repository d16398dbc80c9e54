// Counters a test reads: totals since start, and one entry per open connection, so a client's
// tests can observe automatic pipelining (many commands per read, fewer writes than commands).

extension FakeRedisServer {
    /// What the server has done since it started.
    public struct Statistics: Sendable, Hashable {
        /// Connections accepted (not counting those a refusal fault reset).
        public var connectionsAccepted: Int
        /// Connections reset by ``Fault/resetConnections``.
        public var connectionsRejected: Int
        /// Commands run (not counting those faults held back, swallowed or answered).
        public var commandsProcessed: Int
        /// `read` system calls on client sockets.
        public var readCalls: Int
        /// `send` system calls on client sockets.
        public var writeCalls: Int
        /// Bytes read from clients.
        public var bytesRead: Int
        /// Bytes written to clients.
        public var bytesWritten: Int
        /// Connections closed for malformed input.
        public var protocolErrors: Int
        /// Times a fault changed what a client saw.
        public var faultsApplied: Int
        /// Keys deleted because they expired.
        public var expiredKeys: Int
        /// Connections closed because their pending replies passed the output buffer limit
        /// (``FakeRedisServer/Configuration/outputBufferLimitBytes``, or the pub/sub one).
        public var outputLimitDisconnections: Int
        /// The open connections, by ascending ID.
        public var connections: [ConnectionStatistics]
    }

    /// Counters of one open connection.
    public struct ConnectionStatistics: Sendable, Hashable {
        /// The ID CLIENT ID reports.
        public var id: Int
        /// The name set with CLIENT SETNAME or HELLO SETNAME.
        public var name: String?
        /// 2 or 3.
        public var protocolVersion: Int
        /// The selected database.
        public var database: Int
        /// Commands run on this connection.
        public var commandsProcessed: Int
        /// `read` calls: with pipelining, far fewer than commands.
        public var readCalls: Int
        /// `send` calls: the replies to pipelined commands leave together.
        public var writeCalls: Int
        /// Bytes read from this connection.
        public var bytesRead: Int
        /// Bytes written to this connection.
        public var bytesWritten: Int
        /// The most commands one read delivered.
        public var maxCommandsPerRead: Int
    }

    /// A snapshot of the counters (empty once stopped).
    public func statistics() -> Statistics {
        perform { engine in
            let s = engine.statistics
            let connections = engine.clientList.sorted { $0.id < $1.id }.map { c in
                ConnectionStatistics(
                    id: c.id, name: c.name.map { String(decoding: $0, as: UTF8.self) },
                    protocolVersion: c.resp3 ? 3 : 2,
                    database: c.db, commandsProcessed: c.commandsProcessed, readCalls: c.readCalls,
                    writeCalls: c.writeCalls, bytesRead: c.bytesRead, bytesWritten: c.bytesWritten,
                    maxCommandsPerRead: c.maxCommandsPerRead)
            }
            return Statistics(
                connectionsAccepted: s.connectionsReceived, connectionsRejected: s.rejectedConnections,
                commandsProcessed: s.commandsProcessed, readCalls: s.readCalls, writeCalls: s.writeCalls,
                bytesRead: s.bytesRead, bytesWritten: s.bytesWritten, protocolErrors: s.protocolErrors,
                faultsApplied: s.faultsApplied, expiredKeys: s.expiredKeys,
                outputLimitDisconnections: s.outputLimitDisconnections, connections: connections)
        }
            ?? Statistics(
                connectionsAccepted: 0, connectionsRejected: 0, commandsProcessed: 0, readCalls: 0, writeCalls: 0,
                bytesRead: 0, bytesWritten: 0, protocolErrors: 0, faultsApplied: 0, expiredKeys: 0,
                outputLimitDisconnections: 0, connections: [])
    }

    /// The counters of the connection with this CLIENT ID, if it is open.
    public func connectionStatistics(id: Int) -> ConnectionStatistics? {
        statistics().connections.first { $0.id == id }
    }
}
