// Output limits: the fake's version of Redis' `client-output-buffer-limit` hard limit.
//
// Redis streams a reply into a list of buffers as it builds it, and a normal client has no
// output limit by default, so a request such as `SRANDMEMBER key -1000000000000` makes Redis
// produce a trillion elements. The fake builds each reply in the client's output buffer
// instead, so it bounds them: a client whose pending output would pass its limit
// (``ServerSettings/outputLimitNormal``, ``ServerSettings/outputLimitPubSub``) is closed
// without the reply, as Redis closes a client that hits a hard limit. Commands whose reply
// can grow far beyond what the client sent and the keyspace holds (a count, or the same big
// value named many times) check the limit before they build the reply and as they build it;
// every other command is checked once it has run (``Engine/runCommand(_:_:)``). The server
// keeps serving everyone else, and no buffer grows past the limit by more than one element.

extension Engine {
    /// The output limit that applies to a client now: the pub/sub one while it is subscribed.
    /// A hard limit set with CONFIG SET client-output-buffer-limit applies below the fake's own
    /// bound (the soft limits are not modelled).
    @inline(__always)
    func outputLimit(_ c: Client) -> Int {
        let subscribed = c.subscriptionCount > 0
        let bound = subscribed ? settings.outputLimitPubSub : settings.outputLimitNormal
        let configured = subscribed ? config.pubsubOutputHardLimit : config.normalOutputHardLimit
        return configured > 0 && configured < bound ? configured : bound
    }

    /// Before a reply of at least `minimumBytes` is built: when it cannot fit under the
    /// client's limit, closes the client and returns true (the caller then builds nothing).
    func refuseReplyOverLimit(_ c: Client, atLeast minimumBytes: Int) -> Bool {
        let room = outputLimit(c) - c.pendingOutput
        guard minimumBytes > room else { return false }
        closeForOutputLimit(c, droppingFrom: c.out.buffer.count)
        return true
    }

    /// While a reply that began at byte `replyStart` of the output buffer is built: when the
    /// client's pending output has passed its limit, drops the partial reply, closes the client
    /// and returns true (the caller then stops building).
    @inline(__always)
    func replyPassedLimit(_ c: Client, since replyStart: Int) -> Bool {
        guard c.pendingOutput > outputLimit(c) else { return false }
        closeForOutputLimit(c, droppingFrom: replyStart)
        return true
    }

    /// Closes a client over its output limit, dropping the output from `start` on (a reply in
    /// progress; the client never receives any of it).
    func closeForOutputLimit(_ c: Client, droppingFrom start: Int) {
        statistics.largestDroppedOutput = max(statistics.largestDroppedOutput, c.pendingOutput)
        if start < c.out.buffer.count { c.out.buffer.removeSubrange(max(start, c.sent)...) }
        if !c.closing { statistics.outputLimitDisconnections += 1 }
        scheduleClose(c)
    }
}
