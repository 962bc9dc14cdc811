#!/usr/bin/env python3
"""slow_proxy.py - a TCP proxy that holds back every answer, for
test_hvd_slow_etcd: a slow etcd without a dead one.

  slow_proxy.py LISTEN_PORT TARGET_PORT DELAY_FILE MARK

Listens on 127.0.0.1:LISTEN_PORT and forwards each connection to
127.0.0.1:TARGET_PORT from a socket carrying SO_MARK MARK (so the test's
nft rule, which sends port TARGET_PORT here, lets the proxy's own
connections through).  Bytes from the client go on at once; bytes from
the target are held DELAY seconds each, DELAY read from DELAY_FILE (a
number of seconds, 0 when missing) as they arrive, order kept.  TLS
passes through untouched.  Runs until killed.
"""
import asyncio
import socket
import sys

SO_MARK = 36


def delay(path):
    try:
        with open(path) as f:
            return max(0.0, float(f.read().strip() or 0))
    except (OSError, ValueError):
        return 0.0


async def pump(reader, writer):
    """Client -> target, at once."""
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        try:
            writer.close()
        except OSError:
            pass


async def relay(up_reader, writer, hold):
    """Target -> client: each chunk is stamped on arrival and written
    DELAY after it, so a held answer does not hold the ones behind it
    longer than DELAY."""
    q = asyncio.Queue()

    async def sink():
        loop = asyncio.get_running_loop()
        while True:
            due, data = await q.get()
            if data is None:
                break
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                writer.write(data)
                await writer.drain()
            except (ConnectionError, OSError):
                break
        try:
            writer.close()
        except OSError:
            pass

    task = asyncio.ensure_future(sink())
    loop = asyncio.get_running_loop()
    try:
        while True:
            data = await up_reader.read(65536)
            if not data:
                break
            await q.put((loop.time() + delay(hold), data))
    except (ConnectionError, OSError):
        pass
    await q.put((0, None))
    await task


async def handle(reader, writer, target, hold, mark):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, SO_MARK, mark)
    s.setblocking(False)
    try:
        await asyncio.get_running_loop().sock_connect(s, ("127.0.0.1",
                                                          target))
        up_reader, up_writer = await asyncio.open_connection(sock=s)
    except OSError:
        s.close()
        writer.close()
        return
    await asyncio.gather(pump(reader, up_writer),
                         relay(up_reader, writer, hold))


async def main():
    listen, target = int(sys.argv[1]), int(sys.argv[2])
    hold, mark = sys.argv[3], int(sys.argv[4], 0)
    server = await asyncio.start_server(
        lambda r, w: handle(r, w, target, hold, mark), "127.0.0.1", listen)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
