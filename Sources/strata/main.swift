#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// `strata <subcommand> [options]`: dispatch on the first argument.
let status = await Strata.main(Array(CommandLine.arguments.dropFirst()))
exit(status)
