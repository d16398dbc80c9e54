// libFuzzer entry point for the fake Redis server's command engine, compiled together with
// the StrataFakeRedis sources (against StrataRESP and StrataSync built as modules) by
// scripts/fuzz.sh (swiftc -sanitize=fuzzer,address).
//
// Each input is decoded into up to 64 commands, each sent by one of three clients of one
// engine whose databases hold keys of every type. A command is a name from the fake's own
// command table (with a subcommand for CLIENT, CONFIG, ...) and arguments drawn mostly from
// values that break arithmetic and sizes: 64-bit extremes, huge and negative counts, inf and
// nan, millisecond overflow boundaries, existing key names, option words. Beyond "no crash,
// no hang, no unbounded allocation" (-rss_limit_mb, -malloc_limit_mb), each input checks:
//  1. no client's output buffer ever holds more than its output limit plus one bulk string,
//     not even a reply that is dropped for passing the limit;
//  2. every byte a client receives is well-formed RESP with nothing left over.

import Glibc
import StrataRESP

/// Set STRATA_FUZZ_TRACE=1 to print each command before it runs (to read a crash input).
private let trace = getenv("STRATA_FUZZ_TRACE") != nil

/// Small limits, so inputs reach them with a few commands.
private let outputLimit = 1 << 20
private let maxBulk = 1 << 20

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFakeEngine(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(Array(UnsafeBufferPointer(start: data, count: size)))
    guard
        let harness = try? FakeRedisEngineHarness(
            maxBulkLength: maxBulk, outputBufferLimitBytes: outputLimit, pubSubOutputBufferLimitBytes: outputLimit)
    else { fatalError("cannot create the harness") }
    var clients = (0..<3).map { _ in try! harness.connect() }
    let setup = clients[0]
    for command in FuzzVocabulary.setup { _ = harness.run(command, as: setup) }
    _ = harness.run(["HELLO", "3"], as: clients[2])

    var commands = 0
    while !input.isEmpty && commands < 64 {
        commands += 1
        let which = Int(input.byte()) % clients.count
        if !harness.isConnected(clients[which]) { clients[which] = try! harness.connect() }
        let command = FuzzVocabulary.command(&input)
        if trace { print("client \(which): \(printable(command))") }
        let reply = harness.run(command, as: clients[which])
        check(reply, after: command)
        // A reply may pass the limit by one element (a bulk string of at most maxBulk, or a
        // float printed in full), no more.
        let bound = outputLimit + maxBulk + 64 * 1024
        let buffered = max(harness.largestOutputBuffer, harness.largestDroppedOutput)
        guard buffered <= bound else {
            fatalError("an output buffer held \(buffered) bytes after \(printable(command))")
        }
    }
    return 0
}

/// The reply must parse as RESP values, whole.
private func check(_ reply: [UInt8], after command: [[UInt8]]) {
    var parser = RESPParser(mode: .values, limits: .init(maxBulkLength: 1 << 30, maxDepth: 16))
    parser.append(contentsOf: reply)
    do {
        while try parser.next() != nil {}
    } catch {
        fatalError("malformed reply to \(printable(command)): \(error)")
    }
    guard parser.bufferedByteCount == 0 else {
        fatalError("incomplete reply to \(printable(command)): \(parser.bufferedByteCount) bytes left")
    }
}

private func printable(_ command: [[UInt8]]) -> String {
    command.map { String(decoding: $0.prefix(64), as: UTF8.self) }.joined(separator: " ")
}

/// Reads the fuzz input front to back; past its end every read is zero.
struct FuzzInput {
    private let bytes: [UInt8]
    private var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isEmpty: Bool { index >= bytes.count }

    mutating func byte() -> UInt8 {
        guard index < bytes.count else { return 0 }
        defer { index += 1 }
        return bytes[index]
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        let n = min(count, bytes.count - index)
        guard n > 0 else { return [] }
        defer { index += n }
        return Array(bytes[index..<(index + n)])
    }
}

/// What commands are made of.
enum FuzzVocabulary {
    /// Keys of every type, in database 0 and 1.
    static let setup: [[String]] = {
        var commands: [[String]] = []
        for db in ["1", "0"] {
            commands += [
                ["SELECT", db],
                ["SET", "str", "hello world"],
                ["SET", "int", "42"],
                ["SET", "float", "3.5"],
                ["SET", "ttl", "v", "PX", "100000"],
                ["RPUSH", "list", "a", "b", "c", "a", "b", "c", "1", "2", "3", "a"],
                ["HSET", "hash", "f1", "v1", "f2", "2", "f3", "3.5", "a", "x", "b", "y"],
                ["SADD", "set", "a", "b", "c", "1", "2"],
                ["SADD", "set2", "b", "c", "d"],
                ["ZADD", "zset", "1", "a", "2", "b", "2", "c", "-inf", "m", "inf", "n", "0", "z"],
                ["ZADD", "zlex", "0", "a", "0", "b", "0", "c", "0", "d"],
            ]
        }
        return commands
    }()

    static let keys = [
        "str", "int", "float", "ttl", "list", "hash", "set", "set2", "zset", "zlex", "missing", "new", "a", "f1",
    ]

    static let integers = [
        "0", "1", "-1", "2", "-2", "3", "10", "-10", "100", "9223372036854775807", "-9223372036854775808",
        "9223372036854775806", "-9223372036854775807", "9223372036854775808", "-9223372036854775809",
        "4611686018427387903", "4611686018427387904", "-4611686018427387903", "-4611686018427387904",
        "1000000000000", "-1000000000000", "2147483647", "2147483648", "-2147483648", "-2147483649",
        "4294967296", "9223372036854775", "9223372036854776", "-9223372036854775", "-9223372036854776",
        "9223372036854775807000", "536870911", "536870912", "1048575", "1048576", "1048577", "16",
        "18446744073709551615", "18446744073709551616", "01", "+1", " 1", "1 ", "0x10", "",
    ]

    static let floats = [
        "inf", "-inf", "+inf", "nan", "-nan", "NaN", "infinity", "1e308", "-1e308", "1e309", "1.7976931348623157e308",
        "4.9e-324", "1e-320", "0.0001", "0.001", "1.5", "-1.5", "0.5", "-0", "0.0", "1e19", "9.3e18", "-9.3e18",
        "9223372036854775.807", "9223372036854775.808", "1e13", "1e16", "1e300", "-1e300", "(1", "(inf", "(-inf",
        "(nan", "(", "[a", "(a", "[", "-", "+", "1e4000", "-1e4000", "0x1p3", "1.0e",
    ]

    static let words = [
        "WITHSCORES", "LIMIT", "COUNT", "REV", "BYSCORE", "BYLEX", "NX", "XX", "GT", "LT", "CH", "INCR", "KEEPTTL",
        "EX", "PX", "EXAT", "PXAT", "PERSIST", "GET", "WITHVALUES", "RANK", "MAXLEN", "MATCH", "TYPE", "LEFT", "RIGHT",
        "BEFORE", "AFTER", "ON", "OFF", "BCAST", "PREFIX", "REDIRECT", "OPTIN", "OPTOUT", "NOLOOP", "SLEEP", "ID",
        "ADDR", "LADDR", "USER", "SKIPME", "yes", "no", "SYNC", "ASYNC", "TIMEOUT", "ERROR", "set-active-expire",
        "*", "a*", "[a-", "\\", "string", "list", "hash", "zset", "requirepass", "default", "AUTH", "SETNAME", "3", "2",
        "HELP", "normal", "pubsub", "on", ">", "~*", "+@all", "nopass", "reset", "allkeys",
    ]

    /// The fake's commands and subcommands, as argument vectors' first words.
    static let names: [[String]] = {
        guard let harness = try? FakeRedisEngineHarness() else { return [] }
        var names: [[String]] = []
        for spec in harness.engine.commands.all.sorted(by: { $0.name < $1.name }) {
            names.append([spec.name])
            for sub in spec.subcommands.values.sorted(by: { $0.name < $1.name }) {
                names.append([spec.name, sub.name])
            }
        }
        return names
    }()

    static func command(_ input: inout FuzzInput) -> [[UInt8]] {
        let pick = Int(input.byte()) << 8 | Int(input.byte())
        var command = names[pick % names.count].map { Array($0.utf8) }
        let count = Int(input.byte()) % 9
        for _ in 0..<count { command.append(argument(&input)) }
        return command
    }

    static func argument(_ input: inout FuzzInput) -> [UInt8] {
        let selector = input.byte()
        let index = Int(input.byte())
        switch selector % 16 {
        case 0...3: return Array(keys[index % keys.count].utf8)
        case 4...6: return Array(integers[index % integers.count].utf8)
        case 7...8: return Array(floats[index % floats.count].utf8)
        case 9...11: return Array(words[index % words.count].utf8)
        case 12:
            // Any 64-bit integer.
            var value: UInt64 = UInt64(index)
            for _ in 0..<7 { value = value << 8 | UInt64(input.byte()) }
            return Array(String(Int64(bitPattern: value)).utf8)
        case 13:
            // A small integer with a sign.
            return Array(String(index - 128).utf8)
        default:
            // Raw bytes from the input.
            return input.bytes(index % 24)
        }
    }
}
