import StrataCache
import StrataHotCold
import StrataTestSupport
import Testing

@Suite(.cpuBound)
struct FrequencySketchTests {
    @Test func estimatesGrowWithAccesses() {
        var sketch = FrequencySketch<Int>(capacity: 1_000)
        #expect(sketch.estimate(7) == 0)
        sketch.record(7)
        #expect(sketch.estimate(7) == 1)  // the doorkeeper's bit
        for _ in 0..<5 { sketch.record(7) }
        #expect(sketch.estimate(7) == 6)
        for _ in 0..<100 { sketch.record(7) }
        #expect(sketch.estimate(7) == 16)  // 15 in the counters, saturated, plus the doorkeeper
        #expect(sketch.estimate(8) <= 1)
    }

    @Test func countsHalveEverySamplePeriod() {
        var sketch = FrequencySketch<Int>(capacity: 64)
        for _ in 0..<11 { sketch.record(1) }
        #expect(sketch.estimate(1) == 11)
        // Fill the rest of the period with distinct other keys.
        for key in 0..<(sketch.sampleSize - 11) { sketch.record(1_000_000 + key) }
        #expect(sketch.estimate(1) == 5)  // 10 counted (after the doorkeeper) halved; doorkeeper cleared
    }

    @Test func memoryIsFixedByCapacityNotByKeys() {
        var sketch = FrequencySketch<Int>(capacity: 100)
        // A million distinct keys later, estimates stay small and bounded: nothing grew.
        for key in 0..<1_000_000 { sketch.record(key) }
        var total = 0
        for key in 0..<1_000 { total += sketch.estimate(key) }
        #expect(total / 1_000 <= 16)
        #expect(MemoryLayout<FrequencySketch<Int>>.size <= 64)
    }

    @Test func clearForgetsEverything() {
        var sketch = FrequencySketch<String>(capacity: 64)
        for _ in 0..<3 { sketch.record("a") }
        sketch.clear()
        #expect(sketch.estimate("a") == 0)
    }

    @Test func copiesAreIndependent() {
        var original = FrequencySketch<Int>(capacity: 100)
        for _ in 0..<3 { original.record(1) }
        var copy = original
        for _ in 0..<5 { copy.record(1) }
        copy.record(2)
        #expect(original.estimate(1) == 3 && original.estimate(2) == 0)
        #expect(copy.estimate(1) == 8 && copy.estimate(2) == 1)
        var cleared = copy
        cleared.clear()
        #expect(copy.estimate(1) == 8 && cleared.estimate(1) == 0)
    }
}
