import Testing

@testable import StrataTiers

/// The fill tickets that keep a stale reply out of the local tier, decided deterministically.
@Suite("Local tier races")
struct LocalTierRaceTests {
    static func entry(_ value: String) -> TierEntry<String> {
        TierEntry(value: value, freshUntil: .max, usableUntil: .max, keptUntil: .max, loadMicroseconds: 0)
    }

    static func tiers() -> [any LocalTierStorage<String>] {
        [LRULocalTier<String>(capacity: 10), HotColdLocalTier<String>(capacity: 10, promotionThreshold: 1)]
    }

    func missTicket(_ tier: any LocalTierStorage<String>, _ key: String) -> FillTicket {
        guard case .miss(let ticket) = tier.lookup(key) else {
            Issue.record("expected a miss")
            return FillTicket(token: 0, epoch: 0)
        }
        return ticket
    }

    func value(_ tier: any LocalTierStorage<String>, _ key: String) -> String? {
        if case .hit(let entry) = tier.lookup(key) { return entry.value }
        return nil
    }

    @Test func invalidationDuringAFetchKeepsItsReplyOut() {
        for tier in Self.tiers() {
            let ticket = missTicket(tier, "k")
            tier.invalidate("k")  // the key changed while the GET was in flight
            #expect(!tier.store("k", Self.entry("stale"), ticket: ticket))
            #expect(value(tier, "k") == nil)
        }
    }

    @Test func invalidateAllDuringAFetchKeepsItsReplyOut() {
        for tier in Self.tiers() {
            let ticket = missTicket(tier, "k")
            tier.invalidateAll()
            #expect(!tier.store("k", Self.entry("stale"), ticket: ticket))
        }
    }

    @Test func aWriteWinsOverAFetchThatRacedIt() {
        let tier = LRULocalTier<String>(capacity: 10)
        // The fetch's reply lands after the write finished...
        var fill = missTicket(tier, "k")
        var write = tier.beginWrite("k")
        tier.completeWrite("k", Self.entry("written"), ticket: write)
        #expect(!tier.store("k", Self.entry("fetched before the write"), ticket: fill))
        #expect(value(tier, "k") == "written")
        // ...or before it.
        tier.invalidate("k")
        fill = missTicket(tier, "k")
        write = tier.beginWrite("k")
        #expect(!tier.store("k", Self.entry("fetched before the write"), ticket: fill))
        tier.completeWrite("k", Self.entry("written"), ticket: write)
        #expect(value(tier, "k") == "written")
    }

    @Test func fillsThatStartDuringAWriteAreRefused() {
        let tier = LRULocalTier<String>(capacity: 10)
        let write = tier.beginWrite("k")
        let fill = missTicket(tier, "k")
        #expect(!tier.store("k", Self.entry("read during the write"), ticket: fill))
        tier.completeWrite("k", Self.entry("written"), ticket: write)
        #expect(value(tier, "k") == "written")
    }

    @Test func aWriteRevokedByAnInvalidationStoresNothing() {
        let tier = LRULocalTier<String>(capacity: 10)
        let write = tier.beginWrite("k")
        tier.invalidate("k")  // another writer's change arrived
        tier.completeWrite("k", Self.entry("mine"), ticket: write)
        #expect(value(tier, "k") == nil)
    }

    @Test func concurrentMissesShareOneFill() {
        let tier = LRULocalTier<String>(capacity: 10)
        let first = missTicket(tier, "k")
        let second = missTicket(tier, "k")
        #expect(tier.store("k", Self.entry("v"), ticket: second))
        #expect(!tier.store("k", Self.entry("v"), ticket: first))  // already filled
        #expect(value(tier, "k") == "v")
    }

    @Test func envelopeRoundTrip() {
        let envelope = CacheEnvelope(
            payload: [1, 2, 3], isNegative: false, version: 1_699_999_999_999, freshUntil: 1_700_000_000_123,
            usableUntil: 1_700_000_001_000, keptUntil: 1_700_000_100_000, loadMicroseconds: 4321)
        #expect(CacheEnvelope(decoding: envelope.encoded()) == envelope)
        #expect(envelope.identity == Array(envelope.encoded().prefix(CacheEnvelope.identitySize)))
        let tombstone = CacheEnvelope.tombstone(version: 5)
        #expect(CacheEnvelope(decoding: tombstone.encoded())?.isTombstone == true)
        #expect(CacheEnvelope(decoding: tombstone.encoded())?.version == 5)
        #expect(CacheEnvelope(decoding: Array("plain value".utf8)) == nil)
    }
}
