/*
 * default_config.c — the embedded single-node configuration `lode server`
 * uses without a properties file: config/server.properties without its
 * comments (test_server_defaults keeps the two equal).
 */
#include "server/server.h"

const char lode_server_default_properties[] =
    "process.roles=broker,controller\n"
    "node.id=1\n"
    "controller.quorum.voters=1@localhost:9093\n"
    "listeners=PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093\n"
    "advertised.listeners=PLAINTEXT://localhost:9092\n"
    "controller.listener.names=CONTROLLER\n"
    "inter.broker.listener.name=PLAINTEXT\n"
    "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT\n"
    "log.dirs=data\n"
    "num.partitions=1\n"
    "default.replication.factor=1\n"
    "auto.create.topics.enable=true\n"
    "offsets.topic.replication.factor=1\n"
    "transaction.state.log.replication.factor=1\n"
    "transaction.state.log.min.isr=1\n"
    "num.network.threads=2\n"
    "socket.request.max.bytes=104857600\n"
    "log.retention.hours=168\n"
    "log.segment.bytes=1073741824\n"
    "log.retention.check.interval.ms=300000\n";
