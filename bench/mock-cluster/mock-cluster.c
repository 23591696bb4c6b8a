/*
 * librdkafka's in-process mock cluster, as a stand-alone broker for benchmarks: it prints its
 * bootstrap servers on one line, then serves until its standard input closes. Topics named on the
 * command line are created with 4 partitions (kafkajs's admin cannot: the mock has no controller).
 * Build: cc -O2 -o mock-cluster mock-cluster.c -lrdkafka
 */
#include <stdio.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

int main(int argc, char **argv) {
  char errstr[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  /* the mock cluster lives inside a client handle; a producer handle is the lightest */
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (!rk) { fprintf(stderr, "rd_kafka_new: %s\n", errstr); return 1; }
  rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, 1);
  if (!mc) { fprintf(stderr, "rd_kafka_mock_cluster_new failed\n"); return 1; }
  for (int i = 1; i < argc; i++) rd_kafka_mock_topic_create(mc, argv[i], 4, 1);
  printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
  fflush(stdout);
  while (getchar() != EOF) { }
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
  return 0;
}
