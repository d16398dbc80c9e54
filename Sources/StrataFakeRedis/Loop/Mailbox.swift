import Glibc
import StrataSync
import Synchronization

/// How other threads talk to the event loop: jobs in a locked queue, and a byte written to a
/// pipe that the loop polls, so a posted job wakes it at once. Jobs run on the loop thread with
/// the engine; whoever posted one may wait for its result (``FakeRedisServer`` does).
final class Mailbox: Sendable {
    /// A job for the loop, and what to do instead if the loop has stopped.
    struct Job: Sendable {
        var run: @Sendable (Engine) -> Void
        var cancel: @Sendable () -> Void
    }

    private struct State {
        var jobs: [Job] = []
        var closed = false
    }

    private let state = StrataMutex(State())
    /// The pipe's read end (polled by the loop) and write end.
    let wakeReader: Int32
    private let wakeWriter: Int32

    init() throws(SystemCallError) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw SystemCallError(call: "pipe", errno: errno) }
        for fd in fds {
            Socket.setCloseOnExec(fd)
            do throws(SystemCallError) {
                try Socket.setNonBlocking(fd)
            } catch {
                Glibc.close(fds[0])
                Glibc.close(fds[1])
                throw error
            }
        }
        wakeReader = fds[0]
        wakeWriter = fds[1]
    }

    /// Queues a job and wakes the loop. Returns false when the loop has stopped (the job is
    /// then dropped, not cancelled).
    func post(_ job: Job) -> Bool {
        let accepted = state.withLock { state -> Bool in
            guard !state.closed else { return false }
            state.jobs.append(job)
            return true
        }
        if accepted { wake() }
        return accepted
    }

    /// Writes a byte to the pipe; a full pipe already guarantees a wake-up.
    func wake() {
        var byte: UInt8 = 1
        _ = write(wakeWriter, &byte, 1)
    }

    /// Empties the pipe and takes the queued jobs (loop thread).
    func drain() -> [Job] {
        var sink = [UInt8](repeating: 0, count: 256)
        while read(wakeReader, &sink, sink.count) > 0 {}
        return state.withLock { state in
            let jobs = state.jobs
            state.jobs.removeAll()
            return jobs
        }
    }

    /// Refuses further jobs and returns those still queued (loop thread, when stopping).
    func close() -> [Job] {
        state.withLock { state in
            state.closed = true
            let jobs = state.jobs
            state.jobs.removeAll()
            return jobs
        }
    }

    /// Closes the pipe (after the loop thread has been joined).
    func closePipe() {
        Glibc.close(wakeReader)
        Glibc.close(wakeWriter)
    }
}
