import Glibc
import StrataRESP

// The event loop: one thread polls the wake pipe, the listeners and every client; reads feed
// each client's parser and run every complete command at once; replies collect in the client's
// output buffer and leave in one write per client before the loop sleeps again (Redis'
// beforeSleep), so the replies to pipelined commands are coalesced.
//
// The loop uses poll(2): Swift's Glibc module does not expose epoll, and a C shim target would
// widen the module graph. poll costs O(connections) per wake-up, which is nothing at the scale
// a test server runs at (redis-benchmark's 50 connections included).

extension Engine {
    /// Runs the loop until a stop job clears `running`, then closes everything.
    func run() {
        var fds: [pollfd] = []
        var polled: [Client?] = []
        fds.reserveCapacity(64)
        polled.reserveCapacity(64)
        timers.schedule(at: Clock.monotonicNanoseconds() + 100_000_000, .activeExpire)
        while running {
            if paused {
                waitForMailbox(timeoutMilliseconds: -1)
                continue
            }
            if frozenUntil != 0 {
                let now = Clock.monotonicNanoseconds()
                if now < frozenUntil {
                    waitForMailbox(timeoutMilliseconds: Int32(min(1000, (frozenUntil - now + 999_999) / 1_000_000)))
                    continue
                }
                frozenUntil = 0
            }
            beforeSleep()
            guard running, !paused, frozenUntil == 0 else { continue }

            fds.removeAll(keepingCapacity: true)
            polled.removeAll(keepingCapacity: true)
            fds.append(pollfd(fd: mailbox.wakeReader, events: Int16(POLLIN), revents: 0))
            polled.append(nil)
            for listener in listeners {
                fds.append(pollfd(fd: listener, events: Int16(POLLIN), revents: 0))
                polled.append(nil)
            }
            if unixListener >= 0 {
                fds.append(pollfd(fd: unixListener, events: Int16(POLLIN), revents: 0))
                polled.append(nil)
            }
            for c in clientList where !c.closing {
                var events = Int16(POLLIN)
                if c.writeBlocked { events |= Int16(POLLOUT) }
                fds.append(pollfd(fd: c.fd, events: events, revents: 0))
                polled.append(c)
            }

            var timeout: Int32 = -1
            if let deadline = timers.nextDeadline {
                let now = Clock.monotonicNanoseconds()
                timeout = deadline <= now ? 0 : Int32(min(1000, (deadline - now + 999_999) / 1_000_000))
            }
            let ready = poll(&fds, nfds_t(fds.count), timeout)
            if ready < 0 && errno != EINTR { fatalError("poll failed: errno \(errno)") }

            if ready > 0 {
                for i in 0..<fds.count where fds[i].revents != 0 {
                    guard running, !paused, frozenUntil == 0 else { break }
                    let revents = Int32(fds[i].revents)
                    if let c = polled[i] {
                        guard !c.closing else { continue }
                        if revents & Int32(POLLOUT) != 0 { writeToClient(c) }
                        if !c.closing && revents & Int32(POLLIN | POLLHUP | POLLERR) != 0 { readFromClient(c) }
                    } else if fds[i].fd == mailbox.wakeReader {
                        runJobs()
                    } else {
                        acceptConnections(on: fds[i].fd)
                    }
                }
            }
            runDueTimers()
        }
        shutDown()
    }

    /// Paused or frozen: serve only the mailbox.
    private func waitForMailbox(timeoutMilliseconds: Int32) {
        var fd = pollfd(fd: mailbox.wakeReader, events: Int16(POLLIN), revents: 0)
        if poll(&fd, 1, timeoutMilliseconds) > 0 { runJobs() }
    }

    private func runJobs() {
        for job in mailbox.drain() { job.run(self) }
    }

    /// Redis' beforeSleep: close what must close, broadcast invalidations, resume unblocked
    /// clients, and write every pending reply.
    func beforeSleep() {
        if !broadcastPrefixes.isEmpty { broadcastInvalidations() }
        while !resumeQueue.isEmpty {
            let queue = resumeQueue
            resumeQueue.removeAll()
            for c in queue where !c.closing { processInput(c) }
        }
        if !closeQueue.isEmpty {
            let queue = closeQueue
            closeQueue.removeAll()
            for c in queue { closeClient(c) }
        }
        if !writeQueue.isEmpty {
            let queue = writeQueue
            writeQueue.removeAll(keepingCapacity: true)
            for c in queue {
                c.pendingWrite = false
                if !c.closing && !c.writeBlocked { writeToClient(c) }
            }
        }
    }

    // MARK: Accepting

    private func acceptConnections(on listeningSocket: Int32) {
        let isUnix = listeningSocket == unixListener
        for _ in 0..<64 {
            let fd = accept(listeningSocket, nil, nil)
            if fd < 0 {
                if errno == EINTR { continue }
                return  // EAGAIN, or a transient error such as ECONNABORTED or EMFILE
            }
            // A refused TCP port is not listening at all; Unix socket connections are reset.
            if faults.refusal != nil {
                statistics.rejectedConnections += 1
                Socket.closeWithReset(fd)
                continue
            }
            Socket.setCloseOnExec(fd)
            do throws(SystemCallError) {
                try Socket.setNonBlocking(fd)
            } catch {
                close(fd)
                continue
            }
            let address: String
            let localAddress: String
            if isUnix {
                address = "\(settings.unixSocketPath ?? ""):0"
                localAddress = address
            } else {
                Socket.setNoDelay(fd)
                (localAddress, address) = Socket.addresses(fd)
            }
            let c = Client(
                id: nextClientID, fd: fd, address: address, localAddress: localAddress, isUnixSocket: isUnix,
                now: now(), authenticated: defaultUserIsOpen)
            if !defaultUserIsOpen {
                var limits = settings.parserLimits
                limits.maxAggregateLength = min(limits.maxAggregateLength, Client.unauthenticatedMaxArguments)
                limits.maxBulkLength = min(limits.maxBulkLength, Client.unauthenticatedMaxBulk)
                c.parser.limits = limits
            } else {
                c.parser.limits = settings.parserLimits
            }
            nextClientID += 1
            c.listIndex = clientList.count
            clientList.append(c)
            clientsByID[c.id] = c
            statistics.connectionsReceived += 1
        }
    }

    // MARK: Reading

    func readFromClient(_ c: Client) {
        let n = read(c.fd, readBuffer.baseAddress, readBuffer.count)
        c.readCalls += 1
        statistics.readCalls += 1
        if n > 0 {
            c.bytesRead += n
            statistics.bytesRead += n
            c.parser.append(UnsafeRawBufferPointer(rebasing: readBuffer[0..<n]))
            c.lastInteraction = now()
            if c.parser.bufferedByteCount > settings.maxQueryBuffer {
                // Redis: "Closing client that reached max query buffer length".
                statistics.queryLimitDisconnections += 1
                closeClient(c)
                return
            }
            c.commandsThisRead = 0
            processInput(c)
            if c.commandsThisRead > c.maxCommandsPerRead { c.maxCommandsPerRead = c.commandsThisRead }
        } else if n == 0 {
            closeClient(c)
        } else if errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR {
            closeClient(c)
        }
    }

    /// Runs every complete command in the client's buffer, unless it is blocked, delayed or
    /// closing; queues the replies for writing.
    func processInput(_ c: Client) {
        while !c.closing && !c.closeAfterReply && c.blocked == nil && c.delayed == nil && frozenUntil == 0 {
            let value: RESPValue?
            do {
                value = try c.parser.next()
            } catch {
                protocolError(c, error)
                break
            }
            guard let value else { break }
            guard case .array(let values) = value, !values.isEmpty else { continue }
            c.commandsThisRead += 1
            execute(c, Arguments(values))
        }
        queueWrite(c)
    }

    @inline(__always)
    func queueWrite(_ c: Client) {
        if !c.pendingWrite && c.pendingOutput > 0 && !c.closing {
            c.pendingWrite = true
            writeQueue.append(c)
        }
    }

    /// Answers malformed input with Redis' wording and closes the connection after the reply.
    private func protocolError(_ c: Client, _ error: RESPProtocolError) {
        statistics.protocolErrors += 1
        let inCommand = c.parser.openAggregateCount > 0
        let message: String
        switch error.code {
        case .expectedBulkString:
            message = error.detail  // "expected '$', got ':'", Redis' very words
        case .unbalancedQuotes:
            message = "unbalanced quotes in request"
        case .inlineTooLong:
            message = "too big inline request"
        case .tooManyElements where !c.isAuthenticated:
            message = "unauthenticated multibulk length"
        case .bulkTooLong where !c.isAuthenticated:
            message = "unauthenticated bulk length"
        case .bulkTooLong, .negativeLength, .invalidLength, .lengthOverflow, .lineTooLong, .tooManyElements:
            message = inCommand ? "invalid bulk length" : "invalid multibulk length"
        default:
            message = "\(error.code)"
        }
        c.addError("ERR Protocol error: \(message)")
        c.closeAfterReply = true
    }

    // MARK: Writing

    /// Writes as much of the output buffer as the socket takes.
    func writeToClient(_ c: Client) {
        // Held back by a reply latency fault: the release timer queues the write.
        if c.outputHeldUntil != 0 && c.outputHeldUntil > Clock.monotonicNanoseconds() { return }
        while c.sent < c.out.buffer.count {
            let n = c.out.buffer.withUnsafeBytes { raw in
                send(c.fd, raw.baseAddress! + c.sent, raw.count - c.sent, Int32(MSG_NOSIGNAL))
            }
            c.writeCalls += 1
            statistics.writeCalls += 1
            if n > 0 {
                c.sent += n
                c.bytesWritten += n
                statistics.bytesWritten += n
            } else if n < 0 && errno == EINTR {
                continue
            } else if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                c.writeBlocked = true
                // A client that reads slowly but steadily may never drain the buffer: drop the
                // part already sent so the buffer holds only what is pending.
                if c.sent >= 64 * 1024 && c.sent * 2 >= c.out.buffer.count {
                    c.out.buffer.removeSubrange(0..<c.sent)
                    c.sent = 0
                }
                return
            } else {
                closeClient(c)
                return
            }
        }
        c.writeBlocked = false
        if c.out.buffer.capacity > 1024 * 1024 {
            c.out = RESPEncoder(reservingCapacity: 16 * 1024)
        } else {
            c.out.reset()
        }
        c.sent = 0
        if c.closeAfterReply { closeClient(c) }
    }

    // MARK: Closing

    /// Closes a client later in this iteration, when it is safe (during a command, say).
    func scheduleClose(_ c: Client) {
        guard !c.closing else { return }
        c.closing = true
        closeQueue.append(c)
    }

    /// Closes a client now and forgets all its state.
    func closeClient(_ c: Client) {
        guard c.fd >= 0, clientsByID[c.id] === c else { return }
        c.closing = true
        close(c.fd)
        clientsByID.removeValue(forKey: c.id)
        let last = clientList.removeLast()
        if last !== c {
            clientList[c.listIndex] = last
            last.listIndex = c.listIndex
        }
        if c.blocked != nil { unblock(c, reply: false) }
        unwatchAll(c)
        if c.subscriptionCount > 0 {
            unsubscribeAll(c, notify: false)
            sunsubscribeAll(c, notify: false)
            punsubscribeAll(c, notify: false)
        }
        if c.tracking != nil { disableTracking(c) }
        stopMonitoring(c)
        c.postponed = false
        c.queued.removeAll()
        c.delayed = nil
    }

    // MARK: Timers

    private func runDueTimers() {
        let now = Clock.monotonicNanoseconds()
        while let action = timers.popDue(now: now) {
            switch action {
            case .resumeDelayed(let id, let generation):
                guard let c = clientsByID[id], c.delayGeneration == generation, let args = c.delayed else { continue }
                c.delayed = nil
                commandTime = self.now()
                // The other faults (errors, drops) still apply to a delayed command.
                if !(faults.hasCommandFaults && applyCommandFaults(c, args, afterDelay: true)) {
                    runCommand(c, args)
                }
                resumeQueue.append(c)
            case .releaseOutput(let id):
                guard let c = clientsByID[id], c.outputHeldUntil <= now else { continue }
                c.outputHeldUntil = 0
                queueWrite(c)
            case .blockTimeout(let id, let generation):
                guard let c = clientsByID[id], let b = c.blocked, b.generation == generation else { continue }
                unblock(c, reply: true)
            case .endPause(let generation):
                if pause?.generation == generation { endPause() }
            case .activeExpire:
                if activeExpireEnabled { activeExpireCycle() }
                // Redis' serverCron limits the tracking table too, so a CONFIG SET takes effect
                // on an idle server.
                if trackingClientCount > 0 { trackingLimitUsedSlots(current: nil) }
                timers.schedule(at: now + 100_000_000, .activeExpire)
            case .rebindListener:
                reopenListener()
            }
        }
    }

    /// Listens again on the same port after a `.refuse` fault is cleared.
    func reopenListener() {
        guard listeners.isEmpty, faults.refusal != .refuse else { return }
        var opened: [Int32] = []
        do throws(SystemCallError) {
            for host in settings.tcpHosts {
                opened.append(try Socket.listenTCP(host: host, port: settings.tcpPort).0)
            }
            listeners = opened
        } catch {
            for fd in opened { close(fd) }
            timers.schedule(at: Clock.monotonicNanoseconds() + 50_000_000, .rebindListener)
        }
    }

    /// Closes every socket; jobs that arrive from now on are cancelled.
    private func shutDown() {
        for c in clientList { close(c.fd) }
        clientList.removeAll()
        clientsByID.removeAll()
        for listener in listeners { close(listener) }
        if unixListener >= 0 {
            close(unixListener)
            if let path = settings.unixSocketPath { unlink(path) }
        }
        listeners = []
        unixListener = -1
        for job in mailbox.close() { job.cancel() }
    }

    // MARK: Active expiry

    /// Redis' active expiry: sample 20 keys with an expiry per database and delete the expired
    /// ones; go on while more than a quarter of a sample was expired, within a time budget.
    func activeExpireCycle() {
        let start = Clock.monotonicNanoseconds()
        let budget: UInt64 = 25_000_000
        commandTime = now()
        for db in databases where db.expiresCount > 0 {
            while true {
                var expired = 0
                let samples = min(20, db.expiresCount)
                for _ in 0..<samples {
                    guard let slot = db.randomExpiringSlot(using: &rng) else { break }
                    let at = db.expireAt(slot)
                    if at != 0 && at <= commandTime {
                        deleteExpired(db, slot)
                        expired += 1
                    }
                }
                if samples == 0 || expired * 4 <= samples { break }
                if Clock.monotonicNanoseconds() - start > budget { return }
            }
        }
    }
}
