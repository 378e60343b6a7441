"""A TLS handshake in memory, between a client context and a server's pair."""

from __future__ import annotations

import ssl

from sync.server.tls import ServedCertificate


def server_context(served: ServedCertificate) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(served.cert_file, served.key_file)
    return context


def handshake(client: ssl.SSLContext, server: ssl.SSLContext, hostname: str) -> None:
    """Complete a handshake over memory buffers; raise the client's failure."""
    to_server, to_client = ssl.MemoryBIO(), ssl.MemoryBIO()
    server_in, server_out = ssl.MemoryBIO(), ssl.MemoryBIO()
    near = client.wrap_bio(to_client, to_server, server_hostname=hostname)
    far = server.wrap_bio(server_in, server_out, server_side=True)
    done = {"client": False, "server": False}
    for _ in range(20):
        for name, side in (("client", near), ("server", far)):
            if done[name]:
                continue
            try:
                side.do_handshake()
                done[name] = True
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                pass
            except ssl.SSLError:
                if name == "client":
                    raise
                done[name] = True  # the client's refusal is what is asserted
        server_in.write(to_server.read())
        to_client.write(server_out.read())
        if all(done.values()):
            return
    raise AssertionError("the handshake did not finish")
