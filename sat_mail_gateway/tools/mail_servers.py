"""Real mail servers on loopback for the gateway's tests, the bench and the demo:
Dovecot and aiosmtpd, and the customer mails they carry. Plain Python, loaded by
file path where Odoo is not running, and outside ``tests/`` so that loading it does
not load Odoo's test framework.

Dovecot runs from a private configuration in a temporary folder, with one mailbox per
test customer; nothing of the machine's own mail set-up is used or changed."""

import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from email.message import EmailMessage
from email.utils import make_msgid

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"

CONFIG = """
listen = 127.0.0.1
protocols = imap
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
default_login_user = dovenull
default_internal_user = dovecot
first_valid_uid = 1
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = 0
  }}
}}
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Dovecot:
    """A Dovecot IMAP server with the given ``{login: password}`` accounts."""

    def __init__(self, accounts):
        if not os.path.exists(DOVECOT):
            raise RuntimeError(
                "Dovecot is not installed: the gateway tests need Debian's "
                "dovecot-imapd"
            )
        self.accounts = accounts
        self.root = tempfile.mkdtemp(prefix="sat-dovecot-")
        self.port = free_port()
        self.config = os.path.join(self.root, "dovecot.conf")

    def start(self):
        user = pwd.getpwnam("dovecot")
        for folder in ("run", "state", "mail", "home"):
            os.makedirs(os.path.join(self.root, folder))
        with open(os.path.join(self.root, "passwd"), "w") as passwd:
            passwd.writelines(
                f"{login}:{{PLAIN}}{password}\n"
                for login, password in self.accounts.items()
            )
        with open(self.config, "w") as config:
            config.write(
                CONFIG.format(
                    root=self.root, port=self.port, uid=user.pw_uid, gid=user.pw_gid
                )
            )
        for folder in ("mail", "home", "state"):
            os.chown(os.path.join(self.root, folder), user.pw_uid, user.pw_gid)
        os.chmod(self.root, 0o755)
        # Dovecot daemonizes: its children must not hold a pipe of ours open.
        with open(os.path.join(self.root, "start.log"), "wb") as log:
            subprocess.run(
                [DOVECOT, "-c", self.config],
                check=True,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        for _i in range(100):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"Dovecot did not start; see {self.root}/dovecot.log")

    def stop(self):
        subprocess.run(
            [DOVECOT, "-c", self.config, "stop"],
            check=False,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(self.root, ignore_errors=True)

    def _client(self, login):
        client = imaplib.IMAP4("127.0.0.1", self.port)
        client.login(login, self.accounts[login])
        return client

    def deliver(self, login, raw):
        """Puts a mail in the account's INBOX, unread, as a delivery would."""
        client = self._client(login)
        try:
            client.append("INBOX", "", imaplib.Time2Internaldate(time.time()), raw)
        finally:
            client.logout()

    def clear(self, login):
        client = self._client(login)
        try:
            client.select("INBOX")
            client.store("1:*", "+FLAGS", "\\Deleted")
            client.expunge()
        except imaplib.IMAP4.error:
            return  # an empty mailbox has no message 1
        finally:
            client.logout()

    def unseen(self, login):
        client = self._client(login)
        try:
            client.select("INBOX")
            _status, data = client.search(None, "(UNSEEN)")
            return len(data[0].split())
        finally:
            client.logout()


class SmtpCapture:
    """An aiosmtpd server on loopback keeping every mail it receives."""

    def __init__(self, port=None, refuse=None):
        from aiosmtpd.controller import Controller

        self.messages = []
        self.lock = threading.Lock()
        self.port = port or free_port()
        # An SMTP answer given to every recipient instead of accepting it.
        self.refuse = refuse
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        import email
        import email.policy

        with self.lock:
            self.messages.append(
                {
                    "from": envelope.mail_from,
                    "to": list(envelope.rcpt_tos),
                    "message": email.message_from_bytes(
                        envelope.original_content, policy=email.policy.default
                    ),
                }
            )
        return "250 OK"

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()


def make_mail(
    sender,
    to,
    subject,
    body,
    message_id=None,
    headers=None,
    attachment=None,
    date="Mon, 23 Nov 2026 09:30:00 +0000",
):
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = subject
    mail["Date"] = date
    mail["Message-Id"] = message_id or make_msgid(domain="customer.example")
    for key, value in (headers or {}).items():
        mail[key] = value
    mail.set_content(body)
    if attachment:
        mail.add_attachment(
            attachment[1],
            maintype="application",
            subtype="octet-stream",
            filename=attachment[0],
        )
    return mail.as_bytes()
