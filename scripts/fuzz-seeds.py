#!/usr/bin/env python3
"""Split tshark's `udp.payload` hex lines (stdin) into fuzz seeds under DIR: each DHCP
payload whole (dhcp/), prefixed with the responder target's source byte (decide/), and the
values of its options 43 and 120 (opt43/, opt120/). Used by scripts/fuzz-all."""
import hashlib
import os
import sys

out = sys.argv[1]
for d in ("dhcp", "decide", "opt43", "opt120"):
    os.makedirs(os.path.join(out, d), exist_ok=True)


def write(folder, data):
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(out, folder, name), "wb") as f:
        f.write(data)


for line in sys.stdin:
    text = line.strip().replace(":", "")
    if not text:
        continue
    try:
        payload = bytes.fromhex(text)
    except ValueError:
        continue
    if len(payload) < 240 or payload[236:240] != b"\x63\x82\x53\x63":
        continue
    write("dhcp", payload)
    write("decide", b"\x00" + payload)
    write("decide", b"\x01" + payload)
    i = 240
    while i < len(payload):
        code = payload[i]
        if code == 0:
            i += 1
            continue
        if code == 255 or i + 1 >= len(payload):
            break
        length = payload[i + 1]
        value = payload[i + 2 : i + 2 + length]
        if code == 43:
            write("opt43", value)
        elif code == 120:
            write("opt120", value)
        i += 2 + length
