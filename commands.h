/* commands.h - the entry point of every command, for main.c's table.
 * Each folder implements its own; one line each. */
#ifndef TSN_COMMANDS_H
#define TSN_COMMANDS_H

#include "lib/cmd.h"

int inventory_main(int argc, char **argv, struct tsn_ctx *ctx);
int nodes_main(int argc, char **argv, struct tsn_ctx *ctx);
int cloud_main(int argc, char **argv, struct tsn_ctx *ctx);
int probe_main(int argc, char **argv, struct tsn_ctx *ctx);
int preflight_main(int argc, char **argv, struct tsn_ctx *ctx);
int status_main(int argc, char **argv, struct tsn_ctx *ctx);
int state_main(int argc, char **argv, struct tsn_ctx *ctx);
int node_main(int argc, char **argv, struct tsn_ctx *ctx);
int enable_ipsec_main(int argc, char **argv, struct tsn_ctx *ctx);
int report_main(int argc, char **argv, struct tsn_ctx *ctx);
int disable_ipsec_main(int argc, char **argv, struct tsn_ctx *ctx);
int verify_main(int argc, char **argv, struct tsn_ctx *ctx);
int throughput_main(int argc, char **argv, struct tsn_ctx *ctx);

#endif
