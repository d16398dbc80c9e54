import StrataServerTestSupport
import Testing

extension FakeRedisTestSuites {
    /// Geo commands against a real redis-server: GEOADD's scores (52-bit geohashes, so ZRANGE
    /// WITHSCORES matches), GEOPOS, GEOHASH, GEODIST in every unit, GEORADIUS, GEORADIUSBYMEMBER,
    /// GEOSEARCH and GEOSEARCHSTORE with their options (unsorted replies too, which follow the
    /// order Redis scans its nine boxes in), errors, and the keyspace events.
    @Suite("Differential: geo")
    struct DifferentialGeoTests {
        @Test func geoCommandsMatchRedis() throws {
            try assertSameBehaviour(
                """
                geoadd g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania
                geoadd g 2.349014 48.864716 Paris -0.127758 51.507351 London
                geoadd g nx 13.361389 38.115556 Palermo 12.496366 41.902782 Rome
                geoadd g xx ch 2.35 48.86 Paris 1 1 Nowhere
                geoadd g nx xx 1 1 a
                geoadd g 1 1
                geoadd g 200 10 bad
                geoadd g 10 86 bad
                geoadd g abc 10 bad
                geoadd g gt 1 1 a
                zrange g 0 -1 withscores
                object encoding g
                geopos g Palermo Catania missing
                geopos missing a b
                geohash g Palermo Catania Rome London missing
                geohash missing a
                geodist g Palermo Catania
                geodist g Palermo Catania km
                geodist g Palermo Catania mi
                geodist g Palermo Catania ft
                geodist g Palermo Catania parsec
                geodist g Palermo missing
                geodist missing a b
                geodist g Palermo Catania km extra
                georadius g 15 37 200 km
                georadius g 15 37 200 km withdist withcoord withhash asc
                georadius g 15 37 2000 km desc count 2
                georadius g 15 37 2000 km count 2 any
                georadius g 15 37 2000 km any
                georadius g 15 37 2000 km count 0
                georadius g 15 37 2000 km count abc
                georadius g 15 37 -1 km
                georadius g 15 37 abc km
                georadius g 15 37 10 parsec
                georadius g 15 37 2000 km store dst
                zrange dst 0 -1 withscores
                georadius g 15 37 2000 km storedist dst2 desc
                zrange dst2 0 -1 withscores
                georadius g 15 37 2000 km store dst withdist
                georadius g 15 37 1 km store dst
                exists dst
                georadius_ro g 15 37 200 km store dst
                georadius_ro g 15 37 200 km withdist
                georadiusbymember g Palermo 300 km withdist
                georadiusbymember g missing 300 km
                georadiusbymember missing Palermo 300 km
                georadiusbymember missing Palermo 300 km store x
                georadiusbymember_ro g Palermo 5000 km asc
                geosearch g fromlonlat 15 37 byradius 200 km asc
                geosearch g frommember Palermo bybox 400 400 km withcoord withdist asc
                geosearch g frommember Palermo bybox 4000 4000 km
                geosearch g frommember Paris byradius 20000 km withdist
                geosearch g fromlonlat 0 0 byradius 20000 km desc withhash
                geosearch g frommember nothing byradius 10 km
                geosearch g fromlonlat 15 37 frommember Palermo byradius 200 km
                geosearch g byradius 200 km
                geosearch g fromlonlat 15 37
                geosearch g fromlonlat 15 37 byradius 200 km bybox 1 1 km
                geosearch g fromlonlat 15 37 bybox -1 1 km
                geosearch g fromlonlat 15 37 bybox a 1 km
                geosearch g fromlonlat 15 37 byradius 200 km store x
                geosearch missing fromlonlat 15 37 byradius 200 km
                geosearch g fromlonlat 15 37 byradius 200 km count 1
                geosearch g fromlonlat 15 37 byradius 200 km any
                geosearchstore dst3 g fromlonlat 15 37 byradius 2000 km storedist
                zrange dst3 0 -1 withscores
                geosearchstore dst3 g fromlonlat 15 37 byradius 2000 km withdist
                geosearchstore dst3 missing fromlonlat 15 37 byradius 2000 km
                exists dst3
                geoadd pole 179.9 85 a -179.9 85 b 0 -85 c 0.0001 -85 d
                geosearch pole fromlonlat 180 85 byradius 50 km withdist
                geosearch pole fromlonlat 0 -85 bybox 1 1 km withdist
                geodist pole c d
                geopos pole a b c d
                set s x
                geoadd s 1 1 a
                geopos s a
                geosearch s fromlonlat 1 1 byradius 1 km
                """)
        }

        @Test func notifications() throws {
            try assertSameBehaviour(
                """
                config set notify-keyspace-events KEA
                D: psubscribe __keyevent*
                geoadd g 13.361389 38.115556 Palermo
                D: 1|<recv>
                geosearchstore dst g fromlonlat 15 37 byradius 200 km
                D: 1|<recv>
                georadius g 15 37 200 km store dst2
                D: 1|<recv>
                georadius g 0 0 1 km store dst2
                D: 1|<recv>
                config set notify-keyspace-events ""
                """)
        }
    }
}
