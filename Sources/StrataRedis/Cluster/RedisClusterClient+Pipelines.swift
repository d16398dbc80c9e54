import StrataRESP

extension RedisClusterClient {
    /// Sends the commands of `pipeline` to the nodes that own their keys (one write per node, all
    /// nodes at once) and returns their replies in command order.
    ///
    /// Commands for one node keep their order there; commands for different nodes run
    /// concurrently. A command answered `MOVED`, `ASK` or `TRYAGAIN` (it did not run) is sent again
    /// on its own, in pipeline order, after the rest.
    ///
    /// - Throws: before sending anything, ``RedisClientError`` with code `crossSlot` when one
    ///   command's keys span slots, or `unsupported` for a command that may not run on a shared
    ///   connection; otherwise only when the pipeline as a whole failed (a node's connection lost).
    public func execute(_ pipeline: RedisPipeline) async throws -> RedisPipelineReplies {
        guard let interceptor = configuration.node.interceptor else { return try await executeUnintercepted(pipeline) }
        // Once around the whole pipeline, however many nodes it is split across.
        return try await interceptor.intercept(.pipeline(count: pipeline.count)) {
            try await executeUnintercepted(pipeline)
        }
    }

    private func executeUnintercepted(_ pipeline: RedisPipeline) async throws -> RedisPipelineReplies {
        guard pipeline.count > 0 else { return RedisPipelineReplies(replies: []) }
        if let restricted = pipeline.restriction {
            throw restricted.placement.refusal(restricted.name + " (in a pipeline)", onLease: false)
        }
        let buffer = pipeline.encoder.buffer
        let ranges = ClusterCommandKeys.commandRanges(in: buffer)
        guard ranges.count == pipeline.count else {
            throw RedisClientError(
                .unexpectedReply, "the pipeline's encoding holds \(ranges.count) commands, not \(pipeline.count)")
        }
        var slots: [RedisClusterSlot?] = []
        slots.reserveCapacity(ranges.count)
        for range in ranges {
            let command = buffer[range]
            slots.append(
                try RedisClusterSlot.of(
                    keys: ClusterCommandKeys.keys(of: command),
                    command: ClusterCommandKeys.name(of: command) + " (in a pipeline)"))
        }

        // Group by node: by shard index when the map names the slot's primary (no names built
        // per command), by address otherwise.
        enum Group: Hashable {
            case shard(Int)
            case node(String)
        }
        let map = try await currentMap()
        var groups: [Group: (node: RedisClusterTopology.Node, indices: [Int])] = [:]
        var unrouted: [Int] = []
        var keylessNode: RedisClusterTopology.Node?
        for (index, slot) in slots.enumerated() {
            if let slot, let shard = map.shardIndex(for: slot.value) {
                groups[.shard(shard), default: (map.topology.shards[shard].primary, [])].indices.append(index)
                continue
            }
            let node: RedisClusterTopology.Node?
            if let slot {
                node = map.primary(for: slot.value)
            } else {
                if keylessNode == nil { keylessNode = route(nil, map: map) }
                node = keylessNode
            }
            guard let node else {
                unrouted.append(index)
                continue
            }
            groups[.node(node.endpoint.description), default: (node, [])].indices.append(index)
        }

        // One batch per node, all at once.
        var replies = [RESPValue?](repeating: nil, count: ranges.count)
        let timeout = commandTimeout
        try await withThrowingTaskGroup(of: ([Int], [RESPValue]?).self) { group in
            for (_, entry) in groups {
                let client = try nodeClient(entry.node)
                let indices = entry.indices
                group.addTask {
                    do {
                        let connection = try await client.pool.sharedConnection()
                        let batch = try await connection.sendBatch(count: indices.count, timeout: timeout) { encoder in
                            for index in indices { encoder.buffer.append(contentsOf: buffer[ranges[index]]) }
                        }
                        return (indices, batch)
                    } catch let error as RedisClientError where error.isUnsent || error.code == .connectionFailed {
                        return (indices, nil)  // never reached the node: sent again one by one below
                    }
                }
            }
            for try await (indices, batch) in group {
                guard let batch else {
                    unrouted += indices
                    continue
                }
                for (offset, index) in indices.enumerated() { replies[index] = batch[offset] }
            }
        }

        // Redirected, refused for now, or never sent: again, one by one, in pipeline order.
        var again = unrouted
        for (index, reply) in replies.enumerated() {
            if let message = reply?.errorMessage, Redirection(message) != nil { again.append(index) }
        }
        if !again.isEmpty { requestRefresh() }
        for index in again.sorted() {
            let range = ranges[index]
            replies[index] = try await send(slot: slots[index], readOnly: false) {
                $0.buffer.append(contentsOf: buffer[range])
            }
        }
        return RedisPipelineReplies(replies: replies.map { $0 ?? .null })
    }

    /// Runs the commands of `pipeline` as one `MULTI`/`EXEC` transaction on the primary that owns
    /// their keys, which must all hash to one slot.
    ///
    /// A transaction answered `MOVED` (nothing ran: every command was refused while queuing) is
    /// sent again to the new owner; one refused by `ASK`, `TRYAGAIN` or `CLUSTERDOWN` (a slot being
    /// migrated, a failover) is retried with backoff within the command timeout. To `WATCH`, use
    /// ``withConnection(forKey:_:)-(Key,_)``.
    ///
    /// - Throws: ``RedisClientError`` with code `crossSlot` before sending when the keys span
    ///   slots; ``RedisServerError`` (`EXECABORT`) when a command was rejected while queuing.
    public func transaction(_ pipeline: RedisPipeline) async throws -> RedisTransactionResult {
        guard let interceptor = configuration.node.interceptor else {
            return try await transactionUnintercepted(pipeline)
        }
        return try await interceptor.intercept(.transaction(count: pipeline.count)) {
            try await transactionUnintercepted(pipeline)
        }
    }

    private func transactionUnintercepted(_ pipeline: RedisPipeline) async throws -> RedisTransactionResult {
        if let restricted = pipeline.restriction {
            throw restricted.placement.refusal(restricted.name + " (in a transaction)", onLease: false)
        }
        let buffer = pipeline.encoder.buffer
        var keys: [RedisKey] = []
        for range in ClusterCommandKeys.commandRanges(in: buffer) {
            keys += ClusterCommandKeys.keys(of: buffer[range])
        }
        let slot = try RedisClusterSlot.of(keys: keys, command: "the transaction")
        var attempt = Attempt(configuration: configuration, timeout: commandTimeout, counter: self)
        while true {
            let map = try await currentMap()
            guard let node = route(slot, map: map) else {
                requestRefresh()
                try await attempt.backOff(
                    after: RedisClientError(.connectionFailed, "no node serves \(slot.map { "\($0)" } ?? "any slot")"))
                continue
            }
            let replies: [RESPValue]
            do {
                let connection = try await nodeClient(node).pool.sharedConnection()
                replies = try await connection.sendBatch(count: pipeline.count + 2, timeout: attempt.remaining) {
                    pipeline.encodeTransaction(into: &$0)
                }
            } catch let error as RedisClientError where error.isUnsent || error.code == .connectionFailed {
                requestRefresh()
                try await attempt.backOff(after: error)
                continue
            }
            // Redirections surface as refusals while queuing (then EXECABORT) or as EXEC's error.
            let redirection = replies.lazy.compactMap { $0.errorMessage.flatMap(Redirection.init) }.first
            switch redirection {
            case nil:
                return try pipeline.transactionResult(replies)
            case .moved(let movedSlot, let target)?:
                recordMove(slot: movedSlot, to: target, counted: true)
                requestRefresh()
                try await attempt.redirected("MOVED \(movedSlot) \(target)")
            case .ask?:
                // The slot is being migrated; a transaction cannot follow ASK. Wait for the move
                // to finish.
                try await attempt.backOff(
                    after: RedisServerError(message: "TRYAGAIN \(slot.map { "\($0)" } ?? "the slot") is migrating"))
            case .retryLater(let refresh)?:
                if refresh { requestRefresh() }
                try await attempt.backOff(after: RedisServerError(message: "CLUSTERDOWN the cluster is down"))
            }
        }
    }
}
