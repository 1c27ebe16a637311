#!/usr/bin/env python3
"""nft_gen.py SEED - a random nftables ruleset for test_nft_diff.sh.

The same seed gives the same ruleset.  One to three tables (inet, ip,
ip6), each with base chains on input (and at times prerouting, output,
postrouting) at random priorities and policies, regular chains reached
by jump and goto, named sets (hash and interval), verdict maps, and rules
drawn from the shapes real firewalls use around IKE, NAT-T and ESP:
addresses and prefixes that hold the peer or not, ports as values, sets,
ranges and concatenations, negations, l4proto, ip protocol and ip6
nexthdr, ct state, mark and status, interface names on either path, fib,
pkttype, limits, marks set and matched, counters and logs, every
verdict; sets with timeouts, sets written from the packet path (add,
update, delete @set) and read by later rules, ingress chains on the
test's interface in netdev and inet tables, chains before conntrack
(priority raw) and notrack.  The test does not know the
answer: it checks that tsnet's evaluator and the kernel, given real
packets, agree.

A set written from the packet path is keyed by one side's address and
the UDP port, so no flow the test sends changes what another one finds:
the evaluator answers for a flow's first packet on the ruleset as read.

Addresses are the test's own (198.18.20.0/24 and fd00:7473:20::/64 hold
this node .1/::1 and the peer .2/::2), and a few that are neither.
"""
import random
import sys

P4, A4 = "198.18.20.2", "198.18.20.1"
P6, A6 = "fd00:7473:20::2", "fd00:7473:20::1"
# Each list: what holds the peer or this node, then what holds neither;
# one of each never overlaps (interval sets refuse overlaps).
NEAR4 = [P4, A4, "198.18.20.0/24", "198.18.20.0/30"]
FAR4 = ["198.18.21.5", "198.18.23.0/28", "198.19.0.0/16"]
NEAR6 = [P6, A6, "fd00:7473:20::/64", "fd00:7473:20::/126"]
FAR6 = ["fd00:7473:21::5", "fd00:7473:22::/48", "fd00:7473:23::8/125"]
# next to the peer, not holding it: for single matches only
MISS = {"ip": "198.18.20.4/30", "ip6": "fd00:7473:20::8/125"}
PORTS = ["500", "4500", "{ 500, 4500 }", "400-600", "4000-5000", "22",
         "!= 500", "!= 4500", "{ 22, 4500 }"]
VERDICTS = ["accept", "drop", "reject", "continue"]


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def pick(self, seq):
        return self.r.choice(seq)

    def chance(self, p):
        return self.r.random() < p

    def l3(self, v6, sets):
        """An address match of the rule's family (v6 or not)."""
        kw = "ip6" if v6 else "ip"
        side = self.pick(["saddr", "daddr"])
        named = [n for n, t in sets if t == ("ipv6_addr" if v6 else
                                             "ipv4_addr")]
        k = self.r.random()
        if named and k < 0.3:
            neg = "!= " if self.chance(0.2) else ""
            return "%s %s %s@%s" % (kw, side, neg, self.pick(named))
        near, far = (NEAR6, FAR6) if v6 else (NEAR4, FAR4)
        if k < 0.45:
            return "%s %s { %s, %s }" % (kw, side, self.pick(near),
                                         self.pick(far))
        neg = "!= " if self.chance(0.15) else ""
        return "%s %s %s%s" % (kw, side, neg,
                               self.pick(near + far + [MISS[kw]]))

    def l4(self, v6):
        k = self.r.random()
        if k < 0.08 and not v6:
            return "ip protocol %s" % self.pick(["esp", "udp", "!= esp"])
        if k < 0.12 and v6:
            return "ip6 nexthdr %s" % self.pick(["esp", "udp"])
        if k < 0.17 and not v6:
            return "ip saddr . udp dport { %s . 500, %s . 4500 }" % (
                self.pick([P4, A4]), self.pick(FAR4[:1] + [P4]))
        if k < 0.45:
            return "udp %s %s" % (self.pick(["dport", "dport", "sport"]),
                                  self.pick(PORTS))
        if k < 0.6:
            return "meta l4proto %s" % self.pick(
                ["esp", "udp", "{ esp, ah }", "tcp", "!= esp"])
        if k < 0.7:
            return "th dport %s" % self.pick(["500", "4500", "{ 500, 4500 }"])
        if k < 0.8:
            return "tcp dport 22"
        return ""

    def other(self, hook, fam):
        k = self.r.random()
        # a netdev table has no conntrack nor fib; ingress has no fib
        # (and, before conntrack, no entry: ct state invalid)
        noct = fam == "netdev"
        nofib = noct or hook == "ingress"
        if k < 0.25 and noct:
            return "meta pkttype host"
        if k < 0.25:
            return "ct state %s" % self.pick(
                ["established,related", "new", "invalid", "!= established"])
        if k < 0.4:
            dev = self.pick(["iifname", "oifname"])
            return '%s %s' % (dev, self.pick(['"eth0"', '"lo"',
                                              '"eth*"', '!= "eth0"']))
        if k < 0.5:
            return "meta mark 0x%x" % self.r.randrange(0, 3)
        if k < 0.55:
            return "meta mark set 0x1"
        if k < 0.6:
            # the evaluator answers for a first packet; a seed sends at
            # most twelve, in bursts of three: rates they never cross
            return self.pick(["limit rate 100/second",
                              "limit rate over 100/second"])
        if k < 0.65 and nofib:
            return ""
        if k < 0.65:
            return self.pick(["fib daddr type local", "meta pkttype host",
                              "ct mark 0x0", "ct status dnat"] +
                             (["fib saddr . iif oif missing"]
                              if hook in ("input", "prerouting") else []))
        return ""

    def verdict(self, chains, regular, hook, fam):
        # reject only where the kernel allows it (input, output and
        # the chains they jump to): prerouting and postrouting chains
        # neither reject nor jump; a netdev table does not reject
        edge = hook in ("prerouting", "postrouting")
        noreject = edge or fam == "netdev" or hook == "ingress"
        k = self.r.random()
        if chains and not edge and k < 0.15:
            return "%s %s" % (self.pick(["jump", "goto"]), self.pick(chains))
        if regular and k < 0.25:
            return "return"
        return self.pick([v for v in VERDICTS
                          if not noreject or v != "reject"])

    def dynrule(self, dyns):
        """A rule that writes a dynamic set, or one that reads it."""
        name, kw, side = self.pick(dyns)
        key = "%s %s . udp dport" % (kw, side)
        if self.chance(0.5):
            op = self.pick(["add", "update", "delete"])
            cond = "udp dport %s " % self.pick(["500", "4500",
                                                "{ 500, 4500 }"]) \
                if self.chance(0.6) else ""
            tail = " %s" % self.pick(["accept", "drop", "counter"]) \
                if self.chance(0.3) else ""
            out = "%s%s @%s { %s }%s" % (cond, op, name, key, tail)
            if self.chance(0.5):	# and read right after: two rules
                out += "\n\t\t%s @%s %s" % (key, name, self.pick(
                    ["accept", "drop"]))
            return out
        return "%s @%s %s" % (key, name, self.pick(["accept", "drop"]))

    def rule(self, fam, hook, sets, maps, chains, regular, dyns=()):
        parts = []
        if dyns and self.chance(0.25):
            return self.dynrule(dyns)
        # notrack before conntrack (a raw priority) leaves ct state
        # untracked; after it, it does nothing
        if hook in ("prerouting", "output") and self.chance(0.12):
            return "%s notrack" % self.pick(["udp dport 500",
                                             "udp dport 4500",
                                             "meta l4proto esp"])
        # one family per rule (inet, netdev: either), for its l3 and l4
        v6 = fam == "ip6" or (fam in ("inet", "netdev") and
                              self.chance(0.35))
        if self.chance(0.6):
            parts.append(self.l3(v6, sets))
        if self.chance(0.6):
            parts.append(self.l4(v6))
        if self.chance(0.3):
            parts.append(self.other(hook, fam))
        if self.chance(0.15):
            parts.append(self.pick(["counter", "log prefix \"t \""]))
        parts = [p for p in parts if p]
        # a verdict map stands alone (or after ct/iif): no protocol or
        # family of another rule part to conflict with
        if maps and self.chance(0.12):
            m = self.pick(maps)
            kw = "ip6" if m[1] == "ipv6_addr" else "ip"
            side = self.pick(["saddr", "daddr"])
            return "%s %s vmap @%s" % (kw, side, m[0])
        if self.chance(0.1):
            return "udp dport vmap { 500 : %s, 4500 : %s }" % (
                self.pick(["accept", "drop"]), self.pick(["accept", "drop"]))
        return " ".join(parts + [self.verdict(chains, regular, hook, fam)])

    def table(self, fam, name):
        out = ["table %s %s {" % (fam, name)]
        sets, maps = [], []
        v4 = fam in ("ip", "inet", "netdev")
        v6 = fam in ("ip6", "inet", "netdev")
        for i in range(self.r.randrange(0, 3)):
            t = "ipv4_addr" if v4 and (not v6 or self.chance(0.5)) \
                else "ipv6_addr"
            near, far = (NEAR4, FAR4) if t == "ipv4_addr" else \
                (NEAR6, FAR6)
            interval = self.chance(0.5)
            if not interval:
                near = [n for n in near if "/" not in n]
                far = [n for n in far if "/" not in n]
            elems = [self.pick(near), self.pick(far)]
            flags = ["interval"] if interval else []
            if self.chance(0.25):	# elements that expire, not soon
                flags.append("timeout")
                elems = ["%s timeout 1h" % e for e in elems]
            out.append("\tset s%d { type %s;%s elements = { %s }; }" % (
                i, t, " flags %s;" % ",".join(flags) if flags else "",
                ", ".join(elems)))
            sets.append(("s%d" % i, t))
        if self.chance(0.4):
            t = "ipv4_addr" if v4 else "ipv6_addr"
            near, far = (NEAR4, FAR4) if v4 else (NEAR6, FAR6)
            out.append("\tmap vm { type %s : verdict; elements = { "
                       "%s : %s, %s : %s }; }" % (
                           t, self.pick(near[:2]),
                           self.pick(["accept", "drop"]), far[0],
                           self.pick(["accept", "drop"])))
            maps.append(("vm", t))
        dyns = []
        if fam != "netdev" and self.chance(0.3):
            for kw in (["ip"] if v4 else []) + (["ip6"] if v6 else []):
                side = self.pick(["saddr", "daddr"])
                name = "d" + kw
                t = "ipv4_addr" if kw == "ip" else "ipv6_addr"
                peer = P4 if kw == "ip" else P6
                elems = " elements = { %s . 4500 };" % peer \
                    if side == "saddr" and self.chance(0.4) else ""
                out.append("\tset %s { type %s . inet_service; flags "
                           "dynamic%s;%s }" % (
                               name, t, self.pick(["", ",timeout; "
                                                   "timeout 1m"]), elems))
                dyns.append((name, kw, side))
        nreg = self.r.randrange(0, 3)
        regular = ["c%d" % i for i in range(nreg)]
        # regular chains: jumps only forward, so no loops
        for i, c in enumerate(regular):
            out.append("\tchain %s {" % c)
            for _ in range(self.r.randrange(1, 4)):
                out.append("\t\t" + self.rule(fam, "regular", sets, maps,
                                              regular[i + 1:], True, dyns))
            out.append("\t}")
        if fam == "netdev":
            hooks = ["ingress"]
        else:
            hooks = [h for h in ("ingress", "prerouting", "input",
                                 "output", "postrouting")
                     if h == "input" or self.chance(
                         {"ingress": 0.15 if fam == "inet" else 0,
                          "output": 0.5}.get(h, 0.25))]
        for hook in hooks:
            # -300: before conntrack (raw), the others after it
            prio = self.pick([-300, -150, -10, 0, 0, 10])
            pol = "drop" if self.chance(0.35) else "accept"
            dev = ' device "eth0"' if hook == "ingress" else ""
            out.append("\tchain %s {" % hook)
            out.append("\t\ttype filter hook %s%s priority %d; policy %s;"
                       % (hook, dev, prio, pol))
            for _ in range(self.r.randrange(1, 7)):
                # no jumps from ingress: the chains may use fib
                out.append("\t\t" + self.rule(
                    fam, hook, sets, maps,
                    regular if hook != "ingress" else [], False,
                    dyns if hook != "ingress" else ()))
            out.append("\t}")
        out.append("}")
        return out

    def ruleset(self):
        fams = self.r.sample(["inet", "ip", "ip6"], self.r.randrange(1, 4))
        if self.chance(0.2):
            fams.append("netdev")
        lines = ["flush ruleset"]
        for i, fam in enumerate(fams):
            lines += self.table(fam, "t%d" % i)
        return "\n".join(lines) + "\n"


def main():
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        sys.stderr.write("usage: nft_gen.py SEED\n")
        return 2
    sys.stdout.write(Gen(int(sys.argv[1])).ruleset())
    return 0


if __name__ == "__main__":
    sys.exit(main())
