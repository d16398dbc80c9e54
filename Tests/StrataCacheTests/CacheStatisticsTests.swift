import StrataCache
import Testing

struct CacheStatisticsTests {
    @Test func hitRatioCountsHitsOverRequests() {
        let stats = CacheStatistics(hits: 3, misses: 1)
        #expect(stats.requests == 4)
        #expect(stats.hitRatio == 0.75)
        #expect(CacheStatistics().hitRatio == 0)
    }

    @Test func snapshotsAddAndSubtract() {
        let a = CacheStatistics(hits: 1, misses: 2, evictions: 3, expirations: 4, promotions: 5)
        let b = CacheStatistics(hits: 10, misses: 20, evictions: 30, expirations: 40, promotions: 50)
        #expect((a + b).subtracting(a) == b)
        #expect((a + b).description == "hits: 11, misses: 22, evictions: 33, expirations: 44, promotions: 55")
    }
}

struct CacheClockTests {
    @Test func instantsAdvanceAndSaturate() {
        let start = CacheInstant(nanoseconds: 5)
        #expect(start.advanced(by: .seconds(1)).nanoseconds == 1_000_000_005)
        #expect(start.duration(to: start.advanced(by: .milliseconds(7))) == .milliseconds(7))
        #expect(start.advanced(by: .seconds(Int64.max)).nanoseconds == .max)
    }

    @Test func monotonicClockNeverGoesBack() {
        let clock = MonotonicCacheClock()
        let first = clock.now
        #expect(clock.now >= first)
    }

    /// The coarse clock never goes back and moves in whole ticks (red when it reads the precise
    /// clock: its steps are far shorter than the coarse clock's resolution).
    @Test func coarseClockMovesInTicks() throws {
        let clock = CoarseCacheClock()
        let resolution = clock.resolution.cacheNanoseconds
        #expect(resolution > 0 && resolution <= 100_000_000)
        var previous = clock.now
        var steps: [Int64] = []
        let deadline = ContinuousClock.now + .seconds(2)
        while steps.count < 3 && ContinuousClock.now < deadline {
            let now = clock.now
            #expect(now >= previous)
            if now > previous { steps.append(now.nanoseconds - previous.nanoseconds) }
            previous = now
        }
        try #require(steps.count == 3, "the coarse clock did not advance within 2 s")
        // The first step may be partial (the clock's origin is a tick); the later ones are whole.
        for step in steps.dropFirst() { #expect(step >= resolution / 2, "a step of \(step) ns") }
    }

    /// The layers' clock reader reads the clock it was given: each system clock between two of
    /// that clock's own reads (red when the two are swapped: the coarse clock lags the precise
    /// one by up to a tick), and any other clock through the protocol.
    @Test func aReaderReadsItsOwnClock() {
        let precise = MonotonicCacheClock()
        let coarse = CoarseCacheClock()
        let readers = (precise: CacheClockReader(precise), coarse: CacheClockReader(coarse))
        for _ in 0..<200 {
            let (p0, c0) = (precise.now, coarse.now)
            let (p, c) = (readers.precise.now, readers.coarse.now)
            let (p1, c1) = (precise.now, coarse.now)
            #expect(p0 <= p && p <= p1)
            #expect(c0 <= c && c <= c1)
        }
        let manual = FixedClock(now: CacheInstant(nanoseconds: 42))
        #expect(CacheClockReader(manual).nanoseconds == 42)
    }
}

/// A clock that always reads the same instant.
private struct FixedClock: CacheClock {
    var now: CacheInstant
}

struct SplitMix64Tests {
    @Test func sameSeedSameSequence() {
        var a = SplitMix64(seed: 7)
        var b = SplitMix64(seed: 7)
        for _ in 0..<100 { #expect(a.next() == b.next()) }
        var c = SplitMix64(seed: 8)
        var d = SplitMix64(seed: 7)
        #expect(d.next() != c.next())
    }
}
