#!/usr/bin/env python3
"""Differential conformance: the fake server against a real redis-server, reply for reply.

    scripts/conformance.py                      # every served family, RESP2 and RESP3, plus 2,000 random commands
    scripts/conformance.py --include-gaps       # also the families not served yet (none now)
    scripts/conformance.py --family bitmaps -v  # one family, showing each mismatch
    scripts/conformance.py --random 1000000 --seed 7 --families none   # a long randomized run
    scripts/conformance.py --list               # the families

Starts a redis-server and the fake (FakeRedisServerRunner, the process `strata server` runs;
built in debug mode unless --fake-bin names another) on free loopback ports, sends both the same
command sequences and compares the raw RESP bytes of every reply. Prints a table of matches and
mismatches per command family and protocol, then the randomized run: seeded random commands over
a small keyspace, mixing families, pipelined in batches; after a mismatch both servers are flushed
so one divergence is counted once.

Scripts use the line syntax of Tests/StrataFakeRedisTests/Support/DifferentialScript.swift (a
subset): a leading `~` compares aggregates as unordered, `?` only the shape (type and size), `*`
only that a reply came. Python 3 standard library only. Exits 1 when anything differs and
--allow-mismatch is not given.
"""

import argparse
import os
import random
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# ---------------------------------------------------------------------------------------------
# RESP


class Closed(Exception):
    pass


class Conn:
    """A raw RESP connection that returns each reply's exact bytes."""

    def __init__(self, port, timeout=10.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.pos = 0

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    @staticmethod
    def encode(args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            if isinstance(a, str):
                a = a.encode("utf-8", "surrogateescape")
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        return b"".join(out)

    def send(self, args):
        self.sock.sendall(self.encode(args))

    def send_many(self, commands):
        self.sock.sendall(b"".join(self.encode(c) for c in commands))

    def _fill(self):
        data = self.sock.recv(1 << 16)
        if not data:
            raise Closed()
        if self.pos:
            self.buf = self.buf[self.pos:]
            self.pos = 0
        self.buf += data

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n", self.pos)
            if i >= 0:
                line = self.buf[self.pos:i]
                self.pos = i + 2
                return line
            self._fill()

    def _exact(self, n):
        while len(self.buf) - self.pos < n + 2:
            self._fill()
        data = self.buf[self.pos:self.pos + n]
        self.pos += n + 2
        return data

    def read(self):
        """One reply as (raw bytes, parsed value)."""
        self._log_raw = b""
        value = self._parse()
        return self._log_raw, value

    def _parse(self):
        line = self._line()
        self._log_raw += line + b"\r\n"
        t, rest = line[:1], line[1:]
        if t in (b"+", b"-", b":", b",", b"(", b"#"):
            return (t, rest)
        if t == b"_":
            return (t, None)
        if t in (b"$", b"!", b"="):
            n = int(rest)
            if n < 0:
                return (t, None)
            data = self._exact(n)
            self._log_raw += data + b"\r\n"
            return (t, data)
        if t in (b"*", b"~", b">"):
            n = int(rest)
            if n < 0:
                return (t, None)
            return (t, [self._parse() for _ in range(n)])
        if t == b"%":
            n = int(rest)
            return (t, [(self._parse(), self._parse()) for _ in range(n)])
        if t == b"|":
            n = int(rest)
            [(self._parse(), self._parse()) for _ in range(n)]
            return self._parse()
        raise ValueError("unexpected RESP type byte %r in %r" % (t, line))

    def command(self, *args):
        self.send(list(args))
        return self.read()


def encode_value(v):
    """Canonical bytes of a parsed value (for unordered comparison)."""
    t, x = v
    if x is None:
        return t + b"-"
    if isinstance(x, bytes):
        return t + b"%d:" % len(x) + x
    if t == b"%":
        return t + b"%d:" % len(x) + b"".join(encode_value(k) + encode_value(w) for k, w in x)
    return t + b"%d:" % len(x) + b"".join(encode_value(e) for e in x)


def unordered(v):
    t, x = v
    if isinstance(x, list):
        if t == b"%":
            return b"%" + b"|".join(sorted(encode_value(k) + encode_value(w) for k, w in x))
        return t + b"|".join(sorted(encode_value(e) for e in x))
    return encode_value(v)


def shape(v):
    t, x = v
    if isinstance(x, list):
        return t + b"[%d]" % len(x)
    return t


def show(b, limit=160):
    s = b.decode("latin-1").replace("\r\n", "\\r\\n")
    return s if len(s) <= limit else s[:limit] + "..."


# ---------------------------------------------------------------------------------------------
# Servers


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_up(port, proc, what):
    deadline = time.time() + 30
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit("%s exited at start (code %s)" % (what, proc.returncode))
        try:
            c = Conn(port, timeout=1)
            raw, _ = c.command("PING")
            c.close()
            if raw == b"+PONG\r\n":
                return
        except OSError:
            time.sleep(0.05)
    sys.exit("%s did not answer on port %d" % (what, port))


class Servers:
    def __init__(self, args):
        self.dir = tempfile.mkdtemp(prefix="strata-conformance-")
        self.procs = []
        redis = args.redis_server or shutil.which("redis-server")
        if not redis:
            sys.exit("redis-server is not on PATH (apt-get install -y redis-server)")
        fake = args.fake_bin
        if not fake:
            fake = os.path.join(ROOT, ".build", "debug", "FakeRedisServerRunner")
            if not os.path.exists(fake):
                print("building FakeRedisServerRunner ...", file=sys.stderr)
                subprocess.check_call(["swift", "build", "--product", "FakeRedisServerRunner"], cwd=ROOT)
        self.real_port, self.fake_port = free_port(), free_port()
        log = open(os.path.join(self.dir, "redis.log"), "wb")
        self.procs.append(subprocess.Popen(
            [redis, "--port", str(self.real_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self.dir, "--daemonize", "no"], stdout=log, stderr=log))
        wait_up(self.real_port, self.procs[-1], "redis-server")
        flog = open(os.path.join(self.dir, "fake.log"), "wb")
        self.procs.append(subprocess.Popen([fake, "--port", str(self.fake_port)], stdout=flog, stderr=flog))
        wait_up(self.fake_port, self.procs[-1], "the fake (%s)" % fake)
        version = Conn(self.real_port).command("INFO", "server")[1][1]
        self.version = next((l.split(":")[1] for l in version.decode().split("\r\n")
                             if l.startswith("redis_version:")), "?")

    def stop(self):
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# Family scripts

# Restored on both servers before each family, so CONFIG SET in one family does not leak.
CONFIG_DEFAULTS = [
    ("hash-max-listpack-entries", "512"), ("hash-max-listpack-value", "64"),
    ("set-max-intset-entries", "512"), ("zset-max-listpack-entries", "128"),
    ("zset-max-listpack-value", "64"), ("list-max-listpack-size", "-2"),
    ("notify-keyspace-events", ""), ("maxmemory-policy", "noeviction"),
    ("slowlog-log-slower-than", "10000"), ("slowlog-max-len", "128"),
]

FAMILIES = {}

# Families the fake does not serve yet: left out of "all" (so a clean run exits 0) unless named
# or --include-gaps is given.
KNOWN_GAPS = set()


def family(name, text):
    FAMILIES[name] = text


family("strings", r"""
set k v
get k
get missing
set k v xx get
set k v nx
set k v ex 0
set k v ex 9999999999999999
set k v px 100 keepttl
setnx k x
getset k new
getdel k
getdel k
getex missing ex 10
mset a 1 b 2
mget a b c
msetnx a 1 z 2
append s hello
append s " world"
strlen s
getrange s -5 -1
getrange s 5 2
setrange s 6 W
get s
setrange s -1 x
setrange new 3 ab
get new
lpush l 1
get l
strlen l
append l x
set
get a b
setex k -1 v
psetex k 0 v
lcs a b
lcs s new idx withmatchlen
substr s 0 4
substr s -5 -1
substr missing 0 1
substr l 0 1
""")

family("counters", r"""
incr c
incrby c 10
decrby c 3
decr c
incrby c abc
incrby c 9223372036854775807
set c -9223372036854775808
decr c
set c 9223372036854775807
incr c
set c " 1"
incr c
set c 012
incr c
incrbyfloat f 1.5
incrbyfloat f 1e308
incrbyfloat f 1e308
incrbyfloat f abc
set f 3.0
incrbyfloat f 0
incrbyfloat f -4.1
set f inf
incrbyfloat f 1
lpush l x
incr l
incrbyfloat l 1
""")

family("keys", r"""
set a 1
set b 2
exists a b missing a
del a missing
type b
type missing
expire b 100
ttl b
pttl missing
persist b
ttl b
expire b 100 nx
expire b 100 xx
expire b 200 gt
expire b 50 lt
expire b abc
expire b 100 foo
expire b 9223372036854775807
expiretime b
expiretime missing
rename b c
rename missing x
renamenx c c
set d 1
renamenx c d
move d 1
move d 0
move d abc
select 1
select 16
select -1
select 0
touch c d missing
~keys *
randomkey
dbsize
unlink c d
dbsize
copy a b
copy missing b
""")

family("hashes", r"""
hset h f v f2 v2
hset h f
hmset h f3 v3
hget h f
hget h missing
hmget h f missing f2
hsetnx h f x
hsetnx h new x
hlen h
hstrlen h f
hexists h f
hdel h f missing
hincrby h n 5
hincrby h n abc
hincrby h f2 1
hincrbyfloat h n 1.5
hincrbyfloat h fl 1e308
hincrbyfloat h fl 1e308
# "fl" holds a 309-byte value: the hash is a hashtable now, whose order is random in Redis.
~hgetall h
~hkeys h
~hvals h
hgetall missing
hrandfield missing
hrandfield h 0
?hrandfield h -3 withvalues
set s x
hget s f
hset s f v
hgetall s
""")

family("lists", r"""
rpush l a b c
lpush l z
lpushx missing x
rpushx l d
lrange l 0 -1
lrange l -100 100
lrange l 5 1
llen l
lindex l 0
lindex l -1
lindex l 100
lindex l abc
lset l 0 Z
lset l 100 x
lset missing 0 x
linsert l before b B
linsert l after missing x
linsert l middle b x
lrem l 0 b
lrem l -1 c
lpos l a
lpos l a rank 0
lpos l a count -1
lpos l a maxlen -1
lpop l
lpop l 2
lpop l 0
lpop l -1
rpop missing 2
ltrim l 0 0
lrange l 0 -1
lmove l l2 left right
lmove l l2 up down
rpoplpush missing x
lrange l2 0 -1
set s x
lpush s x
llen s
lmpop 1 l2 left
lmpop 2 l2 l left count 5
lmpop 0 l left
""")

family("sets", r"""
sadd s a b c
sadd s a
srem s a missing
scard s
sismember s b
smismember s b x
~smembers s
sadd t b d
~sunion s t
~sinter s t
~sdiff s t
sunionstore u s t
sinterstore i s t
sdiffstore d s t
smove s t c
smove s t nope
srandmember missing
srandmember missing 3
srandmember s 0
spop missing
spop missing 0
spop s -1
sintercard 2 s t
sintercard 2 s t limit 1
sintercard 0 s
set str x
sadd str x
~smembers t
""")

family("zsets", r"""
zadd z 1 a 2 b 3 c
zadd z nx 5 a
zadd z xx ch 5 a
zadd z gt 1 a
zadd z nx xx 1 a
zadd z incr 1 a 2 b
zadd z abc a
zadd z nan a
zadd z incr 1 a
zincrby z 2.5 b
zscore z b
zadd lex 0 a 0 b 0 c 0 d
zlexcount lex - +
zlexcount lex [b (d
zlexcount lex [d [b
zlexcount lex a b
zlexcount missing - +
zscore z missing
zmscore z a missing
zcard z
zrank z a
zrevrank z a
zcount z -inf +inf
zcount z (1 3
zcount z x 3
zrange z 0 -1 withscores
zrange z 0 -1 rev
zrange z (1 +inf byscore limit 0 2
zrange z - + bylex
zrevrange z 0 1
zrangebyscore z 1 3 withscores
zrevrangebyscore z +inf -inf
zrangebylex z [a [c
zrangebylex z a c
zpopmin z
zpopmax z 2
zpopmin z -1
zadd z 1 x 2 y
zremrangebyrank z 0 0
zremrangebyscore z -inf 1
zremrangebylex z - +
zadd big 1.5e300 a -inf b +inf c
zrange big 0 -1 withscores
zrandmember missing
zrandmember big 0
?zrandmember big -5 withscores
?zrandmember big 2
zrangestore dst big 0 -1
zunionstore u 2 big z
zinterstore i 2 big z weights 1 2
zunion 2 big z withscores
zunion 2 big z weights 2 nan
zunion 2 big z aggregate max withscores
zunion 0 big
zunion 3 big z
zinter 1 big
zinter 2 big missing
zintercard 2 big z limit 1
zintercard 1 big limit -1
zdiff 2 big z
zdiff 2 big z weights 1 1
zmpop 1 big min
bzpopmin missing 0.01
""")

family("transactions", r"""
multi
set a 1
incr a
lpush a x
exec
multi
set a
exec
multi
multi
discard
discard
exec
watch a
set a 2
multi
get a
exec
unwatch
""")

family("pubsub", r"""
publish ch hello
pubsub numsub ch other
pubsub numpat
pubsub channels
pubsub shardchannels
pubsub shardnumsub ch
spublish ch x
""")

family("server", r"""
*info
*info server
*info keyspace
*info commandstats
dbsize
config get maxmemory
config get maxmemory-policy
config get hash-max-listpack-entries
config get hash-max-ziplist-entries
config get set-max-intset-entries
config get list-max-listpack-size
config get zset-max-ziplist-entries
config get notify-keyspace-events
config get lfu-log-factor
config get timeout
config set maxmemory-policy allkeys-lru
config get maxmemory-policy
config set maxmemory-policy nope
config set hash-max-listpack-entries abc
config set hash-max-listpack-entries 64
~config get hash-max-*-entries
config set nope 1
config set notify-keyspace-events KEA
config get notify-keyspace-events
config set notify-keyspace-events xyz
config set maxmemory 1mb
config get maxmemory
config set maxmemory 0
config resetstat
config help
# The fake serves fewer commands than Redis: COUNT only has to answer. COMMAND INFO and DOCS
# entries are Redis 7.0.15's.
*command count
command info get set nope
command info client|id
command docs get nope zadd
command getkeys set a b
command getkeys mset a 1 b 2
command getkeys get
command getkeys nope a
command getkeysandflags set a b get
command getkeysandflags zunionstore d 2 a b
command getkeysandflags sort k by x store d
command getkeysandflags xread count 1 streams a b 0 0
~command list filterby pattern x*
echo hi
ping
ping a b
time x
lastsave x
swapdb 0 1
swapdb 0 0
swapdb 0 abc
flushdb async
flushall sync
role
latency latest
latency history command
latency reset
module list
memory usage missing
memory usage k samples -1
?memory stats
lolwut
lolwut version abc
acl cat
acl cat nope
?acl genpass
acl genpass 0
acl dryrun default get k
acl dryrun nobody get k
acl getuser nobody
acl help
""")

# maxmemory where the outcome does not depend on how memory is counted: one byte is always
# exceeded (the fake's memory is approximate).
family("maxmemory", r"""
set a 1
rpush l x
config set maxmemory-policy noeviction
config set maxmemory 1
set b 2
incr a
lpush l y
sadd s m
get a
expire a 100
multi
get a
exec
del a
config set maxmemory-policy volatile-ttl
set v 1 ex 100
config set maxmemory 0
set v 1 ex 100
set w 1 ex 50
config set maxmemory 1
keys *
set x 1
config set maxmemory-policy allkeys-lru
config set maxmemory 0
config set maxmemory 1
dbsize
set x 1
config set maxmemory 0
config set maxmemory-policy noeviction
set x 1
""")

family("object", r"""
set int 12345
set embstr hello
set raw 0123456789012345678901234567890123456789012345
object encoding int
object encoding embstr
object encoding raw
object encoding missing
append int x
object encoding int
rpush l a b c
object encoding l
sadd si 1 2 3
object encoding si
sadd si x
object encoding si
sadd ss a
object encoding ss
hset h f v
object encoding h
zadd z 1 a
object encoding z
object refcount int
object refcount missing
object freq int
object idletime int
object nope
object encoding
object help
config set hash-max-listpack-entries 2
hset h2 a 1 b 2
object encoding h2
hset h2 c 3
object encoding h2
config set zset-max-listpack-entries 1
zadd z2 1 a
object encoding z2
zadd z2 2 b
object encoding z2
config set set-max-intset-entries 2
sadd s2 1 2
object encoding s2
sadd s2 3
object encoding s2
config set maxmemory-policy allkeys-lfu
object idletime int
set fresh v
object freq fresh
config set maxmemory-policy noeviction
object freq fresh
# A key made under LFU holds a counter where LRU expects a clock: Redis reads garbage here.
?object idletime fresh
""")

family("bitmaps", r"""
setbit b 7 1
setbit b 7 0
setbit b 100 1
getbit b 100
getbit b 1000000
getbit missing 5
setbit b -1 1
setbit b 1 2
setbit b 4294967296 1
setbit b abc 1
get b
strlen b
bitcount b
bitcount b 0 -1
bitcount b 0 0 bit
bitcount b 1 0
bitcount b 0
bitcount missing
set s foobar
bitcount s
bitcount s 1 1
bitcount s 5 30 bit
bitpos s 1
bitpos s 0
bitpos s 1 2
bitpos s 0 0 -1 bit
bitpos missing 0
bitpos missing 1
bitpos s 2
bitop and dest s b
bitop or dest s b
bitop xor dest s missing
bitop not dest s
bitop not dest s b
bitop nope dest s
get dest
lpush l x
setbit l 0 1
getbit l 0
bitcount l
bitfield bf set u8 0 255 get u8 0
bitfield bf incrby u8 0 10
bitfield bf overflow sat incrby u8 0 300
bitfield_ro bf get u4 0
""")

family("sort", r"""
rpush l 3 1 2 10
sort l
sort l desc
sort l alpha
sort l limit 1 2
sort l limit 0 -1
sort l store dst
lrange dst 0 -1
rpush w b a c
sort w
sort w alpha desc
sadd s 5 3 9
sort s
zadd z 1 c 2 a
sort z alpha
set w_b 2
set w_a 1
set w_c 3
sort w by w_*
sort w by w_* get #
sort w by nosort
sort missing
set str x
sort str
sort l foo
sort_ro l
""")

family("streams", r"""
xadd s 1-1 a 1
xadd s 1-2 b 2 c 3
xadd s 1-2 x y
xadd s 1-1 x y
xadd s 0-0 x y
xadd s 2 d 4
xadd s 2-* e 5
xadd s 5-* f 6
?xadd s2 * g 7
xadd s 5-1 odd
xadd s 5-1
xadd s abc x y
xadd s 1-x x y
xadd s 18446744073709551615-18446744073709551615 x y
xadd big 18446744073709551615-18446744073709551615 x y
xadd big * x y
xadd big 18446744073709551615-* x y
xlen big
xlen s
xlen missing
type s
object encoding s
xadd new nomkstream * a 1
exists new
xadd t maxlen 2 1-1 a 1
xadd t maxlen 2 1-2 a 2
xadd t maxlen 2 1-3 a 3
xrange t - +
xadd t maxlen = 1 1-4 a 4
xrange t - +
xadd t maxlen ~ 1 1-5 a 5
xlen t
xadd t minid 1-5 1-6 a 6
xrange t - +
xadd t maxlen -1 1-7 a 7
xadd t maxlen abc 1-7 a 7
xadd t maxlen 1 minid 1 1-7 a 7
xadd t maxlen 1 limit 10 1-7 a 7
xadd t maxlen ~ 1 limit 10 1-7 a 7
xadd t maxlen ~ 1 limit -1 1-7 a 7
xrange s - +
xrange s - + count 2
xrange s - + count 0
xrange s - + count -1
xrange s - + count abc
xrange s - + foo
xrange s 1 1
xrange s 1-2 2
xrange s (1-1 (2-1
xrange s (1-1 +
xrange s - (1-2
xrange s (- +
xrange s - (+
xrange s (18446744073709551615-18446744073709551615 +
xrange s - (0-0
xrange s 5 1
xrange s abc +
xrange missing - +
xrevrange s + -
xrevrange s + - count 1
xrevrange s (5-0 -
xrevrange s 2 1
xrevrange missing + -
xdel s 1-1 1-2 9-9
xdel s 1-1
xdel s abc
xdel missing 1-1
xlen s
xrange s - +
xtrim s maxlen 2
xrange s - +
xtrim s minid 5-1
xrange s - +
xtrim s minid ~ 0
xtrim s foo 1
xtrim s maxlen
xtrim missing maxlen 0
xadd u 1-1 a 1
xadd u 2-1 a 2
xread streams u 0
xread count 1 streams u 0
xread streams u 1-1
xread streams u $
xread streams u missing 0 0
xread streams u 2-1
xread count 1 streams u
xread streams u missing 0
xread streams
xread count abc streams u 0
xread block 10 streams u 2-1
xread block 10 streams u $
xread block -1 streams u 0
xread block abc streams u 0
xread foo streams u 0
xread streams u >
set str v
xadd str * a 1
xlen str
xrange str - +
xread streams str 0
xdel str 1-1
xtrim str maxlen 1
lpush lst x
xadd lst 1-1 a 1
xadd s
xadd s 1-1
xlen
xrange s -
copy u ucopy
xrange ucopy - +
""")

family("stream-groups", r"""
xadd s 1-1 a 1
xadd s 2-1 b 2
xadd s 3-1 c 3
xgroup create s g1 $
xgroup create s g1 $
xgroup create s g2 0
xgroup create missing g 0
xgroup create missing g 0 mkstream
type missing
xlen missing
xgroup create s g3 abc
xgroup create s g3 0 entriesread 2
xgroup create s g4 0 entriesread -5
xgroup create s g4 0 foo
xgroup createconsumer s g2 alice
xgroup createconsumer s g2 alice
xgroup createconsumer s nogroup alice
xgroup createconsumer missing2 g alice
xreadgroup group g2 alice count 1 streams s >
xreadgroup group g2 bob streams s >
xreadgroup group g2 alice streams s >
xreadgroup group g2 alice streams s 0
xreadgroup group g2 bob streams s 0
xreadgroup group g2 alice count 1 streams s 0
xreadgroup group g2 alice streams s 1-1
xreadgroup group nogroup alice streams s >
xreadgroup group g2 alice streams missing3 >
xreadgroup group g2 alice streams s $
xreadgroup group g2 alice streams s
xreadgroup streams s >
xreadgroup group g2 alice block 10 streams s >
xreadgroup group g2 carol noack streams s 0
xpending s g2
?xpending s g2 - + 10
?xpending s g2 - + 10 alice
xpending s g2 - + 10 nobody
?xpending s g2 (1-1 + 10
xpending s g2 - + 0
xpending s g2 - + -1
xpending s g2 - + abc
xpending s g2 idle 100000 - + 10
xpending s g2 idle abc - + 10
xpending s nogroup
xpending missing g
xpending nokey g
xclaim nokey g c abc 1-1
xautoclaim nokey g c 0 0
xautoclaim nokey g c 0 abc
xtrim nokey minid abc
?xpending s g2 - + 1
xack s g2 1-1 9-9
xack s g2 1-1
xack s g2 abc
xack s nogroup 1-1
xack missing g 1-1
xpending s g2
xinfo groups s
?xinfo consumers s g2
xinfo consumers s nogroup
xinfo groups missing
xinfo stream missing
xinfo foo s
xinfo help
xgroup delconsumer s g2 bob
xgroup delconsumer s g2 bob
xgroup delconsumer s nogroup bob
xpending s g2
xgroup setid s g2 0
xgroup setid s g2 $ entriesread 1
xgroup setid s g2 1-1 entriesread 1
xgroup setid s nogroup 0
xgroup setid s g2 abc
xinfo groups s
xreadgroup group g2 dave streams s >
xclaim s g2 eve 0 2-1
xclaim s g2 eve 0 2-1 justid
xclaim s g2 eve 0 9-9
xclaim s g2 eve 0 9-9 force justid
xclaim s g2 eve 0 3-1 retrycount 5 justid
xclaim s g2 eve 0 3-1 idle abc
xclaim s g2 eve abc 3-1
xclaim s g2 eve 0 3-1 foo
xclaim s g2 eve 0 abc
xclaim s nogroup eve 0 1-1
xclaim missing g eve 0 1-1
xautoclaim s g2 frank 0 0
xautoclaim s g2 frank 0 0 count 1
xautoclaim s g2 frank 0 0 justid
xautoclaim s g2 frank 0 0 count 0
xautoclaim s g2 frank 0 0 count abc
xautoclaim s g2 frank 0 abc
xautoclaim s nogroup frank 0 0
xautoclaim missing g frank 0 0
xdel s 2-1
xautoclaim s g2 frank 0 0
?xpending s g2 - + 10
xgroup destroy s g2
xgroup destroy s g2
xgroup destroy missing g2
xinfo groups s
xgroup help
xgroup foo s
set str v
xgroup create str g 0
xreadgroup group g c streams str >
xack str g 1-1
xpending str g
xinfo stream str
del s
xadd s 1-1 a 1
xadd s 2-1 b 2
xgroup create s g 0
xreadgroup group g c streams s >
xdel s 1-1
xreadgroup group g c streams s 0
?xinfo stream s
xinfo groups s
""")

family("stream-edges", r"""
config set stream-node-max-entries 3
xadd s 1-1 a 1
xadd s 1-2 a 2
xadd s 1-3 a 3
xadd s 1-4 a 4
xadd s 1-5 b 5
xadd s 1-6 a 6 c 7
xadd s 1-7 a 7
xinfo stream s
xadd s maxlen ~ 2 1-8 a 8
xlen s
xinfo stream s
xtrim s maxlen ~ 0
xlen s
xtrim s minid ~ 1-8
xrange s - +
xtrim s minid 1-8
xinfo stream s
xdel s 1-8
xinfo stream s
xadd s 2-1 a 1
xadd s 2-2 a 2
xadd s 2-3 a 3
xadd s 2-4 a 4
xtrim s maxlen ~ 1 limit 3
xlen s
xtrim s maxlen ~ 1 limit 2
xlen s
config set stream-node-max-entries 100
config set stream-node-max-bytes 60
xadd b 1-1 field valuevaluevaluevalue
xadd b 1-2 field valuevaluevaluevalue
xadd b 1-3 field valuevaluevaluevalue
xadd b 1-4 other valuevaluevaluevalue
xinfo stream b
xtrim b maxlen ~ 1
xlen b
config set stream-node-max-bytes 4096
xadd m 1-1 a 1
xadd m 2-1 a 2
xadd m 3-1 a 3
xread count 2 streams m s 0 0
xread streams m m 1-1 2-1
xread streams m s $ 0
xread streams missing m 0 3-1
xsetid m 5-0
xadd m 4-1 a 1
xadd m 5-* a 1
xsetid m 1-0
xsetid m 9-0 entriesadded 1
xsetid m 9-0 entriesadded 10 maxdeletedid 9-1
xsetid m 9-0 entriesadded 10 maxdeletedid 2-1
xsetid m 9-0 foo
xsetid missing 1-1
xinfo stream m
xgroup create m g 0
xgroup create m g2 $
xgroup create m g3 2-1 entriesread 2
xinfo groups m
xreadgroup group g c1 count 1 streams m >
xinfo groups m
xdel m 2-1
xinfo groups m
xreadgroup group g c1 streams m >
xinfo groups m
xgroup setid m g 0 entriesread 0
xinfo groups m
xgroup setid m g $
xinfo groups m
xreadgroup group g3 c2 noack streams m >
xpending m g3
xinfo groups m
xclaim m g c3 0 3-1 force justid
xclaim m g c3 0 3-1 lastid 9-9 justid
xinfo groups m
xclaim m g c3 0 3-1 time 0
xautoclaim m g c4 0 (3-1
xautoclaim m g c4 0 (18446744073709551615-18446744073709551615
xautoclaim m g c4 0 - count 1 justid
xautoclaim m g c4 0 0 foo
?xinfo stream m full
?xinfo stream m full count 1
xinfo stream m full count
xinfo stream m foo
xinfo stream m full foo 1
xinfo stream m full count abc
xinfo groups
xinfo consumers m
xgroup create m
xgroup destroy m
xgroup createconsumer m g
xgroup create m g9 0 mkstream entriesread 1
xgroup setid m g 0 entriesread -3
xgroup setid m g 0 foo 1
multi
xread block 0 streams m $
xadd m 99-1 z z
exec
xrevrange m + - count 2
xadd n nomkstream 1-1 a 1
xgroup create n g 0 mkstream
xinfo stream n
xreadgroup group g c streams n >
xinfo groups n
xadd n 1-1 a 1
xinfo groups n
xreadgroup group g c streams n >
xinfo groups n
xtrim n maxlen 0
xinfo stream n
xinfo groups n
xadd e 0-1 a 1
xadd e 0-* a 1
xadd e 1 a 1
xadd e 18446744073709551615 a 1
xadd e +1-1 a 1
xadd e " 5-1" a 1
xadd e 007-1 a 1
xadd e 18446744073709551616-1 a 1
xadd e -1-1 a 1
xadd e 1-* 1-* a 1
xadd e maxlen 1 nomkstream maxlen 1 2-1 a 1
xadd e maxlen ~ 0 limit 0 20-1 a 1
xadd e limit 5 20-2 a 1
xrange e - + count 100
xrange e - + count 1 count 2
xrange e 20-1 20
xrevrange e 20 20-1
object encoding e
type e
rename e e2
xlen e2
""")

family("geo", r"""
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

family("hyperloglog", r"""
pfadd h a b c
get h
pfadd h a
pfcount h
get h
pfcount missing
pfadd h2 c d
pfmerge h3 h h2
get h3
pfcount h3
pfcount h h2 missing
pfadd empty
get empty
pfadd empty
pfcount empty
get empty
object encoding h
set s x
pfadd s a
pfcount s
pfcount h s
pfmerge h s
pfmerge s h
lpush l a
pfadd l a
pfcount l
pfmerge h4 l
pfadd
pfcount
pfmerge
set fake "HYLL"
pfadd fake a
set dense "HYLL\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
pfadd dense a
set bad "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff"
pfcount bad
pfadd bad a
config set hll-sparse-max-bytes 40
pfadd p 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15
strlen p
pfcount p
pfadd p 16 17 18 19 20
strlen p
pfcount p
getrange p 0 15
pfadd p2 x y z
pfmerge p3 p2 p
strlen p3
pfcount p3
config set hll-sparse-max-bytes 3000
pfadd d a b c d e f g
pfdebug encoding d
pfdebug decode d
pfdebug getreg d
pfdebug todense d
pfdebug todense d
pfdebug encoding d
pfdebug decode d
get d
pfcount d
pfdebug getreg d
pfdebug foo d
pfdebug encoding d extra
pfdebug encoding nokey
pfdebug encoding s
pfdebug encoding l
pfdebug
pfselftest
pfselftest x
append h x
pfcount h
pfadd c1 a
append c1 1
pfcount c1
pfcount c1 c1
pfmerge x c1
pfadd c1 b c d
pfadd t
setrange t 17 a3.b
pfadd t e0 e1 e2 e3 e4 e5 e6 e7 e8 e9 e10 e11 e12 e13 e14 e15 e16 e17 e18 e19 e20 e21 e22 e23 e24 e25 e26 e27 e28 e29 e30 e31 e32 e33 e34 e35 e36 e37 e38 e39 e40 e41 e42 e43 e44 e45 e46 e47 e48 e49 e50 e51 e52 e53 e54 e55 e56 e57 e58 e59 e60 e61 e62 e63 e64 e65 e66 e67 e68 e69 e70 e71 e72 e73 e74 e75 e76 e77 e78 e79 e80 e81 e82 e83 e84 e85 e86 e87 e88 e89 e90 e91 e92 e93 e94 e95 e96 e97 e98 e99 e100 e101 e102 e103 e104 e105 e106 e107 e108 e109 e110 e111 e112 e113 e114 e115 e116 e117 e118 e119 e120 e121 e122 e123 e124 e125 e126 e127 e128 e129 e130 e131 e132 e133 e134 e135 e136 e137 e138 e139 e140 e141 e142 e143 e144 e145 e146 e147 e148 e149 e150 e151 e152 e153 e154 e155 e156 e157 e158 e159 e160 e161 e162 e163 e164 e165 e166 e167 e168 e169 e170 e171 e172 e173 e174 e175 e176 e177 e178 e179 e180 e181 e182 e183 e184 e185 e186 e187 e188 e189 e190 e191 e192 e193 e194 e195 e196 e197 e198 e199 e200 e201 e202 e203 e204 e205 e206 e207 e208 e209 e210 e211 e212 e213 e214 e215 e216 e217 e218 e219 e220 e221 e222 e223 e224 e225 e226 e227 e228 e229 e230 e231 e232 e233 e234 e235 e236 e237 e238 e239 e240 e241 e242 e243 e244 e245 e246 e247 e248 e249 e250 e251 e252 e253 e254 e255 e256 e257 e258 e259 e260 e261 e262 e263 e264 e265 e266 e267 e268 e269 e270 e271 e272 e273 e274 e275 e276 e277 e278 e279 e280 e281 e282 e283 e284 e285 e286 e287 e288 e289 e290 e291 e292 e293 e294 e295 e296 e297 e298 e299 e300 e301 e302 e303 e304 e305 e306 e307 e308 e309 e310 e311 e312 e313 e314 e315 e316 e317 e318 e319 e320 e321 e322 e323 e324 e325 e326 e327 e328 e329 e330 e331 e332 e333 e334 e335 e336 e337 e338 e339 e340 e341 e342 e343 e344 e345 e346 e347 e348 e349 e350 e351 e352 e353 e354 e355 e356 e357 e358 e359 e360 e361 e362 e363 e364 e365 e366 e367 e368 e369 e370 e371 e372 e373 e374 e375 e376 e377 e378 e379 e380 e381 e382 e383 e384 e385 e386 e387 e388 e389 e390 e391 e392 e393 e394 e395 e396 e397 e398 e399
pfadd t e1211 e1374 e1482
get t
pfcount t
pfadd v
setrange t 16 "~"
pfcount t t
""")


family("slowlog", r"""
config set slowlog-log-slower-than 0
slowlog reset
set k v
get k
slowlog len
? slowlog get
? slowlog get 2
? slowlog get -1
? slowlog get 0
config set slowlog-max-len 3
ping
ping
ping
ping
slowlog len
config set slowlog-max-len 0
ping
slowlog len
config set slowlog-max-len 128
config set slowlog-log-slower-than -1
slowlog reset
ping
slowlog len
config set slowlog-log-slower-than 100000000
ping
slowlog len
slowlog get x
slowlog get -2
slowlog get 1 2
slowlog len x
slowlog reset x
slowlog nosuch
slowlog
slowlog help
~ config get slowlog-*
config set slowlog-max-len -1
config set slowlog-log-slower-than -2
* info commandstats
* info errorstats
* info latencystats
config resetstat
""")


# A monitor's own commands, without those it would see echoed (their lines carry timestamps).
family("monitor", r"""
multi
monitor
exec
monitor
get k
set k v
publish ch m
monitor extra
reset
set k v
get k
""")


# CLIENT PAUSE's arguments (pauses of 0 ms, so nothing is held; holding is tested in Swift).
family("pause", r"""
client pause
client pause x
client pause -1
client pause 10 foo
client pause 10 write x
client unpause x
client pause 0 write
client pause 0 all
client unpause
set k v
""")


def parse_script(text):
    steps = []
    for line in text.strip().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        mode = ""
        if line[0] in "~?*":
            mode, line = line[0], line[1:].strip()
        steps.append((mode, shlex.split(line)))
    return steps


def normalize(reply, mode):
    raw, value = reply
    if mode == "~":
        return unordered(value)
    if mode == "?":
        return shape(value)
    if mode == "*":
        return value[0]
    return raw


def command_name(words):
    name = words[0].lower()
    if name in ("config", "object", "command", "client", "pubsub", "acl", "debug", "slowlog") and len(words) > 1:
        name += " " + words[1].lower()
    return name


def reset(conns):
    for c in conns:
        c.command("SELECT", "0")
        c.command("FLUSHALL")
        for name, value in CONFIG_DEFAULTS:
            c.command("CONFIG", "SET", name, value)


def run_families(servers, names, protocols, verbose):
    table = []
    mismatches = []
    for proto in protocols:
        for name in names:
            real, fake = Conn(servers.real_port), Conn(servers.fake_port)
            try:
                if proto == 3:
                    real.command("HELLO", "3")
                    fake.command("HELLO", "3")
                reset([real, fake])
                match = differ = 0
                for mode, words in parse_script(FAMILIES[name]):
                    real.send(words)
                    fake.send(words)
                    r = real.read()
                    try:
                        f = fake.read()
                    except Closed:
                        f = (b"<closed>", (b"?", None))
                        fake.close()
                        fake = Conn(servers.fake_port)
                        if proto == 3:
                            fake.command("HELLO", "3")
                    if normalize(r, mode) == normalize(f, mode):
                        match += 1
                    else:
                        differ += 1
                        mismatches.append((name, proto, " ".join(words), r[0], f[0]))
                table.append((name, proto, match, differ))
            finally:
                reset([real, fake])
                real.close()
                fake.close()
    return table, mismatches


# ---------------------------------------------------------------------------------------------
# Randomized


class RandomCommands:
    """Seeded random commands over a small keyspace. Only commands whose reply is determined by
    the state (no SPOP, RANDOMKEY, SCAN cursors or TTL clocks); unordered replies are marked."""

    def __init__(self, seed, families):
        self.r = random.Random(seed)
        self.keys = ["k%d" % i for i in range(6)]
        gens = {
            "strings": self.strings, "counters": self.counters, "keys": self.keyspace, "hashes": self.hashes,
            "lists": self.lists, "sets": self.sets, "zsets": self.zsets, "bitmaps": self.bitmaps,
            "transactions": self.transactions, "sort": self.sort, "algebra": self.algebra,
            "streams": self.streams, "hyperloglog": self.hyperloglog, "geo": self.geo,
        }
        self.gens = [gens[f] for f in families if f in gens]

    def key(self):
        return self.r.choice(self.keys)

    def val(self):
        r = self.r
        return r.choice(["a", "b", "c", "", "1", "-7", "42", "3.5", "x" * r.randint(1, 70), "9223372036854775807",
                         "-9223372036854775808", "1e3", " 1", "\xff"])

    def num(self):
        r = self.r
        return r.choice(["0", "1", "-1", "2", "-2", "5", "100", "-100", "abc", "9223372036854775807",
                         "-9223372036854775808", "99999999999999999999", "1.5"])

    def score(self):
        return self.r.choice(["0", "1", "-1", "1.5", "-inf", "+inf", "(1", "(2", "abc", "nan", "1e308", "3"])

    def next(self):
        return self.r.choice(self.gens)()

    def strings(self):
        k, v, r = self.key(), self.val(), self.r
        return r.choice([
            ("", ["set", k, v]), ("", ["get", k]), ("", ["append", k, v]), ("", ["strlen", k]),
            ("", ["getrange", k, self.num(), self.num()]), ("", ["setrange", k, r.choice(["0", "3", "-1", "20"]), v]),
            ("", ["getdel", k]), ("", ["getset", k, v]), ("", ["mset", k, v, self.key(), self.val()]),
            ("", ["mget", k, self.key(), self.key()]), ("", ["setnx", k, v]), ("", ["msetnx", k, v, self.key(), v]),
            ("", ["set", k, v, r.choice(["nx", "xx", "get", "keepttl", "xx get"])]),
        ])

    def counters(self):
        k, r = self.key(), self.r
        return r.choice([
            ("", ["incr", k]), ("", ["decr", k]), ("", ["incrby", k, self.num()]), ("", ["decrby", k, self.num()]),
            ("", ["incrbyfloat", k, r.choice(["1.5", "-0.25", "1e308", "abc", "0", "3"])]),
        ])

    def keyspace(self):
        k, r = self.key(), self.r
        return r.choice([
            ("", ["del", k, self.key()]), ("", ["exists", k, self.key(), k]), ("", ["type", k]),
            ("", ["rename", k, self.key()]), ("", ["renamenx", k, self.key()]), ("", ["persist", k]),
            # GT and LT compare with the time the earlier EXPIRE ran: only the reply's type is
            # compared (the two servers' clocks advance differently between commands).
            ("", ["expire", k, r.choice(["1000", "-1", "abc", "2000"]), r.choice(["nx", "xx"])]),
            ("?", ["expire", k, r.choice(["1000", "-1", "abc", "2000"]), r.choice(["gt", "lt"])]),
            ("", ["touch", k, self.key()]), ("", ["unlink", k]), ("", ["dbsize"]), ("", ["copy", k, self.key()]),
            ("", ["object", "encoding", k]), ("~", ["keys", "k*"]),
        ])

    def hashes(self):
        k, r = self.key(), self.r
        f = r.choice(["f1", "f2", "f3", "n"])
        return r.choice([
            ("", ["hset", k, f, self.val()]), ("", ["hget", k, f]), ("", ["hdel", k, f, "f2"]), ("", ["hlen", k]),
            ("", ["hincrby", k, f, self.num()]), ("", ["hincrbyfloat", k, f, r.choice(["1.5", "abc", "-2"])]),
            ("", ["hexists", k, f]), ("", ["hstrlen", k, f]), ("", ["hmget", k, f, "f1"]), ("", ["hsetnx", k, f, "v"]),
            # Order is random in Redis once a hash is a hashtable (a value over 64 bytes).
            ("~", ["hgetall", k]), ("~", ["hkeys", k]), ("~", ["hvals", k]),
        ])

    def lists(self):
        k, r = self.key(), self.r
        return r.choice([
            ("", ["lpush", k, self.val(), self.val()]), ("", ["rpush", k, self.val()]), ("", ["lpop", k]),
            ("", ["rpop", k, r.choice(["0", "1", "3", "-1"])]), ("", ["llen", k]),
            ("", ["lrange", k, self.num(), self.num()]), ("", ["lindex", k, self.num()]),
            ("", ["lset", k, self.num(), "v"]), ("", ["lrem", k, self.num(), "a"]), ("", ["ltrim", k, "0", self.num()]),
            ("", ["linsert", k, r.choice(["before", "after"]), "a", "z"]), ("", ["lpos", k, "a"]),
            ("", ["lmove", k, self.key(), r.choice(["left", "right"]), r.choice(["left", "right"])]),
            ("", ["rpushx", k, "b"]),
        ])

    def sets(self):
        k, r = self.key(), self.r
        m = r.choice(["a", "b", "1", "2", "300"])
        return r.choice([
            ("", ["sadd", k, m, self.val()]), ("", ["srem", k, m]), ("", ["scard", k]), ("", ["sismember", k, m]),
            ("", ["smismember", k, m, "a"]), ("~", ["smembers", k]), ("~", ["sunion", k, self.key()]),
            ("~", ["sinter", k, self.key()]), ("~", ["sdiff", k, self.key()]),
            ("", ["sunionstore", self.key(), k, self.key()]), ("", ["smove", k, self.key(), m]),
        ])

    def zsets(self):
        k, r = self.key(), self.r
        m = r.choice(["a", "b", "c", "d"])
        return r.choice([
            ("", ["zadd", k, self.score(), m]), ("", ["zadd", k, r.choice(["nx", "xx", "gt", "lt", "ch", "incr"]),
                                                      self.score(), m]),
            ("", ["zincrby", k, self.score(), m]), ("", ["zscore", k, m]), ("", ["zrank", k, m]),
            ("", ["zrem", k, m]), ("", ["zcard", k]), ("", ["zcount", k, self.score(), self.score()]),
            ("", ["zrange", k, self.num(), self.num(), "withscores"]),
            ("", ["zrangebyscore", k, self.score(), self.score()]), ("", ["zpopmin", k]),
            # No ZRANGEBYLEX: on members of mixed scores its result is unspecified (Redis' skiplist
            # walk depends on random node levels); the differential scripts cover equal scores.
        ])

    def bitmaps(self):
        k, r = self.key(), self.r
        return r.choice([
            ("", ["setbit", k, r.choice(["0", "7", "13", "100", "-1"]), r.choice(["0", "1", "2"])]),
            ("", ["getbit", k, r.choice(["0", "7", "13", "100"])]), ("", ["bitcount", k]),
            ("", ["bitcount", k, self.num(), self.num()]), ("", ["bitpos", k, r.choice(["0", "1"])]),
            ("", ["bitop", r.choice(["and", "or", "xor"]), self.key(), k, self.key()]),
            ("", ["bitfield", k, "overflow", r.choice(["wrap", "sat", "fail"]), r.choice(["incrby", "set"]),
                  r.choice(["i8", "u4", "i64", "u63", "i1"]), r.choice(["0", "#1", "5", "100"]), self.num(),
                  "get", r.choice(["u8", "i16"]), r.choice(["0", "3"])]),
        ])

    def sort(self):
        k, r = self.key(), self.r
        return r.choice([
            ("", ["sort", k]), ("", ["sort", k, "alpha"]), ("", ["sort", k, "desc", "limit", self.num(), self.num()]),
            ("~", ["sort", k, "by", "nosort"]), ("", ["sort", k, "alpha", "store", self.key()]),
            ("", ["sort_ro", k, "alpha", "desc"]),
        ])

    def algebra(self):
        k, r = self.key(), self.r
        return r.choice([
            ("", ["zunionstore", self.key(), "2", k, self.key()]),
            ("", ["zinterstore", self.key(), "2", k, self.key(), "weights", "2", self.score()]),
            ("", ["zunion", "2", k, self.key(), "aggregate", r.choice(["min", "max", "sum"]), "withscores"]),
            ("", ["zdiff", "2", k, self.key(), "withscores"]), ("", ["zintercard", "2", k, self.key()]),
            ("", ["sintercard", "2", k, self.key()]), ("", ["zrangestore", self.key(), k, "0", self.num()]),
            ("", ["lmpop", "2", k, self.key(), r.choice(["left", "right"]), "count", r.choice(["1", "2", "0"])]),
            ("", ["zmpop", "2", k, self.key(), r.choice(["min", "max"])]),
        ])

    def sid(self):
        r = self.r
        return r.choice(["0", "1", "1-1", "2-0", "2-*", "3-5", "5", "0-0", "-", "+", "(1-1", "abc", "$", ">",
                         "18446744073709551615-18446744073709551615"])

    def streams(self):
        # Explicit IDs only (an automatic ID is the server's clock); no idle times.
        k, r = self.key(), self.r
        g = r.choice(["g1", "g2"])
        c = r.choice(["c1", "c2"])
        ms = str(r.randint(1, 40))
        return r.choice([
            ("", ["xadd", k, ms + "-" + r.choice(["*", "0", "1", "7"]), "f", self.val()]),
            ("", ["xadd", k, r.choice(["maxlen", "minid"]), r.choice(["~", "=", ""]) or "=", r.choice(["0", "2", "5", "9-0"]),
                  ms + "-*", "f", "v", "g", self.val()]),
            ("", ["xadd", k, "nomkstream", ms + "-*", "f", "v"]),
            ("", ["xlen", k]), ("", ["xrange", k, self.sid(), self.sid()]),
            ("", ["xrevrange", k, self.sid(), self.sid(), "count", r.choice(["1", "3", "0", "-1"])]),
            ("", ["xdel", k, self.sid(), ms + "-0"]), ("", ["xtrim", k, "maxlen", r.choice(["0", "1", "3", "-1"])]),
            ("", ["xtrim", k, "minid", self.sid()]),
            ("", ["xread", "count", r.choice(["1", "2", "0"]), "streams", k, self.key(), self.sid(), self.sid()]),
            ("", ["xgroup", "create", k, g, self.sid()] + r.choice([[], ["mkstream"], ["entriesread", "2"]])),
            ("", ["xgroup", "setid", k, g, self.sid()]), ("", ["xgroup", "destroy", k, g]),
            ("", ["xgroup", "createconsumer", k, g, c]), ("", ["xgroup", "delconsumer", k, g, c]),
            ("", ["xreadgroup", "group", g, c, "count", r.choice(["1", "2", "0"])] + r.choice([[], ["noack"]])
             + ["streams", k, r.choice([">", ">", "0", "1-1"])]),
            ("", ["xack", k, g, self.sid(), ms + "-0"]), ("", ["xpending", k, g]),
            ("", ["xclaim", k, g, c, "0", self.sid(), ms + "-0", r.choice(["justid", "force", "retrycount", "lastid"]),
                  r.choice(["3", "1-1"])]),
            ("", ["xautoclaim", k, g, c, "0", self.sid(), "count", r.choice(["1", "2", "10"])]),
            ("", ["xinfo", "stream", k]), ("", ["xinfo", "groups", k]), ("", ["xsetid", k, self.sid()]),
        ])

    def hyperloglog(self):
        k, r = self.key(), self.r
        elems = ["e%d" % r.randint(0, 3000) for _ in range(r.choice([0, 1, 3, 40, 400]))]
        return r.choice([
            ("", ["pfadd", k] + elems), ("", ["pfcount", k]), ("", ["pfcount", k, self.key(), self.key()]),
            ("", ["pfmerge", k, self.key(), self.key()]), ("", ["get", k]),
            ("", ["setrange", k, r.choice(["4", "15", "16", "17", "40"]), r.choice(["\x01", "\x7f", "\xff", "a"])]),
        ])

    def lonlat(self):
        r = self.r
        if r.random() < 0.2:
            return [r.choice(["180", "-180", "0", "181", "abc"]), r.choice(["85.05112878", "-85.05112878", "0", "86"])]
        return ["%.6f" % r.uniform(-180, 180), "%.6f" % r.uniform(-85, 85)]

    def geo(self):
        k, r = self.key(), self.r
        m = r.choice(["a", "b", "c", "d", "e", "f"])
        radius = r.choice(["0", "1", "100", "1000", "5000", "20000", "-1"])
        unit = r.choice(["m", "km", "mi", "ft"])
        opts = r.sample(["withdist", "withcoord", "withhash", "asc", "desc"], r.randint(0, 3))
        if r.random() < 0.3:
            opts += ["count", r.choice(["1", "3"])] + r.choice([[], ["any"]])
        return r.choice([
            ("", ["geoadd", k] + self.lonlat() + [m] + self.lonlat() + [r.choice(["a", "b", "c", "d", "e", "f"])]),
            ("", ["geopos", k, m, "b"]), ("", ["geohash", k, m, "c"]), ("", ["geodist", k, m, "b", unit]),
            ("", ["georadius", k] + self.lonlat() + [radius, unit] + opts),
            ("", ["georadiusbymember", k, m, radius, unit] + opts),
            ("", ["geosearch", k, "frommember", m, "bybox", radius, r.choice(["1", "500", "4000"]), unit] + opts),
            ("", ["geosearch", k, "fromlonlat"] + self.lonlat() + ["byradius", radius, unit] + opts),
            ("", ["geosearchstore", self.key(), k, "frommember", m, "byradius", radius, unit]
             + r.choice([[], ["storedist"]])),
            ("", ["zrange", k, "0", "-1", "withscores"]),
        ])

    def transactions(self):
        return self.r.choice([("", ["multi"]), ("", ["exec"]), ("", ["discard"])])


def run_random(servers, count, seed, families, batch, verbose):
    gen = RandomCommands(seed, families)
    real, fake = Conn(servers.real_port), Conn(servers.fake_port)
    reset([real, fake])
    real.command("CONFIG", "SET", "appendonly", "no")
    ran = differ = 0
    by_command = {}
    first = []
    started = time.time()
    while ran < count:
        n = min(batch, count - ran)
        steps = [gen.next() for _ in range(n)]
        real.send_many([s[1] for s in steps])
        fake.send_many([s[1] for s in steps])
        diverged = False
        for mode, words in steps:
            r, f = real.read(), fake.read()
            name = command_name(words)
            stats = by_command.setdefault(name, [0, 0])
            if normalize(r, mode) == normalize(f, mode):
                stats[0] += 1
            else:
                stats[1] += 1
                differ += 1
                diverged = True
                if len(first) < 20:
                    first.append((" ".join(words), r[0], f[0]))
        ran += n
        if diverged:
            # Start both from the same state again (outside any MULTI).
            for c in (real, fake):
                c.command("DISCARD")
                c.command("FLUSHALL")
    elapsed = time.time() - started
    reset([real, fake])
    real.close()
    fake.close()
    return ran, differ, by_command, first, elapsed


# ---------------------------------------------------------------------------------------------


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--fake-bin", help="the fake server binary (default .build/debug/FakeRedisServerRunner)")
    p.add_argument("--redis-server", help="redis-server binary (default: from PATH)")
    p.add_argument("--family", "--families", dest="families", default="all",
                   help="comma-separated families, 'all' or 'none'")
    p.add_argument("--resp", default="2,3", help="protocols (default 2,3)")
    p.add_argument("--random", type=int, default=2000, help="randomized commands (default 2000; 0: none)")
    p.add_argument("--seed", type=int, default=15, help="randomized seed (default 15)")
    p.add_argument("--random-families", default="strings,counters,keys,hashes,lists,sets,zsets,bitmaps,sort,algebra,streams,hyperloglog,geo",
                   help="families the randomized run mixes")
    p.add_argument("--batch", type=int, default=200, help="randomized commands per pipelined batch")
    p.add_argument("--include-gaps", action="store_true",
                   help="with 'all', also run the families the fake does not serve yet (%s)" % ", ".join(sorted(KNOWN_GAPS)))
    p.add_argument("--list", action="store_true", help="list the families and exit")
    p.add_argument("-v", "--verbose", action="store_true", help="show every mismatch")
    p.add_argument("--allow-mismatch", action="store_true", help="exit 0 even when replies differ")
    args = p.parse_args()
    if args.list:
        print("\n".join(FAMILIES))
        return 0
    if args.families == "all":
        names = [n for n in FAMILIES if args.include_gaps or n not in KNOWN_GAPS]
    else:
        names = [] if args.families == "none" else args.families.split(",")
    for n in names:
        if n not in FAMILIES:
            sys.exit("unknown family %r (see --list)" % n)
    protocols = [int(x) for x in args.resp.split(",")]

    servers = Servers(args)
    total_differ = 0
    try:
        print("redis-server %s on :%d, fake on :%d" % (servers.version, servers.real_port, servers.fake_port))
        if names:
            table, mismatches = run_families(servers, names, protocols, args.verbose)
            print()
            print("%-14s %5s %7s %9s" % ("family", "resp", "match", "mismatch"))
            tm = td = 0
            for name, proto, match, differ in table:
                print("%-14s %5d %7d %9d" % (name, proto, match, differ))
                tm += match
                td += differ
            print("%-14s %5s %7d %9d   (%.1f%% match)" % ("total", "", tm, td, 100.0 * tm / max(1, tm + td)))
            total_differ += td
            if mismatches:
                shown = mismatches if args.verbose else mismatches[:15]
                print("\nmismatches%s:" % ("" if args.verbose else " (first 15; -v for all)"))
                for name, proto, cmd, r, f in shown:
                    print("  [%s RESP%d] %s\n    redis: %s\n    fake:  %s" % (name, proto, cmd, show(r), show(f)))
        if args.random > 0:
            fams = args.random_families.split(",")
            ran, differ, by_command, first, elapsed = run_random(
                servers, args.random, args.seed, fams, args.batch, args.verbose)
            total_differ += differ
            print("\nrandomized: %d commands, seed %d, families %s: %d mismatches (%.1fs, %.0f commands/s)"
                  % (ran, args.seed, ",".join(fams), differ, elapsed, ran / max(elapsed, 1e-9)))
            bad = sorted(((n, s) for n, s in by_command.items() if s[1]), key=lambda x: -x[1][1])
            if bad:
                print("  mismatches by command: " + ", ".join("%s %d/%d" % (n, s[1], s[0] + s[1]) for n, s in bad))
                for cmd, r, f in first[: (20 if args.verbose else 8)]:
                    print("  %s\n    redis: %s\n    fake:  %s" % (cmd, show(r), show(f)))
    finally:
        servers.stop()
    if total_differ and not args.allow_mismatch:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
