#!/usr/bin/env python3
"""pgcut.py: loses the answer to the first COMMIT, for test_store_pg.sh.

  pgcut.py PORT   relays to PostgreSQL on 127.0.0.1:PORT; the first time the server answers
                  a COMMIT (a CommandComplete "COMMIT" message), that answer is not passed
                  on and both connections are closed: the transaction is committed, and
                  the client cannot know it

Prints "port P" once it listens on 127.0.0.1:P; runs until it is killed.
"""
import socket
import sys
import threading

COMMIT = b"C\x00\x00\x00\x0bCOMMIT\x00"
lock = threading.Lock()
spent = False


def close(*socks):
    for s in socks:
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()


def relay(src, dst, watch):
    global spent
    try:
        while True:
            b = src.recv(65536)
            if not b:
                break
            if watch and COMMIT in b:
                with lock:
                    hit, spent = not spent, True
                if hit:
                    break
            dst.sendall(b)
    except OSError:
        pass
    close(src, dst)


def main():
    port = int(sys.argv[1])
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(64)
    print("port", ls.getsockname()[1], flush=True)
    while True:
        c, _ = ls.accept()
        s = socket.create_connection(("127.0.0.1", port))
        threading.Thread(target=relay, args=(c, s, False), daemon=True).start()
        threading.Thread(target=relay, args=(s, c, True), daemon=True).start()


main()
