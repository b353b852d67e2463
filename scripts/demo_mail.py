"""The demo's mail servers, on loopback: a Dovecot IMAP server holding a demo
customer's support mailbox with a few mails in it (so that *Fetch Now* brings cases
in), and an SMTP server that keeps every mail Odoo sends as a .eml file instead of
delivering it. Started in the background by scripts/demo.sh, stopped with it:

    python3 scripts/demo_mail.py serve MAIL_DIR IMAP_PORT SMTP_PORT
    python3 scripts/demo_mail.py configure ODOO_CONF DB IMAP_PORT SMTP_PORT

``serve`` prints "ready" once both servers answer (the Dovecot and SMTP classes of the
gateway's tests, loaded from their file: no Odoo needed); ``configure`` points the demo
database at them (a company mail server to the capture, the demo customer's mailbox)."""

import importlib.util
import signal
import sys
import threading
import time
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOGIN, PASSWORD = "sat.demo", "demo-secret"
DEMO_MAILS = [
    (
        "Deco Addict <deco.addict82@example.com>",
        "Espresso machine leaks under the boiler",
        "Since this morning there is water under the machine after every coffee.",
    ),
    (
        "Deco Addict <deco.addict82@example.com>",
        "Grinder makes a loud noise",
        "The grinder rattles and the coffee comes out too coarse.",
    ),
    (
        "Office Manager <office@deco-addict.example>",
        "Invoice SAT/2026 question",
        "Could you send us the invoice of the last repair again?",
    ),
]


def _servers_module():
    path = ROOT / "sat_mail_gateway" / "tools" / "mail_servers.py"
    spec = importlib.util.spec_from_file_location("sat_demo_servers", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class EmlCapture:
    """An aiosmtpd handler that writes each mail it receives to MAIL_DIR."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            number = len(list(self.folder.glob("*.eml"))) + 1
            path = self.folder / f"{number:04d}.eml"
            path.write_bytes(envelope.original_content)
        print(f"mail to {', '.join(envelope.rcpt_tos)} kept in {path}", flush=True)
        return "250 OK"


def serve(mail_dir, imap_port, smtp_port):
    from aiosmtpd.controller import Controller

    servers = _servers_module()
    dovecot = servers.Dovecot({LOGIN: PASSWORD})
    dovecot.port = int(imap_port)
    dovecot.start()
    smtp = Controller(EmlCapture(mail_dir), hostname="127.0.0.1", port=int(smtp_port))
    smtp.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_args: stop.set())
    signal.signal(signal.SIGINT, lambda *_args: stop.set())
    try:
        for sender, subject, body in DEMO_MAILS:
            mail = EmailMessage()
            mail["From"] = sender
            mail["To"] = f"{LOGIN}@support.example"
            mail["Subject"] = subject
            mail["Date"] = formatdate()
            mail["Message-Id"] = make_msgid(domain="deco-addict.example")
            mail.set_content(body)
            dovecot.deliver(LOGIN, mail.as_bytes())
        print("ready", flush=True)
        while not stop.is_set():
            time.sleep(0.5)
    finally:
        smtp.stop()
        dovecot.stop()


def configure(conf, db, imap_port, smtp_port):
    """The demo database sends through the capture and reads the demo mailbox."""
    import odoo
    from odoo import SUPERUSER_ID, api
    from odoo.tools import config

    config.parse_config(["-c", conf, "-d", db, "--log-level=warn"])
    with odoo.modules.registry.Registry(db).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        values = {
            "name": "Demo mail capture (scripts/demo_mail.py)",
            "smtp_host": "127.0.0.1",
            "smtp_port": int(smtp_port),
            "smtp_encryption": "none",
            "smtp_authentication": "login",
        }
        Server = env["ir.mail_server"]
        server = Server.search([("name", "=", values["name"])], limit=1)
        server.write(values) if server else Server.create(values)
        customer = env.ref("base.res_partner_2")
        customer.write(
            {
                "sat_mailbox_email": f"{LOGIN}@support.example",
                "sat_imap_host": "127.0.0.1",
                "sat_imap_port": int(imap_port),
                "sat_imap_security": "none",
                "sat_imap_user": LOGIN,
                "sat_imap_password": PASSWORD,
                "sat_smtp_host": "127.0.0.1",
                "sat_smtp_port": int(smtp_port),
                "sat_smtp_encryption": "none",
            }
        )
        print(f"{customer.name}: support mailbox {LOGIN}@support.example", flush=True)


if __name__ == "__main__":
    {"serve": serve, "configure": configure}[sys.argv[1]](*sys.argv[2:])
