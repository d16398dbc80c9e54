// The fake Redis server as a process: what `strata server` runs, for the tests that send it
// real signals and for scripts/bench-fake-server.sh.
//
//   swift run -c release FakeRedisServerRunner --port 0
import Glibc
import StrataFakeRedis

exit(FakeRedisServer.main(arguments: Array(CommandLine.arguments.dropFirst())))
