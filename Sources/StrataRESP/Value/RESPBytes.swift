/// The bytes of a bulk string, bulk error or verbatim string: a read-only, zero-based view into a
/// byte array that may be shared.
///
/// A bulk string that arrives alone owns its array. The bulk strings of one aggregate (an `MGET`,
/// `LRANGE` or `HGETALL` reply) share one: the parser copies their payloads into a single array
/// and each element views its part, so a reply of 100 strings costs one allocation, not 100.
/// A view keeps the whole shared array alive (never the parser's read buffer); use ``array`` or
/// `Array(bytes)` to keep a copy of just its bytes.
///
/// ```swift
/// let reply = try RESPParser.parseAll(Array("*2\r\n$1\r\na\r\n$2\r\nbc\r\n".utf8))[0]
/// if case .array(let elements) = reply, case .bulkString(let bytes) = elements[1] {
///     bytes.count  // 2
///     bytes[0]  // 0x62, "b": indices start at 0 in every view
///     String(decoding: bytes, as: UTF8.self)  // "bc"
/// }
/// ```
///
/// Views compare and hash by their bytes, and equal a `[UInt8]` with the same bytes.
public struct RESPBytes: Sendable {
    /// The array holding the bytes; possibly shared with other views.
    @usableFromInline let storage: [UInt8]
    /// `start << 32 | count` within `storage`, or ``whole`` when the view is all of `storage`.
    @usableFromInline let bounds: UInt64

    /// The `bounds` of a view that is its entire storage, of any length.
    @usableFromInline static var whole: UInt64 { .max }

    /// The longest storage that views of part of it can address.
    @usableFromInline static var maxSharedCount: Int { Int(UInt32.max) }

    /// A view of all of `bytes` (no copy).
    @inlinable
    public init(_ bytes: [UInt8]) {
        storage = bytes
        bounds = Self.whole
    }

    /// A view of `count` bytes of `storage` from `start`; both must fit in 32 bits.
    @inlinable
    init(shared storage: [UInt8], start: Int, count: Int) {
        assert(start >= 0 && count >= 0 && start + count <= storage.count && storage.count <= Self.maxSharedCount)
        self.storage = storage
        bounds = UInt64(truncatingIfNeeded: start) << 32 | UInt64(truncatingIfNeeded: count)
    }

    /// The offset of the first byte in `storage`.
    @inlinable
    var start: Int { bounds == Self.whole ? 0 : Int(truncatingIfNeeded: bounds >> 32) }

    /// The bytes as an array: the storage itself (no copy) when the view is all of it, else a copy.
    @inlinable
    public var array: [UInt8] {
        if bounds == Self.whole { return storage }
        return withUnsafeBufferPointer { Array($0) }
    }

    /// Calls `body` with the bytes in contiguous memory, valid only during the call.
    @inlinable
    public func withUnsafeBufferPointer<R, E: Error>(
        _ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R
    ) throws(E) -> R {
        let start = self.start
        let count = self.count
        return try storage.withUnsafeBufferPointer { (all) throws(E) -> R in
            try body(UnsafeBufferPointer(rebasing: all[start..<(start + count)]))
        }
    }

    /// Calls `body` with the bytes in contiguous memory, valid only during the call.
    @inlinable
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try withUnsafeBufferPointer { (bytes) throws(E) -> R in try body(UnsafeRawBufferPointer(bytes)) }
    }
}

extension RESPBytes: RandomAccessCollection {
    /// Always 0: every view is indexed from 0, whatever part of its storage it shows.
    @inlinable public var startIndex: Int { 0 }

    /// The number of bytes.
    @inlinable public var endIndex: Int { count }

    /// The number of bytes.
    @inlinable
    public var count: Int {
        bounds == Self.whole ? storage.count : Int(truncatingIfNeeded: bounds & 0xFFFF_FFFF)
    }

    /// The byte at `position`, which must be in `0..<count`.
    @inlinable
    public subscript(position: Int) -> UInt8 {
        precondition(UInt(bitPattern: position) < UInt(bitPattern: count), "RESPBytes index out of range")
        return storage[start + position]
    }

    @inlinable
    public func withContiguousStorageIfAvailable<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R? {
        let start = self.start
        let count = self.count
        return try storage.withUnsafeBufferPointer { all in
            try body(UnsafeBufferPointer(rebasing: all[start..<(start + count)]))
        }
    }
}

extension RESPBytes: Equatable {
    @inlinable
    public static func == (lhs: RESPBytes, rhs: RESPBytes) -> Bool {
        guard lhs.count == rhs.count else { return false }
        return lhs.withUnsafeBufferPointer { a in rhs.withUnsafeBufferPointer { b in a.elementsEqual(b) } }
    }

    /// Whether the view holds exactly `rhs`.
    @inlinable
    public static func == (lhs: RESPBytes, rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        return lhs.withUnsafeBufferPointer { a in rhs.withUnsafeBufferPointer { b in a.elementsEqual(b) } }
    }

    /// Whether the view holds exactly `lhs`.
    @inlinable
    public static func == (lhs: [UInt8], rhs: RESPBytes) -> Bool { rhs == lhs }

    /// Whether the view differs from `rhs`.
    @inlinable
    public static func != (lhs: RESPBytes, rhs: [UInt8]) -> Bool { !(lhs == rhs) }

    /// Whether the view differs from `lhs`.
    @inlinable
    public static func != (lhs: [UInt8], rhs: RESPBytes) -> Bool { !(rhs == lhs) }
}

extension RESPBytes: Hashable {
    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}

extension RESPBytes: ExpressibleByArrayLiteral {
    /// A view of a new array holding `elements`.
    public init(arrayLiteral elements: UInt8...) {
        self.init(elements)
    }
}

extension RESPBytes: CustomStringConvertible {
    /// The bytes as an array would print them, e.g. `[104, 105]`.
    public var description: String { array.description }
}
