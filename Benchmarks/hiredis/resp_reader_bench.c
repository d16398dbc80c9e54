/*
 * The reference for StrataRESP's parser: hiredis' redisReader on the same corpora
 * (Benchmarks/Sources/BenchmarkCorpora/RESPCorpus.swift builds identical bytes), fed in
 * 16 KiB reads, replies freed as a client would. Prints JSON like RESPCompare.
 *
 *   gcc -O2 -o resp_reader_bench resp_reader_bench.c -lhiredis   (Debian: libhiredis-dev)
 *   ./resp_reader_bench [RUNS] [CORPUS...]
 */
#include <hiredis/hiredis.h>
#include <hiredis/read.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct { char *data; size_t len, cap; } buf_t;

static void put(buf_t *b, const void *p, size_t n) {
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2;
        b->data = realloc(b->data, b->cap);
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}
static void puts_(buf_t *b, const char *s) { put(b, s, strlen(s)); }
static void fill(buf_t *b, char c, size_t n) {
    char tmp[4096];
    memset(tmp, c, sizeof tmp);
    while (n > 0) { size_t k = n < sizeof tmp ? n : sizeof tmp; put(b, tmp, k); n -= k; }
}

static buf_t corpus(const char *name, long *count) {
    buf_t b = {0};
    char line[64];
    if (!strcmp(name, "ok")) {
        *count = 1000000;
        for (long i = 0; i < *count; i++) puts_(&b, "+OK\r\n");
    } else if (!strcmp(name, "integers")) {
        *count = 1000000;
        for (long i = 0; i < *count; i++) {
            snprintf(line, sizeof line, ":%llu\r\n", (unsigned long long)(((uint64_t)i * 2654435761ULL) % 1000000000ULL));
            puts_(&b, line);
        }
    } else if (!strcmp(name, "bulk64")) {
        *count = 1000000;
        for (long i = 0; i < *count; i++) { puts_(&b, "$64\r\n"); fill(&b, 'a' + i % 26, 64); puts_(&b, "\r\n"); }
    } else if (!strcmp(name, "arrays")) {
        *count = 10000;
        for (long i = 0; i < *count; i++) {
            puts_(&b, "*100\r\n");
            for (long j = 0; j < 100; j++) { puts_(&b, "$16\r\n"); fill(&b, 'a' + (i + j) % 26, 16); puts_(&b, "\r\n"); }
        }
    } else { /* bulk1MiB */
        *count = 200;
        for (long i = 0; i < *count; i++) {
            snprintf(line, sizeof line, "$%d\r\n", 1 << 20);
            puts_(&b, line); fill(&b, 'a' + i % 26, 1 << 20); puts_(&b, "\r\n");
        }
    }
    return b;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* CPU time: descheduling does not count */
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    int runs = argc > 1 ? atoi(argv[1]) : 5;
    const char *names[] = {"ok", "integers", "bulk64", "arrays", "bulk1MiB"};
    printf("{");
    int printed = 0;
    for (int n = 0; n < 5; n++) {
        if (argc > 2) {
            int wanted = 0;
            for (int a = 2; a < argc; a++) wanted |= !strcmp(argv[a], names[n]);
            if (!wanted) continue;
        }
        long count;
        buf_t b = corpus(names[n], &count);
        double best = 1e30;
        for (int r = 0; r < runs; r++) {
            double start = now();
            redisReader *reader = redisReaderCreate();
            reader->maxbuf = 0; /* never shrink the buffer: fairest to hiredis */
            long got = 0;
            for (size_t off = 0; off < b.len; off += 16384) {
                size_t k = b.len - off < 16384 ? b.len - off : 16384;
                redisReaderFeed(reader, b.data + off, k);
                void *reply;
                while (redisReaderGetReply(reader, &reply) == REDIS_OK && reply != NULL) {
                    got++;
                    freeReplyObject(reply);
                }
            }
            redisReaderFree(reader);
            double elapsed = now() - start;
            if (got != count) { fprintf(stderr, "%s: parsed %ld of %ld\n", names[n], got, count); return 1; }
            if (elapsed < best) best = elapsed;
        }
        printf("%s\"%s\": {\"nsPerValue\": %g, \"gbPerSecond\": %g, \"bytes\": %zu}", printed++ ? ", " : "", names[n],
               best * 1e9 / count, b.len / best / 1e9, b.len);
        free(b.data);
    }
    printf("}\n");
    return 0;
}
