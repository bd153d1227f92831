#ifndef LODE_CORE_VERSION_H
#define LODE_CORE_VERSION_H
#define LODE_VERSION "0.1.0"
/* The Apache Kafka release whose protocol and semantics lode follows. */
#define LODE_KAFKA_COMPAT "4.0"
#endif
