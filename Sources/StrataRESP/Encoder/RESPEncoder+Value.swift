extension RESPEncoder {
    /// Writes a value in the given protocol version.
    ///
    /// In RESP2 the RESP3-only types are downgraded as Redis does: map to a flat array
    /// of keys and values, set and push to array, any null to `$-1` (a null array to `*-1`),
    /// boolean to integer 1 or 0, double and big number to bulk string, verbatim string to a
    /// bulk string of its text, bulk error to a simple error; attributes are dropped.
    /// In RESP3 the RESP2 nulls are written as `_`.
    ///
    /// Simple strings and errors cannot carry CR or LF; any are written as spaces.
    public mutating func write(_ value: RESPValue, version: RESPVersion = .resp3) {
        let resp3 = version == .resp3
        switch value {
        case .simpleString(let s):
            writeLine(RESPTypeIdentifier.simpleString.rawValue, s)
        case .simpleError(let s):
            writeLine(RESPTypeIdentifier.simpleError.rawValue, s)
        case .integer(let i):
            writeHeader(RESPTypeIdentifier.integer.rawValue, i)
        case .bulkString(let bytes):
            bytes.withUnsafeBytes { writeBulkString($0) }
        case .array(let values):
            writeAggregate(.array, values, version: version)
        case .null, .nullBulkString, .nullArray:
            if resp3 {
                buffer.append(RESPTypeIdentifier.null.rawValue)
            } else {
                let isArray = if case .nullArray = value { true } else { false }
                buffer.append(isArray ? RESPTypeIdentifier.array.rawValue : RESPTypeIdentifier.bulkString.rawValue)
                buffer.append(UInt8(ascii: "-"))
                buffer.append(UInt8(ascii: "1"))
            }
            writeCRLF()
        case .boolean(let b):
            if resp3 {
                buffer.append(RESPTypeIdentifier.boolean.rawValue)
                buffer.append(b ? UInt8(ascii: "t") : UInt8(ascii: "f"))
                writeCRLF()
            } else {
                writeHeader(RESPTypeIdentifier.integer.rawValue, b ? 1 : 0)
            }
        case .double(let d):
            if resp3 {
                writeLine(RESPTypeIdentifier.double.rawValue, RESPEncoder.formatDouble(d))
            } else {
                writeBulkString(RESPEncoder.formatDouble(d))
            }
        case .bigNumber(let digits):
            if resp3 {
                writeLine(RESPTypeIdentifier.bigNumber.rawValue, digits)
            } else {
                writeBulkString(digits)
            }
        case .bulkError(let bytes):
            if resp3 {
                writeHeader(RESPTypeIdentifier.bulkError.rawValue, bytes.count)
                buffer.append(contentsOf: bytes)
                writeCRLF()
            } else {
                writeLine(RESPTypeIdentifier.simpleError.rawValue, bytes)
            }
        case .verbatimString(let format, let bytes):
            if resp3 {
                var formatBytes = Array(format.utf8.prefix(3))
                while formatBytes.count < 3 { formatBytes.append(UInt8(ascii: " ")) }
                writeHeader(RESPTypeIdentifier.verbatimString.rawValue, bytes.count + 4)
                buffer.append(contentsOf: formatBytes)
                buffer.append(UInt8(ascii: ":"))
                buffer.append(contentsOf: bytes)
                writeCRLF()
            } else {
                bytes.withUnsafeBytes { writeBulkString($0) }
            }
        case .map(let pairs):
            if resp3 {
                writeHeader(RESPTypeIdentifier.map.rawValue, pairs.count)
            } else {
                writeHeader(RESPTypeIdentifier.array.rawValue, pairs.count * 2)
            }
            for pair in pairs {
                write(pair.key, version: version)
                write(pair.value, version: version)
            }
        case .set(let values):
            writeAggregate(.set, values, version: version)
        case .attributed(let inner, let attributes):
            if resp3 {
                writeHeader(RESPTypeIdentifier.attribute.rawValue, attributes.count)
                for pair in attributes {
                    write(pair.key, version: version)
                    write(pair.value, version: version)
                }
            }
            write(inner, version: version)
        case .push(let values):
            writeAggregate(.push, values, version: version)
        }
    }

    private mutating func writeAggregate(_ type: RESPTypeIdentifier, _ values: [RESPValue], version: RESPVersion) {
        writeHeader(version == .resp3 ? type.rawValue : RESPTypeIdentifier.array.rawValue, values.count)
        for value in values { write(value, version: version) }
    }

    /// Writes a type byte, a line of text and CRLF, with any CR or LF in the text made a space.
    private mutating func writeLine(_ type: UInt8, _ text: some StringProtocol) {
        writeLine(type, text.utf8)
    }

    private mutating func writeLine(_ type: UInt8, _ bytes: some Sequence<UInt8>) {
        buffer.append(type)
        for byte in bytes {
            buffer.append(byte == 0x0D || byte == 0x0A ? 0x20 : byte)
        }
        writeCRLF()
    }
}
