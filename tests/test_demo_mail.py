"""The demo's mail servers (scripts/demo_mail.py serve), started as scripts/demo.sh
starts them: a real Dovecot holding the demo customer's mails, a real SMTP server that
keeps what it receives as .eml files. A plain pytest test, run by scripts/test.sh."""

import imaplib
import signal
import smtplib
import socket
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(proc, log):
    for _i in range(120):
        if "ready" in log.read_text():
            return
        assert proc.poll() is None, log.read_text()
        time.sleep(0.25)
    raise AssertionError(f"demo mail servers not ready:\n{log.read_text()}")


def test_demo_mailbox_and_capture(tmp_path):
    imap_port, smtp_port = free_port(), free_port()
    mails = tmp_path / "mails"
    log = tmp_path / "demo-mail.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                ROOT / "scripts" / "demo_mail.py",
                "serve",
                mails,
                str(imap_port),
                str(smtp_port),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        wait_ready(proc, log)
        # The demo customer's mailbox holds mails to fetch.
        imap = imaplib.IMAP4("127.0.0.1", imap_port)
        imap.login("sat.demo", "demo-secret")
        imap.select("INBOX")
        _status, data = imap.search(None, "UNSEEN")
        assert len(data[0].split()) == 3
        imap.logout()
        # What Odoo sends is kept, not delivered.
        mail = EmailMessage()
        mail["From"] = "sat.demo@support.example"
        mail["To"] = "customer@example.com"
        mail["Subject"] = "[SAT/2026/00001] We received your request"
        mail.set_content("Hello")
        with smtplib.SMTP("127.0.0.1", smtp_port) as smtp:
            smtp.send_message(mail)
        kept = sorted(mails.glob("*.eml"))
        assert len(kept) == 1
        assert b"We received your request" in kept[0].read_bytes()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0, log.read_text()
    # Stopped with the demo: Dovecot no longer answers.
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", imap_port)) != 0
