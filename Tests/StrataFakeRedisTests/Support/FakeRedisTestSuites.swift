import StrataServerTestSupport
import Testing

/// Every suite of this target, run one test at a time. The tests block their thread (raw
/// sockets, child processes), and a blocked thread is one the concurrency pool cannot lend to
/// the async suites running alongside: on a 2-core machine, many at once starved their
/// timing-sensitive tests.
@Suite(.serialized, .blockingIO) enum FakeRedisTestSuites {}
