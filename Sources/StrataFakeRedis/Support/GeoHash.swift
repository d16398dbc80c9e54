import Glibc

/// Redis 7.0's geohash (geohash.c, geohash_helper.c): 26 bits of longitude and of latitude
/// (latitude limited to ±85.05112878) interleaved into a 52-bit integer, the score of a member
/// in the sorted set; the haversine distance on Redis' Earth radius; and the centre box plus
/// eight neighbours a radius or box search scans.
enum GeoHash {
    static let longitudeMin = -180.0
    static let longitudeMax = 180.0
    static let latitudeMin = -85.05112878
    static let latitudeMax = 85.05112878
    static let stepMax: UInt8 = 26
    static let earthRadius = 6372797.560856
    private static let mercatorMax = 20037726.37
    private static let degreesToRadians = Double.pi / 180.0

    /// A hash of `step` bits per coordinate.
    struct Bits: Equatable {
        var bits: UInt64
        var step: UInt8

        static let zero = Bits(bits: 0, step: 0)
        var isZero: Bool { bits == 0 && step == 0 }
    }

    struct Area {
        var longitudeMin: Double
        var longitudeMax: Double
        var latitudeMin: Double
        var latitudeMax: Double
    }

    private static func interleave(_ xlo: UInt32, _ ylo: UInt32) -> UInt64 {
        let b: [UInt64] = [
            0x5555_5555_5555_5555, 0x3333_3333_3333_3333, 0x0F0F_0F0F_0F0F_0F0F, 0x00FF_00FF_00FF_00FF,
            0x0000_FFFF_0000_FFFF,
        ]
        let s: [UInt64] = [1, 2, 4, 8, 16]
        var x = UInt64(xlo)
        var y = UInt64(ylo)
        for i in stride(from: 4, through: 0, by: -1) {
            x = (x | (x << s[i])) & b[i]
            y = (y | (y << s[i])) & b[i]
        }
        return x | (y << 1)
    }

    private static func deinterleave(_ interleaved: UInt64) -> UInt64 {
        let b: [UInt64] = [
            0x5555_5555_5555_5555, 0x3333_3333_3333_3333, 0x0F0F_0F0F_0F0F_0F0F, 0x00FF_00FF_00FF_00FF,
            0x0000_FFFF_0000_FFFF, 0x0000_0000_FFFF_FFFF,
        ]
        let s: [UInt64] = [0, 1, 2, 4, 8, 16]
        var x = interleaved
        var y = interleaved >> 1
        for i in 0..<6 {
            x = (x | (x >> s[i])) & b[i]
            y = (y | (y >> s[i])) & b[i]
        }
        return x | (y << 32)
    }

    /// Encodes a position in the given ranges (geohashEncode); nil outside Redis' limits.
    static func encode(
        longitude: Double, latitude: Double, step: UInt8, latitudeRange: (Double, Double) = (latitudeMin, latitudeMax)
    ) -> Bits? {
        guard step > 0, step <= 32 else { return nil }
        if longitude > longitudeMax || longitude < longitudeMin || latitude > latitudeMax || latitude < latitudeMin {
            return nil
        }
        if latitude < latitudeRange.0 || latitude > latitudeRange.1 { return nil }
        var latitudeOffset = (latitude - latitudeRange.0) / (latitudeRange.1 - latitudeRange.0)
        var longitudeOffset = (longitude - longitudeMin) / (longitudeMax - longitudeMin)
        latitudeOffset *= Double(UInt64(1) << UInt64(step))
        longitudeOffset *= Double(UInt64(1) << UInt64(step))
        // C converts the doubles to uint32_t: truncation.
        return Bits(
            bits: interleave(
                UInt32(truncatingIfNeeded: UInt64(latitudeOffset)), UInt32(truncatingIfNeeded: UInt64(longitudeOffset))),
            step: step)
    }

    /// The box a hash stands for (geohashDecode).
    static func decode(_ hash: Bits) -> Area? {
        guard !hash.isZero else { return nil }
        let separated = deinterleave(hash.bits)
        let latitudeScale = latitudeMax - latitudeMin
        let longitudeScale = longitudeMax - longitudeMin
        let ilat = UInt32(truncatingIfNeeded: separated)
        let ilon = UInt32(truncatingIfNeeded: separated >> 32)
        let cells = Double(UInt64(1) << UInt64(hash.step))
        return Area(
            longitudeMin: longitudeMin + (Double(ilon) * 1.0 / cells) * longitudeScale,
            longitudeMax: longitudeMin + ((Double(ilon) + 1) * 1.0 / cells) * longitudeScale,
            latitudeMin: latitudeMin + (Double(ilat) * 1.0 / cells) * latitudeScale,
            latitudeMax: latitudeMin + ((Double(ilat) + 1) * 1.0 / cells) * latitudeScale)
    }

    /// A member's position from its score: the centre of its cell.
    static func position(score: Double) -> (longitude: Double, latitude: Double)? {
        guard let area = decode(Bits(bits: cToUInt64(score), step: stepMax)) else { return nil }
        var x = (area.longitudeMin + area.longitudeMax) / 2
        x = min(max(x, longitudeMin), longitudeMax)
        var y = (area.latitudeMin + area.latitudeMax) / 2
        y = min(max(y, latitudeMin), latitudeMax)
        return (x, y)
    }

    /// C's `(uint64_t)` of a double as x86-64 code computes it, for scores that were not
    /// written by GEOADD (negative, huge, infinite or NaN).
    static func cToUInt64(_ v: Double) -> UInt64 {
        let twoTo63 = 9.223372036854775808e18
        if v < twoTo63 {
            guard v > -twoTo63 else { return 0x8000_0000_0000_0000 }
            return UInt64(bitPattern: Int64(v))
        }
        let shifted = v - twoTo63
        guard shifted < twoTo63 else { return 0 }  // >= 2^64, +inf and NaN
        return UInt64(bitPattern: Int64(shifted)) ^ 0x8000_0000_0000_0000
    }

    /// C's `(long long)` of a double on x86-64: Int64.min when out of range.
    static func cToInt64(_ v: Double) -> Int {
        guard v.isFinite, v < 9.223372036854775808e18, v >= -9.223372036854775808e18 else { return Int.min }
        return Int(v)
    }

    static func align52(_ hash: Bits) -> UInt64 { hash.bits << UInt64(52 - Int(hash.step) * 2) }

    private static func move(_ hash: inout Bits, x d: Int) {
        guard d != 0 else { return }
        var x = hash.bits & 0xAAAA_AAAA_AAAA_AAAA
        let y = hash.bits & 0x5555_5555_5555_5555
        let zz: UInt64 = 0x5555_5555_5555_5555 >> UInt64(64 - Int(hash.step) * 2)
        if d > 0 {
            x = x &+ (zz &+ 1)
        } else {
            x = x | zz
            x = x &- (zz &+ 1)
        }
        x &= 0xAAAA_AAAA_AAAA_AAAA >> UInt64(64 - Int(hash.step) * 2)
        hash.bits = x | y
    }

    private static func move(_ hash: inout Bits, y d: Int) {
        guard d != 0 else { return }
        let x = hash.bits & 0xAAAA_AAAA_AAAA_AAAA
        var y = hash.bits & 0x5555_5555_5555_5555
        let zz: UInt64 = 0xAAAA_AAAA_AAAA_AAAA >> UInt64(64 - Int(hash.step) * 2)
        if d > 0 {
            y = y &+ (zz &+ 1)
        } else {
            y = y | zz
            y = y &- (zz &+ 1)
        }
        y &= 0x5555_5555_5555_5555 >> UInt64(64 - Int(hash.step) * 2)
        hash.bits = x | y
    }

    private static func neighbor(_ hash: Bits, _ dx: Int, _ dy: Int) -> Bits {
        var h = hash
        move(&h, x: dx)
        move(&h, y: dy)
        return h
    }

    // MARK: Distances

    private static func radians(_ degrees: Double) -> Double { degrees * degreesToRadians }

    /// Haversine distance in meters.
    static func distance(_ lon1: Double, _ lat1: Double, _ lon2: Double, _ lat2: Double) -> Double {
        let lat1r = radians(lat1)
        let lon1r = radians(lon1)
        let lat2r = radians(lat2)
        let lon2r = radians(lon2)
        let u = sin((lat2r - lat1r) / 2)
        let v = sin((lon2r - lon1r) / 2)
        return 2.0 * earthRadius * asin(sqrt(u * u + cos(lat1r) * cos(lat2r) * v * v))
    }

    // MARK: Search areas

    /// A search: around a point, within a radius or a box, in meters times `conversion`.
    struct Shape {
        var longitude = 0.0
        var latitude = 0.0
        var conversion = 1.0
        var radius: Double?
        var width = 0.0
        var height = 0.0
    }

    /// The distance of a point from the centre if it lies in the shape.
    static func distanceIfInside(_ shape: Shape, _ lon: Double, _ lat: Double) -> Double? {
        if let radius = shape.radius {
            let d = distance(shape.longitude, shape.latitude, lon, lat)
            return d > radius * shape.conversion ? nil : d
        }
        let width = shape.width * shape.conversion
        let height = shape.height * shape.conversion
        let lonDistance = distance(lon, lat, shape.longitude, lat)
        let latDistance = distance(lon, lat, lon, shape.latitude)
        if lonDistance > width / 2 || latDistance > height / 2 { return nil }
        return distance(shape.longitude, shape.latitude, lon, lat)
    }

    private static func estimateSteps(_ rangeMeters: Double, _ latitude: Double) -> Int {
        if rangeMeters == 0 { return 26 }
        var range = rangeMeters
        var step = 1
        while range < mercatorMax {
            range *= 2
            step += 1
        }
        step -= 2
        if latitude > 66 || latitude < -66 {
            step -= 1
            if latitude > 80 || latitude < -80 { step -= 1 }
        }
        return min(max(step, 1), 26)
    }

    /// The nine boxes to scan, in Redis' order (centre, N, S, E, W, NE, NW, SE, SW); boxes the
    /// shape cannot reach are zero.
    static func searchBoxes(_ shape: Shape) -> [Bits] {
        let height = shape.conversion * (shape.radius ?? shape.height / 2)
        let width = shape.conversion * (shape.radius ?? shape.width / 2)
        let latDelta = (height / earthRadius) / degreesToRadians
        let longDeltaTop = (width / earthRadius / cos(radians(shape.latitude + latDelta))) / degreesToRadians
        let longDeltaBottom = (width / earthRadius / cos(radians(shape.latitude - latDelta))) / degreesToRadians
        let southern = shape.latitude < 0
        let minLon = southern ? shape.longitude - longDeltaBottom : shape.longitude - longDeltaTop
        let maxLon = southern ? shape.longitude + longDeltaBottom : shape.longitude + longDeltaTop
        let minLat = shape.latitude - latDelta
        let maxLat = shape.latitude + latDelta

        var radiusMeters =
            shape.radius ?? sqrt((shape.width / 2) * (shape.width / 2) + (shape.height / 2) * (shape.height / 2))
        radiusMeters *= shape.conversion
        var steps = estimateSteps(radiusMeters, shape.latitude)

        func boxes(_ steps: Int) -> (Bits, [Bits], Area) {
            let hash =
                encode(longitude: shape.longitude, latitude: shape.latitude, step: UInt8(steps))
                ?? Bits(bits: 0, step: UInt8(steps))
            let around = [
                neighbor(hash, 0, 1), neighbor(hash, 0, -1), neighbor(hash, 1, 0), neighbor(hash, -1, 0),
                neighbor(hash, 1, 1), neighbor(hash, -1, 1), neighbor(hash, 1, -1), neighbor(hash, -1, -1),
            ]
            let area =
                decode(hash) ?? Area(longitudeMin: 0, longitudeMax: 0, latitudeMin: 0, latitudeMax: 0)
            return (hash, around, area)
        }
        var (hash, around, area) = boxes(steps)
        var decrease = false
        if let north = decode(around[0]), north.latitudeMax < maxLat { decrease = true }
        if let south = decode(around[1]), south.latitudeMin > minLat { decrease = true }
        if let east = decode(around[2]), east.longitudeMax < maxLon { decrease = true }
        if let west = decode(around[3]), west.longitudeMin > minLon { decrease = true }
        if steps > 1 && decrease {
            steps -= 1
            (hash, around, area) = boxes(steps)
        }
        // around: N, S, E, W, NE, NW, SE, SW.
        if steps >= 2 {
            if area.latitudeMin < minLat {
                around[1] = .zero
                around[7] = .zero
                around[6] = .zero
            }
            if area.latitudeMax > maxLat {
                around[0] = .zero
                around[4] = .zero
                around[5] = .zero
            }
            if area.longitudeMin < minLon {
                around[3] = .zero
                around[7] = .zero
                around[5] = .zero
            }
            if area.longitudeMax > maxLon {
                around[2] = .zero
                around[6] = .zero
                around[4] = .zero
            }
        }
        return [hash] + around
    }

    /// The 11-character standard geohash (latitude range ±90) of a score.
    static func standardHash(score: Double) -> Bytes? {
        guard let (x, y) = position(score: score),
            let hash = encode(longitude: x, latitude: y, step: 26, latitudeRange: (-90, 90))
        else { return nil }
        let alphabet = Array("0123456789bcdefghjkmnpqrstuvwxyz".utf8)
        var out: Bytes = []
        for i in 0..<11 {
            let index = i == 10 ? 0 : Int((hash.bits >> UInt64(52 - (i + 1) * 5)) & 0x1F)
            out.append(alphabet[index])
        }
        return out
    }
}
