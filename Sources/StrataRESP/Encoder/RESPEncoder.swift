/// Writes RESP into a reusable byte buffer: commands as arrays of bulk strings,
/// and any ``RESPValue`` in RESP3 or downgraded to RESP2.
///
/// ```swift
/// var encoder = RESPEncoder()
/// encoder.writeCommand("SET", "user:42", [0xCA, 0xFE] as [UInt8], "EX", 60)
/// socket.write(encoder.buffer)
/// encoder.reset()  // keeps the capacity for the next batch
/// ```
///
/// Arguments are written straight into the buffer; integers and most doubles
/// are formatted without allocating, so a warmed-up encoder allocates nothing
/// per command.
public struct RESPEncoder: Sendable {
    /// The bytes written so far.
    public var buffer: [UInt8]

    /// Creates an encoder, optionally reserving buffer space.
    public init(reservingCapacity capacity: Int = 0) {
        buffer = []
        buffer.reserveCapacity(capacity)
    }

    /// Empties the buffer, keeping its capacity.
    @inlinable
    public mutating func reset() {
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes one command: an array of bulk strings, one per argument.
    @inlinable
    public mutating func writeCommand<each Argument: RESPCommandArgument>(_ arguments: repeat each Argument) {
        var count = 0
        for _ in repeat each arguments { count += 1 }
        writeArrayHeader(count: count)
        for argument in repeat each arguments { argument.writeBulkString(into: &self) }
    }

    /// Writes one command from a collection of arguments of one type.
    @inlinable
    public mutating func writeCommand<Arguments: Collection>(_ arguments: Arguments)
    where Arguments.Element: RESPCommandArgument {
        writeArrayHeader(count: arguments.count)
        for argument in arguments { argument.writeBulkString(into: &self) }
    }

    /// Writes `*count\r\n`: the header of a command with `count` arguments. Follow it with
    /// exactly `count` calls to ``writeArgument(_:)``.
    @inlinable
    public mutating func writeArrayHeader(count: Int) {
        writeHeader(RESPTypeIdentifier.array.rawValue, count)
    }

    /// Writes one argument of a command as a bulk string.
    @inlinable
    public mutating func writeArgument(_ argument: some RESPCommandArgument) {
        argument.writeBulkString(into: &self)
    }

    /// Writes `$length\r\n` + bytes + `\r\n`.
    @inlinable
    public mutating func writeBulkString(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count <= Self.oneStepLimit else {
            writeHeader(RESPTypeIdentifier.bulkString.rawValue, bytes.count)
            buffer.append(contentsOf: bytes)
            writeCRLF()
            return
        }
        writeSmallBulkString(bytes)
    }

    /// Bulk strings up to this size are written in one step: header, bytes and CRLF are put
    /// together on the stack and appended at once (each `append` checks uniqueness and
    /// capacity, and a command of short arguments made seven of them per argument).
    @inlinable static var oneStepLimit: Int { 1024 }

    /// ``writeBulkString(_:)-(UnsafeRawBufferPointer)`` for at most ``oneStepLimit`` bytes.
    /// Never inlined, for the reason ``writeDecimal(_:)`` gives.
    @inlinable @inline(never)
    mutating func writeSmallBulkString(_ bytes: UnsafeRawBufferPointer) {
        let length = bytes.count
        let digits = length < 10 ? 1 : length < 100 ? 2 : length < 1000 ? 3 : 4
        let total = 1 + digits + 2 + length + 2
        withUnsafeTemporaryAllocation(byteCount: total, alignment: 1) { raw in
            raw[0] = RESPTypeIdentifier.bulkString.rawValue
            var rest = length
            for offset in stride(from: digits, to: 0, by: -1) {
                raw[offset] = UInt8(truncatingIfNeeded: rest % 10) &+ 0x30
                rest /= 10
            }
            var position = 1 + digits
            raw[position] = 0x0D
            raw[position + 1] = 0x0A
            position += 2
            if length > 0 {
                (raw.baseAddress! + position).copyMemory(from: bytes.baseAddress!, byteCount: length)
            }
            position += length
            raw[position] = 0x0D
            raw[position + 1] = 0x0A
            buffer.append(contentsOf: UnsafeRawBufferPointer(raw))
        }
    }

    /// Writes `$length\r\n` + the string's UTF-8 bytes + `\r\n`.
    @inlinable
    public mutating func writeBulkString(_ string: String) {
        var string = string
        string.withUTF8 { writeBulkString(UnsafeRawBufferPointer($0)) }
    }

    /// Writes a type byte, a decimal number and CRLF, such as `*3\r\n`.
    @inlinable
    public mutating func writeHeader(_ type: UInt8, _ number: Int) {
        buffer.append(type)
        writeDecimal(number)
        writeCRLF()
    }

    /// Writes `\r\n`.
    @inlinable
    public mutating func writeCRLF() {
        buffer.append(0x0D)
        buffer.append(0x0A)
    }

    /// Writes the decimal digits of `value`, without allocating.
    ///
    /// Never inlined: its scratch space is on the stack in a synchronous function, but inlined into
    /// an `async` caller (a pipeline built in a request handler) it would come from the task
    /// allocator instead, at several times the cost.
    @inlinable @inline(never)
    public mutating func writeDecimal(_ value: Int) {
        if value >= 0 && value < 10 {
            buffer.append(UInt8(truncatingIfNeeded: value) &+ 0x30)
            return
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var magnitude = value.magnitude
            var i = 20
            repeat {
                i -= 1
                digits[i] = UInt8(truncatingIfNeeded: magnitude % 10) &+ 0x30
                magnitude /= 10
            } while magnitude != 0
            if value < 0 {
                i -= 1
                digits[i] = UInt8(ascii: "-")
            }
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: digits[i..<20]))
        }
    }

    /// The text Redis uses for a double: `inf`, `-inf`, `nan`, integral values without a
    /// fraction (`3`, not `3.0`), and the shortest round-tripping form otherwise.
    public static func formatDouble(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        // Integral test without libm (a conversion, not `rounded()`, which needs `trunc`).
        if abs(value) < 1e17, Double(Int(value)) == value {
            return value.sign == .minus && value == 0 ? "-0" : String(Int(value))
        }
        return value.description
    }
}

/// A value that can be one argument of a Redis command, written as a bulk string.
///
/// Conforming: `String`, `Substring`, `[UInt8]`, `ArraySlice<UInt8>`, `Int`, `Double`.
public protocol RESPCommandArgument: Sendable {
    /// Writes `$length\r\n` + bytes + `\r\n`.
    func writeBulkString(into encoder: inout RESPEncoder)
}

extension String: RESPCommandArgument {
    @inlinable
    public func writeBulkString(into encoder: inout RESPEncoder) {
        encoder.writeBulkString(self)
    }
}

extension Substring: RESPCommandArgument {
    @inlinable
    public func writeBulkString(into encoder: inout RESPEncoder) {
        var copy = self
        copy.withUTF8 { encoder.writeBulkString(UnsafeRawBufferPointer($0)) }
    }
}

extension Array: RESPCommandArgument where Element == UInt8 {
    @inlinable
    public func writeBulkString(into encoder: inout RESPEncoder) {
        withUnsafeBytes { encoder.writeBulkString($0) }
    }
}

extension ArraySlice: RESPCommandArgument where Element == UInt8 {
    @inlinable
    public func writeBulkString(into encoder: inout RESPEncoder) {
        withUnsafeBytes { encoder.writeBulkString($0) }
    }
}

extension Int: RESPCommandArgument {
    @inlinable
    public func writeBulkString(into encoder: inout RESPEncoder) {
        let digits = self < 0 ? Self.digitCount(magnitude) + 1 : Self.digitCount(magnitude)
        encoder.writeHeader(RESPTypeIdentifier.bulkString.rawValue, digits)
        encoder.writeDecimal(self)
        encoder.writeCRLF()
    }

    @inlinable
    static func digitCount(_ value: UInt) -> Int {
        var count = 1
        var v = value
        while v >= 10 {
            v /= 10
            count += 1
        }
        return count
    }
}

extension Double: RESPCommandArgument {
    public func writeBulkString(into encoder: inout RESPEncoder) {
        encoder.writeBulkString(RESPEncoder.formatDouble(self))
    }
}
