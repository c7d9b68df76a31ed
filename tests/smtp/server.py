"""A real SMTP server for the mail tests: aiosmtpd with STARTTLS required
and AUTH (PLAIN or LOGIN) required after it, or (MODE `smtps`) TLS from the
first byte and AUTH required, or (MODE `plain`) a local relay without TLS
or AUTH.

    server.py PORT CERT KEY USER PASSWORD OUTDIR [starttls|smtps|plain]

Every accepted message is written to OUTDIR as N.eml (the raw message as
received) beside N.rcpt (its envelope recipients). Recipients whose local
part says so are refused, to test the client:

    rejected...@  550 on RCPT, every time
    flaky...@     451 on DATA the first time, accepted after
    dropped...@   the connection is cut at DATA the first time, without an
                  answer; accepted after

Prints READY on stdout once it accepts connections, and runs until killed.
"""

import asyncio
import itertools
import os
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Recorder:
    def __init__(self, outdir):
        self.outdir = outdir
        self.counter = itertools.count(1)
        self.flaky_seen = set()
        self.dropped_seen = set()
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.split("@")[0].startswith("rejected"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                if rcpt.split("@")[0].startswith("flaky") and rcpt not in self.flaky_seen:
                    self.flaky_seen.add(rcpt)
                    return "451 4.3.0 Try again later"
                if rcpt.split("@")[0].startswith("dropped") and rcpt not in self.dropped_seen:
                    self.dropped_seen.add(rcpt)
                    server.transport.abort()
                    return None
            n = next(self.counter)
        base = os.path.join(self.outdir, str(n))
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        with open(base + ".rcpt", "w") as f:
            f.write("\n".join(envelope.rcpt_tos))
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 Message accepted for delivery"


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == user
            and auth_data.password.decode() == password
        )
        return AuthResult(success=ok, handled=False)

    return check


def main():
    port, cert, key, user, password, outdir = sys.argv[1:7]
    mode = sys.argv[7] if len(sys.argv) > 7 else "starttls"
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    if mode == "smtps":
        # aiosmtpd counts only STARTTLS as TLS for AUTH; here the whole
        # connection is TLS already.
        tls = dict(ssl_context=context, auth_require_tls=False, auth_required=True)
    elif mode == "plain":
        tls = dict(auth_require_tls=False, auth_required=False)
    else:
        tls = dict(
            tls_context=context, require_starttls=True, auth_require_tls=True, auth_required=True
        )
    controller = Controller(
        Recorder(outdir),
        hostname="127.0.0.1",
        port=int(port),
        authenticator=authenticator(user, password),
        # The controller's own readiness probe would need the test CA.
        ready_timeout=10,
        **tls,
    )
    controller.start()
    print("READY", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
