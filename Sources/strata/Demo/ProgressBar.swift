#if canImport(Glibc)
    import Glibc
#endif

/// A one-line progress bar on standard error, redrawn in place.
struct ProgressBar: Sendable {
    let total: Int
    let enabled: Bool
    private let width = 30

    init(total: Int, enabled: Bool) {
        self.total = max(1, total)
        self.enabled = enabled
    }

    func update(_ done: Int, elapsed: Duration) {
        guard enabled else { return }
        let done = min(done, total)
        let filled = done * width / total
        let rate = elapsed.seconds > 0 ? Double(done) / elapsed.seconds : 0
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let line =
            "\r[\(bar)] \(done * 100 / total)%  \(grouped(done))/\(grouped(total)) requests  \(grouped(Int(rate))) req/s "
        printErrorRaw(line)
    }

    func finish(_ done: Int, elapsed: Duration) {
        guard enabled else { return }
        update(done, elapsed: elapsed)
        printErrorRaw("\n")
    }
}

/// `12345678` as `12,345,678`.
func grouped(_ value: Int) -> String {
    let digits = String(abs(value))
    var out = ""
    for (i, digit) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(digit)
    }
    return value < 0 ? "-" + out : out
}

/// Writes `text` to standard error as it is.
func printErrorRaw(_ text: String) {
    var text = text
    text.withUTF8 { bytes in
        var offset = 0
        while offset < bytes.count {
            let written = write(2, bytes.baseAddress! + offset, bytes.count - offset)
            if written <= 0 { return }
            offset += written
        }
    }
}
