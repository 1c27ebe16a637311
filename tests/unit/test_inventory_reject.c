/* test_inventory_reject.c - the inventory parser's rejections: every bad
 * line with its exact line number and message, and the limits on the
 * number of nodes and the length of a line.
 */
#include "tests/unit/inventory_fixtures.h"

/* Arrays, not pointers: Criterion copies parameters across processes. */
struct bad_case {
	char text[640];
	size_t len;
	unsigned line;
	char msg[240];
};

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
		/* comments: '#' or ';' after a blank; no quoting */
		{ T("[cluster]\nname = # later\n"), 2, "'name' needs a value" },
		{ T("[cluster]\nname =# later\n"), 2, "'name' needs a value" },
		{ T(CLUS "ssh_port = ;22\n"), 5, "'ssh_port' needs a value" },
		{ T(CLUS "ssh_port = 22;x\n"), 5, "ssh_port must be a number "
		  "from 1 to 65535, not '22;x' (a comment needs a blank before "
		  "its ';')" },
		{ T(CLUS "transport = netns#lab\n"), 5, "transport must be ssh, "
		  "netns or local, not 'netns#lab' (a comment needs a blank "
		  "before its '#')" },
		{ T(CLUS "subnet = 198.18.0.0/15#lab\n"), 5, "subnet "
		  "'198.18.0.0/15#lab' is not a prefix like 198.18.0.0/15 or "
		  "fd00:7473::/64 (a comment needs a blank before its '#')" },
		{ T(CLUS "azure_nsg = \"nsg #1\"\n"), 5, "character '\"' is not "
		  "allowed in azure_nsg (allowed: letters, digits and ._-)" },
		{ T(CLUS "azure_nsg = 'nsg;1'\n"), 5, "a quote (') is not "
		  "allowed in azure_nsg (allowed: letters, digits and ._-)" },
		{ T(CLUS "azure_nsg = nsg#1\n"), 5, "character '#' is not "
		  "allowed in azure_nsg (allowed: letters, digits and ._-; a "
		  "comment needs a blank before its '#')" },
		{ T(NODE "name # = x\n"), 5, "expected 'key = value' or a "
		  "[section], not 'name'" },
		{ T(NODE "# = x\n[node b # ]\n"), 6, "section header without a "
		  "closing ']'" },
		{ T(NODE "[node b]#x\n"), 5, "unexpected text after ']'" },
		{ T(NODE "netns = x # tab\tok, escape \x1b not\n"), 5, "binary "
		  "data (byte 0x1b)" },
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
		{ T(NODE "[node b]\naddress = 198.18.0.2# db\n"), 6, "address "
		  "'198.18.0.2# db' is not an IPv4 or IPv6 address (a comment "
		  "needs a blank before its '#')" },
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
		{ T(CLUS "ssh_user = root;admin\n"), 5, "character ';' is not "
		  "allowed in ssh_user (allowed: lowercase letters, digits and "
		  "_-; a comment needs a blank before its ';')" },
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
		  "._+-; a comment needs a blank before its ';')" },
		{ T(CLUS "interface = eth0;reboot\n"), 5, "character ';' is not "
		  "allowed in interface (allowed: letters, digits and ._-; a "
		  "comment needs a blank before its ';')" },
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
	return tsn_param_array(struct bad_case, cases);
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

TSN_PARAM_ALL(struct bad_case, inventory, rejects)

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
