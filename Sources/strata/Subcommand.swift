#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One `strata` subcommand: a type per file, registered in ``Strata/subcommands``.
protocol Subcommand: Sendable {
    /// The word that selects it: `strata <name> ...`.
    static var name: String { get }
    /// One line for `strata --help`.
    static var summary: String { get }
    /// The full help text for `strata <name> --help`.
    static var usage: String { get }

    /// Parses the arguments after the subcommand's name.
    init(arguments: [String]) throws(UsageError)

    /// Runs; returns the process exit status.
    func run() async -> Int32
}

/// Bad command-line usage: printed on stderr, exit status 2.
struct UsageError: Error {
    var message: String
}

/// The `strata` tool's entry point.
enum Strata {
    /// Every subcommand, in the order `--help` lists them.
    static let subcommands: [any Subcommand.Type] = [
        DemoCommand.self,
        ServerCommand.self,
        BenchCommand.self,
        SimulateCommand.self,
    ]

    static var usage: String {
        var text = "usage: strata <subcommand> [options]\n\nsubcommands:\n"
        let width = subcommands.map { $0.name.count }.max() ?? 0
        for command in subcommands {
            text += "  " + command.name + String(repeating: " ", count: width - command.name.count + 2)
            text += command.summary + "\n"
        }
        text += "\nRun 'strata <subcommand> --help' for its options.\n"
        return text
    }

    static func main(_ arguments: [String]) async -> Int32 {
        guard let first = arguments.first else {
            printError(usage)
            return 2
        }
        if first == "--help" || first == "-h" || first == "help" {
            print(usage, terminator: "")
            return 0
        }
        guard let command = subcommands.first(where: { $0.name == first }) else {
            printError("strata: unknown subcommand '\(first)'\n\n" + usage)
            return 2
        }
        let rest = Array(arguments.dropFirst())
        if rest.contains("--help") || rest.contains("-h") {
            print(command.usage, terminator: "")
            return 0
        }
        do {
            return try await command.init(arguments: rest).run()
        } catch {
            printError("strata \(command.name): \(error.message)\n\n" + command.usage)
            return 2
        }
    }
}

/// Writes `text` to standard error.
func printError(_ text: String) {
    var text = text
    if !text.hasSuffix("\n") { text += "\n" }
    text.withUTF8 { bytes in
        var offset = 0
        while offset < bytes.count {
            let written = write(2, bytes.baseAddress! + offset, bytes.count - offset)
            if written <= 0 {
                if written < 0 && errno == EINTR { continue }
                return
            }
            offset += written
        }
    }
}
