"""A real SMTP server on loopback for Rapport's tests: every message it accepts is written to
DIR as NNNN.json (envelope, headers and the decoded text and HTML parts, read with Python's own
e-mail parser), written to a temporary name and renamed, so a reader never sees half a file.
Recipients whose address starts with "bounce" are refused with 550, for the permanent-failure
path. With a user and password, the server offers AUTH (PLAIN, LOGIN) on the plain connection
and refuses mail from clients that did not authenticate.

    python3 capture.py PORT DIR [USER PASSWORD]

Prints "ready" on stdout once it listens; runs until killed.
"""

import email
import email.policy
import json
import os
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class Capture:
    def __init__(self, folder):
        self.folder = folder
        # A server restarted on the same folder goes on from the messages already there.
        self.count = sum(1 for n in os.listdir(folder) if n.endswith(".json"))

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().startswith("bounce"):
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        parts = {}
        for part in message.walk():
            kind = part.get_content_type()
            if kind in ("text/plain", "text/html") and kind not in parts:
                parts[kind] = part.get_content()
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_to": envelope.rcpt_tos,
            "from": str(message["From"]),
            "to": str(message["To"]),
            "subject": str(message["Subject"]),
            "message_id": str(message["Message-ID"]),
            "content_type": message.get_content_type(),
            "text": parts.get("text/plain"),
            "html": parts.get("text/html"),
            "authenticated": bool(getattr(session, "authenticated", False)),
        }
        name = os.path.join(self.folder, f"{self.count:04d}.json")
        with open(name + ".tmp", "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.rename(name + ".tmp", name)
        return "250 OK queued"


def main():
    port = int(sys.argv[1])
    folder = sys.argv[2]
    os.makedirs(folder, exist_ok=True)
    kwargs = {}
    if len(sys.argv) > 4:
        user, password = sys.argv[3].encode(), sys.argv[4].encode()

        def check(server, session, envelope, mechanism, auth_data):
            ok = auth_data.login == user and auth_data.password == password
            return AuthResult(success=ok)

        kwargs = dict(authenticator=check, auth_required=True, auth_require_tls=False)
    controller = Controller(Capture(folder), hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    print("ready", flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
