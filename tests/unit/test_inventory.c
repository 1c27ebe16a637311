/* test_inventory.c - the inventory parser: every rejection with its exact
 * line and message, the round trip, defaults, effective values, and the
 * address and prefix parsers. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/inventory.h"
#include "lib/util.h"

/* Arrays, not pointers: Criterion copies parameters across processes. */
struct bad_case {
	char text[640];
	size_t len;
	unsigned line;
	char msg[240];
};

#define T(s) s, sizeof(s) - 1
/* Lines 1-4; what follows is line 5, inside [node a]. */
#define NODE "[cluster]\nname = c\n[node a]\naddress = 198.18.0.1\n"
/* Lines 1-4; what follows is line 5, inside [cluster]. */
#define CLUS "[node a]\naddress = 198.18.0.1\n[cluster]\nname = c\n"
#define CHARS_RG "(allowed: letters, digits and ._()-)"
#define CHARS_USER "(allowed: lowercase letters, digits and _-)"
#define CHARS_NAME "(allowed: lowercase letters, digits and -)"

ParameterizedTestParameters(inventory, rejects)
{
	static struct bad_case cases[] = {
		/* structure */
		{ T(NODE "[foo]\n"), 5, "unknown section '[foo]' (expected "
		  "[cluster] or [node NAME])" },
		{ T(NODE "[clustr]\n"), 5, "unknown section '[clustr]' (did "
		  "you mean [cluster]?)" },
		{ T(NODE "[cluster]\n"), 5, "a second [cluster] section (the "
		  "first is at line 1)" },
		{ T(NODE "[cluster x]\n"), 5, "[cluster] takes no name" },
		{ T(NODE "[node b\n"), 5, "section header without a closing "
		  "']'" },
		{ T(NODE "[node b] x\n"), 5, "unexpected text after ']'" },
		{ T(NODE "[node]\n"), 5, "[node] needs a name: [node NAME]" },
		{ T(NODE "adress = 198.18.0.2\n"), 5, "unknown key 'adress' "
		  "(did you mean 'address'?)" },
		{ T(NODE "Address6 = fd00:7473::1\n"), 5, "unknown key "
		  "'Address6' (did you mean 'address6'?)" },
		{ T(NODE "colour = blue\n"), 5, "unknown key 'colour'" },
		{ T(CLUS "tmeout = 5\n"), 5, "unknown key 'tmeout' (did you "
		  "mean 'timeout'?)" },
		{ T(CLUS "address = 198.18.0.2\n"), 5, "'address' belongs in "
		  "a [node NAME] section, not in [cluster]" },
		{ T(NODE "concurrency = 4\n"), 5, "'concurrency' belongs in "
		  "[cluster], not in a [node] section" },
		{ T("# x\nname = c\n"), 2, "'name' is outside any section "
		  "(keys go under [cluster] or [node NAME])" },
		{ T(NODE "address = 198.18.0.2\n"), 5, "'address' is set twice "
		  "in this section (first at line 4)" },
		{ T(CLUS "name = d\n"), 5, "'name' is set twice in this "
		  "section (first at line 4)" },
		{ T(NODE "just words\n"), 5, "expected 'key = value' or a "
		  "[section], not 'just words'" },
		{ T(NODE " = 1\n"), 5, "a value without a key" },
		{ T(CLUS "ssh_port =\n"), 5, "'ssh_port' needs a value" },
		{ T("[cluster]\nname =\n"), 2, "'name' needs a value" },
		/* nodes */
		{ T(NODE "[node a]\naddress = 198.18.0.2\n"), 5,
		  "duplicate node 'a' (first at line 3)" },
		{ T(NODE "[node DB]\n"), 5, "character 'D' is not allowed in "
		  "a node name " CHARS_NAME },
		{ T(NODE "[node db_1]\n"), 5, "character '_' is not allowed in "
		  "a node name " CHARS_NAME },
		{ T(NODE "[node db 1]\n"), 5, "a space is not allowed in a "
		  "node name " CHARS_NAME },
		{ T(NODE "[node -db]\n"), 5, "a node name must not start with "
		  "'-'" },
		{ T(NODE "[node " "0123456789012345678901234567890123456789"
		    "012345678901234567890123]\n"), 5, "a node name is longer "
		  "than 63 characters" },
		{ T(NODE "[node d\xc3\xa9]\n"), 5, "non-ASCII byte 0xc3 is not "
		  "allowed in a node name " CHARS_NAME },
		{ T("[cluster]\nname = c\n[node a]\nssh_port = 22\n[node b]\n"
		    "address = 198.18.0.2\n"), 3, "node 'a' has no address" },
		{ T(NODE "[node b]\n\n"), 5, "node 'b' has no address" },
		/* addresses */
		{ T(NODE "[node b]\naddress = 198.18.0.1\n"), 6,
		  "duplicate address 198.18.0.1 (node 'a' at line 3 has it)" },
		{ T("[cluster]\nname = c\n[node a]\naddress = 198.18.0.1\n"
		    "address6 = fd00:7473::1\n[node b]\naddress = fd00:7473:0::1"
		    "\n"), 7, "duplicate address fd00:7473::1 (node 'a' at line "
		  "3 has it)" },
		{ T(NODE "address6 = 198.18.0.2\n"), 5, "address6 must be an "
		  "IPv6 address" },
		{ T(NODE "[node b]\naddress = 0.0.0.0\n"), 6, "address 0.0.0.0 "
		  "is the unspecified address" },
		{ T(NODE "[node b]\naddress = ::\n"), 6, "address :: is the "
		  "unspecified address" },
		{ T(NODE "[node b]\naddress = 224.0.0.1\n"), 6, "address "
		  "224.0.0.1 is a multicast address" },
		{ T(NODE "[node b]\naddress = 239.255.255.250\n"), 6, "address "
		  "239.255.255.250 is a multicast address" },
		{ T(NODE "[node b]\naddress = 255.255.255.255\n"), 6, "address "
		  "255.255.255.255 is the broadcast address" },
		{ T(NODE "address6 = ff02::1\n"), 5, "address6 ff02::1 is a "
		  "multicast address" },
		{ T(NODE "[node b]\naddress = ::ffff:198.18.0.9\n"), 6,
		  "address ::ffff:198.18.0.9 is an IPv4-mapped IPv6 address "
		  "(write the IPv4 address)" },
		{ T(NODE "[node b]\naddress = 198.18.0.256\n"), 6, "address "
		  "'198.18.0.256' is not an IPv4 or IPv6 address" },
		{ T(NODE "[node b]\naddress = 198.18.0.2/24\n"), 6, "address "
		  "'198.18.0.2/24' is not an IPv4 or IPv6 address (give the "
		  "node's own address, no prefix length)" },
		{ T(NODE "[node b]\naddress = 198.18.0.2 # db\n"), 6, "address "
		  "'198.18.0.2 # db' is not an IPv4 or IPv6 address (comments "
		  "go on a line of their own)" },
		{ T(NODE "[node b]\naddress = db1.example.com\n"), 6, "address "
		  "'db1.example.com' is not an IPv4 or IPv6 address" },
		/* bytes */
		{ T(NODE "address6 = fd00:7473::1\x01\n"), 5, "binary data "
		  "(byte 0x01)" },
		{ T(NODE "# a comment with a NUL \0 in it\n"), 5, "binary data "
		  "(byte 0x00)" },
		{ T(NODE "netns = x\x1b[31m\n"), 5, "binary data (byte 0x1b)" },
		{ T("[cluster]\x7f\n"), 1, "binary data (byte 0x7f)" },
		{ T("\x7f" "ELF\x02\x01\x01\0\0\0"), 1, "binary data (byte 0x7f)" },
		{ T(NODE "netns = a\rb\n"), 5, "binary data (byte 0x0d)" },
		/* whole-file checks */
		{ T(""), 1, "no [cluster] section" },
		{ T("# only a comment\n\n"), 1, "no [cluster] section" },
		{ T("[node a]\naddress = 198.18.0.1\n"), 1, "no [cluster] "
		  "section" },
		{ T("[cluster]\ntransport = local\n[node a]\naddress = "
		    "198.18.0.1\n"), 1, "[cluster] has no name (add: name = "
		  "NAME)" },
		{ T("\n\n[cluster]\nname = c\n"), 3, "the cluster has no nodes" },
		/* [cluster] values */
		{ T(CLUS "[cluster]\n"), 5, "a second [cluster] section (the "
		  "first is at line 3)" },
		{ T("[cluster]\nname = Prod\n"), 2, "character 'P' is not "
		  "allowed in the cluster name " CHARS_NAME },
		{ T(CLUS "transport = telnet\n"), 5, "transport must be ssh, "
		  "netns or local, not 'telnet'" },
		{ T(CLUS "auth = rsa\n"), 5, "auth must be psk or x509, not "
		  "'rsa'" },
		{ T(CLUS "encap = maybe\n"), 5, "encap must be auto, yes or no, "
		  "not 'maybe'" },
		{ T(CLUS "cloud = ibm\n"), 5, "cloud must be none, auto, azure, "
		  "aws or gcp, not 'ibm'" },
		{ T(CLUS "ssh_port = 0\n"), 5, "ssh_port 0 is out of range (1 "
		  "to 65535)" },
		{ T(CLUS "ssh_port = 65536\n"), 5, "ssh_port 65536 is out of "
		  "range (1 to 65535)" },
		{ T(CLUS "ssh_port = 22x\n"), 5, "ssh_port must be a number "
		  "from 1 to 65535, not '22x'" },
		{ T(CLUS "ssh_port = -1\n"), 5, "ssh_port must be a number "
		  "from 1 to 65535, not '-1'" },
		{ T(CLUS "ssh_port = 0x16\n"), 5, "ssh_port must be a number "
		  "from 1 to 65535, not '0x16'" },
		{ T(CLUS "concurrency = 0\n"), 5, "concurrency 0 is out of "
		  "range (1 to 1024)" },
		{ T(CLUS "concurrency = 1025\n"), 5, "concurrency 1025 is out "
		  "of range (1 to 1024)" },
		{ T(CLUS "timeout = 86401\n"), 5, "timeout 86401 is out of "
		  "range (1 to 86400)" },
		{ T(CLUS "timeout = 99999999999999999999999\n"), 5, "timeout "
		  "99999999999999999999999 is out of range (1 to 86400)" },
		{ T(CLUS "payload_mtu = 575\n"), 5, "payload_mtu must be 0 (no "
		  "check) or from 576 to 65535" },
		{ T(CLUS "payload_mtu = 65536\n"), 5, "payload_mtu 65536 is out "
		  "of range (0 to 65535)" },
		{ T(CLUS "rekey_time = 59\n"), 5, "rekey_time 59 is out of "
		  "range (60 to 604800)" },
		{ T(CLUS "azure_priority = 4097\n"), 5, "azure_priority 4097 is "
		  "out of range (100 to 4096)" },
		{ T(CLUS "ssh_user = ro ot\n"), 5, "a space is not allowed in "
		  "ssh_user " CHARS_USER },
		{ T(CLUS "ssh_user = r\xd0\xbe\xd0\xbet\n"), 5, "non-ASCII byte "
		  "0xd0 is not allowed in ssh_user " CHARS_USER },
		{ T(CLUS "ssh_user = root$(id)\n"), 5, "character '$' is not "
		  "allowed in ssh_user " CHARS_USER },
		{ T(CLUS "ssh_user = 1abc\n"), 5, "ssh_user must start with a "
		  "lowercase letter or '_'" },
		{ T(CLUS "ssh_user = root # admin\n"), 5, "a space is not "
		  "allowed in ssh_user " CHARS_USER "; comments go on a line "
		  "of their own" },
		{ T(CLUS "ssh_identity = id_ed25519\n"), 5, "ssh_identity must "
		  "be an absolute path" },
		{ T(CLUS "ssh_identity = /root/.ssh/id\"x\n"), 5, "character "
		  "'\"' is not allowed in ssh_identity (allowed: letters, "
		  "digits and ._/+-)" },
		{ T(CLUS "ssh_options = BatchMode\n"), 5, "ssh option "
		  "'BatchMode' is not Key=Value" },
		{ T(CLUS "ssh_options = ConnectTimeout=\n"), 5, "ssh option "
		  "'ConnectTimeout=' is not Key=Value" },
		{ T(CLUS "ssh_options = =yes\n"), 5, "ssh option '=yes' is not "
		  "Key=Value" },
		{ T(CLUS "ssh_options = Port=22 Proxy-Jump=h\n"), 5, "character "
		  "'-' is not allowed in an ssh option name (allowed: letters, "
		  "digits)" },
		{ T(CLUS "ssh_options = ProxyJump=`id`\n"), 5, "character '`' is "
		  "not allowed in an ssh option value (allowed: letters, "
		  "digits and ._/:@,=+-)" },
		{ T(CLUS "ssh_options = ProxyCommand=/bin/nc\n"), 5, "ssh option "
		  "ProxyCommand runs a local command and is not allowed" },
		{ T(CLUS "ssh_options = localcommand=/bin/sh\n"), 5, "ssh option "
		  "LocalCommand runs a local command and is not allowed" },
		{ T(CLUS "remote_tsnet = ./tsnet\n"), 5, "remote_tsnet must be "
		  "a command name or an absolute path" },
		{ T(CLUS "remote_tsnet = tsnet;reboot\n"), 5, "character ';' is "
		  "not allowed in remote_tsnet (allowed: letters, digits and "
		  "._+-)" },
		{ T(CLUS "interface = eth0;reboot\n"), 5, "character ';' is not "
		  "allowed in interface (allowed: letters, digits and ._-)" },
		{ T(CLUS "interface = abcdefghijklmnop\n"), 5, "interface is "
		  "longer than 15 characters" },
		{ T(CLUS "interface = ..\n"), 5, "interface '..' is not an "
		  "interface name" },
		{ T(CLUS "interface = -eth0\n"), 5, "interface must not start "
		  "with '-'" },
		{ T(CLUS "interface = eth/0\n"), 5, "character '/' is not "
		  "allowed in interface (allowed: letters, digits and ._-)" },
		{ T(CLUS "esp_proposals = aes256gcm16,,aes128gcm16\n"), 5,
		  "esp_proposals has an empty item" },
		{ T(CLUS "esp_proposals = aes256gcm16,\n"), 5, "esp_proposals "
		  "has an empty item" },
		{ T(CLUS "ike_proposals = AES256\n"), 5, "character 'A' is not "
		  "allowed in ike_proposals (allowed: lowercase letters, "
		  "digits and ,-)" },
		{ T(CLUS "ike_proposals = aes256 sha256\n"), 5, "a space is not "
		  "allowed in ike_proposals (allowed: lowercase letters, "
		  "digits and ,-)" },
		{ T(CLUS "subnet = 198.18.0.1/15\n"), 5, "subnet 198.18.0.1/15 "
		  "has host bits set (did you mean 198.18.0.0/15?)" },
		{ T(CLUS "subnet = fd00:7473::1/64\n"), 5, "subnet "
		  "fd00:7473::1/64 has host bits set (did you mean "
		  "fd00:7473::/64?)" },
		{ T(CLUS "subnet = 198.18.0.0/33\n"), 5, "subnet '198.18.0.0/33'"
		  " is not a prefix like 198.18.0.0/15 or fd00:7473::/64" },
		{ T(CLUS "subnet = 198.18.0.0\n"), 5, "subnet '198.18.0.0' is "
		  "not a prefix like 198.18.0.0/15 or fd00:7473::/64" },
		{ T(CLUS "subnet = 0.0.0.0/0\n"), 5, "subnet 0.0.0.0/0 is every "
		  "address" },
		{ T(CLUS "subnet = 10.0.0.0/8,,10.1.0.0/16\n"), 5, "subnet has "
		  "an empty item" },
		{ T(CLUS "subnet = 10.0.0.0/8, 10.0.0.0/8\n"), 5, "subnet "
		  "10.0.0.0/8 is listed twice" },
		{ T(CLUS "azure_resource_group = rg$x\n"), 5, "character '$' is "
		  "not allowed in azure_resource_group " CHARS_RG },
		{ T(CLUS "azure_resource_group = rg'x\n"), 5, "a quote (') "
		  "is not allowed in azure_resource_group " CHARS_RG },
		{ T(CLUS "azure_resource_group = my rg\n"), 5, "a space is not "
		  "allowed in azure_resource_group " CHARS_RG },
		{ T(CLUS "azure_resource_group = rg.\n"), 5, "azure_resource_"
		  "group must not end in '.'" },
		{ T(CLUS "azure_resource_group = r\xd0\xb0\n"), 5, "non-ASCII "
		  "byte 0xd0 is not allowed in azure_resource_group " CHARS_RG },
		{ T(CLUS "azure_resource_group = "
		    "0123456789012345678901234567890123456789012345678901234567"
		    "8901234567890123456789012345678901\n"), 5,
		  "azure_resource_group is longer than 90 characters" },
		{ T(CLUS "azure_nsg = nsg-\n"), 5, "azure_nsg must start with a "
		  "letter or digit and end with a letter, digit or '_'" },
		{ T(CLUS "azure_nsg = nsg(1)\n"), 5, "character '(' is not "
		  "allowed in azure_nsg (allowed: letters, digits and ._-)" },
		{ T(CLUS "aws_region = us_east_1\n"), 5, "character '_' is not "
		  "allowed in aws_region " CHARS_NAME },
		{ T(CLUS "aws_security_group = sg-123\n"), 5, "aws_security_"
		  "group must be an id like sg-0123456789abcdef0" },
		{ T(CLUS "aws_security_group = default\n"), 5, "aws_security_"
		  "group must be an id like sg-0123456789abcdef0" },
		{ T(CLUS "aws_vpc = vpc-0123456789ABCDEF0\n"), 5, "character "
		  "'A' is not allowed in aws_vpc " CHARS_NAME },
		{ T(CLUS "gcp_project = abc\n"), 5, "gcp_project is shorter "
		  "than 6 characters" },
		{ T(CLUS "gcp_project = 1project\n"), 5, "gcp_project must "
		  "start with a lowercase letter and not end with '-'" },
		{ T(CLUS "gcp_network = default-\n"), 5, "gcp_network must "
		  "start with a lowercase letter and not end with '-'" },
		{ T(CLUS "gcp_target_tags = ipsec,,db\n"), 5, "gcp_target_tags "
		  "has an empty item" },
		{ T(CLUS "gcp_target_tags = web,-db\n"), 5, "an item of "
		  "gcp_target_tags must not start with '-'" },
		{ T(CLUS "gcp_target_tags = web,1db\n"), 5, "an item of "
		  "gcp_target_tags must start with a lowercase letter and not "
		  "end with '-'" },
		{ T(CLUS "esp_proposals = aes128gcm16,-aes\n"), 5, "an item of "
		  "esp_proposals must not start with '-'" },
		{ T(CLUS "gcp_target_tags = ipsec, db\n"), 5, "a space is not "
		  "allowed in gcp_target_tags (allowed: lowercase letters, "
		  "digits and ,-)" },
		/* [node] values */
		{ T(NODE "ssh_host = -oProxyCommand=x\n"), 5, "character '=' "
		  "is not allowed in ssh_host (allowed: letters, digits and "
		  ".:_-)" },
		{ T(NODE "ssh_host = -db1\n"), 5, "ssh_host must not start "
		  "with '-'" },
		{ T(NODE "ssh_port = 70000\n"), 5, "ssh_port 70000 is out of "
		  "range (1 to 65535)" },
		{ T(NODE "netns = .x\n"), 5, "netns must not start with '.'" },
		{ T(NODE "netns = a/b\n"), 5, "character '/' is not allowed in "
		  "netns (allowed: letters, digits and ._-)" },
		{ T(NODE "ssh_user = r`id`\n"), 5, "character '`' is not "
		  "allowed in ssh_user " CHARS_USER },
		{ T(NODE "remote_tsnet = /opt/ts net\n"), 5, "a space is not "
		  "allowed in remote_tsnet (allowed: letters, digits and "
		  "._/+-)" },
	};
	return cr_make_param_array(struct bad_case, cases, ARRAY_SIZE(cases));
}

ParameterizedTest(struct bad_case *c, inventory, rejects)
{
	struct tsn_inv_diag diag = { .warn = NULL };
	struct tsn_inventory inv;
	char want[512];
	int ret;

	snprintf(want, sizeof(want), "t.conf:%u: %s", c->line, c->msg);
	ret = tsn_inventory_parse("t.conf", c->text, c->len, &inv, &diag);
	cr_assert_eq(ret, -EINVAL, "accepted: %s", c->text);
	cr_assert_str_eq(diag.error, want);
	cr_assert_eq(inv.n_nodes, 0, "freed on error");
	cr_assert_null(inv.nodes);
	cr_assert_null(inv.cluster.name);
}

static void parse_ok(const char *text, size_t len, struct tsn_inventory *inv)
{
	struct tsn_inv_diag diag = { .warn = NULL };
	int ret = tsn_inventory_parse("t.conf", text, len, inv, &diag);

	cr_assert_eq(ret, 0, "rejected: %s\n%s", diag.error, text);
}

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
	};
	return cr_make_param_array(struct good_case, cases, ARRAY_SIZE(cases));
}

ParameterizedTest(struct good_case *c, inventory, round_trip)
{
	round_trip(c->text, c->len);
}

static char *many_nodes(size_t n, bool v6)
{
	struct tsn_buf b = { 0 };

	tsn_buf_puts(&b, "[cluster]\nname = big\ntransport = netns\n");
	for (size_t i = 0; i < n; i++) {
		tsn_buf_printf(&b, "[node n%zu]\naddress = 198.18.%zu.%zu\n", i,
			       i / 250, i % 250 + 1);
		if (v6)
			tsn_buf_printf(&b, "address6 = fd00:7473::%zx\n", i + 1);
	}
	return b.p;
}

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

Test(inventory, nodes_max)
{
	char *text = many_nodes(TSN_NODES_MAX, false);
	struct tsn_buf b = { 0 };
	struct tsn_inv_diag diag;
	struct tsn_inventory inv;
	char want[128];

	parse_ok(text, strlen(text), &inv);
	cr_assert_eq(inv.n_nodes, TSN_NODES_MAX);
	tsn_inventory_free(&inv);
	tsn_buf_puts(&b, text);
	tsn_buf_puts(&b, "[node one-too-many]\naddress = 198.19.0.1\n");
	cr_assert_eq(tsn_inventory_parse("t.conf", b.p, b.len, &inv, &diag),
		     -EINVAL);
	snprintf(want, sizeof(want), "t.conf:%d: more than %d nodes",
		 3 + 2 * TSN_NODES_MAX + 1, TSN_NODES_MAX);
	cr_assert_str_eq(diag.error, want);
	tsn_buf_free(&b);
	free(text);
}

Test(inventory, line_max)
{
	struct tsn_buf b = { 0 };
	struct tsn_inv_diag diag;
	struct tsn_inventory inv;
	char line[TSN_LINE_MAX + 2];

	memset(line, 'x', sizeof(line));
	line[0] = '#';
	line[TSN_LINE_MAX] = '\0';	/* exactly TSN_LINE_MAX: fine */
	tsn_buf_printf(&b, "[cluster]\n%s\nname = c\n[node a]\naddress = "
		       "198.18.0.1\n", line);
	parse_ok(b.p, b.len, &inv);
	tsn_inventory_free(&inv);
	tsn_buf_reset(&b);
	line[TSN_LINE_MAX] = 'x';
	line[TSN_LINE_MAX + 1] = '\0';
	tsn_buf_printf(&b, "[cluster]\nname = c\n%s\n", line);
	cr_assert_eq(tsn_inventory_parse("t.conf", b.p, b.len, &inv, &diag),
		     -EINVAL);
	cr_assert_str_eq(diag.error, "t.conf:3: line longer than 4096 bytes");
	tsn_buf_free(&b);
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
	return cr_make_param_array(struct alt_case, cases, ARRAY_SIZE(cases));
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

struct name_case {
	char s[80];
	bool ok;
};

ParameterizedTestParameters(inventory, name_valid)
{
	static struct name_case cases[] = {
		{ "a", true }, { "db-1", true }, { "0", true },
		{ "123456789012345678901234567890123456789012345678901234567890"
		  "123", true },
		{ "123456789012345678901234567890123456789012345678901234567890"
		  "1234", false },
		{ "", false }, { "-a", false }, { "A", false }, { "a_b", false },
		{ "a b", false }, { "a.b", false }, { "\xc3\xa9", false },
	};
	return cr_make_param_array(struct name_case, cases, ARRAY_SIZE(cases));
}

ParameterizedTest(struct name_case *c, inventory, name_valid)
{
	cr_assert_eq(tsn_name_valid(c->s), c->ok, "'%s'", c->s);
}

struct addr_case {
	char in[64];
	int ret;
	int family;
	char out[64];		/* normalised */
};

ParameterizedTestParameters(inventory, addr_parse)
{
	static struct addr_case cases[] = {
		{ "198.18.0.1", 0, AF_INET, "198.18.0.1" },
		{ "0.0.0.0", 0, AF_INET, "0.0.0.0" },
		{ "255.255.255.255", 0, AF_INET, "255.255.255.255" },
		{ "FD00:7473:0:0::01", 0, AF_INET6, "fd00:7473::1" },
		{ "::", 0, AF_INET6, "::" },
		{ "::ffff:198.18.0.1", 0, AF_INET6, "::ffff:198.18.0.1" },
		{ "1:2:3:4:5:6:7:8", 0, AF_INET6, "1:2:3:4:5:6:7:8" },
		{ "198.18.0.256", -EINVAL, 0, "" },
		{ "198.18.0", -EINVAL, 0, "" },
		{ "198.18.0.1.2", -EINVAL, 0, "" },
		{ "0x7f.0.0.1", -EINVAL, 0, "" },
		{ "1", -EINVAL, 0, "" },
		{ "198.18.0.01", -EINVAL, 0, "" },
		{ " 198.18.0.1", -EINVAL, 0, "" },
		{ "198.18.0.1 ", -EINVAL, 0, "" },
		{ "", -EINVAL, 0, "" },
		{ "fd00::7473::1", -EINVAL, 0, "" },
		{ "1:2:3:4:5:6:7:8:9", -EINVAL, 0, "" },
		{ "fe80::1%eth0", -EINVAL, 0, "" },
		{ "[fd00::1]", -EINVAL, 0, "" },
		{ "12345::1", -EINVAL, 0, "" },
		{ "1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb",
		  -EINVAL, 0, "" },
	};
	return cr_make_param_array(struct addr_case, cases, ARRAY_SIZE(cases));
}

ParameterizedTest(struct addr_case *c, inventory, addr_parse)
{
	struct tsn_addr a, b;
	char buf[INET6_ADDRSTRLEN];

	cr_assert_eq(tsn_addr_parse(c->in, &a), c->ret, "'%s'", c->in);
	cr_assert_eq(a.family, c->family);
	if (c->ret)
		return;
	cr_assert_str_eq(tsn_addr_str(&a, buf, sizeof(buf)), c->out);
	cr_assert_eq(tsn_addr_parse(buf, &b), 0);
	cr_assert(tsn_addr_equal(&a, &b));
}

Test(inventory, addr_misc)
{
	struct tsn_addr a, b, unset = { 0 };
	char small[4], buf[64];

	cr_assert_eq(tsn_addr_parse(NULL, &a), -EINVAL);
	tsn_addr_parse("198.18.0.1", &a);
	tsn_addr_parse("::ffff:198.18.0.1", &b);
	cr_assert_not(tsn_addr_equal(&a, &b), "families differ");
	cr_assert(tsn_addr_equal(&unset, &unset));
	cr_assert_null(tsn_addr_str(&a, small, sizeof(small)));
	cr_assert_str_eq(tsn_addr_str(&unset, buf, sizeof(buf)), "");
}

struct prefix_case {
	char in[64];
	int ret;
	unsigned len;
	bool network;
	char inside[48];	/* an address it contains, or "" */
	char outside[48];	/* one it does not */
};

ParameterizedTestParameters(inventory, prefix_parse)
{
	static struct prefix_case cases[] = {
		{ "198.18.0.0/15", 0, 15, true, "198.19.255.255", "198.20.0.0" },
		{ "198.18.0.1/15", 0, 15, false, "198.18.0.9", "198.17.0.1" },
		{ "10.0.0.0/8", 0, 8, true, "10.255.0.1", "11.0.0.0" },
		{ "0.0.0.0/0", 0, 0, true, "255.255.255.255", "::1" },
		{ "198.18.0.1/32", 0, 32, true, "198.18.0.1", "198.18.0.2" },
		{ "198.18.0.1/31", 0, 31, false, "198.18.0.0", "198.18.0.2" },
		{ "fd00:7473::/32", 0, 32, true, "fd00:7473:ffff::1",
		  "fd00:7474::" },
		{ "fd00:7473::/33", 0, 33, true, "fd00:7473:7fff::",
		  "fd00:7473:8000::" },
		{ "fd00:7473::1/128", 0, 128, true, "fd00:7473::1",
		  "fd00:7473::2" },
		{ "fd00:7473::1/127", 0, 127, false, "fd00:7473::", "" },
		{ "::/0", 0, 0, true, "fd00::1", "198.18.0.1" },
		{ "198.18.0.0/33", -EINVAL, 0, false, "", "" },
		{ "fd00::/129", -EINVAL, 0, false, "", "" },
		{ "198.18.0.0/", -EINVAL, 0, false, "", "" },
		{ "198.18.0.0/-1", -EINVAL, 0, false, "", "" },
		{ "198.18.0.0/+8", -EINVAL, 0, false, "", "" },
		{ "198.18.0.0/8 ", -EINVAL, 0, false, "", "" },
		{ "198.18.0.0 /8", -EINVAL, 0, false, "", "" },
		{ "198.18.0.0", -EINVAL, 0, false, "", "" },
		{ "/8", -EINVAL, 0, false, "", "" },
		{ "198.18.0.0/8/8", -EINVAL, 0, false, "", "" },
		{ "198.18.0.0/4294967304", -EINVAL, 0, false, "", "" },
	};
	return cr_make_param_array(struct prefix_case, cases,
				   ARRAY_SIZE(cases));
}

ParameterizedTest(struct prefix_case *c, inventory, prefix_parse)
{
	struct tsn_prefix p;
	struct tsn_addr a;

	cr_assert_eq(tsn_prefix_parse(c->in, &p), c->ret, "'%s'", c->in);
	if (c->ret) {
		cr_assert_eq(p.addr.family, 0);
		return;
	}
	cr_assert_eq(p.len, c->len);
	cr_assert_eq(tsn_prefix_is_network(&p), c->network, "'%s'", c->in);
	if (c->inside[0]) {
		cr_assert_eq(tsn_addr_parse(c->inside, &a), 0);
		cr_assert(tsn_prefix_contains(&p, &a), "%s in %s", c->inside,
			  c->in);
	}
	if (c->outside[0]) {
		cr_assert_eq(tsn_addr_parse(c->outside, &a), 0);
		cr_assert_not(tsn_prefix_contains(&p, &a), "%s not in %s",
			      c->outside, c->in);
	}
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
	snprintf(want, sizeof(want), "%s: warning: world-writable, anyone "
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
