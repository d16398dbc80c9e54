import StrataRESP

// Replies are written straight into the client's output buffer in the client's protocol,
// like Redis' addReply* family: RESP3 types where the client speaks RESP3, Redis' RESP2
// equivalents otherwise.

/// Shared, pre-encoded replies.
enum SharedReply {
    static let ok: Bytes = Array("+OK\r\n".utf8)
    static let queued: Bytes = Array("+QUEUED\r\n".utf8)
    static let pong: Bytes = Array("+PONG\r\n".utf8)
    static let zero: Bytes = Array(":0\r\n".utf8)
    static let one: Bytes = Array(":1\r\n".utf8)
    static let nullBulk2: Bytes = Array("$-1\r\n".utf8)
    static let nullArray2: Bytes = Array("*-1\r\n".utf8)
    static let null3: Bytes = Array("_\r\n".utf8)
    static let emptyArray: Bytes = Array("*0\r\n".utf8)
    static let wrongType: Bytes = Array("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n".utf8)
    static let notInteger: Bytes = Array("-ERR value is not an integer or out of range\r\n".utf8)
    static let syntaxError: Bytes = Array("-ERR syntax error\r\n".utf8)
}

extension Client {
    @inline(__always)
    func addRaw(_ bytes: Bytes) {
        out.buffer.append(contentsOf: bytes)
    }

    @inline(__always)
    func addOK() { addRaw(SharedReply.ok) }

    /// An error reply. `message` includes its code, such as `ERR syntax error`; CR and LF
    /// become spaces, as Redis does.
    func addError(_ message: String) {
        noteError(message)
        out.buffer.append(UInt8(ascii: "-"))
        for byte in message.utf8 {
            out.buffer.append(byte == 0x0D || byte == 0x0A ? 0x20 : byte)
        }
        out.writeCRLF()
    }

    func addSimple(_ text: String) {
        out.buffer.append(UInt8(ascii: "+"))
        out.buffer.append(contentsOf: text.utf8)
        out.writeCRLF()
    }

    @inline(__always)
    func addInteger(_ value: Int) {
        if value == 0 {
            addRaw(SharedReply.zero)
        } else if value == 1 {
            addRaw(SharedReply.one)
        } else {
            out.writeHeader(UInt8(ascii: ":"), value)
        }
    }

    @inline(__always)
    func addBulk(_ bytes: Bytes) {
        bytes.withUnsafeBytes { out.writeBulkString($0) }
    }

    func addBulk(_ text: String) { out.writeBulkString(text) }

    /// A null reply for a missing value: `$-1` in RESP2, `_` in RESP3.
    @inline(__always)
    func addNull() { addRaw(resp3 ? SharedReply.null3 : SharedReply.nullBulk2) }

    /// A null aggregate: `*-1` in RESP2, `_` in RESP3.
    func addNullArray() { addRaw(resp3 ? SharedReply.null3 : SharedReply.nullArray2) }

    @inline(__always)
    func addArrayHeader(_ count: Int) { out.writeHeader(UInt8(ascii: "*"), count) }

    /// A map of `count` pairs: `%` in RESP3, a flat array in RESP2.
    func addMapHeader(_ count: Int) {
        if resp3 { out.writeHeader(UInt8(ascii: "%"), count) } else { out.writeHeader(UInt8(ascii: "*"), count * 2) }
    }

    /// A set: `~` in RESP3, an array in RESP2.
    func addSetHeader(_ count: Int) {
        out.writeHeader(resp3 ? UInt8(ascii: "~") : UInt8(ascii: "*"), count)
    }

    /// A push message: `>` in RESP3, an array in RESP2.
    func addPushHeader(_ count: Int) {
        out.writeHeader(resp3 ? UInt8(ascii: ">") : UInt8(ascii: "*"), count)
    }

    /// A double: `,` in RESP3, a bulk string in RESP2, formatted as Redis 7.0 does.
    func addDouble(_ value: Double) {
        let text = Numbers.formatDouble(value)
        if resp3 {
            out.buffer.append(UInt8(ascii: ","))
            out.buffer.append(contentsOf: text.utf8)
            out.writeCRLF()
        } else {
            out.writeBulkString(text)
        }
    }

    /// Text for people (INFO, CLIENT LIST): a verbatim string in RESP3, a bulk string in RESP2.
    func addVerbatim(_ text: String) {
        if resp3 {
            out.writeHeader(UInt8(ascii: "="), text.utf8.count + 4)
            out.buffer.append(contentsOf: "txt:".utf8)
            out.buffer.append(contentsOf: text.utf8)
            out.writeCRLF()
        } else {
            out.writeBulkString(text)
        }
    }

    /// Any value, in this client's protocol.
    func addValue(_ value: RESPValue) {
        out.write(value, version: resp3 ? .resp3 : .resp2)
    }

    /// An array of bulk strings.
    func addBulkArray(_ items: [Bytes]) {
        addArrayHeader(items.count)
        for item in items { addBulk(item) }
    }

    func addWrongType() {
        errorCodes.append("WRONGTYPE")
        addRaw(SharedReply.wrongType)
    }

    func addNotInteger() {
        errorCodes.append("ERR")
        addRaw(SharedReply.notInteger)
    }

    func addSyntaxError() {
        errorCodes.append("ERR")
        addRaw(SharedReply.syntaxError)
    }

    /// Remembers an error reply's code for INFO errorstats and the running command's
    /// failed_calls: its first word when a space comes within Redis' 32-byte search, else `ERR`.
    private func noteError(_ message: String) {
        let head = message.utf8.prefix(31)
        if let space = head.firstIndex(of: UInt8(ascii: " ")) {
            errorCodes.append(String(decoding: head[..<space], as: UTF8.self))
        } else {
            errorCodes.append("ERR")
        }
    }
}
