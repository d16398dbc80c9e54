// Server-assisted client-side caching (Redis 7.0 tracking.c): CLIENT TRACKING in default mode
// (remember the keys a client read, invalidate them once when they change) and BCAST mode
// (invalidate every key under a prefix, batched before the loop sleeps), with REDIRECT,
// NOLOOP, OPTIN and OPTOUT. Invalidations are `invalidate` push messages in RESP3; in RESP2
// they go to a redirect client subscribed to `__redis__:invalidate`. `tracking-table-max-keys`
// bounds the table: random keys past it are forgotten and invalidated, before the next
// command and in the cron.

extension Engine {
    static let trackingChannel: Bytes = Array("__redis__:invalidate".utf8)

    func clientTrackingCommand(_ c: Client, _ args: Arguments) {
        var redirect = 0
        var bcast = false
        var optIn = false
        var optOut = false
        var noLoop = false
        var prefixes: [Bytes] = []
        var j = 3
        while j < args.count {
            let more = args.count - 1 - j
            if args.is(j, "redirect") && more > 0 {
                j += 1
                if redirect != 0 { return c.addError("ERR A client can only redirect to a single other client") }
                guard let id = Numbers.parseInteger(args[j]) else { return c.addNotInteger() }
                guard clientsByID[id] != nil else {
                    return c.addError("ERR The client ID you want redirect to does not exist")
                }
                redirect = id
            } else if args.is(j, "bcast") {
                bcast = true
            } else if args.is(j, "optin") {
                optIn = true
            } else if args.is(j, "optout") {
                optOut = true
            } else if args.is(j, "noloop") {
                noLoop = true
            } else if args.is(j, "prefix") && more > 0 {
                j += 1
                prefixes.append(args[j])
            } else {
                return c.addSyntaxError()
            }
            j += 1
        }
        if args.is(2, "on") {
            if !bcast && !prefixes.isEmpty { return c.addError("ERR PREFIX option requires BCAST mode to be enabled") }
            if let current = c.tracking, current.bcast != bcast {
                return c.addError(
                    "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode."
                )
            }
            if bcast && (optIn || optOut) { return c.addError("ERR OPTIN and OPTOUT are not compatible with BCAST") }
            if optIn && optOut { return c.addError("ERR You can't specify both OPTIN mode and OPTOUT mode") }
            if let current = c.tracking, (optIn && current.optOut) || (optOut && current.optIn) {
                return c.addError(
                    "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode."
                )
            }
            if bcast, let message = prefixCollision(c, prefixes) { return c.addError(message) }
            enableTracking(
                c, TrackingState(redirect: redirect, bcast: bcast, optIn: optIn, optOut: optOut, noLoop: noLoop),
                prefixes: prefixes)
        } else if args.is(2, "off") {
            disableTracking(c)
        } else {
            return c.addSyntaxError()
        }
        c.addOK()
    }

    /// Whether two prefixes overlap: one starts with the other.
    private func overlaps(_ a: Bytes, _ b: Bytes) -> Bool {
        let n = min(a.count, b.count)
        return a.prefix(n) == b.prefix(n)
    }

    private func prefixCollision(_ c: Client, _ prefixes: [Bytes]) -> String? {
        let existing = (c.tracking?.prefixes ?? []).sorted { $0.lexicographicallyPrecedes($1) }
        for (i, p) in prefixes.enumerated() {
            for e in existing where overlaps(e, p) {
                return
                    "ERR Prefix '\(String(decoding: p, as: UTF8.self))' overlaps with an existing prefix '\(String(decoding: e, as: UTF8.self))'. Prefixes for a single client must not overlap."
            }
            for q in prefixes[(i + 1)...] where overlaps(p, q) {
                return
                    "ERR Prefix '\(String(decoding: p, as: UTF8.self))' overlaps with another provided prefix '\(String(decoding: q, as: UTF8.self))'. Prefixes for a single client must not overlap."
            }
        }
        return nil
    }

    private func enableTracking(_ c: Client, _ options: TrackingState, prefixes: [Bytes]) {
        if c.tracking == nil { trackingClientCount += 1 }
        var state = options
        state.prefixes = c.tracking?.prefixes ?? []
        c.trackingBrokenRedirect = false
        if options.bcast {
            for p in prefixes.isEmpty ? [[]] : prefixes where !state.prefixes.contains(p) {
                state.prefixes.append(p)
                let entry = broadcastPrefixes[p] ?? BroadcastPrefix()
                entry.clients[c.id] = c
                broadcastPrefixes[p] = entry
            }
        }
        c.tracking = state
    }

    func disableTracking(_ c: Client) {
        guard let state = c.tracking else { return }
        if state.bcast {
            for p in state.prefixes {
                guard let entry = broadcastPrefixes[p] else { continue }
                entry.clients.removeValue(forKey: c.id)
                if entry.clients.isEmpty { broadcastPrefixes.removeValue(forKey: p) }
            }
        }
        c.tracking = nil
        c.trackingCachingGiven = false
        c.trackingBrokenRedirect = false
        trackingClientCount -= 1
    }

    /// After a read-only command: remember its keys for the client (default mode).
    func trackingRememberKeys(_ c: Client, _ spec: CommandSpec, _ args: Arguments) {
        guard let state = c.tracking else { return }
        if (state.optIn && !c.trackingCachingGiven) || (state.optOut && c.trackingCachingGiven) { return }
        for i in spec.keyPositions(argc: args.count) {
            trackingTable[args[i], default: []].insert(c.id)
        }
    }

    /// A key changed: invalidate it for the clients that read it, and queue it for BCAST.
    func trackingInvalidateKey(_ key: Bytes) {
        if !broadcastPrefixes.isEmpty {
            for (prefix, entry) in broadcastPrefixes where key.starts(with: prefix) {
                if entry.keys[key] == nil { entry.keys[key] = currentClient?.id ?? 0 }
            }
        }
        invalidateTrackedKey(key)
    }

    /// Sends the clients that read `key` an invalidation and forgets the key (the table part of
    /// Redis' trackingInvalidateKey).
    private func invalidateTrackedKey(_ key: Bytes) {
        guard let ids = trackingTable.removeValue(forKey: key) else { return }
        for id in ids.sorted() {
            guard let target = clientsByID[id], let state = target.tracking, !state.bcast else { continue }
            if state.noLoop && target === currentClient { continue }
            if target === currentClient && executionDepth > 0 {
                pendingSelfInvalidations.append(key)
            } else {
                sendTrackingMessage(target, keys: [key])
            }
        }
    }

    /// Redis' trackingLimitUsedSlots, run before each command (from processCommand, whose client
    /// is the current one for NOLOOP) and by the cron: while the table holds more keys than
    /// `tracking-table-max-keys` (0: no limit), forget random keys, sending their invalidations
    /// as if they had changed. A run evicts at most 100 keys for each run in a row (this one
    /// included) that ended over the limit, as Redis' effort does.
    func trackingLimitUsedSlots(current: Client?) {
        let maxKeys = config.trackingTableMaxKeys
        guard maxKeys > 0, trackingTable.count > maxKeys else {
            trackingLimitRuns = 0
            return
        }
        let effort = 100 * (trackingLimitRuns + 1)
        let previous = currentClient
        currentClient = current
        defer { currentClient = previous }
        var evicted = 0
        while evicted < effort && !trackingTable.isEmpty {
            // A random key among the first few in the table's (hash-seeded) order: random
            // enough, and without walking or copying a table of a million keys per command.
            let offset = Int.random(in: 0..<min(trackingTable.count, 64), using: &rng)
            let key = trackingTable.keys[trackingTable.index(trackingTable.startIndex, offsetBy: offset)]
            invalidateTrackedKey(key)
            evicted += 1
            if trackingTable.count <= maxKeys {
                trackingLimitRuns = 0
                return
            }
        }
        trackingLimitRuns += 1
    }

    /// FLUSHDB/FLUSHALL: every tracking client is told to drop everything (a null).
    func trackingInvalidateKeysOnFlush() {
        if trackingClientCount > 0 {
            for c in clientList where c.tracking != nil {
                if c === currentClient && executionDepth > 0 {
                    pendingSelfInvalidations.append(nil)
                } else {
                    sendTrackingMessage(c, keys: nil)
                }
            }
        }
        trackingTable.removeAll()
    }

    /// The running client's own invalidations, after its reply.
    func flushSelfInvalidations(_ c: Client) {
        let pending = pendingSelfInvalidations
        pendingSelfInvalidations.removeAll()
        for key in pending {
            if let key { sendTrackingMessage(c, keys: [key]) } else { sendTrackingMessage(c, keys: nil) }
        }
    }

    /// BCAST: one message per prefix and client with the keys changed since the last one.
    func broadcastInvalidations() {
        for prefix in broadcastPrefixes.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            guard let entry = broadcastPrefixes[prefix], !entry.keys.isEmpty else { continue }
            let changed = entry.keys.sorted { $0.key.lexicographicallyPrecedes($1.key) }
            entry.keys.removeAll()
            for c in entry.clients.values.sorted(by: { $0.id < $1.id }) where !c.closing {
                let noLoop = c.tracking?.noLoop ?? false
                let keys = changed.filter { !noLoop || $0.value != c.id }.map(\.key)
                if !keys.isEmpty { sendTrackingMessage(c, keys: keys) }
            }
        }
    }

    /// Sends an invalidation for `keys` (nil: everything) to a tracking client, or to the
    /// client it redirects to (Redis' sendTrackingMessage).
    func sendTrackingMessage(_ c: Client, keys: [Bytes]?) {
        var target = c
        var redirected = false
        if let redirect = c.tracking?.redirect, redirect != 0 {
            guard let other = clientsByID[redirect], !other.closing else {
                c.trackingBrokenRedirect = true
                if c.resp3 {
                    c.addPushHeader(2)
                    c.addBulk("tracking-redir-broken")
                    c.addInteger(redirect)
                    afterPush(c)
                }
                return
            }
            target = other
            redirected = true
        }
        if target.resp3 {
            target.addPushHeader(2)
            target.addBulk("invalidate")
        } else if redirected && target.subscriptionCount > 0 {
            target.addArrayHeader(3)
            target.addBulk("message")
            target.addBulk(Self.trackingChannel)
        } else {
            return
        }
        if let keys {
            target.addArrayHeader(keys.count)
            for key in keys { target.addBulk(key) }
        } else {
            // The null is spelled in the tracking client's protocol, as Redis does.
            target.addRaw(c.resp3 ? SharedReply.null3 : SharedReply.nullBulk2)
        }
        afterPush(target)
    }

    func clientCachingCommand(_ c: Client, _ args: Arguments) {
        guard let state = c.tracking else {
            return c.addError(
                "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled"
            )
        }
        if args.is(2, "yes") {
            guard state.optIn else {
                return c.addError("ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.")
            }
        } else if args.is(2, "no") {
            guard state.optOut else {
                return c.addError("ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.")
            }
        } else {
            return c.addSyntaxError()
        }
        c.trackingCachingGiven = true
        c.addOK()
    }

    func clientGetredirCommand(_ c: Client, _ args: Arguments) {
        c.addInteger(c.tracking.map(\.redirect) ?? -1)
    }

    func clientTrackinginfoCommand(_ c: Client, _ args: Arguments) {
        c.addMapHeader(3)
        c.addBulk("flags")
        var flags: [String] = []
        if let state = c.tracking {
            flags.append("on")
            if state.bcast { flags.append("bcast") }
            if state.optIn { flags.append("optin") }
            if state.optOut { flags.append("optout") }
            if c.trackingCachingGiven { flags.append(state.optIn ? "caching-yes" : "caching-no") }
            if state.noLoop { flags.append("noloop") }
            if c.trackingBrokenRedirect { flags.append("broken_redirect") }
        } else {
            flags.append("off")
        }
        c.addSetHeader(flags.count)
        for f in flags { c.addBulk(f) }
        c.addBulk("redirect")
        c.addInteger(c.tracking.map(\.redirect) ?? -1)
        c.addBulk("prefixes")
        let prefixes = (c.tracking?.prefixes ?? []).sorted { $0.lexicographicallyPrecedes($1) }
        c.addBulkArray(c.tracking?.bcast == true ? prefixes : [])
    }
}
