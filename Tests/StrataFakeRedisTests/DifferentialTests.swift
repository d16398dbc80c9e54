import StrataServerTestSupport
import Testing

extension FakeRedisTestSuites {
    /// The fake against a real redis-server, command family by command family, in RESP2 and
    /// RESP3: every reply (error texts included) must match byte for byte, up to the
    /// normalizations each line asks for (see ``DifferentialScript``).
    @Suite("Differential: fake vs redis-server")
    struct DifferentialTests {
        @Test func strings() throws {
            try assertSameBehaviour(
                """
                set k v
                get k
                get missing
                set k v xx get
                set k2 v nx get
                set k v get nx
                set k v nx
                set k v xx
                set nope v xx
                set k v ex 10 px 10
                set k v keepttl ex 10
                set k v px 100000 keepttl
                set k v exat 99999999999
                set k v pxat 0
                set k v ex 0
                set k v ex -5
                set k v ex 9999999999999999
                set k v ex abc
                set k v ex 1.5
                set k v foo
                set k v ex
                set k v ex 100
                ttl k
                set k v2 keepttl
                ttl k
                set k v3
                ttl k
                set
                set k
                get
                get a b
                getdel k
                getdel k
                getset k new
                getset k newer
                setnx k x
                setnx fresh x
                setex k 0 v
                setex k -1 v
                setex k abc v
                setex k 100 v
                psetex k 0 v
                psetex k 100000 v
                ?pttl k
                getex k persist
                ttl k
                getex k ex 100 px 10
                getex k foo
                getex missing ex 10
                getex k ex 0
                getex k ex 50
                ttl k
                getex k pxat 1
                exists k
                mset a 1 b
                mset a 1 b 2
                mget a b c
                msetnx a 1 z 2
                msetnx y 1 z 2
                mget y z
                incr counter
                incr counter
                decr counter
                incrby counter 10
                incrby counter abc
                incrby counter 007
                incrby counter " 1"
                decrby counter 5
                incrby counter 9223372036854775807
                decrby counter -9223372036854775808
                set counter -9223372036854775808
                decr counter
                set counter 9223372036854775807
                incr counter
                set counter "12 "
                incr counter
                set counter 012
                incr counter
                incrbyfloat f 1.5
                incrbyfloat f abc
                incrbyfloat f " 1"
                incrbyfloat f 1e308
                incrbyfloat f 1e308
                set f 3.0
                incrbyfloat f 0
                incrbyfloat f 1.1
                incrbyfloat f -4.1
                incrbyfloat f 1e-5
                set f inf
                incrbyfloat f 1
                set s hello
                incr s
                incrbyfloat s 1
                append s " world"
                append newappend abc
                strlen s
                strlen missing
                getrange s 0 -1
                getrange s -3 -1
                getrange s 5 2
                getrange s -100 100
                getrange s a b
                getrange missing 0 -1
                setrange s 6 W
                get s
                setrange s -1 x
                setrange s 100000000000 x
                setrange new 2 ab
                get new
                setrange new 0 ""
                setrange nothing 5 ""
                exists nothing
                lpush l 1
                get l
                getrange l 0 1
                setrange l 0 x
                append l x
                strlen l
                incr l
                set l x get
                mget l s
                getdel l
                getex l
                setex l 10 v
                get l
                """)
        }

        @Test func keysAndExpiry() throws {
            try assertSameBehaviour(
                """
                set k 1 ex 100
                incr k
                ttl k
                append k x
                ttl k
                setrange k 0 y
                ttl k
                set k2 v
                getex k2 px 5000
                ?pttl k2
                expire k 200 xx gt
                expire k 100 lt
                expire k 50 xx lt
                expire k 60 gt xx
                persist k
                ttl k
                set a 1
                expire a 100 nx
                expire a 100 nx
                expire a 50 gt
                expire a 200 gt
                expire a 50 lt
                expire a 300 lt
                expire a 100 xx
                expire a 100 nx xx
                expire a 100 gt lt
                expire a 100 foo
                expire a 100 nx foo
                expire a abc
                expire missing 10
                ttl missing
                pttl missing
                ttl a
                persist a
                persist a
                persist missing
                ttl a
                expire a 100 gt
                expire a 100 lt
                expire a -1
                exists a
                set a 1
                pexpireat a 1
                exists a
                set a 1
                expireat a 1
                get a
                set a 1
                expire a 9223372036854775807
                pexpire a 9223372036854775807
                expireat a 9223372036854775807
                expire a -9223372036854775808
                expiretime a
                pexpiretime a
                expiretime missing
                expireat a 99999999999
                expiretime a
                pexpiretime a
                type a
                type missing
                lpush list x
                type list
                hset hash f v
                type hash
                sadd set m
                type set
                zadd zset 1 m
                type zset
                rename a b
                get b
                rename missing c
                renamenx b b
                rename b b
                set c 1
                renamenx b c
                rename b c
                get c
                expire c 1000
                rename c d
                ttl d
                del b c d e
                unlink list
                unlink list
                exists hash hash set missing
                touch hash missing
                dbsize
                select 16
                select -1
                select abc
                select 1
                dbsize
                set only-in-1 x
                select 0
                exists only-in-1
                move only-in-1 1
                set movable v
                move movable 1
                move movable 1
                move movable 0
                move movable 99
                move movable abc
                select 1
                get movable
                flushdb
                select 0
                ~keys *
                ~keys h*
                ~keys ?ash
                ~keys [hs]*
                ~keys [^h]*
                keys nomatch*
                ?randomkey
                flushdb async
                flushdb sync
                flushdb foo
                flushdb a b
                flushall foo
                ?randomkey
                flushall sync
                dbsize
                keys
                """)
        }

        @Test func scan() throws {
            try assertSameBehaviour(
                """
                scan 0
                scan abc
                scan -1
                scan 0 count 0
                scan 0 count -1
                scan 0 count abc
                scan 0 match
                scan 0 foo bar
                scan 0 type
                mset k1 1 k2 2 k3 3 other 4
                lpush lst 1
                ~scan 0
                ~scan 0 count 100
                ~scan 0 match k*
                ~scan 0 match k* count 1000
                scan 0 type list
                ~scan 0 type string
                scan 0 type foo
                scan 0 type hash
                hset h a 1 b 2
                hscan h 0
                hscan h 0 match a*
                hscan h 0 count 1
                hscan h abc
                hscan h 0 count 0
                hscan h 0 type string
                hscan missing 0
                hscan lst 0
                sadd s a b c
                ~sscan s 0
                sscan s 0 match a
                sscan missing 0
                sscan lst 0
                zadd z 1 a 2 b
                zscan z 0
                zscan z 0 match b
                zscan missing 0
                zscan lst 0
                """)
        }

        @Test func hashes() throws {
            try assertSameBehaviour(
                """
                hset h a 1 b 2
                hset h a
                hset h a 3 c
                hset h
                hget h a
                hget h z
                hget missing a
                hmget h a z b
                hmget missing a b
                hmset h d 4
                hmset h d
                hgetall h
                hkeys h
                hvals h
                hlen h
                hlen missing
                hexists h a
                hexists h z
                hexists missing a
                hdel h a z
                hdel h z
                hdel missing a
                hgetall h
                hincrby h n 5
                hincrby h n abc
                hincrby h n 1.5
                hincrby h a 1
                hset h s str
                hincrby h s 1
                hincrbyfloat h f 1.5
                hincrbyfloat h f 1.1
                hincrbyfloat h s 1
                hincrbyfloat h f abc
                hincrbyfloat h f nan
                hincrbyfloat h f inf
                hincrby h n 9223372036854775807
                hsetnx h f 1
                hsetnx h g 1
                hstrlen h f
                hstrlen h zz
                hstrlen missing f
                hgetall h
                hdel h b d n a s f g
                exists h
                hgetall missing
                hkeys missing
                hvals missing
                hrandfield missing
                hrandfield missing 3
                hset one only 1
                hrandfield one
                hrandfield one 1
                hrandfield one 1 withvalues
                hrandfield one -2
                hrandfield one 1 foo
                hrandfield one abc
                set str x
                hget str a
                hset str a 1
                hgetall str
                hdel str a
                hlen str
                hincrby str a 1
                hmget str a
                """)
        }

        @Test func lists() throws {
            try assertSameBehaviour(
                """
                rpush l a b c
                lpush l x y
                lrange l 0 -1
                lrange l -100 100
                lrange l 2 1
                lrange l 5 10
                lrange l a 1
                lrange missing 0 -1
                llen l
                llen missing
                lindex l 0
                lindex l -1
                lindex l 99
                lindex l abc
                lindex missing abc
                lpop l
                rpop l
                lpop l 2
                lpop l 0
                lpop l -1
                lpop l abc
                lpop l 1 2
                lpop missing
                lpop missing 2
                rpop l 10
                exists l
                rpush l 1 2 3 2 1
                lset l 0 z
                lset l 99 z
                lset l -1 end
                lset l abc z
                lset missing 0 z
                lrange l 0 -1
                lrem l 0 2
                lrem l 1 z
                lrem l abc z
                lrem missing 0 z
                rpush r a b a c a
                lrem r -2 a
                lrange r 0 -1
                linsert r before b q
                linsert r after nope q
                linsert r middle b q
                linsert missing before a b
                lrange r 0 -1
                lpushx missing a
                rpushx r end
                lpushx r start
                ltrim r 1 -2
                lrange r 0 -1
                ltrim r 5 1
                exists r
                ltrim missing 0 1
                ltrim r a b
                rpush p a b c a b c
                lpos p b
                lpos p b rank 2
                lpos p b rank -1
                lpos p b count 0
                lpos p b count 1 rank 2
                lpos p b maxlen 1
                lpos p z
                lpos p z count 0
                lpos p b rank 0
                lpos p b count -1
                lpos p b maxlen -1
                lpos p b foo
                lpos missing a
                lpos missing a count 2
                lmove p q left right
                lmove p q right left
                lmove p q up down
                lmove missing q left left
                rpoplpush p q
                rpoplpush missing q
                lrange q 0 -1
                lmove q q left right
                lrange q 0 -1
                set s x
                lpush s a
                rpush s a
                lrange s 0 1
                llen s
                lpop s
                lmove s q left left
                lmove q s left left
                """)
        }

        @Test func blockingLists() throws {
            try assertSameBehaviour(
                """
                rpush l a b
                blpop l 0.1
                brpop l 0.1
                blpop l 0.05
                blpop missing abc
                blpop missing -1
                blpop missing 0.01
                brpop missing 0.01
                set s x
                blpop s 0.1
                blpop nothing s 0.1
                A: 0| blpop q1 q2 0
                B: rpush q2 x y
                A: <recv>
                A: lrange q2 0 -1
                A: 0| brpop q3 0
                C: 0| brpop q3 0
                B: rpush q3 1 2 3
                A: <recv>
                C: <recv>
                B: lrange q3 0 -1
                A: multi
                A: blpop emptyq 0
                A: exec
                A: 0| blpop slow 5
                B: lpush slow v
                A: <recv>
                """)
        }

        @Test func sets() throws {
            try assertSameBehaviour(
                """
                sadd s a b c
                sadd s a
                srem s a z
                srem missing a
                ~smembers s
                smembers missing
                scard s
                scard missing
                sismember s b
                sismember s z
                sismember missing a
                smismember s b z
                smismember missing a
                sadd n 3 1 2
                ~smembers n
                ~sunion s n
                ~sunion s missing
                sinter s n
                sinter s missing
                sinter missing s
                ~sdiff s n
                sdiff missing s
                sadd t b x
                ~sinter s t
                ~sdiff s t
                sinterstore d s t
                ~smembers d
                sinterstore d s missing
                exists d
                sunionstore d s t
                sdiffstore d s t
                sdiffstore d missing
                exists d
                smove s t b
                smove s t zz
                smove missing t a
                smove s s c
                spop n 0
                spop n -1
                spop n abc
                spop n 1 2
                ~spop n 10
                exists n
                sadd n2 x
                ?spop n2
                exists n2
                spop missing
                spop missing 3
                ?srandmember s
                srandmember missing
                srandmember missing 3
                ~srandmember s 10
                srandmember s 0
                ?srandmember s -5
                srandmember s abc
                set str x
                sadd str a
                smembers str
                sinter str s
                sinter missing str
                sunion s str
                smove str s a
                smove s str c
                smove missing str a
                scard str
                """)
        }

        @Test func sortedSets() throws {
            try assertSameBehaviour(
                """
                zadd z 1 a 2 b 3 c
                zadd z 1.5 a
                zadd z nx 10 a 4 d
                zadd z xx ch 10 a 5 e
                zadd z gt ch 1 a
                zadd z lt ch 1 a
                zadd z nx xx 1 a
                zadd z gt lt 1 a
                zadd z nx gt 1 a
                zadd z incr 1 a 2 b
                zadd z incr 1 a
                zadd z incr nx 1 a
                zadd z incr xx 1 nope
                zadd z abc a
                zadd z 1
                zadd z 1 a 2
                zadd z nan a
                zadd z inf a
                zadd z -inf b
                zadd z ch
                zrange z 0 -1 withscores
                zadd z 1.1 f
                zscore z f
                zscore z missing
                zscore missing a
                zincrby z 1 f
                zincrby z abc f
                zincrby z 1 newmember
                zincrby z inf b
                zrange z 0 -1
                zrange z (1 3 byscore
                zrange z -inf +inf byscore withscores
                zrange z 3 1 byscore rev
                zrange z +inf -inf byscore rev limit 0 2
                zrange z 0 -1 limit 0 1
                zrange z 0 -1 withscores rev
                zrange z -2 -1
                zrange z 5 1
                zrange z abc 1
                zrange z (a [z bylex
                zrange z - + bylex
                zrange z [a [b bylex withscores
                zrange z 0 1 byscore bylex
                zrange z abc 1 byscore
                zrange z 0 1 foo
                zrange z 0 1 rev rev
                zrange missing 0 -1
                zrangebyscore z -inf +inf withscores limit 0 1
                zrangebyscore z -inf +inf limit 1 -1
                zrangebyscore z -inf +inf limit -1 2
                zrangebyscore z -inf +inf limit 100 2
                zrangebyscore z (1 (4
                zrangebyscore z 1 4 rev
                zrevrangebyscore z +inf -inf withscores
                zrevrange z 0 0 withscores
                zrevrange z 0 -1
                zrank z a
                zrank z zz
                zrank missing a
                zrevrank z a
                zcount z -inf +inf
                zcount z (1 3
                zcount z a b
                zcount missing 0 1
                zrem z a zz
                zrem missing a
                zcard z
                zcard missing
                zmscore z f nope
                zmscore missing a
                del lex
                zadd lex 0 a 0 b 0 c 0 d 0 e
                zrangebylex lex - +
                zrangebylex lex [b (d
                zrangebylex lex (b [d limit 1 1
                zrevrangebylex lex + -
                zrevrangebylex lex [d [b
                zrangebylex lex b d
                zrangebylex lex [d [b
                zrange lex [b [d bylex rev
                zadd scores 0.1 g 1e20 h 123456789012345678 i -0.0 j 3 k
                zrange scores 0 -1 withscores
                zscore scores g
                zpopmin scores
                zpopmax scores 2
                zpopmin scores 0
                zpopmin scores -1
                zpopmin missing
                zpopmax scores 100
                exists scores
                zadd r 1 a 2 b 3 c 4 d
                zremrangebyscore r (1 3
                zrange r 0 -1
                zremrangebyscore r a b
                zremrangebyrank r a 1
                zremrangebyrank r -100 100
                exists r
                zadd l2 0 a 0 b 0 c
                zremrangebylex l2 [a (c
                zremrangebylex l2 a b
                zrange l2 0 -1
                zremrangebyrank missing 0 1
                zremrangebylex str [a [b
                set str x
                zadd str 1 a
                zscore str a
                zrange str 0 -1
                zcard str
                zrank str a
                zmscore str a
                zincrby str 1 a
                zrangebyscore str 0 1
                zrangebyscore str x 1
                """)
        }

        @Test func pubSub() throws {
            try assertSameBehaviour(
                """
                A: 2| subscribe a b
                A: psubscribe p*
                A: ping
                A: ping hi
                A: get x
                A: echo x
                A: multi
                A: client id
                A: subscribe
                B: publish a hello
                A: <recv>
                B: publish pa hi
                A: <recv>
                B: publish nobody x
                B: ~pubsub channels
                B: pubsub channels a*
                B: pubsub channels x y
                B: pubsub numsub a b c
                B: pubsub numsub
                B: pubsub numpat
                B: pubsub numpat x
                B: pubsub foo
                B: pubsub
                A: unsubscribe a
                A: punsubscribe
                A: unsubscribe
                A: unsubscribe
                A: punsubscribe
                A: get x
                A: 3| subscribe c c d
                A: unsubscribe zz
                A: reset
                A: get x
                B: publish c x
                """, protocols: [2])
        }

        @Test func pubSubRESP3SharedConnection() throws {
            try assertSameBehaviour(
                """
                % A: hello 3
                A: subscribe ch
                A: psubscribe c*
                A: get x
                A: set x 1
                A: ping
                B: publish ch hello
                A: 2| <recv>
                A: publish ch self
                A: 2| <recv>
                A: punsubscribe
                A: unsubscribe
                A: unsubscribe
                """, protocols: [2])
        }

        @Test func transactions() throws {
            try assertSameBehaviour(
                """
                multi
                set a 1
                get
                foo
                exec
                exec
                multi
                multi
                set a 1
                incr a
                lpush a x
                exec
                discard
                multi
                watch a
                discard
                watch
                watch a
                unwatch
                multi
                set a 1 2
                exec
                multi
                exec x
                exec
                multi
                select 1
                set in1 x
                blpop nolist 1
                exec
                get in1
                select 0
                multi
                discard
                discard
                A: watch w
                B: set w changed
                A: multi
                A: get w
                A: exec
                A: watch w
                A: multi
                A: get w
                A: exec
                A: watch w2
                A: unwatch
                B: set w2 x
                A: multi
                A: exec
                A: set exp v px 100000
                A: watch exp
                B: persist exp
                A: multi
                A: exec
                A: watch nothere
                B: del nothere
                A: multi
                A: exec
                A: watch flushed
                B: set flushed 1
                A: multi
                A: exec
                A: set f 1
                A: watch f
                B: flushdb
                A: multi
                A: exec
                A: multi
                A: reset
                A: exec
                A: multi
                A: subscribe x
                A: ping
                A: exec
                A: multi
                A: set a 1 ex -1
                A: exec
                """)
        }

        @Test func connection() throws {
            try assertSameBehaviour(
                """
                ping
                ping hi
                ping a b
                echo
                echo a
                echo "a b"
                % client id
                client setname my-name
                client setname "a b"
                client setname "a\\nb"
                client getname
                client setname ""
                client getname
                client setname
                client kill
                client id x
                client getname x
                client foo
                client
                client kill 127.0.0.1:1
                client kill id 99999
                client kill id abc
                client kill id 1 skipme maybe
                client kill foo
                client kill addr
                client kill type foo x
                client no-evict on
                client no-evict maybe
                auth x
                auth a b
                auth a b c
                auth
                % hello
                % hello 3
                % hello 2
                hello 4
                hello 1
                hello abc
                hello 3 auth a b
                hello 3 setname
                hello 3 foo
                hello 2 auth
                hello 3 setname "x y"
                % hello 3 setname hello-name
                client getname
                % hello 2 auth default anything
                select 3
                reset
                reset x
                client getname
                % client info
                % client list
                client list id abc
                client list id -5 0
                client list type foo
                client list type normal id
                acl whoami
                acl whoami x
                acl foo
                time x
                foo
                foo a b
                FOO "with space" and-more
                GeT missing
                quit x
                <eof>
                """)
        }

        @Test func authentication() throws {
            // Both servers run with requirepass and an ACL user.
            if TestRedisServer.realServerUnavailable != nil { return try assertSameBehaviour("ping") }
            try assertSameBehaviourWithAuth(
                """
                ping
                get a
                % hello
                % hello 3
                client id
                multi
                get a
                exec
                auth wrong
                auth default wrong
                auth secret
                acl whoami
                auth alice pw
                acl whoami
                auth alice nope
                acl whoami
                auth
                auth a b c
                reset
                get a
                % hello 3 auth default secret setname n1
                client getname
                reset
                % hello 2 auth alice pw
                hello 3 auth alice wrong
                acl whoami
                reset
                !*20\\r\\n
                <eof>
                """)
            try assertSameBehaviourWithAuth(
                """
                !*2\\r\\n$20000\\r\\n
                <eof>
                """)
            try assertSameBehaviourWithAuth(
                """
                quit
                <eof>
                """)
        }

        @Test func tracking() throws {
            try assertSameBehaviour(
                """
                % A: hello 3
                A: client tracking on
                A: get k
                A: 2| set k 1
                A: get k
                A: mget k k2
                A: 2| set k2 x
                A: 2| flushdb
                A: client tracking on noloop
                A: get a
                A: set a 1
                A: client tracking off
                A: client tracking on bcast prefix a
                A: 2| set abc 1
                A: 2| mset ab 1 ac 2 b 3
                A: client tracking on bcast prefix a prefix ab
                A: client tracking off
                A: client tracking on bcast prefix ab prefix a
                A: client tracking on bcast prefix ab
                A: client tracking on optin
                A: client tracking off
                A: client tracking on optin
                A: get o
                A: set o 1
                A: client caching yes
                A: get o
                A: 2| set o 2
                A: client caching no
                A: client tracking off
                A: client tracking on optout
                A: client caching no
                A: get q
                A: set q 1
                A: client trackinginfo
                A: client getredir
                A: client tracking off
                A: client trackinginfo
                A: client getredir
                A: client tracking on optin optout
                A: client tracking on redirect 999999
                A: client tracking on redirect abc
                A: client tracking on prefix a
                A: client tracking on bcast optin
                A: client tracking foo
                A: client tracking on foo
                A: client caching yes
                A: client caching maybe
                A: client tracking on
                A: get shared
                B: set shared 2
                A: <recv>
                A: get shared
                B: del shared
                A: <recv>
                B: set shared 3
                A: get expiring
                B: set expiring v px 100000
                A: <recv>
                A: client tracking off
                A: client tracking on bcast prefix p
                B: mset p1 1 p2 2 q 3
                A: <recv>
                A: client tracking off
                A: client tracking on bcast
                B: set anything 1
                A: <recv>
                """, protocols: [2])
        }

        @Test func trackingRedirectRESP2() throws {
            try assertSameBehaviour(
                """
                B: subscribe __redis__:invalidate
                A: client tracking on redirect $B
                A: get x
                A: set x 1
                B: <recv>
                A: get x
                C: set x 2
                B: <recv>
                A: flushall
                B: <recv>
                A: client tracking on bcast redirect $B prefix p
                A: client tracking off
                A: client tracking on bcast redirect $B prefix p
                A: mset p1 1 p2 2
                B: <recv>
                A: % client trackinginfo
                A: % client getredir
                """, protocols: [2])
        }

        @Test func aclUsers() throws {
            try assertSameBehaviour(
                """
                acl setuser alice on >pw ~app:* +@all
                acl setuser carol on >pw resetkeys ~a*
                acl setuser dave on >pw ~* -@all +get
                acl setuser eve on >pw ~* +@all -set
                acl setuser bad on >pw +nosuchcommand
                acl setuser bad2 on >pw foo
                acl setuser off-user off >pw ~* +@all
                acl setuser nopass-user on nopass ~* +@all
                B: auth alice pw
                B: set app:1 x
                B: set other x
                B: mget app:1 other
                B: get other
                B: exists other
                B: keys *
                B: ping
                B: acl whoami
                C: auth carol pw
                C: get a
                C: ping
                D: auth dave pw
                D: get a
                D: set a 1
                D: client id
                D: multi
                E: auth eve pw
                E: set a 1
                E: get a
                E: multi
                E: set a 1
                E: get a
                E: exec
                F: auth off-user pw
                F: auth nopass-user anything
                F: acl whoami
                A: acl deluser dave nobody
                D: <eof>
                A: acl deluser default
                A: ~acl users
                """, protocols: [2])
        }

        @Test func clientKill() throws {
            try assertSameBehaviour(
                """
                B: client setname victim
                C: subscribe news
                A: client kill type pubsub
                C: <eof>
                A: client kill type normal skipme yes
                B: <eof>
                D: ping
                A: client kill id $D
                D: <eof>
                E: ping
                A: client kill user nobody
                A: client kill user default
                E: <eof>
                A: client kill type master
                A: client kill maxage 0
                A: client kill maxage x
                A: client kill id $A skipme no
                A: <eof>
                """, protocols: [2])
        }

        @Test func server() throws {
            try assertSameBehaviour(
                """
                * info
                * info server
                * info keyspace
                info foo
                * time
                * lastsave
                dbsize
                * command count
                command foo
                config get
                config foo
                config get save
                config get appendonly
                config get databases
                config get maxmemory
                config set
                config set foo bar
                debug foo
                wait 0 0
                wait a 0
                """)
        }

        @Test func protocolErrors() throws {
            for input in [
                "!*1\\r\\n+foo\\r\\n", "!*abc\\r\\n", "!*1\\r\\n$abc\\r\\n", "!*1\\r\\n$-5\\r\\n",
                "!*1\\r\\n$600000000\\r\\n", "!*3000000000\\r\\n", "!*2\\r\\n$1\\r\\na\\r\\n:1\\r\\n",
                ">set a \"b", ">set a \"b\"c", ">set a 'b", "!*1\\r\\n$-1\\r\\n", "!*1\\r\\n$\\r\\n", "!*-\\r\\n",
            ] {
                try assertSameBehaviour(
                    """
                    ping
                    \(input)
                    <eof>
                    """, protocols: [2])
            }
        }

        @Test func inlineAndPipelinedInput() throws {
            try assertSameBehaviour(
                """
                >PING
                >set inline "hello world"
                >get inline
                >  ECHO   'single quoted'
                >ECHO "esc\\x41\\n"
                !\\r\\n\\r\\nPING\\r\\n
                !*-5\\r\\nPING\\r\\n
                !*0\\r\\nPING\\r\\n
                3| !*3\\r\\n$3\\r\\nSET\\r\\n$1\\r\\np\\r\\n$1\\r\\n1\\r\\n*2\\r\\n$4\\r\\nINCR\\r\\n$1\\r\\np\\r\\n*2\\r\\n$3\\r\\nGET\\r\\n$1\\r\\np\\r\\n
                4| !PING\\r\\nECHO a\\r\\n*1\\r\\n$4\\r\\nPING\\r\\nGET p\\r\\n
                0| !*2\\r\\n$4\\r\\nE
                !CHO\\r\\n$1\\r\\nx\\r\\n
                !*1\\r\\n$4\\r\\nPING\\r\\n*1\\r\\n$4\\r\\nPI
                !NG\\r\\n
                2| !GET p\\r\\nGET nothing\\r\\n
                """)
        }
    }
}

/// The differential check against servers that require a password and know user alice.
func assertSameBehaviourWithAuth(_ script: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let options = TestRedisServer.Options(password: "secret", users: ["alice": "pw"])
    let fake = try TestRedisServer.start(.fake, options: options)
    defer { fake.stop() }
    let real = try TestRedisServer.start(.real, options: options)
    defer { real.stop() }
    let fakeRunner = ScriptRunner(server: fake)
    let realRunner = ScriptRunner(server: real)
    defer {
        fakeRunner.closeAll()
        realRunner.closeAll()
    }
    for step in DifferentialScript(script).steps {
        let fromReal = realRunner.run(step)
        let fromFake = fakeRunner.run(step)
        if fromReal != fromFake {
            Issue.record(
                "line \(step.line): \(step.text)\n  redis-server: \(fromReal)\n  fake:         \(fromFake)",
                sourceLocation: sourceLocation)
        }
    }
}
