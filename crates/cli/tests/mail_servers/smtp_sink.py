"""An SMTP server on loopback that writes each message it receives to a directory.

Usage: smtp_sink.py PORT DIR [CERT KEY USER PASSWORD]. With a certificate, STARTTLS is required
and so is AUTH (PLAIN/LOGIN) as USER/PASSWORD. Prints "ready" when listening. Each message is DIR/<n>.eml (the
bytes as received) with DIR/<n>.json beside it (envelope sender and recipients). The limits are
raised: aiosmtpd's defaults refuse lines over 1001 bytes, which real mail has.
"""

import json
import ssl
import os
import sys
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult


class BigSMTP(SMTP):
    line_length_limit = 16 * 1024 * 1024


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.directory, f"{time.time_ns()}-{self.count}")
        with open(base + ".tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        login = session.auth_data if session.authenticated else None
        with open(base + ".json", "w") as f:
            json.dump({"from": envelope.mail_from, "to": envelope.rcpt_tos, "auth": login,
                       "tls": session.ssl is not None}, f)
        os.rename(base + ".tmp", base + ".eml")
        return "250 2.0.0 stored"


class BigController(Controller):
    def __init__(self, *args, tls=None, **kwargs):
        self.tls = tls
        super().__init__(*args, **kwargs)

    def factory(self):
        if self.tls is None:
            return BigSMTP(self.handler, data_size_limit=64 * 1024 * 1024, enable_SMTPUTF8=True)
        cert, key, user, password = self.tls
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = auth_data.login == user.encode() and auth_data.password == password.encode()
            return AuthResult(success=ok, auth_data=auth_data.login.decode())

        return BigSMTP(self.handler, data_size_limit=64 * 1024 * 1024, enable_SMTPUTF8=True,
                       tls_context=context, require_starttls=True, authenticator=authenticator,
                       auth_required=True, auth_require_tls=True)


def main():
    port, directory = int(sys.argv[1]), sys.argv[2]
    tls = tuple(sys.argv[3:7]) if len(sys.argv) >= 7 else None
    controller = BigController(Sink(directory), hostname="127.0.0.1", port=port, tls=tls)
    controller.start()
    print("ready", flush=True)
    try:
        # Not time.sleep: under libfaketime (the hostile-clock run) its clock_nanosleep fails
        # with EINVAL. The test ends this process with a signal.
        threading.Event().wait()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
