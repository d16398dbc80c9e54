# Writes the hand-made seed inputs of fuzz/FuzzFakeEngine.swift into fuzz/corpus-engine/:
# each seed is a list of commands, encoded the way FuzzVocabulary decodes them.
#   python3 fuzz/make-engine-seeds.py .
import re, os, sys
root = sys.argv[1]
src = open(os.path.join(root, 'fuzz/FuzzFakeEngine.swift')).read()
def strlist(name):
    m = re.search(r'static let %s = \[(.*?)\n    \]' % name, src, re.S)
    return [bytes(x, 'utf-8').decode('unicode_escape') for x in re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1))]
keys, integers, floats, words = (strlist(n) for n in ('keys', 'integers', 'floats', 'words'))
table = open(os.path.join(root, 'Sources/StrataFakeRedis/Commands/Engine+CommandTable.swift')).read()
top = re.findall(r'(?:cmd|plain)\("([a-z-]+)"', table)
subs = re.findall(r'sub\("([a-z]+)", "([a-z-]+)"', table)
containers = sorted(set(c for c, _ in subs))
names = []
for n in sorted(top + containers):
    names.append([n])
    for s in sorted(x for c, x in subs if c == n):
        names.append([n, s])
def arg(a):
    for sel, lst in ((0, keys), (4, integers), (7, floats), (9, words)):
        if a in lst:
            return bytes([sel, lst.index(a)])
    b = a.encode()
    assert len(b) < 24, a
    return bytes([14, len(b)]) + b
def command(client, words_):
    for i, n in enumerate(names):
        k = len(n)
        if [w.lower() for w in words_[:k]] == n and (k == 2 or not any(len(m) == 2 and m[0] == n[0] for m in names)):
            args = words_[k:]
            return bytes([client, i >> 8, i & 255, len(args)]) + b''.join(arg(a) for a in args)
    raise SystemExit('no command for %r' % words_)
seeds = {
    'hrandfield-negative-counts': ['hrandfield hash -9223372036854775808', 'hrandfield hash -4611686018427387904 WITHVALUES', 'hrandfield hash -1000000000000', 'hrandfield missing -4611686018427387903 WITHVALUES'],
    'srandmember-negative-counts': ['srandmember set -9223372036854775808', 'srandmember set -1000000000000', 'srandmember set -10'],
    'list-indexes': ['lrem list -9223372036854775808 a', 'lrange list -9223372036854775808 9223372036854775807', 'lindex list -9223372036854775808', 'lpos list a RANK -9223372036854775808 COUNT 0', 'ltrim list 9223372036854775807 -9223372036854775808'],
    'string-ranges': ['getrange str -9223372036854775808 9223372036854775807', 'setrange str 1048576 x', 'setrange str 1048575 x', 'append str str', 'mget str str str str str str str'],
    'counters': ['incrby int 9223372036854775807', 'decrby int -9223372036854775808', 'incrbyfloat float inf', 'incrbyfloat float 1e308', 'hincrbyfloat hash f3 -inf'],
    'expiry': ['set str v PXAT 9223372036854775807', 'expiretime str', 'ttl str', 'expire int 9223372036854775807', 'pexpire int -9223372036854775808', 'getex float EX 9223372036854775'],
    'blocking-timeouts': ['blpop missing -inf', 'brpop missing 1e300', 'blpop missing 9223372036854775', 'lpush missing x'],
    'debug-sleep': ['debug SLEEP inf', 'debug SLEEP 1e300', 'debug SLEEP -1', 'wait 0 -1'],
    'sorted-sets': ['zrange zset -inf +inf BYSCORE LIMIT 0 -9223372036854775808', 'zadd zset INCR -inf m', 'zrangebyscore zset 1e4000 -1e4000', 'zincrby zset inf n'],
    'transaction-big-replies': ['multi', 'srandmember set -100000', 'mget str str', 'exec'],
    'scan-and-select': ['scan 0 COUNT 9223372036854775807', 'select 2147483648', 'move str 9223372036854775807', 'client kill ID 9223372036854775808'],
}
out = os.path.join(root, 'fuzz/corpus-engine')
for name, lines in seeds.items():
    one_client = name.startswith('transaction')
    data = b''.join(command(0 if one_client else i % 3, line.split()) for i, line in enumerate(lines))
    open(os.path.join(out, name), 'wb').write(data)
print(len(names), 'commands;', len(seeds), 'seeds')
