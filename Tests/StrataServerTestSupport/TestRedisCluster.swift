import Glibc
import StrataRESP
import StrataSync

/// A real Redis Cluster for a test: `redis-server --cluster-enabled yes` processes on free
/// loopback ports (below 55536, with each cluster bus port, port + 10000, free too), joined by
/// `redis-cli --cluster create ... --cluster-replicas 1 --cluster-yes`.
///
/// ```swift
/// let cluster = try TestRedisCluster.start()   // 3 primaries, 3 replicas
/// defer { cluster.stop() }
/// let client = try RedisClusterClient(urls: cluster.urls)
/// ```
///
/// Every node runs in its own server directory (``ServerDirectory``), so a test process that is
/// killed leaves nothing the next one does not reap. ``stop()`` also runs when the handle is
/// released.
public final class TestRedisCluster: Sendable {
    /// One node: its port, process and directory.
    struct Node {
        var port: Int
        var process: ChildProcess?
        var directory: String
    }

    private let nodes: StrataMutex<[Node]>
    /// The nodes' ports, in creation order (`redis-cli` makes the first ones primaries).
    public let ports: [Int]
    /// The cluster node timeout the nodes run with, in milliseconds.
    public let nodeTimeoutMilliseconds: Int

    /// Why a cluster cannot start here (nil: it can).
    public static var unavailable: String? {
        if ChildProcess.find("redis-server") == nil { return "redis-server is not on PATH" }
        if ChildProcess.find("redis-cli") == nil { return "redis-cli is not on PATH" }
        return nil
    }

    /// Whether cluster tests run: the tools are there, or `STRATA_REQUIRE_REDIS=1` (then their
    /// absence fails the test). Prints a note when they are skipped.
    public static let shouldRun: Bool = {
        if unavailable == nil || TestRedisServer.realServerRequired { return true }
        print("note: \(unavailable!); Redis Cluster tests are skipped")
        return false
    }()

    private init(nodes: [Node], nodeTimeoutMilliseconds: Int) {
        self.nodes = StrataMutex(nodes)
        self.ports = nodes.map(\.port)
        self.nodeTimeoutMilliseconds = nodeTimeoutMilliseconds
    }

    deinit {
        stop()
    }

    /// `redis://127.0.0.1:PORT` for every node.
    public var urls: [String] { ports.map { "redis://127.0.0.1:\($0)" } }

    /// Starts `primaries * (1 + replicasPerPrimary)` nodes, creates the cluster and waits (at most
    /// `timeout`) until every node reports `cluster_state:ok`, knows every other node, and every
    /// replica's link to its primary is up.
    public static func start(
        primaries: Int = 3, replicasPerPrimary: Int = 1, nodeTimeout: Duration = .milliseconds(1000),
        timeout: Duration = .seconds(180)
    ) throws(TestSupportError) -> TestRedisCluster {
        guard let server = ChildProcess.find("redis-server") else {
            throw TestSupportError("redis-server is not on PATH")
        }
        guard let cli = ChildProcess.find("redis-cli") else { throw TestSupportError("redis-cli is not on PATH") }
        let count = primaries * (1 + replicasPerPrimary)
        var ports = try clusterPorts(count)
        var started: [Node] = []
        let milliseconds = Int(
            nodeTimeout.components.seconds * 1000 + nodeTimeout.components.attoseconds / 1_000_000_000_000_000)
        do throws(TestSupportError) {
            for index in ports.indices {
                let directory = try ServerDirectory.make()
                started.append(Node(port: ports[index], process: nil, directory: directory))
                // A port found free can be taken (by another process's outgoing connection) before
                // the node binds it: try a few other ports.
                for attempt in 1...5 {
                    do throws(TestSupportError) {
                        started[index].process = try launch(
                            server, port: ports[index], directory: directory, nodeTimeout: milliseconds)
                        break
                    } catch {
                        if attempt == 5 { throw error }
                        _ = unlink(directory + "/nodes.conf")
                        ports[index] = try clusterPorts(1, avoiding: ports)[0]
                        started[index].port = ports[index]
                    }
                }
            }
            let cluster = TestRedisCluster(nodes: started, nodeTimeoutMilliseconds: milliseconds)
            started = []  // the cluster owns them now, and stops them on failure
            let create = try ChildProcess.run(
                cli,
                ["--cluster", "create"] + ports.map { "127.0.0.1:\($0)" } + [
                    "--cluster-replicas", String(replicasPerPrimary), "--cluster-yes",
                ], timeout: timeout)
            guard create.status == 0 else {
                throw TestSupportError(
                    "redis-cli --cluster create failed (\(create.status)): \(create.stdout) \(create.stderr)")
            }
            try cluster.waitUntilHealthy(timeout: timeout)
            return cluster
        } catch {
            for node in started {
                node.process?.signal(SIGKILL)
                _ = try? node.process?.wait(timeout: .seconds(5))
                Self.removeDirectory(node.directory)
            }
            throw error
        }
    }

    /// Stops every node (SIGKILL: the data is thrown away) and removes their directories.
    public func stop() {
        let all = nodes.withLock { nodes -> [Node] in
            defer { nodes = [] }
            return nodes
        }
        for node in all { node.process?.signal(SIGKILL) }
        for node in all {
            _ = try? node.process?.wait(timeout: .seconds(10))
            Self.removeDirectory(node.directory)
        }
    }

    /// Kills the node on `port` with SIGKILL (a crash: its replica takes over after the node
    /// timeout).
    public func kill(port: Int) {
        let process = nodes.withLock { nodes -> ChildProcess? in
            guard let index = nodes.firstIndex(where: { $0.port == port }) else { return nil }
            defer { nodes[index].process = nil }
            return nodes[index].process
        }
        process?.signal(SIGKILL)
        _ = try? process?.wait(timeout: .seconds(10))
    }

    /// Starts the node on `port` again from its directory (it keeps its cluster identity, so it
    /// rejoins: as a replica if it was failed over).
    public func restart(port: Int) throws(TestSupportError) {
        guard let server = ChildProcess.find("redis-server") else {
            throw TestSupportError("redis-server is not on PATH")
        }
        let directory = nodes.withLock { nodes in nodes.first { $0.port == port }?.directory }
        guard let directory else { throw TestSupportError("no node on port \(port)") }
        let process = try Self.launch(server, port: port, directory: directory, nodeTimeout: nodeTimeoutMilliseconds)
        nodes.withLock { nodes in
            if let index = nodes.firstIndex(where: { $0.port == port }) { nodes[index].process = process }
        }
    }

    /// Restarts the node on `port` (killed earlier) and waits until the cluster is whole again
    /// and every replica, this one included, has finished its sync with its primary: a replica
    /// still syncing cannot take over if its primary dies next.
    public func restore(port: Int, timeout: Duration = .seconds(60)) throws(TestSupportError) {
        try restart(port: port)
        try waitUntilHealthy(timeout: timeout)
        try waitUntilConverged()
        let deadline = ContinuousClock.now + timeout
        var last = ""
        while ContinuousClock.now < deadline {
            var synced = true
            for live in livePorts() {
                guard let info = try? string(command(port: live, ["INFO", "replication"], timeout: .seconds(2))) else {
                    synced = false
                    last = "port \(live) did not answer"
                    break
                }
                if info.contains("role:slave"),
                    !info.contains("master_link_status:up") || info.contains("master_sync_in_progress:1")
                {
                    synced = false
                    last = "port \(live) is still syncing"
                    break
                }
            }
            if synced { return }
            usleep(50_000)
        }
        throw TestSupportError("the replicas did not sync within \(timeout): \(last)")
    }

    /// The primaries that have a replica, each with its first replica: those a failover can
    /// replace. With `sparingTheSeed`, not `ports[0]`, the node tests make their clients with.
    public func primariesWithReplicas(sparingTheSeed: Bool = false) throws(TestSupportError)
        -> [(primary: Int, replica: Int)]
    {
        let roles = try roles()
        return roles.primaries.compactMap { primary in
            guard !(sparingTheSeed && primary == ports[0]), let replica = roles.replicasOf[primary]?.first else {
                return nil
            }
            return (primary, replica)
        }
    }

    /// Waits until every replica of the primary on `port` has the primary's replication offset:
    /// what the primary acknowledged so far survives its death (replication is asynchronous, so a
    /// primary killed right after a write may take the write with it).
    public func waitUntilReplicated(primary port: Int, timeout: Duration = .seconds(10)) throws(TestSupportError) {
        func offset(_ field: String, at port: Int) -> Int? {
            guard let info = try? string(command(port: port, ["INFO", "replication"], timeout: .seconds(2))) else {
                return nil
            }
            for line in info.split(whereSeparator: \.isNewline) where line.hasPrefix(field + ":") {
                return Int(line.dropFirst(field.count + 1))
            }
            return nil
        }
        guard let target = offset("master_repl_offset", at: port) else {
            throw TestSupportError("port \(port) did not report its replication offset")
        }
        let replicas = (try roles().replicasOf[port]) ?? []
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if replicas.allSatisfy({ (offset("slave_repl_offset", at: $0) ?? -1) >= target }) { return }
            usleep(10_000)
        }
        throw TestSupportError("the replicas of port \(port) did not reach offset \(target) within \(timeout)")
    }

    /// Sends one command to the node on `port` on a fresh connection.
    public func command(port: Int, _ arguments: [String], timeout: Duration = .seconds(5)) throws(TestSupportError)
        -> RESPValue
    {
        do {
            let connection = try RESPTestConnection(port: port, timeout: timeout)
            defer { connection.close() }
            try connection.send(arguments)
            return try connection.readReply().value
        } catch {
            throw TestSupportError("\(arguments.first ?? "") on port \(port): \(error)")
        }
    }

    /// The ports of the primaries and of their replicas, from `CLUSTER NODES` on any live node.
    public func roles() throws(TestSupportError) -> (primaries: [Int], replicasOf: [Int: [Int]]) {
        var lastError = TestSupportError("no node answered")
        for port in livePorts() {
            do throws(TestSupportError) {
                let text = try string(command(port: port, ["CLUSTER", "NODES"]))
                var ids: [String: Int] = [:]
                var primaries: [Int] = []
                var replicaLines: [(port: Int, primaryID: String)] = []
                for line in text.split(separator: "\n") {
                    let fields = line.split(separator: " ").map(String.init)
                    guard fields.count >= 8, let nodePort = Self.port(fields[1]) else { continue }
                    ids[fields[0]] = nodePort
                    let flags = fields[2].split(separator: ",")
                    if flags.contains("fail") || flags.contains("fail?") { continue }
                    if flags.contains("master") { primaries.append(nodePort) }
                    if flags.contains("slave") { replicaLines.append((nodePort, fields[3])) }
                }
                var replicas: [Int: [Int]] = [:]
                for line in replicaLines {
                    if let primary = ids[line.primaryID] { replicas[primary, default: []].append(line.port) }
                }
                return (primaries.sorted(), replicas)
            } catch {
                lastError = error
            }
        }
        throw lastError
    }

    /// The port of the primary that serves `slot`.
    public func owner(ofSlot slot: Int) throws(TestSupportError) -> Int {
        for port in livePorts() {
            guard let text = try? string(command(port: port, ["CLUSTER", "NODES"])) else { continue }
            for line in text.split(separator: "\n") {
                let fields = line.split(separator: " ").map(String.init)
                guard fields.count >= 9, fields[2].contains("master"), !fields[2].contains("fail"),
                    let nodePort = Self.port(fields[1])
                else { continue }
                for range in fields[8...] where !range.hasPrefix("[") {
                    let bounds = range.split(separator: "-").compactMap { Int($0) }
                    if bounds.count == 1, bounds[0] == slot { return nodePort }
                    if bounds.count == 2, bounds[0] <= slot, slot <= bounds[1] { return nodePort }
                }
            }
            break
        }
        throw TestSupportError("no primary serves slot \(slot)")
    }

    /// The node ID of the node on `port`.
    public func nodeID(port: Int) throws(TestSupportError) -> String {
        try string(command(port: port, ["CLUSTER", "MYID"]))
    }

    /// Waits until every running node reports `cluster_state:ok` and knows every other node, and
    /// every replica's link to its primary is up.
    public func waitUntilHealthy(timeout: Duration = .seconds(60)) throws(TestSupportError) {
        let deadline = ContinuousClock.now + timeout
        var last = ""
        while ContinuousClock.now < deadline {
            var healthy = true
            let live = livePorts()
            for port in live {
                guard let info = try? string(command(port: port, ["CLUSTER", "INFO"], timeout: .seconds(2))),
                    info.contains("cluster_state:ok"), info.contains("cluster_slots_assigned:16384"),
                    info.contains("cluster_known_nodes:\(ports.count)")
                else {
                    healthy = false
                    last = "port \(port) not ok yet"
                    break
                }
                guard let replication = try? string(command(port: port, ["INFO", "replication"], timeout: .seconds(2)))
                else {
                    healthy = false
                    break
                }
                if replication.contains("role:slave") && !replication.contains("master_link_status:up") {
                    healthy = false
                    last = "replica on port \(port) not linked yet"
                    break
                }
            }
            if healthy { return }
            usleep(50_000)
        }
        throw TestSupportError("the cluster was not healthy within \(timeout): \(last)")
    }

    /// Waits until every running node has the same view of the primaries: their IDs, config
    /// epochs and slots (`CLUSTER NODES`). Slot moves spread by gossip; a move that starts before
    /// the previous one has spread can leave two nodes each naming the other as the owner.
    public func waitUntilConverged(timeout: Duration = .seconds(20)) throws(TestSupportError) {
        let deadline = ContinuousClock.now + timeout
        var views: [String] = []
        while ContinuousClock.now < deadline {
            views = []
            for port in livePorts() {
                guard let text = try? string(command(port: port, ["CLUSTER", "NODES"], timeout: .seconds(2))) else {
                    views.append("port \(port) did not answer")
                    continue
                }
                var primaries: [String] = []
                for line in text.split(separator: "\n") {
                    let fields = line.split(separator: " ").map(String.init)
                    guard fields.count >= 8, fields[2].contains("master"), !fields[2].contains("fail") else { continue }
                    let slots = fields[8...].filter { !$0.hasPrefix("[") }.joined(separator: ",")
                    primaries.append("\(fields[0]) \(fields[6]) \(slots)")
                }
                views.append(primaries.sorted().joined(separator: "; "))
            }
            if Set(views).count == 1 { return }
            usleep(20_000)
        }
        throw TestSupportError("the nodes did not agree on the primaries within \(timeout): \(Set(views))")
    }

    /// The ports of the nodes whose process runs.
    public func livePorts() -> [Int] {
        nodes.withLock { nodes in nodes.filter { $0.process.map { !$0.hasExited } ?? false }.map(\.port) }
    }

    // MARK: Helpers

    private func string(_ value: RESPValue) throws(TestSupportError) -> String {
        if let message = value.errorMessage { throw TestSupportError(message) }
        do {
            return try value.asString()
        } catch {
            throw TestSupportError("\(error)")
        }
    }

    /// The port of `127.0.0.1:7000@17000` (CLUSTER NODES' address field).
    private static func port(_ address: String) -> Int? {
        guard let colon = address.lastIndex(of: ":") else { return nil }
        let rest = address[address.index(after: colon)...]
        return Int(rest.prefix { $0 != "@" })
    }

    private static func launch(
        _ server: String, port: Int, directory: String, nodeTimeout: Int
    ) throws(TestSupportError) -> ChildProcess {
        let arguments = [
            "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no",
            "--dir", directory, "--logfile", directory + "/redis.log", "--cluster-enabled", "yes",
            "--cluster-config-file", directory + "/nodes.conf", "--cluster-node-timeout", String(nodeTimeout),
            "--enable-debug-command", "yes",
        ]
        let process = try ChildProcess(path: server, arguments: arguments, pipeStdout: false, pipeStderr: true)
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if process.hasExited {
                let result = try? process.wait(timeout: .seconds(1))
                throw TestSupportError("redis-server exited on port \(port): \(result?.stderr ?? "")")
            }
            if let connection = try? RESPTestConnection(port: port, timeout: .seconds(1)),
                (try? connection.command("PING")) != nil
            {
                // Unless another server answers there (a node of another cluster took the port
                // first): ours then fails to bind and exits, checked above, and the caller tries
                // another port. Taking the other node for ours made `--cluster create` fail.
                let answering = connection.serverProcessID()
                if answering == nil || answering == Int(process.pid) { return process }
            }
            usleep(10_000)
        }
        process.signal(SIGKILL)
        _ = try? process.wait(timeout: .seconds(5))
        throw TestSupportError("redis-server did not answer on port \(port) within 10 s")
    }

    private static func removeDirectory(_ directory: String) {
        _ = unlink(directory + "/nodes.conf")
        _ = unlink(directory + "/nodes.conf.tmp")
        ServerDirectory.remove(directory)
    }

    /// `count` distinct free ports below 55536 whose cluster bus port (+10000) is free too, and
    /// unlike any of `avoiding` (or their bus ports).
    private static func clusterPorts(_ count: Int, avoiding: [Int] = []) throws(TestSupportError) -> [Int] {
        let range = candidateRange()
        var ports: [Int] = []
        var tries = 0
        while ports.count < count {
            tries += 1
            guard tries < 10_000 else { throw TestSupportError("found only \(ports.count) usable cluster ports") }
            let port = Int.random(in: range)
            let taken = ports + avoiding
            if taken.contains(port) || taken.contains(port + 10_000) || taken.contains(port - 10_000) { continue }
            if canBind(port), canBind(port + 10_000) { ports.append(port) }
        }
        return ports
    }

    /// Where to look for ports: below the kernel's ephemeral range with the bus port too, when
    /// it leaves room (outgoing connections take ports from that range at any moment), else
    /// 20000-45000.
    private static func candidateRange() -> Range<Int> {
        var ephemeralStart = 32_768
        if let file = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r") {
            defer { fclose(file) }
            var buffer = [UInt8](repeating: 0, count: 64)
            let count = fread(&buffer, 1, buffer.count - 1, file)
            let text = String(decoding: buffer[0..<max(0, count)], as: UTF8.self)
            if let low = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).first.flatMap({ Int($0) }
            ) {
                ephemeralStart = low
            }
        }
        let top = min(ephemeralStart, 55_536) - 10_000
        return top - 10_000 >= 2_000 ? 10_000..<top : 20_000..<45_000
    }

    /// Whether a listening socket can bind 127.0.0.1:`port` right now.
    static func canBind(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}

extension TestRedisCluster {
    /// The cluster of the suite running now (see ``Trait/sharedRedisCluster``).
    @TaskLocal public static var current: TestRedisCluster?
}
