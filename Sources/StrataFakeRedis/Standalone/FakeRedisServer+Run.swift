import Glibc
import Synchronization

// Running the server standalone (`strata server`): start it, say where it listens, and stop it
// cleanly on SIGINT or SIGTERM. The signal handlers only write a byte to a pipe (which is
// async-signal-safe); the calling thread waits on that pipe, so it does not matter which thread
// the kernel delivers the signal to.

/// The write end of the pipe the signal handler wakes `run` through; -1 when not running.
private let standaloneStopWriter = Atomic<Int32>(-1)

extension FakeRedisServer {
    /// Runs `strata server` with command-line `arguments` (after the subcommand name): parses
    /// them, prints the usage or an error to stderr, or runs the server until SIGINT or SIGTERM.
    /// Returns the exit status: 0 after a clean stop or `--help`, 64 for bad arguments, 1 when
    /// the server cannot start.
    ///
    /// ```swift
    /// case "server": exit(FakeRedisServer.main(arguments: Array(CommandLine.arguments.dropFirst(2))))
    /// ```
    public static func main(arguments: [String]) -> Int32 {
        let options: FakeRedisServerOptions
        do {
            options = try FakeRedisServerOptions(arguments: arguments)
        } catch {
            printError("strata server: \(error.message)\n\n\(FakeRedisServerOptions.usage)")
            return 64
        }
        if options.showHelp {
            print(FakeRedisServerOptions.usage)
            fflush(nil)
            return 0
        }
        do {
            try run(options)
            return 0
        } catch {
            printError("strata server: \(error)")
            return 1
        }
    }

    /// Starts a server with `options`, prints where it listens, and blocks until SIGINT or
    /// SIGTERM; then stops it (closing every connection) and returns. Only one `run` may be
    /// active in a process.
    ///
    /// - Parameters:
    ///   - options: where to listen and how to behave, as parsed from the command line.
    ///   - log: where the status lines go; standard output by default.
    /// - Throws: ``FakeRedisServerError`` when the server cannot start.
    public static func run(
        _ options: FakeRedisServerOptions,
        log: (String) -> Void = { line in
            print(line)
            fflush(nil)
        }
    ) throws(FakeRedisServerError) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw FakeRedisServerError(.systemCallFailed, "pipe failed: errno \(errno)") }
        defer {
            close(fds[0])
            close(fds[1])
        }
        for fd in fds { Socket.setCloseOnExec(fd) }
        try? Socket.setNonBlocking(fds[1])
        guard
            standaloneStopWriter.compareExchange(expected: -1, desired: fds[1], ordering: .sequentiallyConsistent)
                .exchanged
        else {
            throw FakeRedisServerError(.invalidConfiguration, "a standalone server is already running in this process")
        }
        defer { standaloneStopWriter.store(-1, ordering: .sequentiallyConsistent) }

        var previousInterrupt = sigaction()
        var previousTerminate = sigaction()
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            let fd = standaloneStopWriter.load(ordering: .relaxed)
            if fd >= 0 {
                var byte: UInt8 = 1
                _ = write(fd, &byte, 1)
            }
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGINT, &action, &previousInterrupt)
        sigaction(SIGTERM, &action, &previousTerminate)
        defer {
            sigaction(SIGINT, &previousInterrupt, nil)
            sigaction(SIGTERM, &previousTerminate, nil)
        }

        if let primaries = options.clusterPrimaries {
            let cluster = try FakeRedisCluster(primaries: primaries, configuration: options.configuration)
            log("Strata fake Redis Cluster \(cluster.servers[0].configuration.version): \(primaries) primaries")
            for (index, url) in cluster.urls.enumerated() {
                let slots = cluster.slots(ofNode: index).map { "\($0.lowerBound)-\($0.upperBound)" }
                log("  \(url)  \(cluster.nodeIDs[index])  slots \(slots.joined(separator: ","))")
            }
            if options.password != nil { log("Clients must AUTH with the configured password") }
            log("Ready to accept connections. Press Ctrl-C to stop.")
            var fd = pollfd(fd: fds[0], events: Int16(POLLIN), revents: 0)
            while poll(&fd, 1, -1) < 0 && errno == EINTR {}
            log("Stopping")
            cluster.shutdown()
            log("Stopped")
            return
        }
        let server = try FakeRedisServer(configuration: options.configuration)
        let addresses = server.configuration.bindAddresses.map { host in
            host.contains(":") ? "[\(host)]:\(server.port)" : "\(host):\(server.port)"
        }
        log(
            "Strata fake Redis server \(server.configuration.version) listening on \(addresses.joined(separator: ", "))"
        )
        if let path = server.unixSocketPath { log("Also listening on unix socket \(path)") }
        if options.password != nil { log("Clients must AUTH with the configured password") }
        log("Ready to accept connections. Press Ctrl-C to stop.")

        var fd = pollfd(fd: fds[0], events: Int16(POLLIN), revents: 0)
        while poll(&fd, 1, -1) < 0 && errno == EINTR {}
        log("Stopping: closing \(server.statistics().connections.count) connection(s)")
        server.stop()
        log("Stopped")
    }

    /// Asks a running ``run(_:log:)`` to stop, as SIGTERM does. For tests.
    package static func requestStandaloneStop() {
        let fd = standaloneStopWriter.load(ordering: .sequentiallyConsistent)
        guard fd >= 0 else { return }
        var byte: UInt8 = 1
        _ = write(fd, &byte, 1)
    }

    private static func printError(_ message: String) {
        fflush(nil)
        let bytes = Array((message + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }
}
