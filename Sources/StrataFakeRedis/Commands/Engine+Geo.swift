// Geo commands (Redis 7.0 geo.c) over sorted sets whose scores are 52-bit geohashes
// (``GeoHash``): GEOADD, GEOPOS, GEODIST, GEOHASH, GEOSEARCH, GEOSEARCHSTORE, GEORADIUS,
// GEORADIUSBYMEMBER and their _RO forms. Searches scan the same nine boxes in the same order as
// Redis, so even unsorted replies come in Redis' order.

extension Engine {
    /// A longitude and latitude pair from two arguments; an error reply and nil otherwise.
    private func geoPosition(_ c: Client, _ args: Arguments, _ at: Int) -> (Double, Double)? {
        guard let x = Numbers.parseDouble(args[at]), let y = Numbers.parseDouble(args[at + 1]) else {
            c.addError("ERR value is not a valid float")
            return nil
        }
        if x < GeoHash.longitudeMin || x > GeoHash.longitudeMax || y < GeoHash.latitudeMin || y > GeoHash.latitudeMax {
            c.addError(
                "ERR invalid longitude,latitude pair \(Numbers.cFormat("%f", x)),\(Numbers.cFormat("%f", y))")
            return nil
        }
        return (x, y)
    }

    /// Meters per unit; an error reply and nil for an unknown unit.
    private func geoUnit(_ c: Client, _ bytes: Bytes) -> Double? {
        switch ASCII.lowercased(bytes) {
        case "m": return 1
        case "km": return 1000
        case "ft": return 0.3048
        case "mi": return 1609.34
        default:
            c.addError("ERR unsupported unit provided. please use M, KM, FT, MI")
            return nil
        }
    }

    private func addGeoDistance(_ c: Client, _ d: Double) { c.addBulk(Numbers.cFormat("%.4f", d)) }

    /// A coordinate as Redis' addReplyHumanLongDouble writes it.
    private func addGeoCoordinate(_ c: Client, _ v: Double) {
        let text = Numbers.formatLongDouble(Float80(v)) ?? "0"
        if c.resp3 {
            c.addRaw(Array(",\(text)\r\n".utf8))
        } else {
            c.addBulk(text)
        }
    }

    func geoaddCommand(_ c: Client, _ args: Arguments) {
        var xx = false
        var nx = false
        var at = 2
        while at < args.count {
            if args.is(at, "nx") {
                nx = true
            } else if args.is(at, "xx") {
                xx = true
            } else if !args.is(at, "ch") {
                break
            }
            at += 1
        }
        if (args.count - at) % 3 != 0 || (xx && nx) { return c.addSyntaxError() }
        var rewritten: [Bytes] = (0..<at).map { args[$0] }
        rewritten[0] = Array("zadd".utf8)
        for i in stride(from: at, to: args.count, by: 3) {
            guard let (x, y) = geoPosition(c, args, i) else { return }
            guard let hash = GeoHash.encode(longitude: x, latitude: y, step: GeoHash.stepMax) else {
                return c.addError("ERR value is not a valid float")
            }
            rewritten.append(Numbers.bytes(Int(GeoHash.align52(hash))))
            rewritten.append(args[i + 2])
        }
        zaddCommand(c, Arguments(bytes: rewritten))
    }

    /// The sorted set of a geo command; nil after a WRONGTYPE reply, `.some(nil)` when missing.
    private func geoSet(_ c: Client, _ key: Bytes) -> SortedSetValue?? {
        switch findSortedSet(database(c), key) {
        case .wrongType:
            c.addWrongType()
            return nil
        case .missing: return .some(nil)
        case .found(_, let z): return .some(z)
        }
    }

    func geoposCommand(_ c: Client, _ args: Arguments) {
        guard let zset = geoSet(c, args[1]) else { return }
        c.addArrayHeader(args.count - 2)
        for j in 2..<args.count {
            guard let score = zset?.score(args[j]), let (x, y) = GeoHash.position(score: score) else {
                c.addNullArray()
                continue
            }
            c.addArrayHeader(2)
            addGeoCoordinate(c, x)
            addGeoCoordinate(c, y)
        }
    }

    func geohashCommand(_ c: Client, _ args: Arguments) {
        guard let zset = geoSet(c, args[1]) else { return }
        c.addArrayHeader(args.count - 2)
        for j in 2..<args.count {
            guard let score = zset?.score(args[j]), let hash = GeoHash.standardHash(score: score) else {
                c.addNull()
                continue
            }
            c.addBulk(hash)
        }
    }

    func geodistCommand(_ c: Client, _ args: Arguments) {
        var toMeters = 1.0
        if args.count == 5 {
            guard let unit = geoUnit(c, args[4]) else { return }
            toMeters = unit
        } else if args.count > 5 {
            return c.addSyntaxError()
        }
        guard let found = geoSet(c, args[1]) else { return }
        guard let zset = found else { return c.addNull() }
        guard let s1 = zset.score(args[2]), let s2 = zset.score(args[3]),
            let (x1, y1) = GeoHash.position(score: s1), let (x2, y2) = GeoHash.position(score: s2)
        else { return c.addNull() }
        addGeoDistance(c, GeoHash.distance(x1, y1, x2, y2) / toMeters)
    }

    // MARK: Searches

    private struct GeoSearchFlags: OptionSet {
        let rawValue: Int
        static let coordinates = GeoSearchFlags(rawValue: 1)
        static let member = GeoSearchFlags(rawValue: 2)
        static let noStore = GeoSearchFlags(rawValue: 4)
        static let search = GeoSearchFlags(rawValue: 8)
        static let searchStore = GeoSearchFlags(rawValue: 16)
    }

    private struct GeoPoint {
        var longitude: Double
        var latitude: Double
        var distance: Double
        var member: Bytes
        var score: Double
    }

    func georadiusCommand(_ c: Client, _ args: Arguments) { geoSearch(c, args, source: 1, [.coordinates]) }
    func georadiusROCommand(_ c: Client, _ args: Arguments) {
        geoSearch(c, args, source: 1, [.coordinates, .noStore])
    }
    func georadiusbymemberCommand(_ c: Client, _ args: Arguments) { geoSearch(c, args, source: 1, [.member]) }
    func georadiusbymemberROCommand(_ c: Client, _ args: Arguments) {
        geoSearch(c, args, source: 1, [.member, .noStore])
    }
    func geosearchCommand(_ c: Client, _ args: Arguments) { geoSearch(c, args, source: 1, [.search]) }
    func geosearchstoreCommand(_ c: Client, _ args: Arguments) {
        geoSearch(c, args, source: 2, [.search, .searchStore])
    }

    private func geoSearch(_ c: Client, _ args: Arguments, source: Int, _ flags: GeoSearchFlags) {
        let db = database(c)
        guard let found = geoSet(c, args[source]) else { return }
        let zset = found
        var storeKey: Bytes?
        var storeDistance = false
        var shape = GeoHash.Shape()
        var base: Int
        if flags.contains(.coordinates) {
            base = 6
            guard let (x, y) = geoPosition(c, args, 2) else { return }
            (shape.longitude, shape.latitude) = (x, y)
            guard let (radius, unit) = geoDistanceArguments(c, args, 4) else { return }
            (shape.radius, shape.conversion) = (radius, unit)
        } else if flags.contains(.member) && zset == nil {
            base = 5
        } else if flags.contains(.member) {
            base = 5
            guard let score = zset!.score(args[2]), let (x, y) = GeoHash.position(score: score) else {
                return c.addError("ERR could not decode requested zset member")
            }
            (shape.longitude, shape.latitude) = (x, y)
            guard let (radius, unit) = geoDistanceArguments(c, args, 3) else { return }
            (shape.radius, shape.conversion) = (radius, unit)
        } else {
            base = 2
            if flags.contains(.searchStore) {
                base = 3
                storeKey = args[1]
            }
        }
        var withDistance = false
        var withHash = false
        var withCoordinates = false
        var fromMember = false
        var fromLocation = false
        var byRadius = false
        var byBox = false
        var sort = 0  // 0 none, 1 ascending, 2 descending
        var any = false
        var count = 0
        let search = flags.contains(.search)
        var i = base
        while i < args.count {
            let remaining = args.count - i - 1
            if args.is(i, "withdist") {
                withDistance = true
            } else if args.is(i, "withhash") {
                withHash = true
            } else if args.is(i, "withcoord") {
                withCoordinates = true
            } else if args.is(i, "any") {
                any = true
            } else if args.is(i, "asc") {
                sort = 1
            } else if args.is(i, "desc") {
                sort = 2
            } else if args.is(i, "count") && remaining >= 1 {
                guard let n = Numbers.parseInteger(args[i + 1]) else { return c.addNotInteger() }
                guard n > 0 else { return c.addError("ERR COUNT must be > 0") }
                count = n
                i += 1
            } else if (args.is(i, "store") || args.is(i, "storedist")) && remaining >= 1 && !flags.contains(.noStore)
                && !search
            {
                storeKey = args[i + 1]
                storeDistance = args.is(i, "storedist")
                i += 1
            } else if args.is(i, "storedist") && flags.contains(.searchStore) {
                storeDistance = true
            } else if args.is(i, "frommember") && remaining >= 1 && search && !fromLocation {
                if let zset {
                    guard let score = zset.score(args[i + 1]), let (x, y) = GeoHash.position(score: score) else {
                        return c.addError("ERR could not decode requested zset member")
                    }
                    (shape.longitude, shape.latitude) = (x, y)
                }
                fromMember = true
                i += 1
            } else if args.is(i, "fromlonlat") && remaining >= 2 && search && !fromMember {
                guard let (x, y) = geoPosition(c, args, i + 1) else { return }
                (shape.longitude, shape.latitude) = (x, y)
                fromLocation = true
                i += 2
            } else if args.is(i, "byradius") && remaining >= 2 && search && !byBox {
                guard let (radius, unit) = geoDistanceArguments(c, args, i + 1) else { return }
                (shape.radius, shape.conversion) = (radius, unit)
                byRadius = true
                i += 2
            } else if args.is(i, "bybox") && remaining >= 3 && search && !byRadius {
                guard let w = Numbers.parseDouble(args[i + 1]) else { return c.addError("ERR need numeric width") }
                guard let h = Numbers.parseDouble(args[i + 2]) else { return c.addError("ERR need numeric height") }
                guard h >= 0 && w >= 0 else { return c.addError("ERR height or width cannot be negative") }
                guard let unit = geoUnit(c, args[i + 3]) else { return }
                shape.radius = nil
                (shape.width, shape.height, shape.conversion) = (w, h, unit)
                byBox = true
                i += 3
            } else {
                return c.addSyntaxError()
            }
            i += 1
        }
        if storeKey != nil && (withDistance || withHash || withCoordinates) {
            let what = flags.contains(.searchStore) ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS"
            return c.addError("ERR \(what) is not compatible with WITHDIST, WITHHASH and WITHCOORD options")
        }
        if search && !(fromMember || fromLocation) {
            return c.addError("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for \(args.string(0))")
        }
        if search && !(byRadius || byBox) {
            return c.addError("ERR exactly one of BYRADIUS and BYBOX can be specified for \(args.string(0))")
        }
        if any && count == 0 { return c.addError("ERR the ANY argument requires COUNT argument") }
        guard let zset else {
            if let storeKey {
                if let slot = lookupForWrite(db, storeKey) {
                    db.delete(at: slot)
                    signalModifiedKey(db.id, storeKey)
                    notifyKeyspaceEvent(.generic, "del", storeKey, db: db.id)
                }
                return c.addInteger(0)
            }
            return c.addRaw(SharedReply.emptyArray)
        }
        if count != 0 && sort == 0 && !any { sort = 1 }

        // Scan the boxes.
        let limit = any ? count : 0
        var points: [GeoPoint] = []
        let boxes = GeoHash.searchBoxes(shape)
        var lastProcessed = 0
        for (b, box) in boxes.enumerated() {
            if box.isZero { continue }
            if lastProcessed != 0 && box == boxes[lastProcessed] { continue }
            if !points.isEmpty && limit > 0 && points.count >= limit { break }
            let low = Double(GeoHash.align52(box))
            let high = Double(GeoHash.align52(GeoHash.Bits(bits: box.bits &+ 1, step: box.step)))
            var rank = zset.firstRank(scoreAbove: low, inclusive: true)
            while rank < zset.count {
                let e = zset[rank]
                if e.score >= high { break }
                if let (x, y) = GeoHash.position(score: e.score),
                    let d = GeoHash.distanceIfInside(shape, x, y)
                {
                    points.append(GeoPoint(longitude: x, latitude: y, distance: d, member: e.member, score: e.score))
                }
                if !points.isEmpty && limit > 0 && points.count >= limit { break }
                rank += 1
            }
            lastProcessed = b
        }
        if points.isEmpty && storeKey == nil { return c.addRaw(SharedReply.emptyArray) }
        let returned = count == 0 || points.count < count ? points.count : count
        if sort == 1 {
            points.sort { $0.distance < $1.distance }
        } else if sort == 2 {
            points.sort { $0.distance > $1.distance }
        }
        let results = points.prefix(returned).map { p -> GeoPoint in
            var p = p
            p.distance /= shape.conversion
            return p
        }
        guard let storeKey else {
            let options = (withDistance ? 1 : 0) + (withCoordinates ? 1 : 0) + (withHash ? 1 : 0)
            c.addArrayHeader(results.count)
            for p in results {
                if options > 0 { c.addArrayHeader(options + 1) }
                c.addBulk(p.member)
                if withDistance { addGeoDistance(c, p.distance) }
                if withHash { c.addInteger(GeoHash.cToInt64(p.score)) }
                if withCoordinates {
                    c.addArrayHeader(2)
                    addGeoCoordinate(c, p.longitude)
                    addGeoCoordinate(c, p.latitude)
                }
            }
            return
        }
        var existed = false
        if let slot = lookupForWrite(db, storeKey) {
            db.delete(at: slot)
            existed = true
        }
        if results.isEmpty {
            if existed {
                signalModifiedKey(db.id, storeKey)
                notifyKeyspaceEvent(.generic, "del", storeKey, db: db.id)
            }
            return c.addInteger(0)
        }
        let stored = SortedSetValue()
        for p in results { stored.set(p.member, score: storeDistance ? p.distance : p.score) }
        let longest = results.map(\.member.count).max() ?? 0
        stored.isSkiplist = stored.count > config.zsetMaxListpackEntries || longest > config.zsetMaxListpackValue
        db.add(storeKey, .sortedSet(stored))
        signalKeyAsReady(db.id, storeKey)
        notification.suppressed = true
        signalModifiedKey(db.id, storeKey)
        notification.suppressed = false
        notifyKeyspaceEvent(.zset, search ? "geosearchstore" : "georadiusstore", storeKey, db: db.id)
        c.addInteger(results.count)
    }

    /// `radius unit` at `at`: the radius and meters per unit; an error reply and nil otherwise.
    private func geoDistanceArguments(_ c: Client, _ args: Arguments, _ at: Int) -> (Double, Double)? {
        guard let radius = Numbers.parseDouble(args[at]) else {
            c.addError("ERR need numeric radius")
            return nil
        }
        guard radius >= 0 else {
            c.addError("ERR radius cannot be negative")
            return nil
        }
        guard let unit = geoUnit(c, args[at + 1]) else { return nil }
        return (radius, unit)
    }
}
