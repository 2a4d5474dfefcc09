"""The floor of a one-client benchmark on this machine: a TCP echo ping-pong over loopback
between two processes (600-byte messages, TCP_NODELAY), 3 seconds. No server can answer a
single client faster than this. Usage: python3 bench/loopback_pingpong.py"""
import socket, threading, time
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0)); srv.listen(1); port = srv.getsockname()[1]
def serve():
    c, _ = srv.accept(); c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    while True:
        d = c.recv(4096)
        if not d: break
        c.sendall(d)
import multiprocessing
p = multiprocessing.Process(target=serve); p.start()
s = socket.create_connection(("127.0.0.1", port)); s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
lat = []
end = time.time() + 3
while time.time() < end:
    t = time.perf_counter(); s.sendall(b"x" * 600); n = 0
    while n < 600: n += len(s.recv(4096))
    lat.append(time.perf_counter() - t)
s.close(); p.join()
lat.sort(); print(f"{len(lat)/3:.0f} round trips/s, p50 {lat[len(lat)//2]*1e6:.0f} us, p99 {lat[int(len(lat)*.99)]*1e6:.0f} us")
