// MONITOR (Redis 7.0's replicationFeedMonitors): a monitor receives, as a status reply, every
// command any client runs (itself included, but not administrative ones such as CONFIG,
// SLOWLOG, DEBUG, CLIENT LIST, ACL SETUSER or ACL DRYRUN), after it ran, with passwords redacted:
//
//     +1700000000.123456 [0 127.0.0.1:50000] "set" "key" "a\"b\n"
//
// A monitor is a replica to Redis: it may not touch the keyspace, and RESET ends the mode.

extension Engine {
    func monitorCommand(_ c: Client, _ args: Arguments) {
        if c.denyBlocking { return c.addError("ERR MONITOR isn't allowed for DENY BLOCKING client") }
        // Already a monitor: Redis answers nothing at all.
        guard !c.isMonitor else { return }
        c.isMonitor = true
        monitors.append(c)
        c.addOK()
    }

    /// Ends a client's monitor mode (RESET, closing).
    func stopMonitoring(_ c: Client) {
        guard c.isMonitor else { return }
        c.isMonitor = false
        monitors.removeAll { $0 === c }
    }

    /// Sends a command that just ran to every monitor.
    func feedMonitors(_ c: Client, _ spec: CommandSpec, _ args: Arguments) {
        // Commands Redis 7.0 flags `admin` are never shown (the table holds Redis' flags).
        guard !spec.flags.contains(.admin) else { return }
        let micros = Clock.wallMicroseconds() &+ clockOffset &* 1000
        let fraction = String(micros % 1_000_000)
        var line = Array("+\(micros / 1_000_000).\(String(repeating: "0", count: 6 - fraction.count))\(fraction) ".utf8)
        if c.isUnixSocket {
            line += Array("[\(c.db) unix:\(config["unixsocket"])] ".utf8)
        } else {
            line += Array("[\(c.db) \(c.address)] ".utf8)
        }
        for (j, word) in redactedArguments(spec, args).enumerated() {
            if j > 0 { line.append(UInt8(ascii: " ")) }
            Self.appendQuoted(word, to: &line)
        }
        line += [0x0D, 0x0A]
        for monitor in monitors where !monitor.closing {
            monitor.addRaw(line)
            if monitor !== c { queueWrite(monitor) }
        }
    }

    /// Redis' sdscatrepr: in double quotes, with `\\`, `\"`, `\n`, `\r`, `\t`, `\a`, `\b`
    /// escaped, other printable ASCII as is, and anything else as `\xHH`.
    static func appendQuoted(_ bytes: Bytes, to out: inout Bytes) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for b in bytes {
            switch b {
            case UInt8(ascii: "\\"), UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), b]
            case 0x0A: out += Array("\\n".utf8)
            case 0x0D: out += Array("\\r".utf8)
            case 0x09: out += Array("\\t".utf8)
            case 0x07: out += Array("\\a".utf8)
            case 0x08: out += Array("\\b".utf8)
            case 0x20..<0x7F: out.append(b)
            default: out += [UInt8(ascii: "\\"), UInt8(ascii: "x"), hex[Int(b >> 4)], hex[Int(b & 15)]]
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
