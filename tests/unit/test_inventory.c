/* test_inventory.c - the inventory parser on good input: the round trip
 * through the formatter, defaults, every key's value, equality that sees
 * every field, effective per-node values, the enum names, loading from
 * a file (read errors, the world-writable warning), freeing twice,
 * finding this host's node and a cluster of mixed address families.
 * The rejections are in test_inventory_reject.c, the address and prefix
 * parsers in test_inventory_addr.c.
 */
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/inventory_fixtures.h"

/* Parse, write, parse again: equal inventories and the same text. */
static void round_trip(const char *text, size_t len)
{
	struct tsn_inventory a, b, c;
	struct tsn_buf t1 = { 0 }, t2 = { 0 };

	parse_ok(text, len, &a);
	cr_assert_eq(tsn_inventory_format(&a, &t1), 0);
	parse_ok(t1.p, t1.len, &b);
	cr_assert(tsn_inventory_equal(&a, &b), "not equal after:\n%s", t1.p);
	cr_assert(tsn_inventory_equal(&b, &a));
	cr_assert_eq(tsn_inventory_format(&b, &t2), 0);
	cr_assert_str_eq(t1.p, t2.p, "formatting is not stable");
	parse_ok(t2.p, t2.len, &c);
	cr_assert(tsn_inventory_equal(&a, &c));
	tsn_inventory_free(&a);
	tsn_inventory_free(&b);
	tsn_inventory_free(&c);
	tsn_buf_free(&t1);
	tsn_buf_free(&t2);
}

#define ALL_KEYS \
	"; every key set\n" \
	"[cluster]\n" \
	"name = prod-eu\n" \
	"transport = netns\n" \
	"interface = bond0.100\n" \
	"ssh_user = deploy\n" \
	"ssh_port = 2222\n" \
	"ssh_identity = /etc/tsnet/id_ed25519\n" \
	"ssh_options = StrictHostKeyChecking=yes  ProxyJump=admin@bastion:22\n" \
	"remote_tsnet = /usr/local/sbin/tsnet\n" \
	"concurrency = 1024\n" \
	"timeout = 86400\n" \
	"payload_mtu = 1400\n" \
	"auth = x509\n" \
	"encap = yes\n" \
	"esp_proposals = aes128gcm16-ecp256\n" \
	"ike_proposals = aes128gcm16-prfsha256-ecp256\n" \
	"rekey_time = 3600\n" \
	"cloud = azure\n" \
	"subnet = 198.18.0.0/15 , fd00:7473::/48\n" \
	"azure_resource_group = rg-prod.eu(1)\n" \
	"azure_nsg = nsg_prod-1\n" \
	"azure_priority = 100\n" \
	"aws_region = eu-west-1\n" \
	"aws_security_group = sg-0123456789abcdef0\n" \
	"aws_vpc = vpc-01234567\n" \
	"gcp_project = my-project-1\n" \
	"gcp_network = default\n" \
	"gcp_target_tags = ipsec,db\n" \
	"\n" \
	"[node db1]\n" \
	"address = fd00:7473::1\n" \
	"address6 = fd00:7473::101\n" \
	"netns = lab-db1\n" \
	"ssh_host = db1.example.com\n" \
	"ssh_user = _ops\n" \
	"ssh_port = 22\n" \
	"interface = eth1\n" \
	"remote_tsnet = tsnet-0.1\n" \
	"[node db2]\n" \
	"address = 198.18.0.2\n"

/* Comments after values, headers and keys with no value; as the README
 * writes them. */
#define COMMENTED \
	"[cluster]   # the whole cluster\n" \
	"name = c            # lowercase, digits, -\n" \
	"transport = netns\t; ssh | netns | local\n" \
	"interface =         # unset: the route's\n" \
	"ssh_identity =;\n" \
	"ssh_options = BatchMode=yes ConnectTimeout=5 # two\n" \
	"subnet = 198.18.0.0/15, fd00:7473::/48 ;; both\n" \
	"cloud = azure # n\xc5\x93ud: not ASCII, in a comment\n" \
	"azure_nsg = nsg_1 #;#\n" \
	"[node a] ; first\n" \
	"address = 198.18.0.1 #\n" \
	"ssh_port = 2222 # 22 is taken\n"

struct good_case {
	char text[2048];
	size_t len;
};

ParameterizedTestParameters(inventory, round_trip)
{
	static struct good_case cases[] = {
		{ T("[cluster]\nname = c\n[node a]\naddress = 198.18.0.1\n") },
		{ T("[cluster]\nname=c\n[node a]\naddress=198.18.0.1") },
		{ T("  # indented comment\n\t; another\n[ cluster ]\n"
		    "\tname\t=\tc\t\n[node   a]\naddress = 198.18.0.1  \n") },
		{ T("[cluster]\r\nname = c\r\n[node a]\r\naddress = "
		    "198.18.0.1\r\n") },
		{ T("[node v6]\naddress = FD00:7473:0000::0001\naddress6 = "
		    "fd00:7473::2\n[cluster]\nname = v6\nsubnet = "
		    "fd00:7473::/32\n[node v4]\naddress = 198.18.0.1\n") },
		{ T("[cluster]\nname = c\ninterface =\nssh_options =\nsubnet =\n"
		    "# a comment in UTF-8: n\xc5\x93ud\n[node a]\naddress = "
		    "198.18.0.1\naddress6 =\n") },
		{ T(ALL_KEYS) },
		{ T(COMMENTED) },
	};
	return tsn_param_array(struct good_case, cases);
}

ParameterizedTest(struct good_case *c, inventory, round_trip)
{
	round_trip(c->text, c->len);
}

TSN_PARAM_ALL(struct good_case, inventory, round_trip)

Test(inventory, round_trip_64_nodes)
{
	char *text = many_nodes(64, true);
	struct tsn_inventory inv;

	round_trip(text, strlen(text));
	parse_ok(text, strlen(text), &inv);
	cr_assert_eq(inv.n_nodes, 64);
	cr_assert_str_eq(inv.nodes[63].name, "n63");
	cr_assert_eq(inv.nodes[63].line, 3 + 63 * 3 + 1);
	tsn_inventory_free(&inv);
	free(text);
}

Test(inventory, defaults)
{
	static const char text[] =
		"[cluster]\nname = c\n[node a]\naddress = 198.18.0.1\n";
	struct tsn_inventory inv;
	const struct tsn_cluster *c = &inv.cluster;

	parse_ok(text, strlen(text), &inv);
	cr_assert_str_eq(inv.path, "t.conf");
	cr_assert_str_eq(c->name, "c");
	cr_assert_eq(c->transport, TSN_TRANSPORT_SSH);
	cr_assert_null(c->interface);
	cr_assert_str_eq(c->ssh_user, "root");
	cr_assert_eq(c->ssh_port, 22);
	cr_assert_null(c->ssh_identity);
	cr_assert_null(c->ssh_options);
	cr_assert_str_eq(c->remote_tsnet, "tsnet");
	cr_assert_eq(c->concurrency, 32);
	cr_assert_eq(c->timeout, 60);
	cr_assert_eq(c->payload_mtu, 0);
	cr_assert_eq(c->auth, TSN_AUTH_PSK);
	cr_assert_eq(c->encap, TSN_ENCAP_AUTO);
	cr_assert_str_eq(c->esp_proposals,
			 "aes256gcm16-x25519,aes128gcm16-x25519");
	cr_assert_str_eq(c->ike_proposals, "aes256gcm16-prfsha384-x25519,"
			 "aes128gcm16-prfsha256-ecp256");
	cr_assert_eq(c->rekey_time, 14400);
	cr_assert_eq(c->cloud, TSN_CLOUD_NONE);
	cr_assert_eq(c->n_subnets, 0);
	cr_assert_null(c->subnets);
	cr_assert_eq(c->azure_priority, 3000);
	cr_assert_null(c->azure_resource_group);
	cr_assert_null(c->aws_security_group);
	cr_assert_null(c->gcp_target_tags);
	cr_assert_eq(inv.n_nodes, 1);
	cr_assert_str_eq(inv.nodes[0].name, "a");
	cr_assert_eq(inv.nodes[0].line, 3);
	cr_assert_eq(inv.nodes[0].addr6.family, 0);
	cr_assert_eq(inv.nodes[0].ssh_port, 0);
	tsn_inventory_free(&inv);
}

Test(inventory, all_keys_values)
{
	struct tsn_inventory inv;
	const struct tsn_cluster *c = &inv.cluster;
	const struct tsn_node *n;
	char buf[64];

	parse_ok(ALL_KEYS, strlen(ALL_KEYS), &inv);
	cr_assert_eq(c->transport, TSN_TRANSPORT_NETNS);
	cr_assert_str_eq(c->ssh_options[0], "StrictHostKeyChecking=yes");
	cr_assert_str_eq(c->ssh_options[1], "ProxyJump=admin@bastion:22");
	cr_assert_null(c->ssh_options[2]);
	cr_assert_eq(c->payload_mtu, 1400);
	cr_assert_eq(c->auth, TSN_AUTH_X509);
	cr_assert_eq(c->encap, TSN_ENCAP_YES);
	cr_assert_eq(c->cloud, TSN_CLOUD_AZURE);
	cr_assert_eq(c->n_subnets, 2);
	cr_assert_str_eq(tsn_addr_str(&c->subnets[1].addr, buf, sizeof(buf)),
			 "fd00:7473::");
	cr_assert_eq(c->subnets[1].len, 48);
	cr_assert_str_eq(c->azure_resource_group, "rg-prod.eu(1)");
	cr_assert_str_eq(c->gcp_target_tags, "ipsec,db");
	n = tsn_inventory_find(&inv, "db1");
	cr_assert_not_null(n);
	cr_assert_eq(n->addr.family, AF_INET6);
	cr_assert_str_eq(n->remote_tsnet, "tsnet-0.1");
	cr_assert_null(tsn_inventory_find(&inv, "db3"));
	cr_assert_null(tsn_inventory_find(&inv, NULL));
	tsn_inventory_free(&inv);
}

Test(inventory, comments_after_values)
{
	struct tsn_inventory inv;
	const struct tsn_cluster *c = &inv.cluster;
	char buf[64];

	parse_ok(COMMENTED, strlen(COMMENTED), &inv);
	cr_assert_str_eq(c->name, "c");
	cr_assert_eq(c->transport, TSN_TRANSPORT_NETNS);
	cr_assert_null(c->interface, "a value that is only a comment");
	cr_assert_null(c->ssh_identity, "';' right after '='");
	cr_assert_str_eq(c->ssh_options[0], "BatchMode=yes");
	cr_assert_str_eq(c->ssh_options[1], "ConnectTimeout=5");
	cr_assert_null(c->ssh_options[2]);
	cr_assert_eq(c->n_subnets, 2);
	cr_assert_eq(c->subnets[1].len, 48);
	cr_assert_eq(c->cloud, TSN_CLOUD_AZURE);
	cr_assert_str_eq(c->azure_nsg, "nsg_1");
	cr_assert_eq(inv.n_nodes, 1);
	cr_assert_str_eq(inv.nodes[0].name, "a");
	cr_assert_str_eq(tsn_addr_str(&inv.nodes[0].addr, buf, sizeof(buf)),
			 "198.18.0.1");
	cr_assert_eq(inv.nodes[0].ssh_port, 2222);
	tsn_inventory_free(&inv);
}

/* Changing any one value must make the inventories differ: equal()
 * looks at every field. */
struct alt_case {
	char find[64];
	char repl[96];
};

ParameterizedTestParameters(inventory, equal_sees_every_field)
{
	static struct alt_case cases[] = {
		{ "name = prod-eu", "name = prod-us" },
		{ "transport = netns", "transport = local" },
		{ "interface = bond0.100", "interface = bond0" },
		{ "ssh_user = deploy", "ssh_user = root" },
		{ "ssh_port = 2222", "ssh_port = 2223" },
		{ "ssh_identity = /etc/tsnet/id_ed25519", "ssh_identity = /x" },
		{ "ProxyJump=admin@bastion:22", "ProxyJump=admin@bastion:2" },
		{ "  ProxyJump=admin@bastion:22", "" },
		{ "remote_tsnet = /usr/local/sbin/tsnet", "remote_tsnet = ts" },
		{ "concurrency = 1024", "concurrency = 1023" },
		{ "timeout = 86400", "timeout = 1" },
		{ "payload_mtu = 1400", "payload_mtu = 0" },
		{ "auth = x509", "auth = psk" },
		{ "encap = yes", "encap = no" },
		{ "esp_proposals = aes128gcm16-ecp256", "esp_proposals = a" },
		{ "ike_proposals = aes128gcm16-prfsha256-ecp256",
		  "ike_proposals = b" },
		{ "rekey_time = 3600", "rekey_time = 3601" },
		{ "cloud = azure", "cloud = gcp" },
		{ "fd00:7473::/48", "fd00:7473::/47" },
		{ "198.18.0.0/15 ,", "198.18.0.0/16 ," },
		{ "198.18.0.0/15 ,", "" },
		{ "azure_resource_group = rg-prod.eu(1)",
		  "azure_resource_group = rg" },
		{ "azure_nsg = nsg_prod-1", "azure_nsg = nsg" },
		{ "azure_priority = 100", "azure_priority = 101" },
		{ "aws_region = eu-west-1", "aws_region = eu-west-2" },
		{ "aws_security_group = sg-0123456789abcdef0",
		  "aws_security_group = sg-01234567" },
		{ "aws_vpc = vpc-01234567", "aws_vpc = vpc-01234568" },
		{ "gcp_project = my-project-1", "gcp_project = my-project-2" },
		{ "gcp_network = default", "gcp_network = other" },
		{ "gcp_target_tags = ipsec,db", "gcp_target_tags = ipsec" },
		{ "[node db1]", "[node db0]" },
		{ "address = fd00:7473::1\n", "address = fd00:7473::3\n" },
		{ "address6 = fd00:7473::101", "address6 = fd00:7473::102" },
		{ "address6 = fd00:7473::101", "" },
		{ "netns = lab-db1", "netns = lab-db2" },
		{ "ssh_host = db1.example.com", "ssh_host = db1" },
		{ "ssh_user = _ops", "" },
		{ "ssh_port = 22\n", "ssh_port = 23\n" },
		{ "interface = eth1", "interface = eth2" },
		{ "remote_tsnet = tsnet-0.1", "remote_tsnet = tsnet" },
		{ "[node db2]\naddress = 198.18.0.2\n", "" },
	};
	return tsn_param_array(struct alt_case, cases);
}

ParameterizedTest(struct alt_case *c, inventory, equal_sees_every_field)
{
	struct tsn_inventory a, b;
	struct tsn_buf t = { 0 };
	const char *at = strstr(ALL_KEYS, c->find);

	cr_assert_not_null(at, "'%s' not in the text", c->find);
	tsn_buf_add(&t, ALL_KEYS, (size_t)(at - ALL_KEYS));
	tsn_buf_puts(&t, c->repl);
	tsn_buf_puts(&t, at + strlen(c->find));
	parse_ok(ALL_KEYS, strlen(ALL_KEYS), &a);
	parse_ok(t.p, t.len, &b);
	cr_assert_not(tsn_inventory_equal(&a, &b), "equal after %s -> %s",
		      c->find, c->repl);
	cr_assert_not(tsn_inventory_equal(&b, &a));
	tsn_inventory_free(&a);
	tsn_inventory_free(&b);
	tsn_buf_free(&t);
}

TSN_PARAM_ALL(struct alt_case, inventory, equal_sees_every_field)

/* A pair is between two addresses of one family: enable-ipsec and live
 * verify refuse a cluster whose addresses are of both. */
Test(inventory, mixed_families)
{
	static const char mixed[] =
		"[cluster]\nname = c\n"
		"[node n1]\naddress = 198.18.0.1\naddress6 = fd00:7473::1\n"
		"[node n2]\naddress = 198.18.0.2\n"
		"[node n3]\naddress = fd00:7473::3\n";
	static const char dual[] =
		"[cluster]\nname = c\n"
		"[node n1]\naddress = 198.18.0.1\naddress6 = fd00:7473::1\n"
		"[node n2]\naddress = 198.18.0.2\n";
	static const char six[] =
		"[cluster]\nname = c\n"
		"[node n1]\naddress = fd00:7473::1\n"
		"[node n2]\naddress = fd00:7473::2\n";
	struct tsn_inventory inv;
	char why[300] = "";

	parse_ok(mixed, strlen(mixed), &inv);
	cr_assert(tsn_inventory_mixed(&inv, why, sizeof(why)));
	cr_assert_str_eq(why, "nodes n1 and n3 have addresses of different "
			 "families (every address IPv4 or every one IPv6; "
			 "IPv6 beside IPv4 goes in address6)");
	tsn_inventory_free(&inv);
	parse_ok(dual, strlen(dual), &inv);
	cr_assert_not(tsn_inventory_mixed(&inv, why, sizeof(why)));
	tsn_inventory_free(&inv);
	parse_ok(six, strlen(six), &inv);
	cr_assert_not(tsn_inventory_mixed(&inv, why, sizeof(why)));
	tsn_inventory_free(&inv);
}

Test(inventory, effective_values)
{
	static const char text[] =
		"[cluster]\nname = c\nssh_user = deploy\nssh_port = 2200\n"
		"interface = eth1\nremote_tsnet = /opt/tsnet\n"
		"[node a]\naddress = 198.18.0.1\n"
		"[node b]\naddress = fd00:7473::2\nnetns = ns-b\n"
		"ssh_host = b.example\nssh_user = admin\nssh_port = 22\n"
		"interface = eth9\nremote_tsnet = tsnet2\n";
	struct tsn_inventory inv;
	const struct tsn_node *a, *b;
	char buf[INET6_ADDRSTRLEN];

	parse_ok(text, strlen(text), &inv);
	a = tsn_inventory_find(&inv, "a");
	b = tsn_inventory_find(&inv, "b");
	cr_assert_str_eq(tsn_node_netns(a), "a");
	cr_assert_str_eq(tsn_node_netns(b), "ns-b");
	cr_assert_str_eq(tsn_node_ssh_host(a, buf, sizeof(buf)), "198.18.0.1");
	cr_assert_str_eq(tsn_node_ssh_host(b, buf, sizeof(buf)), "b.example");
	cr_assert_str_eq(tsn_node_ssh_user(&inv, a), "deploy");
	cr_assert_str_eq(tsn_node_ssh_user(&inv, b), "admin");
	cr_assert_eq(tsn_node_ssh_port(&inv, a), 2200);
	cr_assert_eq(tsn_node_ssh_port(&inv, b), 22);
	cr_assert_str_eq(tsn_node_interface(&inv, a), "eth1");
	cr_assert_str_eq(tsn_node_interface(&inv, b), "eth9");
	cr_assert_str_eq(tsn_node_remote_tsnet(&inv, a), "/opt/tsnet");
	cr_assert_str_eq(tsn_node_remote_tsnet(&inv, b), "tsnet2");
	tsn_inventory_free(&inv);

	/* cluster defaults reach the nodes */
	parse_ok(T("[cluster]\nname = c\n[node a]\naddress = 198.18.0.1\n"),
		 &inv);
	a = &inv.nodes[0];
	cr_assert_str_eq(tsn_node_ssh_user(&inv, a), "root");
	cr_assert_eq(tsn_node_ssh_port(&inv, a), 22);
	cr_assert_null(tsn_node_interface(&inv, a));
	cr_assert_str_eq(tsn_node_remote_tsnet(&inv, a), "tsnet");
	tsn_inventory_free(&inv);
}

Test(inventory, names)
{
	cr_assert_str_eq(tsn_transport_name(TSN_TRANSPORT_SSH), "ssh");
	cr_assert_str_eq(tsn_transport_name(TSN_TRANSPORT_NETNS), "netns");
	cr_assert_str_eq(tsn_transport_name(TSN_TRANSPORT_LOCAL), "local");
	cr_assert_str_eq(tsn_cloud_name(TSN_CLOUD_NONE), "none");
	cr_assert_str_eq(tsn_cloud_name(TSN_CLOUD_AUTO), "auto");
	cr_assert_str_eq(tsn_cloud_name(TSN_CLOUD_AZURE), "azure");
	cr_assert_str_eq(tsn_cloud_name(TSN_CLOUD_AWS), "aws");
	cr_assert_str_eq(tsn_cloud_name(TSN_CLOUD_GCP), "gcp");
	cr_assert_str_eq(tsn_cloud_name((enum tsn_cloud)99), "?");
	cr_assert_str_eq(tsn_auth_name(TSN_AUTH_X509), "x509");
	cr_assert_str_eq(tsn_encap_name(TSN_ENCAP_NO), "no");
}

/* Files: the same line numbers as from memory, the read errors, and the
 * world-writable warning. */
static char warned[512];

static void save_warning(void *arg, const char *msg)
{
	cr_assert_str_eq(arg, "ctx");
	snprintf(warned, sizeof(warned), "%s", msg);
}

static void write_tmp(char *path, const void *data, size_t len, mode_t mode)
{
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, data, len), (ssize_t)len);
	cr_assert_eq(fchmod(fd, mode), 0);
	close(fd);
}

Test(inventory, load)
{
	static const char good[] =
		"[cluster]\nname = c\n[node a]\naddress = 198.18.0.1\n";
	static const char bad[] =
		"[cluster]\nname = c\n# NUL ahead\n\n[node a]\nad\0dress = x\n";
	char path[] = "/tmp/ti-inv-XXXXXX", want[600];
	static char ctx[] = "ctx";
	struct tsn_inv_diag diag = { .warn = save_warning, .warn_arg = ctx };
	struct tsn_inventory inv;

	write_tmp(path, good, sizeof(good) - 1, 0644);
	cr_assert_eq(tsn_inventory_load(path, &inv, &diag), 0, "%s",
		     diag.error);
	cr_assert_str_eq(inv.path, path);
	cr_assert_eq(inv.n_nodes, 1);
	cr_assert_str_eq(warned, "", "no warning for a 0644 file");
	tsn_inventory_free(&inv);

	chmod(path, 0666);
	cr_assert_eq(tsn_inventory_load(path, &inv, &diag), 0);
	snprintf(want, sizeof(want), "%s: world-writable, anyone "
		 "can change the cluster's inventory", path);
	cr_assert_str_eq(warned, want);
	tsn_inventory_free(&inv);
	cr_assert_eq(tsn_inventory_load(path, &inv, NULL), 0, "diag optional");
	tsn_inventory_free(&inv);
	unlink(path);

	strcpy(path, "/tmp/ti-inv-XXXXXX");
	write_tmp(path, bad, sizeof(bad) - 1, 0600);
	cr_assert_eq(tsn_inventory_load(path, &inv, &diag), -EINVAL);
	snprintf(want, sizeof(want), "%s:6: binary data (byte 0x00)", path);
	cr_assert_str_eq(diag.error, want);
	cr_assert_null(inv.nodes);
	cr_assert_eq(tsn_inventory_parse(path, bad, sizeof(bad) - 1, &inv,
					 &diag), -EINVAL);
	cr_assert_str_eq(diag.error, want, "memory and file agree");
	unlink(path);

	cr_assert_eq(tsn_inventory_load("/nonexistent/ti.conf", &inv, &diag),
		     -ENOENT);
	cr_assert_str_eq(diag.error, "/nonexistent/ti.conf: cannot read: No "
			 "such file or directory");
	cr_assert_eq(tsn_inventory_load("/tmp", &inv, &diag), -EISDIR);
	cr_assert_str_eq(diag.error, "/tmp: cannot read: Is a directory");
}

Test(inventory, free_twice_and_empty)
{
	struct tsn_inventory inv = { 0 };

	tsn_inventory_free(&inv);
	tsn_inventory_free(&inv);
	tsn_inventory_free(NULL);
}

/* Which node is this host: 127.0.0.1 is on every host's lo, 192.0.2.0/24
 * (TEST-NET-1) on none. */
Test(inventory, self)
{
	struct tsn_inventory inv;

	parse_ok(T("[cluster]\nname = c\n[node far]\naddress = 192.0.2.1\n"
		   "[node me]\naddress = 127.0.0.1\n"), &inv);
	cr_assert_eq(tsn_inventory_self(&inv), tsn_inventory_find(&inv, "me"));
	tsn_inventory_free(&inv);
	parse_ok(T("[cluster]\nname = c\n[node far]\naddress = 192.0.2.1\n"),
		 &inv);
	cr_assert_null(tsn_inventory_self(&inv));
	tsn_inventory_free(&inv);
}
