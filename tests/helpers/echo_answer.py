#!/usr/bin/python3
"""echo_answer.py - answer another node's IKE probes in a peer's name,
from an address that is no member (issue 16).

    echo_answer.py IFACE FROM SPOOF SECONDS

Run inside the peer a probe is sent to: reads IKE_SA_INIT requests from
FROM on IFACE (AF_PACKET), and for each sends back a well-formed
response that echoes its initiator SPI, from SPOOF instead of the peer's
address.  Prints how many it sent.  Addresses must be in 198.18.0.0/15.
"""
import ipaddress
import os
import socket
import struct
import sys
import time

LAB = ipaddress.ip_network("198.18.0.0/15")


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


def answer(pkt, spoof):
    """The spoofed response to the IPv4 packet pkt, or None."""
    if len(pkt) < 20 or pkt[0] >> 4 != 4 or pkt[9] != 17:
        return None
    ihl = (pkt[0] & 15) * 4
    udp = pkt[ihl:ihl + 8]
    if len(udp) < 8:
        return None
    sport, dport = struct.unpack("!HH", udp[:4])
    ike = pkt[ihl + 8:]
    marker = b""
    if dport == 4500:
        if ike[:4] != bytes(4):
            return None
        marker, ike = bytes(4), ike[4:]
    elif dport != 500:
        return None
    if len(ike) < 28 or ike[18] != 34 or ike[19] & 0x20:
        return None         # only IKE_SA_INIT requests
    resp = ike[:8] + os.urandom(8) + struct.pack("!BBBBII", 0, 0x20, 34,
                                                 0x20, 0, 28)
    data = marker + resp
    u = struct.pack("!HHHH", dport, sport, 8 + len(data), 0) + data
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(u), 0, 0x4000, 64,
                     17, 0, socket.inet_aton(spoof), pkt[12:16])
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + u, pkt[12:16]


def main():
    iface, frm, spoof, secs = sys.argv[1:5]
    for a in (frm, spoof):
        if ipaddress.ip_address(a) not in LAB:
            sys.exit(f"echo_answer.py: {a} is not a lab address")
    rx = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM,
                       socket.htons(0x0800))
    rx.bind((iface, 0))
    rx.settimeout(0.2)
    tx = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    src = socket.inet_aton(frm)
    sent = 0
    end = time.monotonic() + float(secs)
    while time.monotonic() < end:
        try:
            pkt = rx.recv(65535)
        except socket.timeout:
            continue
        if pkt[12:16] != src:
            continue
        r = answer(pkt, spoof)
        if r:
            tx.sendto(r[0], (frm, 0))
            sent += 1
    print(sent)


main()
