#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Traffic helpers of test-net-dataplane.sh and test-network.sh, run inside network namespaces.

  net-peer.py serve TAG PORT [tcp|udp] [ADDRESS]   answer every connection/datagram with "TAG PEER"
  net-peer.py ask ADDRESS PORT [tcp|udp]           print the answer, or "error ERRNO NAME" (exit 1)
  net-peer.py syn IFNAME DST_MAC SRC_IP DST_IP PORT send one hand-made TCP SYN out of IFNAME
  net-peer.py echo TAG PORT                        answer each line of a connection with "TAG PEER LINE"
  net-peer.py hold ADDRESS PORT GOFILE             one connection: a line, then (once GOFILE exists)
                                                   another; print both answers (a connection that
                                                   must survive something happening in between)
"""
import errno
import os
import socket
import struct
import sys
import threading


def peer_name(address):
    host = address[0]
    return host[7:] if host.startswith("::ffff:") else host


def serve(tag, port, proto="tcp", address="::"):
    family = socket.AF_INET if "." in address else socket.AF_INET6
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    s = socket.socket(family, kind)
    if family == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)   # both families
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((address, port))
    if proto == "udp":
        while True:
            data, peer = s.recvfrom(512)
            s.sendto(("%s %s\n" % (tag, peer_name(peer))).encode(), peer)
    s.listen(64)

    def answer(c, peer):
        try:
            c.sendall(("%s %s\n" % (tag, peer_name(peer))).encode())
        finally:
            c.close()

    while True:
        c, peer = s.accept()
        threading.Thread(target=answer, args=(c, peer), daemon=True).start()


def ask(address, port, proto="tcp"):
    timeout = float(os.environ.get("NET_PEER_TIMEOUT", "3"))
    try:
        if proto == "tcp":
            c = socket.create_connection((address, port), timeout=timeout)
            print(c.recv(200).decode().strip())
        else:
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            c = socket.socket(family, socket.SOCK_DGRAM)
            c.settimeout(timeout)
            c.sendto(b"hello", (address, port))
            print(c.recv(200).decode().strip())
        return 0
    except socket.timeout:
        print("error %d ETIMEDOUT" % errno.ETIMEDOUT)
    except OSError as e:
        print("error %d %s" % (e.errno or 0, errno.errorcode.get(e.errno, "?")))
    return 1


def echo(tag, port):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::", port))
    s.listen(16)

    def lines(c, peer):
        with c, c.makefile("rw") as f:
            for line in f:
                f.write("%s %s %s\n" % (tag, peer_name(peer), line.strip()))
                f.flush()

    while True:
        c, peer = s.accept()
        threading.Thread(target=lines, args=(c, peer), daemon=True).start()


def hold(address, port, gofile):
    import time
    try:
        with socket.create_connection((address, port), timeout=5) as c, c.makefile("rw") as f:
            f.write("first\n")
            f.flush()
            print(f.readline().strip(), flush=True)
            while not os.path.exists(gofile):
                time.sleep(0.1)
            c.settimeout(5)
            f.write("second\n")
            f.flush()
            print(f.readline().strip() or "error: connection closed", flush=True)
        return 0
    except OSError as e:
        print("error %d %s" % (e.errno or 0, errno.errorcode.get(e.errno, "?")), flush=True)
        return 1


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def syn(ifname, dst_mac, src_ip, dst_ip, port):
    """One TCP SYN in an Ethernet frame built by hand, so that it can carry a destination (such as
    127.0.0.1) that the sender's own stack would never route out of IFNAME."""
    src, dst = socket.inet_aton(src_ip), socket.inet_aton(dst_ip)
    tcp = struct.pack("!HHLLBBHHH", 40000, port, 1, 0, 5 << 4, 0x02, 64240, 0, 0)
    tcp = tcp[:16] + struct.pack("!H", checksum(src + dst + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    with open("/sys/class/net/%s/address" % ifname) as f:
        src_mac = bytes.fromhex(f.read().strip().replace(":", ""))
    frame = bytes.fromhex(dst_mac.replace(":", "")) + src_mac + struct.pack("!H", 0x0800) + ip + tcp
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((ifname, 0))
    s.send(frame)
    return 0


def main(argv):
    if len(argv) >= 3 and argv[0] == "serve":
        return serve(argv[1], int(argv[2]), *argv[3:5])
    if len(argv) >= 3 and argv[0] == "ask":
        return ask(argv[1], int(argv[2]), *argv[3:4])
    if len(argv) == 3 and argv[0] == "echo":
        return echo(argv[1], int(argv[2]))
    if len(argv) == 4 and argv[0] == "hold":
        return hold(argv[1], int(argv[2]), argv[3])
    if len(argv) == 6 and argv[0] == "syn":
        return syn(argv[1], argv[2], argv[3], argv[4], int(argv[5]))
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
