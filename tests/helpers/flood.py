#!/usr/bin/python3
"""flood.py - hostile IKE, NAT-T and ESP traffic at one address (issue 16).

    flood.py DST SECONDS [PPS]

Sends, until SECONDS have passed and at most PPS packets a second
(default 20000): random bytes, truncated IKE headers, IKE headers whose
length field lies (0, short, 0xffffffff, past the end), payload chains
with zero, short and huge lengths, oversized (fragmented) datagrams, to
UDP 500 and UDP 4500 (with and without the non-ESP marker, NAT
keepalives); and ESP with random SPIs, truncated and oversized.  Prints
one JSON object with the counts.  Only for tests: DST must be in
198.18.0.0/15 (the lab's addresses), anything else is refused.
"""
import ipaddress
import json
import random
import socket
import struct
import sys
import time

LAB = ipaddress.ip_network("198.18.0.0/15")


def ike_header(rnd, length, np=33, exch=34, flags=0x08):
    return (rnd.randbytes(8) + bytes(8) +
            struct.pack("!BBBBII", np, 0x20, exch, flags, 0, length))


def ike_cases(rnd):
    """Malformed IKE messages, each a bytes object."""
    hdr = ike_header(rnd, 28)
    body = rnd.randbytes(rnd.randrange(0, 200))
    return [
        rnd.randbytes(rnd.randrange(0, 1400)),            # random
        hdr[:rnd.randrange(0, 28)],                       # truncated
        ike_header(rnd, 0) + body,                        # length 0
        ike_header(rnd, 27) + body,                       # below header
        ike_header(rnd, 0xffffffff) + body,               # past the end
        ike_header(rnd, 28 + len(body) + 1000) + body,    # longer than sent
        # a payload chain: length 0 (the loop tcpdump warns of), 3, huge
        ike_header(rnd, 36) + struct.pack("!BBH", 33, 0, 0) + bytes(4),
        ike_header(rnd, 36) + struct.pack("!BBH", 33, 0, 3) + bytes(4),
        ike_header(rnd, 36) + struct.pack("!BBH", 33, 0, 65535) + bytes(4),
        ike_header(rnd, 8028) + rnd.randbytes(8000),      # oversized
    ]


def esp_cases(rnd):
    return [
        rnd.randbytes(4) + struct.pack("!I", 1) + rnd.randbytes(
            rnd.randrange(0, 1400)),                      # wrong SPI
        rnd.randbytes(rnd.randrange(0, 8)),               # truncated
        bytes(8) + rnd.randbytes(64),                     # SPI 0
        rnd.randbytes(8000),                              # oversized
    ]


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: flood.py DST SECONDS [PPS]")
    dst = sys.argv[1]
    if ipaddress.ip_address(dst) not in LAB:
        sys.exit(f"flood.py: {dst} is not a lab address (198.18.0.0/15)")
    secs = float(sys.argv[2])
    pps = int(sys.argv[3]) if len(sys.argv) > 3 else 20000
    rnd = random.Random(16)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    esp = socket.socket(socket.AF_INET, socket.SOCK_RAW, 50)
    sent = {"udp500": 0, "udp4500": 0, "esp": 0, "errors": 0}
    start = time.monotonic()
    while time.monotonic() - start < secs:
        batch = []
        for m in ike_cases(rnd):
            batch.append((udp, m, 500, "udp500"))
            batch.append((udp, bytes(4) + m, 4500, "udp4500"))
        batch.append((udp, b"\xff", 4500, "udp4500"))      # keepalive
        batch.append((udp, rnd.randbytes(rnd.randrange(1, 4)), 4500,
                      "udp4500"))
        for m in esp_cases(rnd):
            batch.append((udp, m, 4500, "udp4500"))        # ESP in UDP
            batch.append((esp, m, 0, "esp"))
        for s, m, port, kind in batch:
            try:
                s.sendto(m, (dst, port))
                sent[kind] += 1
            except OSError:
                sent["errors"] += 1
        # at most pps: sleep off what this batch was ahead
        due = sum(sent.values()) / pps
        ahead = due - (time.monotonic() - start)
        if ahead > 0:
            time.sleep(ahead)
    print(json.dumps(sent))


main()
