#!/usr/bin/env python3
"""Generates Sources/StrataFakeRedis/Engine/CommandMetadata+Data.swift from a real redis-server.

    scripts/generate_command_metadata.py            # writes the Swift file
    scripts/generate_command_metadata.py --check    # exits 1 when the checked-in file is stale

Reads the commands the fake serves from Sources/StrataFakeRedis/Commands/Engine+CommandTable.swift
(`cmd("name"`, `plain("name"`, `container: "name"` and `sub("container", "name"`), starts a
`redis-server --port <free port> --save ''`, switches to RESP3 and asks `COMMAND INFO` and
`COMMAND DOCS` for those commands. Subcommands the fake does not serve are left out of their
container's entries, and the remaining ones are sorted by name (Redis lists them in its hash
table's order, which changes from one process to the next).

The replies are written in a compact notation, one command per line, that
CommandMetadata.swift parses once: `*N` array, `%N` map, `~N` set (each followed by its N
values, or N pairs), `:N` integer, `+word` simple string, `_` null, a bare word or a "quoted
string" (with \\" and \\\\ escapes) a bulk string. Python 3 standard library only.
"""

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TABLE = os.path.join(ROOT, "Sources/StrataFakeRedis/Commands/Engine+CommandTable.swift")
OUTPUT = os.path.join(ROOT, "Sources/StrataFakeRedis/Engine/CommandMetadata+Data.swift")


class Simple(str):
    """A RESP simple string (a bulk string is a plain str)."""


class RESPSet(list):
    """A RESP3 set (an array is a plain list)."""


class RESPMap(list):
    """A RESP3 map, as a list of (key, value) pairs in the server's order."""


def read_value(f):
    line = f.readline()
    if not line.endswith(b"\r\n"):
        raise EOFError("connection closed")
    kind, rest = line[:1], line[1:-2].decode()
    if kind == b"+":
        return Simple(rest)
    if kind == b"-":
        raise RuntimeError("error reply: " + rest)
    if kind == b":":
        return int(rest)
    if kind == b"_":
        return None
    if kind == b"$":
        data = f.read(int(rest) + 2)
        return data[:-2].decode()
    if kind in (b"*", b"~"):
        items = [read_value(f) for _ in range(int(rest))]
        return items if kind == b"*" else RESPSet(items)
    if kind == b"%":
        return RESPMap((read_value(f), read_value(f)) for _ in range(int(rest)))
    raise RuntimeError("unexpected reply type %r" % kind)


def command(sock, f, *args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a.encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    sock.sendall(out)
    return read_value(f)


def served_commands():
    """Top-level names and full subcommand names (`container|sub`) of the fake's table."""
    text = open(TABLE).read()
    top = re.findall(r'\b(?:cmd|plain)\("([a-z_\-]+)"', text)
    top += re.findall(r'container: "([a-z_\-]+)"', text)
    subs = ["%s|%s" % pair for pair in re.findall(r'\bsub\("([a-z_\-]+)", "([a-z_\-]+)"', text)]
    return sorted(set(top)), set(subs)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# A bulk string written bare: no blank, quote or backslash, and no leading notation character.
BARE = re.compile(r'^[^\s"\\*%~:+_][^\s"\\]*$')


def encode(value, out):
    """Appends the compact notation of `value` to `out` (a list of tokens)."""
    if isinstance(value, Simple):
        assert value and " " not in value and '"' not in value, value
        out.append("+" + value)
    elif isinstance(value, bool):
        raise RuntimeError("unexpected boolean")
    elif isinstance(value, int):
        out.append(":%d" % value)
    elif value is None:
        out.append("_")
    elif isinstance(value, str):
        assert "\n" not in value and "\r" not in value, value
        if BARE.match(value):
            out.append(value)
        else:
            out.append('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"')
    elif isinstance(value, RESPMap):
        out.append("%%%d" % len(value))
        for k, v in value:
            encode(k, out)
            encode(v, out)
    elif isinstance(value, RESPSet):
        out.append("~%d" % len(value))
        for v in value:
            encode(v, out)
    elif isinstance(value, list):
        out.append("*%d" % len(value))
        for v in value:
            encode(v, out)
    else:
        raise RuntimeError("unexpected value %r" % (value,))


def wrap(tokens, indent="    ", width=120):
    """The tokens as lines of at most `width` columns where possible (a token is never split)."""
    lines, line = [], indent
    for token in tokens:
        if line.strip() and len(line) + 1 + len(token) > width:
            lines.append(line)
            line = indent + "    " + token
        else:
            line = line + (" " if line.strip() else "") + token
    lines.append(line)
    return lines


def swift_file(version, info, docs):
    head = [
        "// The COMMAND INFO and COMMAND DOCS replies of redis-server %s for the commands the fake" % version,
        "// serves, generated by scripts/generate_command_metadata.py from the real server's RESP3",
        "// replies (subcommands the fake does not serve left out, the others sorted by name). Do not",
        "// edit: run the script again. The notation is described in CommandMetadata.swift.",
        "",
        "extension CommandMetadata {",
        "    /// COMMAND INFO's entry of each top-level command, one per line.",
        '    static let infoText = #"""',
    ]
    body = []
    for entry in info:
        tokens = []
        encode(entry, tokens)
        body += wrap(tokens, indent="        ")
    middle = [
        '        """#',
        "",
        "    /// COMMAND DOCS's name and entry of each top-level command, one per line.",
        '    static let docsText = #"""',
    ]
    body2 = []
    for name, entry in docs:
        tokens = [name]
        encode(entry, tokens)
        body2 += wrap(tokens, indent="        ")
    tail = ['        """#', "}", ""]
    return "\n".join(head + body + middle + body2 + tail)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="only check that the file is up to date")
    parser.add_argument("--redis-server", default=shutil.which("redis-server") or "redis-server")
    options = parser.parse_args()

    top, subs = served_commands()
    port = free_port()
    server = subprocess.Popen(
        [options.redis_server, "--port", str(port), "--save", "", "--appendonly", "no", "--bind", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                sock = socket.create_connection(("127.0.0.1", port))
                break
            except OSError:
                time.sleep(0.05)
        else:
            sys.exit("redis-server did not start")
        f = sock.makefile("rb")
        hello = dict(command(sock, f, "HELLO", "3"))
        version = hello["version"]
        info = command(sock, f, "COMMAND", "INFO", *top)
        docs = command(sock, f, "COMMAND", "DOCS", *top)
    finally:
        server.terminate()
        server.wait()

    missing = [name for name, entry in zip(top, info) if entry is None]
    if missing:
        sys.exit("redis-server %s does not know: %s" % (version, " ".join(missing)))
    for entry in info:
        entry[9] = type(entry[9])(sorted((s for s in entry[9] if s[0] in subs), key=lambda s: s[0]))
    unknown = subs - {s[0] for entry in info for s in entry[9]}
    if unknown:
        sys.exit("redis-server %s does not know: %s" % (version, " ".join(sorted(unknown))))
    docs = dict(docs)
    ordered_docs = []
    for name in top:
        entry = RESPMap(docs[name])
        for i, (key, value) in enumerate(entry):
            if key == "subcommands":
                entry[i] = (key, RESPMap(sorted(((k, v) for k, v in value if k in subs), key=lambda kv: kv[0])))
        ordered_docs.append((name, entry))

    text = swift_file(version, info, ordered_docs)
    if options.check:
        current = open(OUTPUT).read() if os.path.exists(OUTPUT) else ""
        if current != text:
            sys.exit("%s is stale: run scripts/generate_command_metadata.py" % os.path.relpath(OUTPUT, ROOT))
        print("up to date")
        return
    with open(OUTPUT, "w") as out:
        out.write(text)
    print("wrote %s: %d commands, %d subcommands, %d bytes" % (os.path.relpath(OUTPUT, ROOT), len(top), len(subs), len(text)))


if __name__ == "__main__":
    main()
