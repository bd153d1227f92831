/*
 * produce_consume_1m.c — librdkafka against a real `lode server` ($LODE_BIN,
 * started here in a temporary directory): 1,000,000 records produced to one
 * partition (acks=all, idempotent, lz4), then consumed back from offset 0,
 * checking every record's offset, key and value, and that nothing follows.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define N 1000000
#define TOPIC "one-million"

static int pick_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t l = sizeof a;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &l) != 0) {
        close(fd);
        return -1;
    }
    close(fd);
    return ntohs(a.sin_port);
}

static int listening(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

static long delivered, failed;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    (void)opaque;
    if (m->err)
        failed++;
    else
        delivered++;
}

int main(void)
{
    const char *bin = getenv("LODE_BIN");
    if (!bin) {
        printf("SKIP produce_consume_1m: LODE_BIN not set (run through tests/run)\n");
        return 0;
    }
    char dir[] = "/tmp/lode-1m-XXXXXX";
    if (!mkdtemp(dir)) {
        printf("FAIL produce_consume_1m: mkdtemp\n");
        return 1;
    }
    int port = pick_port(), cport = pick_port();
    char props[256], log[256], cmd[512];
    snprintf(props, sizeof props, "%s/server.properties", dir);
    snprintf(log, sizeof log, "%s/server.log", dir);
    FILE *f = fopen(props, "w");
    fprintf(f,
            "process.roles=broker,controller\nnode.id=1\ncontroller.quorum.voters=1@127.0.0.1:%d\n"
            "listeners=PLAINTEXT://127.0.0.1:%d,CONTROLLER://127.0.0.1:%d\n"
            "advertised.listeners=PLAINTEXT://127.0.0.1:%d\ncontroller.listener.names=CONTROLLER\n"
            "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT\n"
            "log.dirs=%s/data\n",
            cport, port, cport, port, dir);
    fclose(f);
    pid_t pid = fork();
    if (pid == 0) {
        if (!freopen(log, "w", stderr))
            _exit(127);
        execl(bin, bin, "server", props, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 600 && !listening(port); i++)
        usleep(50000);

    int bad = 0;
    char bootstrap[64], err[512];
    snprintf(bootstrap, sizeof bootstrap, "127.0.0.1:%d", port);

    /* produce */
    rd_kafka_conf_t *pc = rd_kafka_conf_new();
    rd_kafka_conf_set(pc, "bootstrap.servers", bootstrap, err, sizeof err);
    rd_kafka_conf_set(pc, "acks", "all", err, sizeof err);
    rd_kafka_conf_set(pc, "enable.idempotence", "true", err, sizeof err);
    rd_kafka_conf_set(pc, "compression.type", "lz4", err, sizeof err);
    rd_kafka_conf_set(pc, "linger.ms", "10", err, sizeof err);
    rd_kafka_conf_set_dr_msg_cb(pc, on_delivery);
    rd_kafka_t *p = rd_kafka_new(RD_KAFKA_PRODUCER, pc, err, sizeof err);
    for (long i = 0; i < N; i++) {
        char k[16], v[32];
        int kl = snprintf(k, sizeof k, "k%ld", i % 1000);
        int vl = snprintf(v, sizeof v, "value-%07ld", i);
        while (rd_kafka_producev(p, RD_KAFKA_V_TOPIC(TOPIC), RD_KAFKA_V_PARTITION(0),
                                 RD_KAFKA_V_KEY(k, (size_t)kl), RD_KAFKA_V_VALUE(v, (size_t)vl),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                 RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
            rd_kafka_poll(p, 10);
        rd_kafka_poll(p, 0);
    }
    rd_kafka_flush(p, 300000);
    rd_kafka_destroy(p);
    if (delivered != N || failed) {
        printf("FAIL produce_consume_1m:produce: %ld delivered, %ld failed\n", delivered, failed);
        bad = 1;
    } else {
        printf("PASS produce_consume_1m:produce (1,000,000 records, acks=all, idempotent, lz4)\n");
    }

    /* consume */
    rd_kafka_conf_t *cc = rd_kafka_conf_new();
    rd_kafka_conf_set(cc, "bootstrap.servers", bootstrap, err, sizeof err);
    rd_kafka_conf_set(cc, "group.id", "one-million", err, sizeof err);
    rd_kafka_conf_set(cc, "enable.auto.commit", "false", err, sizeof err);
    rd_kafka_conf_set(cc, "enable.partition.eof", "true", err, sizeof err);
    rd_kafka_t *c = rd_kafka_new(RD_KAFKA_CONSUMER, cc, err, sizeof err);
    rd_kafka_topic_partition_list_t *tp = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(tp, TOPIC, 0)->offset = 0;
    rd_kafka_assign(c, tp);
    rd_kafka_topic_partition_list_destroy(tp);
    long next = 0, wrong = 0;
    time_t deadline = time(NULL) + 300;
    int eof = 0;
    while (!eof && time(NULL) < deadline) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 1000);
        if (!m)
            continue;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            eof = next >= N;
        } else if (m->err) {
            printf("  consume error: %s\n", rd_kafka_message_errstr(m));
            wrong++;
        } else {
            char k[16], v[32];
            int kl = snprintf(k, sizeof k, "k%ld", next % 1000);
            int vl = snprintf(v, sizeof v, "value-%07ld", next);
            if (m->offset != next || m->key_len != (size_t)kl || memcmp(m->key, k, (size_t)kl) ||
                m->len != (size_t)vl || memcmp(m->payload, v, (size_t)vl)) {
                if (wrong++ < 5)
                    printf("  record at offset %" PRId64 " is not record %ld\n", m->offset, next);
            }
            next++;
        }
        rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);
    if (next != N || wrong) {
        printf("FAIL produce_consume_1m:consume: %ld records read, %ld wrong\n", next, wrong);
        bad = 1;
    } else {
        printf("PASS produce_consume_1m:consume (all 1,000,000 in order, offsets, keys, values)\n");
    }

    kill(pid, SIGTERM);
    int st = 0;
    waitpid(pid, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        printf("FAIL produce_consume_1m:orderly_stop: server status %d\n", st);
        bad = 1;
    } else {
        printf("PASS produce_consume_1m:orderly_stop\n");
    }
    if (bad) {
        snprintf(cmd, sizeof cmd, "tail -50 %s", log);
        if (system(cmd) != 0)
            printf("  (no server log)\n");
    }
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        printf("  cannot remove %s\n", dir);
    return bad;
}
