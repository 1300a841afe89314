"""A throwaway SMTP server for the e-mail bridge's tests (python3-aiosmtpd).

Usage: smtp_server.py PORT OUT.jsonl [CERT KEY]
With CERT and KEY it offers STARTTLS and requires it before MAIL FROM;
without them it is a plain server. Each message received is appended to
OUT.jsonl as {"from", "to", "tls", "data"}. Prints "ready" once listening;
stops on SIGTERM."""

import json
import signal
import ssl
import sys
import threading

from aiosmtpd.controller import Controller


class Recorder:
    def __init__(self, out):
        self.out = out

    async def handle_DATA(self, server, session, envelope):
        with open(self.out, "a") as f:
            f.write(json.dumps({"from": envelope.mail_from, "to": envelope.rcpt_tos,
                                "tls": bool(session.ssl),
                                "data": envelope.content.decode("utf-8", "replace")}) + "\n")
        return "250 OK: queued"


def main():
    port, out = int(sys.argv[1]), sys.argv[2]
    kwargs = {}
    if len(sys.argv) == 5:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(sys.argv[3], sys.argv[4])
        kwargs = {"tls_context": context, "require_starttls": True}
    controller = Controller(Recorder(out), hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
