import StrataRESP

extension RedisConnection {
    /// Opens a socket and performs the handshake: `HELLO 3 [AUTH user pass] [SETNAME name]`
    /// (falling back to `AUTH` and `CLIENT SETNAME` in RESP2 when the server does not know
    /// `HELLO`), then `SELECT` when a database is set.
    static func open(
        _ configuration: RedisConfiguration,
        loop: RedisEventLoop = .shared,
        pushHandler: (@Sendable (RESPValue) -> Void)? = nil,
        closeHandler: (@Sendable (RedisClientError) -> Void)? = nil
    ) async throws(RedisClientError) -> RedisConnection {
        let deadline = ContinuousClock.now + configuration.connectTimeout
        let observer = configuration.observer
        let fd: Int32
        do throws(RedisClientError) {
            fd = try await SocketConnector.connect(to: configuration.endpoint, timeout: configuration.connectTimeout)
        } catch {
            observer?.observe(.connectionFailed(endpoint: configuration.endpoint, reason: error))
            throw error
        }
        let connection = RedisConnection(
            fd: fd, endpoint: configuration.endpoint, loop: loop, limits: Limits(configuration),
            pushHandler: pushHandler, closeHandler: closeHandler, observer: observer)
        do {
            try await connection.handshake(configuration, deadline: deadline)
        } catch {
            let failure =
                error as? RedisClientError
                ?? RedisClientError(.connectionFailed, "handshake with \(configuration.endpoint) failed: \(error)")
            connection.close(failure)
            observer?.observe(.connectionFailed(endpoint: configuration.endpoint, reason: failure))
            throw failure
        }
        connection.announceOpened()
        return connection
    }

    private func handshake(_ configuration: RedisConfiguration, deadline: ContinuousClock.Instant) async throws {
        func remaining() throws(RedisClientError) -> Duration {
            let left = deadline - .now
            guard left > .zero else {
                throw RedisClientError(
                    .timeout, "the handshake with \(configuration.endpoint) took longer than the connect timeout")
            }
            return left
        }
        let password = configuration.password
        let username = configuration.username ?? "default"
        var needsLegacyAuth = configuration.protocolVersion == .resp2

        if configuration.protocolVersion != .resp2 {
            let reply = try await send(timeout: try remaining()) { encoder in
                var count = 2
                if password != nil { count += 3 }
                if configuration.clientName != nil { count += 2 }
                encoder.writeArrayHeader(count: count)
                encoder.writeArgument("HELLO")
                encoder.writeArgument("3")
                if let password {
                    encoder.writeArgument("AUTH")
                    encoder.writeArgument(username)
                    encoder.writeArgument(password)
                }
                if let name = configuration.clientName {
                    encoder.writeArgument("SETNAME")
                    encoder.writeArgument(name)
                }
            }
            if let message = reply.errorMessage {
                let unknown = message.hasPrefix("ERR unknown command") || message.hasPrefix("NOPROTO")
                if unknown && configuration.protocolVersion == .resp3PreferringFallback {
                    needsLegacyAuth = true
                } else if unknown {
                    throw RedisClientError(.unsupported, "the server does not speak RESP3 (\(message)); use protocol 2")
                } else {
                    throw Self.authenticationError(message, configuration)
                }
            } else {
                protocolVersion = .resp3
            }
        }

        if needsLegacyAuth {
            protocolVersion = .resp2
            if let password {
                let reply = try await send(timeout: try remaining()) { encoder in
                    if let user = configuration.username {
                        encoder.writeCommand("AUTH", user, password)
                    } else {
                        encoder.writeCommand("AUTH", password)
                    }
                }
                if let message = reply.errorMessage { throw Self.authenticationError(message, configuration) }
            }
            if password == nil {
                // Nothing else checks that the server lets us in: a server with requirepass answers
                // PING with NOAUTH, which is an authentication failure, not a late surprise.
                let reply = try await send(timeout: try remaining()) { $0.writeCommand("PING") }
                if let message = reply.errorMessage { throw Self.authenticationError(message, configuration) }
            }
            if let name = configuration.clientName {
                let reply = try await send(timeout: try remaining()) { $0.writeCommand("CLIENT", "SETNAME", name) }
                if let message = reply.errorMessage {
                    throw RedisClientError(.connectionFailed, "CLIENT SETNAME failed: \(message)")
                }
            }
        }

        if configuration.database != 0 {
            let reply = try await send(timeout: try remaining()) { $0.writeCommand("SELECT", configuration.database) }
            if let message = reply.errorMessage {
                if message.hasPrefix("NOAUTH") { throw Self.authenticationError(message, configuration) }
                throw RedisClientError(
                    .invalidConfiguration, "cannot select database \(configuration.database): \(message)")
            }
        }
    }

    private static func authenticationError(_ message: String, _ configuration: RedisConfiguration) -> RedisClientError
    {
        if message.hasPrefix("NOAUTH") {
            return RedisClientError(
                .authenticationFailed,
                "the server at \(configuration.endpoint) requires a password and none was configured (\(message))")
        }
        if message.hasPrefix("WRONGPASS") || message.contains("invalid password")
            || message.contains("invalid username")
        {
            return RedisClientError(
                .authenticationFailed,
                "the server at \(configuration.endpoint) rejected the credentials for user "
                    + "\(configuration.username ?? "default") (\(message))")
        }
        return RedisClientError(.connectionFailed, "the handshake with \(configuration.endpoint) failed: \(message)")
    }
}
