#!/usr/bin/python3
"""Echoes every byte back over plain TCP: no HTTP, no websocket, no Socket.IO.

The ceiling for the echo bench: what moving the same bytes through the kernel's
loopback costs on this machine, which no server speaking a protocol on top can beat.
Large transfers run in the kernel and in C (recv_into, sendall), not in Python.

    /usr/bin/python3 bench/yardsticks/tcp_echo.py --port 0
"""
import argparse
import socket
import threading


def echo(connection):
    connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    buffer = memoryview(bytearray(4 << 20))
    with connection:
        while True:
            received = connection.recv_into(buffer)
            if not received:
                return
            connection.sendall(buffer[:received])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    args, _ = parser.parse_known_args()
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", args.port))
    listener.listen()
    print(f"listening on port {listener.getsockname()[1]}", flush=True)
    while True:
        connection, _ = listener.accept()
        threading.Thread(target=echo, args=(connection,), daemon=True).start()


if __name__ == "__main__":
    main()
