#!/usr/bin/python3
"""ike_flow.py - one packet of an IKE flow (UDP 500 to 500, as IKE
daemons send it, whoever holds the port) and one ESP packet, from SRC to
DST, for conntrack to track (issue 16: --unfix must end these flows).

    ike_flow.py SRC DST

Both addresses must be in 198.18.0.0/15 (the lab's).
"""
import ipaddress
import socket
import struct
import sys

LAB = ipaddress.ip_network("198.18.0.0/15")


def csum(b):
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


src, dst = sys.argv[1:3]
for a in (src, dst):
    if ipaddress.ip_address(a) not in LAB:
        sys.exit(f"ike_flow.py: {a} is not a lab address")
data = bytes(28)
udp = struct.pack("!HHHH", 500, 500, 8 + len(data), 0) + data
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17,
                 0, socket.inet_aton(src), socket.inet_aton(dst))
ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
raw.sendto(ip + udp, (dst, 0))
esp = socket.socket(socket.AF_INET, socket.SOCK_RAW, 50)
esp.bind((src, 0))
esp.sendto(struct.pack("!II", 0x7473, 1) + bytes(32), (dst, 0))
