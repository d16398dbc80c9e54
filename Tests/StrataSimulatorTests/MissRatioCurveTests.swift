import Foundation
import FoundationXML
import StrataSimulator
import StrataTestSupport
import Testing

/// Miss-ratio curves and their SVG: the figures agree with single simulations, the curves keep
/// the order the theory demands, and the picture is well-formed XML that draws that order.
@Suite(.cpuBound)
struct MissRatioCurveTests {
    static let capacities = [50, 100, 200, 500, 1_000, 2_000]

    static func curve() async -> MissRatioCurve {
        let trace = Traces.zipf(keys: 5_000, alpha: 0.9, count: 40_000, seed: 12)
        return await MissRatioCurve.compute(
            trace: "zipf & <friends>", keys: trace, capacities: capacities.reversed() + [100],
            policies: SimulatedPolicy.allCases)
    }

    @Test func pointsAreSingleSimulations() async {
        let trace = Traces.zipf(keys: 5_000, alpha: 0.9, count: 40_000, seed: 12)
        let curve = await Self.curve()
        #expect(curve.capacities == Self.capacities)  // sorted, deduplicated
        for policy in SimulatedPolicy.allCases {
            for (index, capacity) in curve.capacities.enumerated() {
                let hits = CacheSimulator.hits(of: policy, trace: trace, capacity: capacity)
                #expect(curve.misses[policy]![index] == trace.count - hits, "\(policy) at \(capacity)")
            }
        }
    }

    @Test func beladyBoundsEveryPolicyAndStackPoliciesNeverRise() async {
        let curve = await Self.curve()
        for index in curve.capacities.indices {
            let belady = curve.missRatio(.belady, at: index)
            #expect(belady <= curve.missRatio(.lru, at: index))
            #expect(belady <= curve.missRatio(.hotCold, at: index))
            // LRU and Belady are stack algorithms: more room never costs a hit.
            if index > 0 {
                #expect(curve.missRatio(.lru, at: index) <= curve.missRatio(.lru, at: index - 1))
                #expect(curve.missRatio(.belady, at: index) <= curve.missRatio(.belady, at: index - 1))
            }
        }
        #expect(curve.missRatio(.lru, at: 0) > curve.missRatio(.lru, at: curve.capacities.count - 1))
    }

    @Test func parsesCapacityLists() {
        #expect(MissRatioCurve.parseCapacities("1k,2K,500,1m") == [1_000, 2_000, 500, 1_000_000])
        for bad in ["", "1k,", "0", "-5", "1g", "k", "3000m", "1.5k"] {
            #expect(MissRatioCurve.parseCapacities(bad) == nil, "\(bad)")
        }
    }

    @Test func theSVGIsWellFormedAndDrawsThePoliciesInOrder() async throws {
        let curves = [await Self.curve(), await Self.curve()]
        let svg = MissRatioChart.svg(curves)
        let reader = SVGReader()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = reader
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        #expect(reader.root == "svg")
        #expect(reader.texts.contains { $0.contains("zipf & <friends>") })  // escaped, read back
        // A line per policy per panel, a point per capacity; lower misses are drawn lower down,
        // which in SVG coordinates is a larger y.
        #expect(reader.polylines.count == 2 * SimulatedPolicy.allCases.count)
        for panel in 0..<2 {
            var lines: [String: [(x: Double, y: Double)]] = [:]
            for (policy, points) in reader.polylines[(panel * 3)..<(panel * 3 + 3)] { lines[policy] = points }
            let lru = try #require(lines["LRU"])
            let hotCold = try #require(lines["HotCold"])
            let belady = try #require(lines["Belady"])
            #expect(lru.count == Self.capacities.count)
            #expect(zip(lru, lru.dropFirst()).allSatisfy { $0.x < $1.x })  // capacity grows rightwards
            for index in lru.indices {
                #expect(belady[index].y >= lru[index].y && belady[index].y >= hotCold[index].y)
            }
        }
    }
}

/// Collects what the SVG test checks, with Foundation's own XML parser.
final class SVGReader: NSObject, XMLParserDelegate {
    var root: String?
    var polylines: [(policy: String, points: [(x: Double, y: Double)])] = []
    var texts: [String] = []
    private var text = ""

    func parser(
        _ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        if root == nil { root = element }
        text = ""
        guard element == "polyline", let policy = attributes["data-policy"], let points = attributes["points"] else {
            return
        }
        let parsed = points.split(separator: " ").map { pair in
            let numbers = pair.split(separator: ",").compactMap { Double($0) }
            return (x: numbers.first ?? .nan, y: numbers.last ?? .nan)
        }
        polylines.append((policy, parsed))
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(_ parser: XMLParser, didEndElement element: String, namespaceURI: String?, qualifiedName: String?) {
        if element == "text" || element == "title" { texts.append(text) }
    }
}
