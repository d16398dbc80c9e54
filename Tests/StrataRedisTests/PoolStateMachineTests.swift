import Synchronization
import Testing

@testable import StrataRedis

/// The pool's decisions, without sockets: connections are stand-ins whose load and state the test
/// sets, waiters are labels, time is whatever instant the test passes.
@Suite("Pool state machine")
struct PoolStateMachineTests {
    final class Connection: PoolConnection, CustomStringConvertible {
        let name: String
        private let load = Atomic<Int>(0)
        private let closed = Atomic<Bool>(false)
        private let idle = Atomic<Int64>(0)

        init(_ name: String) { self.name = name }

        var inFlight: Int {
            get { load.load(ordering: .relaxed) }
            set { load.store(newValue, ordering: .relaxed) }
        }
        var isClosed: Bool {
            get { closed.load(ordering: .relaxed) }
            set { closed.store(newValue, ordering: .relaxed) }
        }
        var idleTime: Duration {
            get { .milliseconds(idle.load(ordering: .relaxed)) }
            set { idle.store(Int64(newValue.components.seconds * 1000), ordering: .relaxed) }
        }
        var description: String { name }
    }

    typealias Machine = PoolStateMachine<Connection, String>

    static func machine(_ configure: (inout RedisConfiguration) -> Void = { _ in }) -> Machine {
        var configuration = RedisConfiguration()
        configuration.pool.maximumConnections = 2
        configuration.pool.commandsPerConnectionBeforeSpreading = 10
        configuration.pool.maximumCommandsPerConnection = 100
        configuration.pool.maximumLeasedConnections = 2
        configuration.pool.maximumWaiters = 3
        configuration.pool.idleCheckInterval = .seconds(30)
        configuration.connectTimeout = .seconds(1)
        configure(&configuration)
        return Machine(limits: .init(configuration))
    }

    let t0 = ContinuousClock.now

    // MARK: Shared connections

    @Test func theFirstCommandOpensAConnectionAndLaterOnesWaitForThatOne() {
        var machine = Self.machine()
        guard case .open(nil) = machine.sharedConnection(now: t0) else {
            Issue.record("expected an open")
            return
        }
        #expect(machine.waitForShared("a", id: 1).isQueued)
        // A second caller waits for the same open; it does not start another.
        guard case .wait = machine.sharedConnection(now: t0) else {
            Issue.record("expected to wait")
            return
        }
        #expect(machine.waitForShared("b", id: 2).isQueued)
        let c1 = Connection("c1")
        let (accepted, waiters) = machine.sharedOpened(c1)
        #expect(accepted)
        #expect(waiters == ["a", "b"])
        guard case .use(let used) = machine.sharedConnection(now: t0) else {
            Issue.record("expected c1")
            return
        }
        #expect(used === c1)
    }

    @Test func aWaiterThatQueuesAfterTheOpenFinishedDecidesAgain() {
        var machine = Self.machine()
        guard case .open = machine.sharedConnection(now: t0) else {
            Issue.record("expected an open")
            return
        }
        _ = machine.sharedOpened(Connection("c1"))
        // The open completed between this caller's decision and its queuing: it must not wait for it.
        guard case .retry = machine.waitForShared("late", id: 1) else {
            Issue.record("expected retry")
            return
        }
        guard case .use = machine.sharedConnection(now: t0) else {
            Issue.record("expected a connection")
            return
        }
    }

    @Test func busyConnectionsSpreadToASecondOneThenShareTheLeastBusy() {
        var machine = Self.machine()
        _ = machine.sharedConnection(now: t0)
        let c1 = Connection("c1")
        _ = machine.sharedOpened(c1)
        c1.inFlight = 10  // at the spreading threshold
        guard case .useAndOpen(let busy, nil) = machine.sharedConnection(now: t0) else {
            Issue.record("expected c1 while c2 opens")
            return
        }
        #expect(busy === c1)
        let c2 = Connection("c2")
        _ = machine.sharedOpened(c2)
        c2.inFlight = 12
        guard case .use(let leastBusy) = machine.sharedConnection(now: t0) else {
            Issue.record("expected use")
            return
        }
        #expect(leastBusy === c1)  // the pool is full (2): the least busy one
        c1.inFlight = 100
        c2.inFlight = 100
        guard case .fail(let error) = machine.sharedConnection(now: t0) else {
            Issue.record("expected fail")
            return
        }
        #expect(error.code == .poolExhausted)
    }

    @Test func aFailedOpenFailsItsWaitersAndBacksOff() {
        var machine = Self.machine()
        _ = machine.sharedConnection(now: t0)
        #expect(machine.waitForShared("a", id: 1).isQueued)
        let refused = RedisClientError(.connectionFailed, "connection refused")
        #expect(machine.sharedOpenFailed(refused, now: t0, random: 0.5) == ["a"])
        // The next attempt waits for the backoff (25 ms after one failure, at the jitter's midpoint).
        guard case .open(let delay?) = machine.sharedConnection(now: t0) else {
            Issue.record("expected delay")
            return
        }
        #expect(delay == .milliseconds(25))
        // Failures pile up until the backoff outlasts the connect timeout: then fail at once.
        for _ in 0..<8 { _ = machine.sharedOpenFailed(refused, now: t0, random: 0.5) }
        guard case .fail(let error) = machine.sharedConnection(now: t0) else {
            Issue.record("expected fail")
            return
        }
        #expect(error.message.contains("connection refused"))
        #expect(error.message.contains("next attempt in"))
    }

    @Test func sharedWaitersAreBounded() {
        var machine = Self.machine()
        _ = machine.sharedConnection(now: t0)
        for i in 0..<3 { #expect(machine.waitForShared("w\(i)", id: UInt64(i)).isQueued) }
        guard case .fail(let error) = machine.waitForShared("w3", id: 3) else {
            Issue.record("expected fail")
            return
        }
        #expect(error.code == .poolExhausted)
        #expect(machine.cancelSharedWaiter(1) == "w1")
        #expect(machine.cancelSharedWaiter(1) == nil)
    }

    // MARK: Leases

    @Test func aReleaseRightAfterALeaseDecidedToWaitHandsTheConnectionOver() {
        // Issue 10's wake-up race: lease() decided to wait and queued itself under two separate
        // lock acquisitions, so a release in between parked the connection while the waiter waited
        // five seconds for nothing. Here deciding and queuing are one step.
        var machine = Self.machine { $0.pool.maximumLeasedConnections = 1 }
        guard case .open = machine.lease("first", id: 1, now: t0) else {
            Issue.record("expected open")
            return
        }
        let opened = machine.leaseOpened()
        #expect(opened)
        let c1 = Connection("c1")
        guard case .wait = machine.lease("second", id: 2, now: t0) else {
            Issue.record("expected wait")
            return
        }
        guard case .handOver(let waiter, let connection) = machine.release(c1, reusable: true, now: t0) else {
            Issue.record("the released connection must go to the waiter, not to the idle list")
            return
        }
        #expect(waiter == "second")
        #expect(connection === c1)
        #expect(machine.idleCount == 0)
        #expect(machine.leasedInUse == 1)
    }

    @Test func waitersAreServedFirstComeFirstServed() {
        var machine = Self.machine { $0.pool.maximumLeasedConnections = 1 }
        _ = machine.lease("holder", id: 0, now: t0)
        _ = machine.leaseOpened()
        for (i, name) in ["w1", "w2", "w3"].enumerated() {
            guard case .wait = machine.lease(name, id: UInt64(i + 1), now: t0) else {
                Issue.record("expected wait")
                return
            }
        }
        let c = Connection("c")
        var served: [String] = []
        for _ in 0..<3 {
            guard case .handOver(let waiter, _) = machine.release(c, reusable: true, now: t0) else {
                Issue.record("expected a hand-over")
                return
            }
            served.append(waiter)
        }
        #expect(served == ["w1", "w2", "w3"])
        guard case .park = machine.release(c, reusable: true, now: t0) else {
            Issue.record("expected park")
            return
        }
    }

    @Test func aNewCallerDoesNotJumpAheadOfWaiters() {
        var machine = Self.machine { $0.pool.maximumLeasedConnections = 1 }
        _ = machine.lease("holder", id: 0, now: t0)
        _ = machine.leaseOpened()
        guard case .wait = machine.lease("w1", id: 1, now: t0) else {
            Issue.record("expected wait")
            return
        }
        // The holder's connection is closed (not reusable): the slot goes to w1, not to a newcomer.
        guard case .close(_, let wake) = machine.release(Connection("c"), reusable: false, now: t0) else {
            Issue.record("expected close")
            return
        }
        #expect(wake == "w1")
        guard case .wait = machine.lease("newcomer", id: 2, now: t0) else {
            Issue.record("the newcomer must queue: the free slot is w1's")
            return
        }
    }

    @Test func idleConnectionsAreReusedAndCheckedAfterSittingLong() {
        var machine = Self.machine()
        _ = machine.lease("a", id: 1, now: t0)
        _ = machine.leaseOpened()
        let c = Connection("c")
        guard case .park = machine.release(c, reusable: true, now: t0) else {
            Issue.record("expected park")
            return
        }
        guard case .use(let reused, check: false) = machine.lease("b", id: 2, now: t0 + .seconds(1)) else {
            Issue.record("expected reuse without a check")
            return
        }
        #expect(reused === c)
        _ = machine.release(c, reusable: true, now: t0)
        guard case .use(_, check: true) = machine.lease("c", id: 3, now: t0 + .seconds(31)) else {
            Issue.record("a connection idle past the check interval is checked first")
            return
        }
        // A closed idle connection is skipped.
        _ = machine.release(c, reusable: true, now: t0)
        c.isClosed = true
        guard case .open = machine.lease("d", id: 4, now: t0) else {
            Issue.record("expected open")
            return
        }
    }

    @Test func leaseWaitersAreBoundedAndCanGiveUp() {
        var machine = Self.machine { $0.pool.maximumLeasedConnections = 0 }
        for i in 0..<3 { guard case .wait = machine.lease("w\(i)", id: UInt64(i), now: t0) else { return } }
        guard case .fail(let error) = machine.lease("w3", id: 3, now: t0) else {
            Issue.record("expected fail")
            return
        }
        #expect(error.code == .poolExhausted)
        #expect(machine.cancelLeaseWaiter(1) == "w1")
        #expect(machine.leaseWaiterCount == 2)
        #expect(machine.cancelLeaseWaiter(1) == nil)
    }

    @Test func aFailedLeaseOpenPassesTheSlotOn() {
        var machine = Self.machine { $0.pool.maximumLeasedConnections = 1 }
        _ = machine.lease("a", id: 1, now: t0)
        guard case .wait = machine.lease("b", id: 2, now: t0) else {
            Issue.record("expected wait")
            return
        }
        let waiter = machine.leaseOpenFailed(RedisClientError(.connectionFailed, "refused"), now: t0, random: 0.5)
        #expect(waiter == "b")
        #expect(machine.leasedInUse == 1)
        #expect(machine.consecutiveFailures == 1)
        guard case .success(let delay?) = machine.leaseOpenDelay(now: t0) else {
            Issue.record("expected a delay")
            return
        }
        #expect(delay == .milliseconds(25))
        #expect(machine.freeSlot() == nil)
        #expect(machine.leasedInUse == 0)
    }

    // MARK: Closing, health, shutdown

    @Test func aClosedSharedConnectionIsReportedOnceAndAnIdleOneQuietly() {
        var machine = Self.machine()
        _ = machine.sharedConnection(now: t0)
        let shared = Connection("shared")
        _ = machine.sharedOpened(shared)
        _ = machine.lease("a", id: 1, now: t0)
        _ = machine.leaseOpened()
        let idle = Connection("idle")
        _ = machine.release(idle, reusable: true, now: t0)
        let first = machine.connectionClosed(shared)
        let again = machine.connectionClosed(shared)
        let idleWasShared = machine.connectionClosed(idle)
        #expect(first)
        #expect(!again)
        #expect(!idleWasShared)
        #expect(machine.shared.isEmpty)
        #expect(machine.idleCount == 0)
    }

    @Test func idleCheckCandidatesAreTheSilentOnes() {
        var machine = Self.machine()
        _ = machine.sharedConnection(now: t0)
        let quiet = Connection("quiet")
        quiet.idleTime = .seconds(40)
        _ = machine.sharedOpened(quiet)
        _ = machine.sharedConnection(now: t0)  // nothing to spread to: quiet is not busy
        #expect(machine.idleCheckCandidates(now: t0).map(\.name) == ["quiet"])
        quiet.inFlight = 1
        #expect(machine.idleCheckCandidates(now: t0).isEmpty)
    }

    @Test func shutdownFailsEveryWaiterAndRefusesWhatComesLater() {
        var machine = Self.machine { $0.pool.maximumLeasedConnections = 1 }
        _ = machine.sharedConnection(now: t0)
        #expect(machine.waitForShared("s1", id: 1).isQueued)
        _ = machine.lease("holder", id: 2, now: t0)
        _ = machine.leaseOpened()
        guard case .wait = machine.lease("l1", id: 3, now: t0) else {
            Issue.record("expected wait")
            return
        }
        guard case .wait = machine.lease("l2", id: 4, now: t0) else {
            Issue.record("expected wait")
            return
        }
        let action = machine.shutdown()
        #expect(action.waiters == ["s1", "l1", "l2"])
        // The open in progress finishes after the shutdown: its connection is not accepted.
        #expect(!machine.sharedOpened(Connection("late")).accepted)
        // The holder's connection comes back: closed, nobody woken.
        guard case .close(_, nil) = machine.release(Connection("held"), reusable: true, now: t0) else {
            Issue.record("expected close")
            return
        }
        guard case .fail(let error) = machine.lease("after", id: 5, now: t0), error.code == .shutdown else {
            Issue.record("expected shutdown")
            return
        }
        guard case .fail = machine.sharedConnection(now: t0) else {
            Issue.record("expected shutdown")
            return
        }
    }
}

extension PoolStateMachine.SharedWait {
    var isQueued: Bool {
        if case .queued = self { return true }
        return false
    }
}
